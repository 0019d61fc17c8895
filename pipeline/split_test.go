package pipeline_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
	"github.com/slowroutes/slowroutes/route"
)

// delivery is a run of consecutive lines of one stream: what CloudWatch
// Logs hands one Lambda invocation.
type delivery struct {
	stream string
	first  int // index of its first line in the stream
	lines  [][]byte
}

// cut cuts every stream of a set into deliveries of random sizes: mostly
// short (a quiet stream flushed often), sometimes long.
func cut(set captureSet, rng *rand.Rand) []delivery {
	var out []delivery
	for _, st := range set.streams {
		for i := 0; i < len(st.lines); {
			n := 1 + rng.IntN(12)
			if rng.IntN(4) == 0 {
				n = 1 + rng.IntN(400)
			}
			n = min(n, len(st.lines)-i)
			out = append(out, delivery{stream: st.name, first: i, lines: st.lines[i : i+n]})
			i += n
		}
	}
	return out
}

func feed(p *pipeline.Pipeline, set captureSet, d delivery) {
	s := p.Stream([]byte("/captures/"+set.name), []byte(d.stream))
	for i, l := range d.lines {
		p.Line(s, l, eventMS(d.first+i))
	}
}

// splitSeeds is how many random cuts of each capture set are tried.
const splitSeeds = 12

// TestSplitDeliveries is the property that per-route counts do not depend
// on how CloudWatch Logs cuts a stream into deliveries, nor on which
// container gets which: every real capture, cut at random (seeded), each
// delivery read by a fresh pipeline and the results summed, or the
// deliveries shuffled into one warm pipeline, counts the timeouts of the
// whole files on the same routes — nothing lost, nothing doubled — with
// no idle-worker kill; a gunicorn timeout may only lose its route (to
// "unknown") or its GraphQL operation, never get another one. Client
// aborts seen by nginx are exact; those uWSGI writes may count twice when
// a cut falls between a request's SIGPIPE and write-error lines, never
// less (docs/metrics.md, limits).
func TestSplitDeliveries(t *testing.T) {
	for _, set := range allCaptureSets(t) {
		whole := newTally()
		whole.add(wholeRun(set))
		if whole.Idle != 0 {
			t.Fatalf("%s: the whole files have %d idle-worker kills", set.name, whole.Idle)
		}
		var kinds int
		for _, m := range whole.Timeouts {
			kinds += len(m)
		}
		if kinds == 0 {
			t.Fatalf("%s: no timeouts: the test checks nothing", set.name)
		}
		for seed := uint64(1); seed <= splitSeeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			ds := cut(set, rng)

			fresh := newTally()
			for _, d := range ds {
				p := pipeline.New(pipeline.Config{})
				feed(p, set, d)
				p.Close()
				fresh.add(report.Build(p.Aggregates()))
			}
			checkSplit(t, fmt.Sprintf("%s seed %d, %d deliveries in fresh pipelines", set.name, seed, len(ds)), whole, fresh)

			rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
			p := pipeline.New(pipeline.Config{})
			for _, d := range ds {
				feed(p, set, d)
			}
			p.Close()
			warm := newTally()
			warm.add(report.Build(p.Aggregates()))
			checkSplit(t, fmt.Sprintf("%s seed %d, %d deliveries shuffled in one pipeline", set.name, seed, len(ds)), whole, warm)
		}
	}
}

func checkSplit(t *testing.T, name string, whole, got tally) {
	t.Helper()
	for _, kind := range []string{"uwsgi_harakiri", "nginx_504", "nginx_upstream_timeout"} {
		if diff := cmp.Diff(whole.Timeouts[kind], got.Timeouts[kind]); diff != "" {
			t.Errorf("%s: %s timeouts (-whole +split):\n%s", name, kind, diff)
		}
	}
	wg, gg := whole.Timeouts["gunicorn_worker_timeout"], got.Timeouts["gunicorn_worker_timeout"]
	if sum(wg) != sum(gg) {
		t.Errorf("%s: %d gunicorn timeouts, the whole files %d", name, sum(gg), sum(wg))
	}
	wrm, grm := byRouteMethod(wg), byRouteMethod(gg)
	for _, k := range capture.SortedKeys(grm) {
		if k.Route != route.Unknown && grm[k] > wrm[k] {
			t.Errorf("%s: gunicorn timeouts on %v: %d, the whole files %d (a wrong route)", name, k, grm[k], wrm[k])
		}
	}
	if got.Idle != 0 {
		t.Errorf("%s: %d idle-worker kills", name, got.Idle)
	}
	if diff := cmp.Diff(whole.Aborts["nginx"], got.Aborts["nginx"]); diff != "" {
		t.Errorf("%s: nginx client aborts (-whole +split):\n%s", name, diff)
	}
	for k, n := range whole.Aborts["uwsgi"] {
		if got.Aborts["uwsgi"][k]+got.Aborts["uwsgi"][capture.Key{Route: k.Route}] < n {
			t.Errorf("%s: uWSGI client aborts on %v lost", name, k)
		}
	}
}
