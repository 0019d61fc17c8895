package metrics

import (
	"slices"
	"time"

	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// DefaultMaxContexts bounds the distinct contexts (metric and tag set) one
// Emit sends, far below the 10,240 the Lambda Extension keeps per flush.
const DefaultMaxContexts = 2000

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

// Emitter turns the Aggregates of one batch into DogStatsD distributions.
// It must see every record through Observe (the pipeline's OnRecord hook):
// that is where it keeps the per-request facts Aggregates do not hold
// (status classes, exact durations per source). Not safe for concurrent use.
type Emitter struct {
	c        Client
	cfg      EmitterConfig
	observed []*Row // rows whose samples field this Emitter set since the last Emit
	free     []*rowSamples
	oldestMS int64 // oldest log event time of a fact since the last Emit, 0 if none
	sinceFl  int
	tags     []string
	buf      []byte
	batch    []string // tags of the batch being emitted: log_group and the log group's own tags

	// Sent counts datagrams handed to the client; Failed those it refused.
	Sent, Failed int64
}

// rowSamples holds the requests of one row, by the source that logged them.
type rowSamples [parse.NumSources]sample

type sample struct {
	classes [numClasses]int64
	durUS   []int64
}

const numClasses = 6 // 1xx..5xx, unknown

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

// Observe sees one record of the pipeline (its OnRecord hook) with the time
// of the log event it came from (milliseconds since the epoch, 0 when
// unknown). row is nil for facts that belong to no route.
func (e *Emitter) Observe(rec *parse.Record, row *Row, eventMS int64) {
	if eventMS > 0 && (e.oldestMS == 0 || eventMS < e.oldestMS) {
		e.oldestMS = eventMS
	}
	if row == nil || rec.Kind != parse.KindRequest || e.cfg.Families&FamilyRequests == 0 {
		return
	}
	rs := row.samples
	if rs == nil {
		rs = e.newSamples()
		e.setSamples(row, rs)
	}
	s := &rs[rec.Source]
	s.classes[classOf(rec.Status)]++
	if rec.HasDuration {
		s.durUS = append(s.durUS, rec.DurationUS)
	}
}

func classOf(status int) int {
	if c := status / 100; c >= 1 && c <= 5 {
		return c - 1
	}
	return numClasses - 1
}

// setSamples hangs rs on row until the next Emit.
func (e *Emitter) setSamples(row *Row, rs *rowSamples) {
	row.samples = rs
	e.observed = append(e.observed, row)
}

func (e *Emitter) newSamples() *rowSamples {
	if n := len(e.free); n > 0 {
		s := e.free[n-1]
		e.free = e.free[:n-1]
		return s
	}
	return &rowSamples{}
}

// maxFree bounds the samples kept for reuse between batches.
const maxFree = 4096

// Batch says where the facts of one Emit came from.
type Batch struct {
	// LogGroup is the CloudWatch Logs log group, "" for local files.
	LogGroup string
	// Tags are put on every per-route and pipeline metric of the batch: the
	// log group's own AWS tags, already valid DogStatsD tags.
	Tags []string
}

// Emit sends the facts of agg (one batch: what Pipeline.Swap returned) and
// forgets what Observe kept. Counters are sent once per context with the
// number of events as the value. Rows past the context budget, least bad
// first, are folded into route "overflow". It returns the datagrams sent.
func (e *Emitter) Emit(agg *Aggregates, b Batch) int64 {
	before := e.Sent
	lg := e.batch[:0]
	if b.LogGroup != "" {
		lg = append(lg, Tag(TagLogGroup, b.LogGroup))
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
		for s := parse.Source(0); s < parse.NumSources; s++ {
			e.count("worker_kills", ev.WorkerKills[s], serverTag[s])
		}
		e.count("listen_queue_full", ev.ListenQueueFull, "")
		e.count("harakiri_banners", ev.HarakiriBanners, "")
		e.count("harakiri_idle", ev.HarakiriIdle, "")
	}
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
			if n := agg.Lines[p][o]; n > 0 {
				e.send("pipeline.lines", float64(n), e.with(parserTag[p], resultTag[o]))
			}
		}
	}
	e.count("pipeline.cardinality_overflow", agg.Events.RouteOverflow, "cap:route")
	e.count("pipeline.cardinality_overflow", agg.Events.OperationOverflow, "cap:graphql_operation")
	e.count("pipeline.cardinality_overflow", folded, "cap:contexts")
	if e.oldestMS > 0 {
		lag := max(e.cfg.Now().UnixMilli()-e.oldestMS, 0)
		e.send("pipeline.lag_ms", float64(lag), e.with())
	}
	e.reset()
	return e.Sent - before
}

// TagFailures sends n failed reads of a log group's tags.
func (e *Emitter) TagFailures(logGroup string, n int64) {
	if n <= 0 {
		return
	}
	t := e.tags[:0]
	if logGroup != "" {
		t = append(t, Tag(TagLogGroup, logGroup))
	}
	e.tags = t
	e.send("pipeline.log_group_tag_failures", float64(n), t)
}

