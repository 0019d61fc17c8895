package dogstatsd

import (
	"slices"
	"time"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
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

// Emitter turns Aggregates into DogStatsD distributions: everything it
// sends is read from the Aggregates it is given, the contract and the
// batch's tags. It keeps only scratch buffers and counters between calls.
// Not safe for concurrent use.
type Emitter struct {
	c       Client
	cfg     EmitterConfig
	sinceFl int
	tags    []string
	batch   []string // tags of the batch being emitted: log_group and the log group's own tags
	lg      string   // the log_group tag of the batch, "" for none

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
	return &Emitter{c: c, cfg: cfg}
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

func (e *Emitter) send(name string, v float64, tags []string) {
	if err := e.c.Distribution(name, v, tags, 1); err != nil {
		e.Failed++
		return
	}
	e.Sent++
	if e.sinceFl++; e.sinceFl >= e.cfg.FlushEvery {
		_ = e.Flush()
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
	lg := e.batch[:0]
	if e.lg != "" {
		lg = append(lg, e.lg)
	}
	lg = append(lg, b.Tags...)
	e.batch = lg
	fam := e.cfg.Families
	var folded int64
	if fam&(FamilyTimeouts|FamilyRequests) != 0 {
		folded = e.rows(agg, lg)
	}
	if fam&FamilyTimeouts != 0 {
		ev := &agg.Events
		for s := parse.FirstSource; s < parse.NumSources; s++ {
			e.count("worker_kills", ev.WorkerKills[s], serverTag[s])
		}
		e.count("listen_queue_full", ev.ListenQueueFull, "")
		e.count("harakiri_banners", ev.HarakiriBanners, "")
		e.count("harakiri_idle", ev.HarakiriIdle, "")
	}
	e.lines(&agg.Lines)
	e.count("pipeline.cardinality_overflow", agg.Events.RouteOverflow, capTag[0])
	e.count("pipeline.cardinality_overflow", agg.Events.OperationOverflow, capTag[1])
	e.count("pipeline.cardinality_overflow", folded, capTag[2])
	if agg.OldestEventMS > 0 {
		lag := max(e.cfg.Now().UnixMilli()-agg.OldestEventMS, 0)
		e.send("pipeline.lag_ms", float64(lag), e.with())
	}
	if n := agg.Events.LogGroupTagFailures; n > 0 {
		e.send("pipeline.log_group_tag_failures", float64(n), e.own())
	}
	e.envelopes(&agg.Envelopes)
	e.batch = e.batch[:0]
	return e.Sent - before
}

func (e *Emitter) lines(l *metrics.Lines) {
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
			if o == parse.Malformed {
				for m, n := range l.Malformed[p] {
					if n > 0 {
						e.send("pipeline.lines", float64(n), e.with(parserTag[p], resultTag[o], reasonTag[m]))
					}
				}
				continue
			}
			if n := l.By[p][o]; n > 0 {
				e.send("pipeline.lines", float64(n), e.with(parserTag[p], resultTag[o]))
			}
		}
	}
}

// envelopes sends the deliveries by input, result and reason; they carry
// the log_group tag, not the log group's own tags.
func (e *Emitter) envelopes(env *metrics.Envelopes) {
	for in := range env {
		for res := range env[in] {
			for why, n := range env[in][res] {
				if n == 0 {
					continue
				}
				t := append(e.tags[:0], inputTag[in], envelopeTag[res])
				if why != int(event.ReasonNone) {
					t = append(t, envReasonTag[why])
				}
				if e.lg != "" {
					t = append(t, e.lg)
				}
				e.tags = t
				e.send("pipeline.envelopes", float64(n), t)
			}
		}
	}
}

func (e *Emitter) count(name string, n int64, tag string) {
	if n > 0 {
		e.send(name, float64(n), e.with(tag))
	}
}

// with returns the batch's tags and the non-empty tags among ts in the
// Emitter's scratch slice.
func (e *Emitter) with(ts ...string) []string {
	t := append(e.tags[:0], e.batch...)
	for _, s := range ts {
		if s != "" {
			t = append(t, s)
		}
	}
	e.tags = t
	return t
}

// own returns the log_group tag alone (for facts about the log group
// itself), in the scratch slice.
func (e *Emitter) own() []string {
	t := e.tags[:0]
	if e.lg != "" {
		t = append(t, e.lg)
	}
	e.tags = t
	return t
}

// overflowReserve is the room kept in the context budget for the row that
// folded rows go to.
const overflowReserve = 64

// rows sends the per-route metrics and returns the number of rows folded
// into route "overflow".
func (e *Emitter) rows(agg *metrics.Aggregates, lg []string) int64 {
	var (
		used   int
		folded int64
		of     *metrics.Row
	)
	budget := e.cfg.MaxContexts - overflowReserve
	agg.EachRow(func(r *metrics.Row) { used += e.contexts(r) })
	if used <= budget {
		agg.EachRow(func(r *metrics.Row) { e.row(r, lg) })
		return 0
	}
	used = 0
	for _, r := range agg.Rows() {
		if n := e.contexts(r); used+n <= budget {
			used += n
			e.row(r, lg)
			continue
		}
		if of == nil {
			of = &metrics.Row{Key: metrics.Key{Route: route.Overflow}}
		}
		of.Merge(r)
		folded++
	}
	if of != nil {
		e.row(of, lg)
	}
	return folded
}

// contexts counts the contexts the metrics of r use.
func (e *Emitter) contexts(r *metrics.Row) int {
	n := 0
	if e.cfg.Families&FamilyTimeouts != 0 {
		n += nonZero(r.Timeouts[:]) + nonZero(r.UpstreamFailures[:])
		if r.ClientAborts > 0 {
			n++
		}
	}
	if e.cfg.Families&FamilyRequests != 0 {
		for s := parse.FirstSource; s < parse.NumSources; s++ {
			n += nonZero(r.Requests[s][:])
			if len(r.Durations[s]) > 0 {
				n++
			}
			if r.Slow[s] > 0 {
				n++
			}
		}
	}
	return n
}

func nonZero(v []int64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// row sends the metrics of one row.
func (e *Emitter) row(r *metrics.Row, lg []string) {
	base := append(e.tags[:0], tag.Make(TagRoute, r.Route))
	if r.Method != "" {
		base = append(base, tag.Make(TagMethod, r.Method))
	}
	if r.Operation != "" {
		base = append(base, tag.Make(TagOperation, r.Operation))
	}
	base = append(base, lg...)
	// The client has written the tags out when Distribution returns, so the
	// tags of one datagram may overwrite the extra tags of the last: with
	// room for two extra tags, base serves every datagram of the row.
	base = slices.Grow(base, 2)
	e.tags = base
	nb := len(base)
	tags := func(extra ...string) []string { return append(base[:nb], extra...) }
	if e.cfg.Families&FamilyTimeouts != 0 {
		for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
			if v := r.Timeouts[t]; v > 0 {
				e.send("timeouts", float64(v), tags(timeoutTag[t]))
			}
		}
		if r.ClientAborts > 0 {
			e.send("client_aborts", float64(r.ClientAborts), tags())
		}
		for f := metrics.Failure(0); f < metrics.NumFailures; f++ {
			if v := r.UpstreamFailures[f]; v > 0 {
				e.send("upstream_failures", float64(v), tags(failureTag[f]))
			}
		}
	}
	if e.cfg.Families&FamilyRequests == 0 {
		return
	}
	for s := parse.FirstSource; s < parse.NumSources; s++ {
		for c, v := range r.Requests[s] {
			if v > 0 {
				e.send("requests", float64(v), tags(serverTag[s], classTag[c]))
			}
		}
		if ds := r.Durations[s]; len(ds) > 0 {
			t := tags(serverTag[s])
			for _, us := range ds {
				e.send("request.duration_ms", float64(us)/1000, t)
			}
		}
		if r.Slow[s] > 0 {
			e.send("slow_requests", float64(r.Slow[s]), tags(serverTag[s]))
		}
	}
}

// Precomputed tags of the closed value sets.
var (
	serverTag    [parse.NumSources]string
	timeoutTag   [parse.NumTimeouts]string
	failureTag   [metrics.NumFailures]string
	parserTag    [parse.NumParsers]string
	resultTag    [parse.NumOutcomes]string
	reasonTag    [parse.NumMalformations]string
	classTag     [metrics.NumClasses]string
	inputTag     [event.NumInputs]string
	envelopeTag  [metrics.NumEnvelopeResults]string
	envReasonTag [event.NumReasons]string
	capTag       = [...]string{TagCap + ":" + capRoute, TagCap + ":" + capOperation, TagCap + ":" + capContexts}
)

func init() {
	for s := parse.FirstSource; s < parse.NumSources; s++ {
		serverTag[s] = TagSource + ":" + s.String()
	}
	for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
		timeoutTag[t] = TagSource + ":" + t.String()
	}
	for f := metrics.Failure(0); f < metrics.NumFailures; f++ {
		failureTag[f] = TagSource + ":" + f.String()
	}
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		parserTag[p] = TagParser + ":" + p.String()
	}
	for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
		resultTag[o] = TagResult + ":" + o.String()
	}
	for m := parse.NotMalformed + 1; m < parse.NumMalformations; m++ {
		reasonTag[m] = TagReason + ":" + m.String()
	}
	for c := metrics.Class(0); c < metrics.NumClasses; c++ {
		classTag[c] = TagStatusClass + ":" + c.String()
	}
	for in := event.Input(1); in < event.NumInputs; in++ {
		inputTag[in] = TagInput + ":" + in.String()
	}
	for r := metrics.EnvelopeResult(0); r < metrics.NumEnvelopeResults; r++ {
		envelopeTag[r] = TagResult + ":" + r.String()
	}
	for r := event.ReasonNone + 1; r < event.NumReasons; r++ {
		envReasonTag[r] = TagReason + ":" + r.String()
	}
}
