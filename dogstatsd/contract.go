// Package dogstatsd is the DogStatsD side of slowroutes: the metric contract
// (names, units, tags, closed value sets), the datagram grammar, the client
// and the Emitter that turns Aggregates into datagrams.
package dogstatsd

import (
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// Family groups the metrics one Lambda function emits.
type Family uint8

const (
	// FamilyTimeouts is what the harakiri function emits: timeouts, client
	// aborts, upstream failures, worker kills, listen-queue-full events.
	FamilyTimeouts Family = 1 << iota
	// FamilyRequests is what the slowlog function emits: requests, request
	// durations and slow requests, with their GraphQL operations.
	FamilyRequests
	// FamilyHealth is the pipeline's own health, which every emitter sends.
	FamilyHealth

	FamilyAll = FamilyTimeouts | FamilyRequests | FamilyHealth
)

// DefaultNamespace prefixes every metric name (with a dot).
const DefaultNamespace = "slowroutes"

// Tag keys of the contract.
const (
	TagRoute       = "route"
	TagMethod      = "method"
	TagOperation   = "graphql_operation"
	TagLogGroup    = "log_group"
	TagSource      = "source"
	TagStatusClass = "status_class"
	TagParser      = "parser"
	TagResult      = "result"
	TagReason      = "reason"
	TagInput       = "input"
	TagCap         = "cap"
	TagFrame       = "frame"
	TagKind        = "kind"
	TagTeam        = "team"
	TagFolded      = "folded"
)

// GlobalTags are put on every datagram by the DogStatsD client: the unified
// service tags (from DD_ENV, DD_SERVICE, DD_VERSION) and the configured
// static tags, whose keys are the user's.
var GlobalTags = []string{"env", "service", "version"}

// MaxTags is Datadog's limit of tags on one metric point.
const MaxTags = 100

// MaxStaticTags bounds the configured static tags, so that with the three
// unified service tags and the largest per-metric tag set (seven) a point
// stays well within MaxTags.
const MaxStaticTags = 80

// Spec describes one metric of the DogStatsD contract. Every metric is a
// DogStatsD distribution ("|d"), counters included: through the Datadog
// Lambda Extension, counts and gauges sent by concurrent sandboxes with the
// same tags and timestamp overwrite each other, and histograms, sets and
// timers are dropped. A counter's value is the number of events of one
// context in one invocation; query it with sum, never count or avg.
type Spec struct {
	Name        string // without the namespace
	Unit        string
	Family      Family
	Counter     bool                // the value counts events: query with sum
	Tags        []string            // tag keys besides GlobalTags; route-level tags first
	Values      map[string][]string // the closed value sets of some tags
	Description string
	Scope       Scope
	// Deployment: the metric counts each request once per deployment —
	// only the requests of the server Row.Counted names — so it carries no
	// source, and no log_group unless configured (the nginx and the app log
	// groups of one deployment would count it twice); the log group's own
	// tags (SLOWROUTES_LOG_GROUP_TAGS) still tell deployments apart.
	Deployment bool
	// Percentiles: the metric is a real distribution that monitors and
	// dashboards read percentiles of, which Datadog bills 5 more custom
	// metrics per context for.
	Percentiles bool

	// row calls put for each value of the metric in one row (ScopeRoute);
	// batch for each value in the whole batch (the other scopes). A
	// counter's zero values are not sent.
	row   func(r *metrics.Row, put Put)
	batch func(b *batchFacts, put Put)
	// contexts, when set, puts one value for each context row would put
	// values to, cheaply: a distribution of one value per request has one
	// context per row. Counting contexts uses it; a test holds it to row.
	contexts func(r *metrics.Row, put Put)
}

// contextsOf is the function that puts the values of a row's contexts.
func (s *Spec) contextsOf() func(r *metrics.Row, put Put) {
	if s.contexts != nil {
		return s.contexts
	}
	return s.row
}

// Scope says which tags a metric's values carry besides the global tags
// and their own.
type Scope uint8

const (
	// ScopeRoute: route, method and graphql_operation, then the batch's
	// tags (log_group and the log group's own tags).
	ScopeRoute Scope = iota
	// ScopeBatch: the batch's tags.
	ScopeBatch
	// ScopeLogGroup: log_group alone, after the metric's own tags — facts
	// about a delivery rather than about what it holds.
	ScopeLogGroup
	// ScopeFunction: only the global tags — facts about the emitter itself.
	ScopeFunction
)

// Put sends one value with up to three tags of the metric's own ("" for none).
type Put func(v float64, t1, t2, t3 string)

// batchFacts is what the batch-level metrics are computed from.
type batchFacts struct {
	agg      *metrics.Aggregates
	nowMS    int64
	contexts int64                // distinct contexts of the emitter's current window
	folded   [numFoldLevels]int64 // contexts the budget folded in this batch, by the last tag folded
}

// routeTags are the tags of a per-route metric before its own: the route's
// (route, method, graphql_operation, team) and the batch's (log_group).
var routeTags = []string{TagRoute, TagMethod, TagOperation, TagTeam, TagLogGroup}

func with(tags ...string) []string { return append(append([]string{}, routeTags...), tags...) }

// Closed value sets, named by the packages that define them.
var (
	timeoutSources = names(parse.TimeoutHarakiri, parse.NumTimeouts)
	failureSources = names(metrics.Failure(0), metrics.NumFailures)
	serverSources  = names(parse.FirstSource, parse.NumSources)
	statusClasses  = names(metrics.Class(0), metrics.NumClasses)
	parsers        = names(parse.Parser(0), parse.NumParsers)
	lineResults    = names(parse.Outcome(0), parse.NumOutcomes)
	lineReasons    = names(parse.NotMalformed+1, parse.NumMalformations)
	envelopeResult = names(metrics.EnvelopeResult(0), metrics.NumEnvelopeResults)
	envelopeReason = names(event.ReasonNone+1, event.NumReasons)
	inputs         = names(event.InputCloudWatch, event.NumInputs)
	caps           = []string{capRoute, capOperation}
	methods        = route.Methods[:]
	foldedTags     = foldOrder[:]
)

// Values of the cap tag of pipeline.cardinality_overflow.
const (
	capRoute     = "route"
	capOperation = "graphql_operation"
	capFrame     = "frame"
)

// names lists the names of the values of an enumeration from first to just before end.
func names[E interface {
	~uint8
	String() string
}](first, end E) []string {
	var out []string
	for v := first; v < end; v++ {
		out = append(out, v.String())
	}
	return out
}

// Contract lists every metric slowroutes emits, and how each is computed
// from the Aggregates. docs/metrics.md and the monitors are checked against it.
var Contract = []Spec{
	{
		Name: "timeouts", Unit: "request", Family: FamilyTimeouts, Counter: true,
		Tags: with(TagSource), Values: map[string][]string{TagSource: timeoutSources, TagMethod: methods},
		Description: "requests cut by a timeout, by the mechanism that cut them; one request may be seen by several sources (nginx 504 and upstream timed out; Apache 502 and its error log's proxy timeout)",
		row: func(r *metrics.Row, put Put) {
			for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
				put(float64(r.Timeouts[t]), timeoutTag[t], "", "")
			}
		},
	},
	{
		Name: "client_aborts", Unit: "request", Family: FamilyTimeouts, Counter: true, Deployment: true,
		Tags: with(), Values: map[string][]string{TagMethod: methods},
		Description: "requests the client gave up on (an access-log 499, an ALB's 460, Apache %X aborted, or a uWSGI write into the closed connection), once per deployment",
		row:         func(r *metrics.Row, put Put) { put(float64(r.AbortsBy[r.Counted()]), "", "", "") },
	},
	{
		Name: "upstream_failures", Unit: "request", Family: FamilyTimeouts, Counter: true,
		Tags: with(TagSource), Values: map[string][]string{TagSource: failureSources, TagMethod: methods},
		Description: "requests a proxy could not get an answer for (502, and a proxy's 503, in an access log; upstream closed or refused in nginx's error log; Apache's AH00898)",
		row: func(r *metrics.Row, put Put) {
			for f, v := range r.UpstreamFailures {
				put(float64(v), failureTag[f], "", "")
			}
		},
	},
	{
		Name: "worker_kills", Unit: "worker", Family: FamilyTimeouts, Counter: true, Scope: ScopeBatch,
		Tags: []string{TagLogGroup, TagSource}, Values: map[string][]string{TagSource: serverSources},
		Description: "workers killed by a signal (uWSGI DAMN ! worker ... killed by signal; gunicorn terminated due to signal 9)",
		batch: func(b *batchFacts, put Put) {
			for s := parse.FirstSource; s < parse.NumSources; s++ {
				put(float64(b.agg.Events.WorkerKills[s]), serverTag[s], "", "")
			}
		},
	},
	{
		Name: "listen_queue_full", Unit: "event", Family: FamilyTimeouts, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "uWSGI '*** uWSGI listen queue of socket ... full !!!' warnings",
		batch:       func(b *batchFacts, put Put) { put(float64(b.agg.Events.ListenQueueFull), "", "", "") },
	},
	{
		Name: "harakiri_banners", Unit: "event", Family: FamilyTimeouts, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "uWSGI '*** HARAKIRI ON WORKER' banners, every try included",
		batch:       func(b *batchFacts, put Put) { put(float64(b.agg.Events.HarakiriBanners), "", "", "") },
	},
	{
		Name: "harakiri_idle", Unit: "event", Family: FamilyTimeouts, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "harakiri episodes that named no request (the worker was killed between requests)",
		batch:       func(b *batchFacts, put Put) { put(float64(b.agg.Events.HarakiriIdle), "", "", "") },
	},
	{
		Name: "gunicorn_timeouts_attributed", Unit: "request", Family: FamilyTimeouts, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "gunicorn worker timeouts that got a route (the rest are on route unknown): divide by timeouts{source:gunicorn_worker_timeout} for the attributed share",
		batch:       func(b *batchFacts, put Put) { put(float64(b.agg.Events.GunicornTimeoutsAttributed), "", "", "") },
	},
	{
		Name: "requests", Unit: "request", Family: FamilyRequests, Counter: true, Deployment: true,
		Tags:        with(TagStatusClass),
		Values:      map[string][]string{TagStatusClass: statusClasses, TagMethod: methods},
		Description: "finished requests by status class, each counted once per deployment (by the outermost server, or SLOWROUTES_REQUEST_SOURCE)",
		row: func(r *metrics.Row, put Put) {
			for c, v := range r.Requests[r.Counted()] {
				put(float64(v), classTag[c], "", "")
			}
		},
	},
	{
		Name: "request.duration_ms", Unit: "millisecond", Family: FamilyRequests, Deployment: true, Percentiles: true,
		Tags: with(), Values: map[string][]string{TagMethod: methods},
		Description: "request duration as the counted server logged it (nginx $request_time, uWSGI msecs/micros, gunicorn %(D)s, app duration), one value per request",
		row: func(r *metrics.Row, put Put) {
			for _, us := range r.Durations[r.Counted()] {
				put(float64(us)/1000, "", "", "")
			}
		},
		contexts: func(r *metrics.Row, put Put) {
			if r.Timed[r.Counted()] > 0 {
				put(1, "", "", "")
			}
		},
	},
	{
		Name: "slow_requests", Unit: "request", Family: FamilyRequests, Counter: true, Deployment: true,
		Tags: with(), Values: map[string][]string{TagMethod: methods},
		Description: "finished requests at least as long as the slow threshold, once per deployment",
		row:         func(r *metrics.Row, put Put) { put(float64(r.Slow[r.Counted()]), "", "", "") },
	},
	{
		Name: "stuck", Unit: "dump", Family: FamilyRequests, Counter: true,
		Tags: with(TagFrame, TagKind), Values: map[string][]string{TagKind: stuckKinds, TagMethod: methods},
		Description: "stack dumps of a route's requests by the innermost application frame they were stuck in; kind:timeout for the dump of a killed request, kind:slow for a watchdog's or a signal's",
		row:         stuckValues,
	},
	{
		Name: "workers.busy", Unit: "worker", Family: FamilyRequests, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "the most workers of one server stream busy at once, one value per stream per 10 s window, without a stream tag: max against median across instances shows imbalance",
		batch:       busyValues,
	},
	{
		Name: "findings", Unit: "request", Family: FamilyRequests, Counter: true,
		Tags: with(TagKind), Values: map[string][]string{TagKind: findingKinds, TagMethod: methods},
		Description: "requests that show a finding: kind:proxy_timeout_first (a 504 while the worker's own timeout is longer), kind:retry_after_timeout (the same client again within 60 s of a 504 or 499), kind:saturation (held a worker while all were busy)",
		row:         findingValues,
	},
	{
		Name: "pipeline.lines", Unit: "line", Family: FamilyHealth, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup, TagParser, TagResult, TagReason},
		Values:      map[string][]string{TagParser: parsers, TagResult: lineResults, TagReason: lineReasons},
		Description: "log lines read, by the parser that recognized them and the result; malformed lines by reason",
		batch: func(b *batchFacts, put Put) {
			l := &b.agg.Lines
			for p := parse.Parser(0); p < parse.NumParsers; p++ {
				for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
					if o != parse.Malformed {
						put(float64(l.By[p][o]), parserTag[p], resultTag[o], "")
						continue
					}
					for m, n := range l.Malformed[p] {
						put(float64(n), parserTag[p], resultTag[o], reasonTag[m])
					}
				}
			}
		},
	},
	{
		Name: "pipeline.lag_ms", Unit: "millisecond", Family: FamilyHealth, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup},
		Description: "age of the oldest log event that yielded a fact, when its batch was processed (CloudWatch Logs event timestamp to processing), one value per batch",
		batch: func(b *batchFacts, put Put) {
			if oldest := b.agg.OldestEventMS; oldest > 0 {
				put(float64(max(b.nowMS-oldest, 0)), "", "", "")
			}
		},
	},
	{
		Name: "pipeline.cardinality_overflow", Unit: "record", Family: FamilyHealth, Counter: true, Scope: ScopeBatch,
		Tags:        []string{TagLogGroup, TagCap},
		Values:      map[string][]string{TagCap: capsAndFrame},
		Description: "records whose route, GraphQL operation or stuck frame the per-container cardinality cap turned into 'overflow'",
		batch: func(b *batchFacts, put Put) {
			put(float64(b.agg.Events.RouteOverflow), capTag[0], "", "")
			put(float64(b.agg.Events.OperationOverflow), capTag[1], "", "")
			put(float64(b.agg.Events.FrameOverflow), capTag[2], "", "")
		},
	},
	{
		Name: "pipeline.log_group_tag_failures", Unit: "lookup", Family: FamilyHealth, Counter: true, Scope: ScopeLogGroup,
		Tags:        []string{TagLogGroup},
		Description: "reads of a log group's AWS tags that failed (permissions, throttling, time-out): that batch's metrics went out without them",
		batch:       func(b *batchFacts, put Put) { put(float64(b.agg.Events.LogGroupTagFailures), "", "", "") },
	},
	{
		Name: "pipeline.envelopes", Unit: "envelope", Family: FamilyHealth, Counter: true, Scope: ScopeLogGroup,
		Tags:        []string{TagInput, TagResult, TagReason, TagLogGroup},
		Values:      map[string][]string{TagInput: inputs, TagResult: envelopeResult, TagReason: envelopeReason},
		Description: "subscription deliveries (a Lambda event, a Kinesis record) by result; every rejected attempt counts, Lambda's retries included",
		batch: func(b *batchFacts, put Put) {
			env := &b.agg.Envelopes
			for in := range env {
				for res := range env[in] {
					for why, n := range env[in][res] {
						put(float64(n), inputTag[in], envelopeTag[res], envReasonTag[why])
					}
				}
			}
		},
	},
	{
		Name: "pipeline.contexts", Unit: "context", Family: FamilyHealth, Scope: ScopeFunction,
		Description: "distinct contexts (metric and tag set) the function has sent in the current hour, this batch included, one value per batch with per-route facts: query with max",
		batch: func(b *batchFacts, put Put) {
			if b.agg.Len() > 0 {
				put(float64(b.contexts), "", "", "")
			}
		},
	},
	{
		Name: "pipeline.contexts_folded", Unit: "context", Family: FamilyHealth, Counter: true, Scope: ScopeFunction,
		Tags: []string{TagFolded}, Values: map[string][]string{TagFolded: foldedTags},
		Description: "contexts the context budget (SLOWROUTES_MAX_CONTEXTS) did not admit this hour; their values went out with fewer tags, folded: the last tag dropped",
		batch: func(b *batchFacts, put Put) {
			for k := 1; k < numFoldLevels; k++ {
				put(float64(b.folded[k]), foldedTag[k], "", "")
			}
		},
	},
}
