package dogstatsd

import (
	"hash/maphash"
	"time"

	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
)

// DefaultMaxContexts is each function's default context budget: the
// distinct contexts (metric and tag set) it sends in an hour, which is what
// Datadog bills, far below the 10,240 the Lambda Extension keeps per flush.
const DefaultMaxContexts = 4000

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
	// MaxContexts is the context budget of each function (harakiri,
	// slowlog) per Window (DefaultMaxContexts when zero).
	MaxContexts int
	// Window is how long contexts count against the budget (DefaultWindow when zero).
	Window time.Duration
	// MethodTag puts the method on every per-route metric.
	MethodTag bool
	// LogGroupOnRequests puts log_group on the metrics that count a request
	// once per deployment (Spec.Deployment), for functions that serve apps
	// the log groups' own tags do not tell apart.
	LogGroupOnRequests bool
	// Cost, if set, counts every distinct context sent (and what it costs).
	Cost *Cost
	// CountOnly counts the contexts (and their Cost) without sending any
	// per-route value: what a report needs to know what emit would send,
	// without keeping every request's duration.
	CountOnly bool
	// Observe, if set, sees the Aggregates of every Emit once they are
	// sent: a report accumulates what a handler emits and resets
	// (metrics.Aggregates.Merge).
	Observe func(*metrics.Aggregates)
	// FlushEvery is the number of datagrams between flushes (DefaultFlushEvery when zero).
	FlushEvery int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Emitter turns Aggregates into DogStatsD distributions: it sends each
// metric of the contract as the contract computes it from the Aggregates,
// with the row's and the batch's tags, folded as the context budget
// requires. It keeps scratch buffers and the contexts of the current
// window between calls. Not safe for concurrent use.
type Emitter struct {
	c       Client
	cfg     EmitterConfig
	specs   []*specInfo // the contract's metrics of the enabled families
	sinceFl int

	seed maphash.Seed
	h    maphash.Hash

	// The batch: its tags (log_group and the log group's own tags).
	lg      string
	awsTags []string

	// The window of the context budget.
	winStart time.Time
	budgets  [numBudgets]budgetState
	levels   map[rowFold]int
	keyTags  map[*metrics.Row]*keyTags
	folded   [numFoldLevels]int64

	// The values being sent or counted: their spec, fold level and the
	// tags before their own.
	spec   *specInfo
	level  int
	prefix []string
	pre    []string // the batch's tags
	rowPre []string // a row's tags
	tags   []string
	last   [3]string // own tags of the last value, whose hash is lastHash
	lastOK bool
	lastH  uint64
	sentOK bool
	sentH  uint64          // the context of the last value sent, registered already
	pass   map[uint64]bool // contexts a counting pass found new, and whether they have percentiles
	pend   pending
	found  []found // the contexts a counting Emitter's first pass found
	put    Put     // e.value bound once, so that passing it allocates nothing
	count  Put     // e.countContext bound once
	bound  Put     // e.boundValue bound once
	bounds int     // the values e.bound saw

	// Sent counts datagrams handed to the client; Failed those it refused.
	Sent, Failed int64
}

// specInfo is a Spec with what the Emitter derives from it once.
type specInfo struct {
	*Spec
	budget int
	own    [3]string // the keys of the tags the spec's funcs put, in order
	foldAt [3]int    // the fold level that drops each own tag (numFoldLevels: never)
}

// keyTags are the route tags of a row, made once: rows live from batch to
// batch in a Lambda container.
type keyTags struct{ route, method, op, team string }

// pending is a counter value not sent yet: folded rows put several values
// into one context, which goes out as their sum, one datagram.
type pending struct {
	ok   bool
	h    uint64
	v    float64
	tags []string
	spec *specInfo
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
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = DefaultFlushEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &Emitter{c: c, cfg: cfg, seed: maphash.MakeSeed(), keyTags: map[*metrics.Row]*keyTags{},
		levels: map[rowFold]int{}, pass: map[uint64]bool{}}
	e.h.SetSeed(e.seed)
	for i := range Contract {
		s := &Contract[i]
		if s.Family&cfg.Families == 0 {
			continue
		}
		si := &specInfo{Spec: s, budget: budgetOf(s.Family)}
		n := 0
		for _, k := range s.Tags {
			if k == TagLogGroup || s.Scope == ScopeRoute && isRouteTag(k) {
				continue
			}
			si.own[n], si.foldAt[n] = k, numFoldLevels
			if s.Scope == ScopeRoute && k == TagStatusClass {
				si.foldAt[n] = foldClass
			}
			n++
		}
		for ; n < 3; n++ {
			si.foldAt[n] = numFoldLevels
		}
		e.specs = append(e.specs, si)
	}
	e.put = e.value
	e.count = e.countContext
	e.bound = e.boundValue
	return e
}

func isRouteTag(k string) bool {
	return k == TagRoute || k == TagMethod || k == TagOperation || k == TagTeam
}

// Families returns the metric families the Emitter sends.
func (e *Emitter) Families() Family { return e.cfg.Families }

