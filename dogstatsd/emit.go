package dogstatsd

import (
	"time"

	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/route"
)

// DefaultMaxContexts bounds the distinct contexts (metric and tag set) one
// Emit sends, far below the 10,240 the Lambda Extension keeps per flush.
const DefaultMaxContexts = 2000

// MaxContexts is the largest context budget: the Lambda Extension keeps at
// most 10,240 contexts per flush.
const MaxContexts = 10000

// DefaultFlushEvery is how many datagrams an Emitter sends between flushes:
// the client queues at most 2,048 payloads of ~1,400 bytes and drops the
// rest, so a large batch is sent in slices.
const DefaultFlushEvery = 4096

// EmitterConfig configures an Emitter.
type EmitterConfig struct {
	// Families selects the metrics (FamilyAll when zero). FamilyHealth is always sent.
	Families Family
	// MaxContexts bounds the contexts of one Emit (DefaultMaxContexts when zero).
	MaxContexts int
	// FlushEvery is the number of datagrams between flushes (DefaultFlushEvery when zero).
	FlushEvery int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Emitter turns Aggregates into DogStatsD distributions: it sends each
// metric of the contract as the contract computes it from the Aggregates,
// with the batch's tags. It keeps only scratch buffers and counters
// between calls. Not safe for concurrent use.
type Emitter struct {
	c       Client
	cfg     EmitterConfig
	specs   []*Spec // the contract's metrics of the enabled families
	sinceFl int

	// The value being sent: its spec, the tags that come before its own
	// (route tags and the batch's), and the tag scratch slice.
	spec    *Spec
	prefix  []string
	rowTags []string // the route tags and the batch's, of the row being sent
	// keyTags caches the route, method and operation tags of rows, which
	// a container's Aggregates keep from batch to batch.
	keyTags map[*metrics.Row][]string
	tags    []string
	batch   []string // tags of the batch: log_group and the log group's own tags
	lg      string   // the log_group tag of the batch, "" for none
	put     Put      // e.send bound once, so that passing it allocates nothing

	// contexts counting: the tags of the last value seen and the count.
	last    [3]string
	counted int
	count   Put

	// Sent counts datagrams handed to the client; Failed those it refused.
	Sent, Failed int64
}

// NewEmitter returns an Emitter writing to c.
func NewEmitter(c Client, cfg EmitterConfig) *Emitter {
	if cfg.Families == 0 {
		cfg.Families = FamilyAll
	}
	cfg.Families |= FamilyHealth
	if cfg.MaxContexts <= 0 {
		cfg.MaxContexts = DefaultMaxContexts
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = DefaultFlushEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &Emitter{c: c, cfg: cfg, keyTags: map[*metrics.Row][]string{}}
	for i := range Contract {
		if s := &Contract[i]; s.Family&cfg.Families != 0 {
			e.specs = append(e.specs, s)
		}
	}
	e.put = e.value
	e.count = e.countContext
	return e
}

// Families returns the metric families the Emitter sends.
func (e *Emitter) Families() Family { return e.cfg.Families }

// KeepsDurations says whether the Emitter sends one value per request, so
// that the Aggregates it reads must keep every duration.
func (e *Emitter) KeepsDurations() bool { return e.cfg.Families&FamilyRequests != 0 }

// Flush sends what the client holds.
func (e *Emitter) Flush() error {
	e.sinceFl = 0
	return e.c.Flush()
}

// value sends one value of e.spec after e.prefix, with its own tags; the
// tags of the scope ScopeLogGroup come after them.
func (e *Emitter) value(v float64, t1, t2, t3 string) {
	if v == 0 && e.spec.Counter {
		return
	}
	t := append(e.tags[:0], e.prefix...)
	for _, s := range [3]string{t1, t2, t3} {
		if s != "" {
			t = append(t, s)
		}
	}
	if e.spec.Scope == ScopeLogGroup && e.lg != "" {
		t = append(t, e.lg)
	}
	e.tags = t
	if err := e.c.Distribution(e.spec.Name, v, t, 1); err != nil {
		e.Failed++
		return
	}
	e.Sent++
	if e.sinceFl++; e.sinceFl >= e.cfg.FlushEvery {
		_ = e.Flush()
	}
}

// countContext counts the contexts e.spec's values would use: its values
// come grouped by tag set, so a new context is a change of tags.
func (e *Emitter) countContext(v float64, t1, t2, t3 string) {
	if v == 0 && e.spec.Counter {
		return
	}
	if k := [3]string{t1, t2, t3}; e.counted == 0 || k != e.last {
		e.last = k
		e.counted++
	}
}

// Batch says where the facts of one Emit came from.
type Batch struct {
	// LogGroup is the CloudWatch Logs log group, "" for local files.
	LogGroup string
	// Tags are put on every per-route and pipeline metric of the batch: the
	// log group's own AWS tags, already valid DogStatsD tags.
	Tags []string
}

// Emit sends the facts of agg (one batch). Counters are sent once per
// context with the number of events as the value. Rows past the context
// budget, least bad first, are folded into route "overflow". It returns the
// datagrams sent.
func (e *Emitter) Emit(agg *metrics.Aggregates, b Batch) int64 {
	before := e.Sent
	e.lg = ""
	if b.LogGroup != "" {
		e.lg = tag.Make(TagLogGroup, b.LogGroup)
	}
	e.batch = e.batch[:0]
	if e.lg != "" {
		e.batch = append(e.batch, e.lg)
	}
	e.batch = append(e.batch, b.Tags...)
	facts := batchFacts{agg: agg, nowMS: e.cfg.Now().UnixMilli(), folded: e.rows(agg)}
	for _, s := range e.specs {
		if s.batch == nil {
			continue
		}
		e.spec, e.prefix = s, e.batch
		if s.Scope == ScopeLogGroup {
			e.prefix = nil
		}
		s.batch(&facts, e.put)
	}
	e.spec, e.prefix = nil, nil
	return e.Sent - before
}

// overflowReserve is the room kept in the context budget for the row that
// folded rows go to.
const overflowReserve = 64

// rows sends the per-route metrics and returns the number of rows folded
// into route "overflow".
func (e *Emitter) rows(agg *metrics.Aggregates) int64 {
	var (
		used   int
		folded int64
		of     *metrics.Row
	)
	budget := e.cfg.MaxContexts - overflowReserve
	agg.EachRow(func(r *metrics.Row) { used += e.contexts(r) })
	if used <= budget {
		agg.EachRow(e.row)
		return 0
	}
	used = 0
	for _, r := range agg.Rows() {
		if n := e.contexts(r); used+n <= budget {
			used += n
			e.row(r)
			continue
		}
		if of == nil {
			of = &metrics.Row{Key: metrics.Key{Route: route.Overflow}}
		}
		of.Merge(r)
		folded++
	}
	if of != nil {
		e.row(of)
		delete(e.keyTags, of) // a new row every time: not worth keeping
	}
	return folded
}

// contexts counts the contexts the metrics of r use.
func (e *Emitter) contexts(r *metrics.Row) int {
	n := 0
	for _, s := range e.specs {
		if s.row == nil {
			continue
		}
		e.spec, e.counted = s, 0
		s.row(r, e.count)
		n += e.counted
	}
	return n
}

// maxKeyTags bounds the rows whose tags are cached.
const maxKeyTags = 16384

// row sends the metrics of one row after its route tags and the batch's.
func (e *Emitter) row(r *metrics.Row) {
	kt, ok := e.keyTags[r]
	if !ok {
		kt = []string{tag.Make(TagRoute, r.Route)}
		if r.Method != "" {
			kt = append(kt, tag.Make(TagMethod, r.Method))
		}
		if r.Operation != "" {
			kt = append(kt, tag.Make(TagOperation, r.Operation))
		}
		if len(e.keyTags) >= maxKeyTags {
			clear(e.keyTags)
		}
		e.keyTags[r] = kt
	}
	e.rowTags = append(append(e.rowTags[:0], kt...), e.batch...)
	e.prefix = e.rowTags
	for _, s := range e.specs {
		if s.row != nil {
			e.spec = s
			s.row(r, e.put)
		}
	}
}