// Envelopes sends n deliveries of one input and result; reason names why a
// rejected one was rejected, logGroup where an accepted one came from.
func (e *Emitter) Envelopes(input, result, reason, logGroup string, n int64) {
	if n <= 0 {
		return
	}
	t := append(e.tags[:0], "input:"+input, "result:"+result)
	if reason != "" {
		t = append(t, "reason:"+reason)
	}
	if logGroup != "" {
		t = append(t, Tag(TagLogGroup, logGroup))
	}
	e.tags = t
	e.send("pipeline.envelopes", float64(n), t)
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

func (e *Emitter) reset() {
	for i, row := range e.observed {
		if rs := row.samples; rs != nil && len(e.free) < maxFree {
			for i := range rs {
				rs[i].classes = [numClasses]int64{}
				rs[i].durUS = rs[i].durUS[:0]
			}
			e.free = append(e.free, rs)
		}
		row.samples = nil
		e.observed[i] = nil
	}
	e.observed = e.observed[:0]
	e.oldestMS = 0
	e.batch = e.batch[:0]
}

// overflowReserve is the room kept in the context budget for the row that
// folded rows go to.
const overflowReserve = 64

// rows sends the per-route metrics and returns the number of rows folded
// into route "overflow".
func (e *Emitter) rows(agg *Aggregates, lg []string) int64 {
	var (
		used   int
		folded int64
		of     *Row
	)
	budget := e.cfg.MaxContexts - overflowReserve
	agg.EachRow(func(r *Row) { used += e.row(r, lg, agg.SlowUS, false) })
	if used <= budget {
		agg.EachRow(func(r *Row) { e.row(r, lg, agg.SlowUS, true) })
		return 0
	}
	used = 0
	for _, r := range agg.Rows() {
		if n := e.row(r, lg, agg.SlowUS, false); used+n <= budget {
			used += n
			e.row(r, lg, agg.SlowUS, true)
			continue
		}
		if of == nil {
			of = &Row{Key: Key{Route: route.Overflow}}
		}
		of.Merge(r)
		if src := r.samples; src != nil {
			dst := of.samples
			if dst == nil {
				dst = e.newSamples()
				e.setSamples(of, dst)
			}
			for s := range src {
				for c, n := range src[s].classes {
					dst[s].classes[c] += n
				}
				dst[s].durUS = append(dst[s].durUS, src[s].durUS...)
			}
		}
		folded++
	}
	if of != nil {
		e.row(of, lg, agg.SlowUS, true)
	}
	return folded
}

// row sends the metrics of one row, or, when !send, only counts the
// contexts it would use.
func (e *Emitter) row(r *Row, lg []string, slowUS int64, send bool) int {
	n := 0
	put := func(name string, v float64, tags []string) {
		n++
		if send {
			e.send(name, v, tags)
		}
	}
	base := e.tags[:0]
	if send {
		base = append(base, Tag(TagRoute, r.Route))
		if r.Method != "" {
			base = append(base, Tag(TagMethod, r.Method))
		}
		if r.Operation != "" {
			base = append(base, Tag(TagOperation, r.Operation))
		}
		base = append(base, lg...)
	}
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
				put("timeouts", float64(v), tags(timeoutTag[t]))
			}
		}
		if r.ClientAborts > 0 {
			put("client_aborts", float64(r.ClientAborts), tags())
		}
		for f := Failure(0); f < NumFailures; f++ {
			if v := r.UpstreamFailures[f]; v > 0 {
				put("upstream_failures", float64(v), tags(failureTag[f]))
			}
		}
	}
	if e.cfg.Families&FamilyRequests == 0 {
		return n
	}
	rs := r.samples
	for s := parse.Source(0); s < parse.NumSources; s++ {
		var smp *sample
		if rs != nil {
			smp = &rs[s]
		}
		var counted int64
		if smp != nil {
			for c, v := range smp.classes {
				if v > 0 {
					put("requests", float64(v), tags(serverTag[s], classTag[c]))
					counted += v
				}
			}
		}
		if rest := r.Requests[s] - counted; rest > 0 {
			put("requests", float64(rest), tags(serverTag[s], classTag[numClasses-1]))
		}
		if smp == nil || len(smp.durUS) == 0 {
			continue
		}
		var slow int64
		if send {
			t := tags(serverTag[s])
			for _, us := range smp.durUS {
				e.send("request.duration_ms", float64(us)/1000, t)
				if us >= slowUS {
					slow++
				}
			}
		} else {
			for _, us := range smp.durUS {
				if us >= slowUS {
					slow++
				}
			}
		}
		n++ // the durations: one context
		if slow > 0 {
			put("slow_requests", float64(slow), tags(serverTag[s]))
		}
	}
	return n
}

// Precomputed tags of the closed value sets.
var (
	serverTag  [parse.NumSources]string
	timeoutTag [parse.NumTimeouts]string
	failureTag [NumFailures]string
	parserTag  [parse.NumParsers]string
	resultTag  [parse.NumOutcomes]string
	classTag   [numClasses]string
)

func init() {
	for s := parse.Source(0); s < parse.NumSources; s++ {
		serverTag[s] = TagSource + ":" + s.String()
	}
	for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
		timeoutTag[t] = TagSource + ":" + t.String()
	}
	for f := Failure(0); f < NumFailures; f++ {
		failureTag[f] = TagSource + ":" + f.String()
	}
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		parserTag[p] = TagParser + ":" + p.String()
	}
	for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
		resultTag[o] = TagResult + ":" + o.String()
	}
	for c := range numClasses {
		classTag[c] = TagStatusClass + ":" + statusClasses[c]
	}
}