// KeepsDurations says whether the Emitter sends one value per request, so
// that the Aggregates it reads must keep every duration.
func (e *Emitter) KeepsDurations() bool {
	return e.cfg.Families&FamilyRequests != 0 && !e.cfg.CountOnly
}

// Flush sends what the client holds.
func (e *Emitter) Flush() error {
	e.sinceFl = 0
	return e.c.Flush()
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
// context with the number of events as the value. Rows whose contexts do
// not fit the budget are sent with fewer tags (foldOrder). It returns the
// datagrams sent.
func (e *Emitter) Emit(agg *metrics.Aggregates, b Batch) int64 {
	before := e.Sent
	now := e.cfg.Now()
	e.startWindow(now)
	e.lg = ""
	if b.LogGroup != "" {
		e.lg = tag.Make(TagLogGroup, b.LogGroup)
	}
	e.awsTags = b.Tags
	e.folded = [numFoldLevels]int64{}
	e.rows(agg)
	facts := batchFacts{agg: agg, nowMS: now.UnixMilli(), folded: e.folded}
	batchTags := e.pre[:0]
	if e.lg != "" {
		batchTags = append(batchTags, e.lg)
	}
	batchTags = append(batchTags, b.Tags...)
	e.pre = batchTags
	for _, s := range e.specs {
		if s.batch == nil {
			continue
		}
		e.begin(s, 0)
		e.prefix = nil
		if s.Scope == ScopeBatch {
			e.prefix = batchTags
		}
		facts.contexts = int64(e.windowContexts())
		s.batch(&facts, e.put)
		e.flushPending()
	}
	e.spec, e.prefix = nil, nil
	if e.cfg.Observe != nil {
		e.cfg.Observe(agg)
	}
	return e.Sent - before
}

// begin starts the values of spec s at fold level k.
func (e *Emitter) begin(s *specInfo, k int) {
	e.spec, e.level, e.lastOK = s, k, false
}

// value sends one value of e.spec after e.prefix, with its own tags; the
// tags of the scope ScopeLogGroup come after them.
func (e *Emitter) value(v float64, t1, t2, t3 string) {
	if v == 0 && e.spec.Counter {
		return
	}
	h := e.context(t1, t2, t3)
	if e.spec.Counter {
		if e.pend.ok && e.pend.h == h {
			e.pend.v += v
			return
		}
		e.flushPending()
		e.pend = pending{ok: true, h: h, v: v, tags: append(e.pend.tags[:0], e.tags...), spec: e.spec}
		return
	}
	e.send(e.spec, h, v, e.tags)
}

// flushPending sends the pending counter value.
func (e *Emitter) flushPending() {
	if !e.pend.ok {
		return
	}
	e.pend.ok = false
	e.send(e.pend.spec, e.pend.h, e.pend.v, e.pend.tags)
}

func (e *Emitter) send(s *specInfo, h uint64, v float64, tags []string) {
	if !e.sentOK || h != e.sentH {
		e.register(s.budget, h, s.Percentiles)
		e.sentOK, e.sentH = true, h
	}
	if e.cfg.CountOnly && s.row != nil {
		return
	}
	if err := e.c.Distribution(s.Name, v, tags, 1); err != nil {
		e.Failed++
		return
	}
	e.Sent++
	if e.sinceFl++; e.sinceFl >= e.cfg.FlushEvery {
		_ = e.Flush()
	}
}

// register counts context h as sent in budget b.
func (e *Emitter) register(b int, h uint64, percentiles bool) {
	e.budgets[b].seen[h] = struct{}{}
	if e.cfg.Cost != nil {
		e.cfg.Cost.add(h, percentiles)
	}
}

// context builds the tags of a value of e.spec into e.tags and returns
// the hash of its context. Values of one spec come in runs with the same
// tags (one per request of a row): the last hash is reused.
func (e *Emitter) context(t1, t2, t3 string) uint64 {
	own := [3]string{t1, t2, t3}
	if e.lastOK && own == e.last {
		return e.lastH
	}
	t := append(e.tags[:0], e.prefix...)
	for i, s := range own {
		if s != "" && e.level < e.spec.foldAt[i] {
			t = append(t, s)
		}
	}
	if e.spec.Scope == ScopeLogGroup && e.lg != "" {
		t = append(t, e.lg)
	}
	e.tags = t
	e.h.Reset()
	e.h.WriteString(e.spec.Name)
	for _, s := range t {
		e.h.WriteByte(',')
		e.h.WriteString(s)
	}
	e.last, e.lastOK, e.lastH = own, true, e.h.Sum64()
	return e.lastH
}

// boundValue counts a value that may have a context of its own: a bound
// on the contexts of what is put, found without building tags or hashing.
func (e *Emitter) boundValue(v float64, _, _, _ string) {
	if v != 0 || !e.spec.Counter {
		e.bounds++
	}
}

// countContext counts the contexts of e.spec's values that its window
// does not have yet.
func (e *Emitter) countContext(v float64, t1, t2, t3 string) {
	if v == 0 && e.spec.Counter {
		return
	}
	h := e.context(t1, t2, t3)
	if _, ok := e.budgets[e.spec.budget].seen[h]; ok {
		return
	}
	e.pass[h] = e.spec.Percentiles
}
