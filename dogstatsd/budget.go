package dogstatsd

import (
	"time"

	"github.com/slowroutes/slowroutes/metrics"
)

// foldOrder is the order in which the context budget drops the tags of a
// row's metrics, least useful first. method splits a route that serves
// several methods (and is off by default); status_class splits requests
// five ways but their sum by route stays; graphql_operation matters only
// on GraphQL routes; log_group (with the log group's own tags) separates
// deployments; route last — the row then goes to route:overflow, with the
// team, and only the metric's own closed tags (source) stay.
var foldOrder = [...]string{TagMethod, TagStatusClass, TagOperation, TagLogGroup, TagRoute}

// numFoldLevels counts the fold levels: 0 folds nothing, level k folds the
// first k tags of foldOrder.
const numFoldLevels = len(foldOrder) + 1

// Fold levels with a role of their own.
const (
	foldMethod    = 1
	foldClass     = 2
	foldOperation = 3
	foldLogGroup  = 4
	foldOverflow  = 5
)

// admitPercent[k] is how full (in percent of the budget) a function's
// window may be for a row folded k levels to add contexts. Full tag sets
// may fill 80% of the budget and each level folded 5% more, so that routes
// first seen late in the hour still keep their route tag; route:overflow
// is always admitted (a handful of contexts: one per metric and source).
var admitPercent = [numFoldLevels]int{80, 85, 90, 95, 100, 100}

// DefaultWindow is how long a function counts the contexts it sends
// against its budget: Datadog bills the distinct contexts of each hour.
const DefaultWindow = time.Hour

// Budget families: each Lambda function (harakiri, slowlog) has its own
// budget; the pipeline's health is counted but never folded.
const (
	budgetTimeouts = iota
	budgetRequests
	budgetHealth
	numBudgets
)

func budgetOf(f Family) int {
	switch f {
	case FamilyTimeouts:
		return budgetTimeouts
	case FamilyRequests:
		return budgetRequests
	}
	return budgetHealth
}

// budgetState is one function's window: the contexts it has sent and
// those it refused (folded), as hashes.
type budgetState struct {
	seen    map[uint64]struct{}
	refused map[uint64]struct{}
}

func (b *budgetState) reset() {
	if b.seen == nil {
		b.seen, b.refused = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	clear(b.seen)
	clear(b.refused)
}

// Cost is what the contexts an Emitter has sent cost in Datadog: every
// distinct context (metric and tag set) of a distribution is billed as 5
// custom metrics (count, sum, min, max, avg), 10 with percentile
// aggregations, which the monitors and dashboard need on
// request.duration_ms. The global tags (env, service, version, static
// tags) are the same on every datagram of a function and add no context.
type Cost struct {
	Contexts      int64 `json:"contexts"`
	CustomMetrics int64 `json:"custom_metrics"`
	seen          map[uint64]struct{}
}

// CustomMetricsPerContext is Datadog's price of a distribution context;
// PercentileCustomMetrics what percentile aggregations add to it.
const (
	CustomMetricsPerContext = 5
	PercentileCustomMetrics = 5
)

func (c *Cost) add(h uint64, percentiles bool) {
	if c.seen == nil {
		c.seen = map[uint64]struct{}{}
	}
	if _, ok := c.seen[h]; ok {
		return
	}
	c.seen[h] = struct{}{}
	c.Contexts++
	c.CustomMetrics += CustomMetricsPerContext
	if percentiles {
		c.CustomMetrics += PercentileCustomMetrics
	}
}

// rowFold is the fold level of a row in one function's window.
type rowFold struct {
	row    *metrics.Row
	budget int
}

// startWindow forgets the contexts of the last window when it is over.
func (e *Emitter) startWindow(now time.Time) {
	if d := now.Sub(e.winStart); !e.winStart.IsZero() && d >= 0 && d < e.cfg.Window {
		return
	}
	e.winStart, e.sentOK = now, false
	for i := range e.budgets {
		e.budgets[i].reset()
	}
	clear(e.levels)
}

// windowContexts is the number of distinct contexts sent this window.
func (e *Emitter) windowContexts() int {
	n := 0
	for i := range e.budgets {
		n += len(e.budgets[i].seen)
	}
	return n
}

// limit is how many contexts a function's window may hold for a row
// folded k levels to add new ones.
func (e *Emitter) limit(k int) int { return e.cfg.MaxContexts * admitPercent[k] / 100 }

// Discard is a Client that sends nothing: an Emitter writing to it only
// counts contexts and their Cost.
type Discard struct{}

// Distribution implements Client.
func (Discard) Distribution(string, float64, []string, float64) error { return nil }

// Flush implements Client.
func (Discard) Flush() error { return nil }
