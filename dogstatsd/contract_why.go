package dogstatsd

import (
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
)

// The metrics of why routes time out: where their code was stuck, how busy
// the workers were, what to change. The slowlog function sends them: each
// needs lines no subscription filter can pick out (the request a worker
// was serving when a watchdog dumped it, every request a busy worker
// served, every request a client repeated).

var (
	// capsAndFrame are the cap tag's values: the stuck frame cap is one.
	capsAndFrame = append(append([]string{}, caps...), capFrame)
	stuckKinds   = names(metrics.StuckKind(0), metrics.NumStuckKinds)
	findingKinds = names(metrics.FindingKind(0), metrics.NumFindingKinds)
	stuckKindTag [metrics.NumStuckKinds]string
	findingTag   [metrics.NumFindingKinds]string
)

func init() {
	tagsOf(stuckKindTag[:], TagKind, metrics.StuckKind(0), metrics.NumStuckKinds)
	tagsOf(findingTag[:], TagKind, metrics.FindingKind(0), metrics.NumFindingKinds)
}

func stuckValues(r *metrics.Row, put Put) {
	for _, s := range r.Stuck {
		put(float64(s.Count), tag.Make(TagFrame, s.Frame), stuckKindTag[s.Kind], "")
	}
}

func busyValues(b *batchFacts, put Put) {
	b.agg.EachStreamWorkers(func(w *metrics.StreamWorkers) {
		for _, v := range w.Windows {
			put(float64(v), "", "", "")
		}
	})
}

func findingValues(r *metrics.Row, put Put) {
	for k, n := range r.Findings {
		put(float64(n), findingTag[k], "", "")
	}
}
