// Package metrics aggregates records into per-route facts (requests by
// source and status class, timeouts by source, client aborts, upstream
// failures, slow requests, latency) and the pipeline's own health (lines,
// envelopes, cardinality overflow, lag).
package metrics

import (
	"sort"

	"github.com/slowroutes/slowroutes/parse"
)

// DefaultSlowUS is the default slow-request threshold: one second.
const DefaultSlowUS = 1_000_000

// Config configures Aggregates.
type Config struct {
	// SlowUS is the duration at or above which a request counts as slow
	// (DefaultSlowUS when zero).
	SlowUS int64
	// KeepDurations keeps every request's duration on its row (Row.Durations),
	// for an emitter that sends one distribution value per request.
	KeepDurations bool
	// RequestSource is the server whose requests the metrics count (see
	// Row.Counted); SourceUnknown: the outermost each row has seen.
	RequestSource parse.Source
	// Timeline keeps per-minute counts (Aggregates.Minutes,
	// Row.TimeoutMinutes) for the report's timelines.
	Timeline bool
}

// Minute holds the facts of one minute of the timeline.
type Minute struct {
	Requests [parse.NumSources]int64
	Timeouts [parse.NumTimeouts]int64
	Slow     int64
}

// Aggregates accumulates the facts of records. It is not safe for
// concurrent use.
type Aggregates struct {
	cfg Config
	// rows holds every row ever used, live or not, so that a container
	// emitting batch after batch reuses them; live lists those with facts
	// since the last Reset.
	rows   map[string]*Row
	live   []*Row
	keyBuf []byte

	Lines     Lines
	Events    Events
	Envelopes Envelopes
	// Join says how the rows' Distinct counts were formed.
	Join JoinCounts
	// OldestEventMS is the log event time of the oldest record counted
	// (milliseconds since the epoch), 0 when none had one.
	OldestEventMS int64

	// workers holds the worker facts of every server stream ever seen,
	// liveWorkers those with facts since the last Reset (why.go).
	workers     map[string]*StreamWorkers
	liveWorkers []*StreamWorkers
	// Findings are what the pipeline concluded when it was closed.
	Findings []Finding

	// Minutes holds the timeline by Unix minute, when Config.Timeline is set.
	Minutes map[int64]*Minute
	// lastMin is the last minute looked up: lines come in time order.
	lastMin    int64
	lastMinute *Minute
}

// New returns empty Aggregates.
func New(cfg Config) *Aggregates {
	if cfg.SlowUS <= 0 {
		cfg.SlowUS = DefaultSlowUS
	}
	return &Aggregates{cfg: cfg, rows: map[string]*Row{}}
}

// SlowUS is the slow-request threshold in microseconds.
func (a *Aggregates) SlowUS() int64 { return a.cfg.SlowUS }

// Lookup returns the row of (route, method, op) if it was ever used, or
// nil. It does not allocate.
func (a *Aggregates) Lookup(route, method, op []byte) *Row {
	b := append(a.keyBuf[:0], route...)
	b = append(b, 0)
	b = append(b, method...)
	b = append(b, 0)
	b = append(b, op...)
	a.keyBuf = b
	return a.rows[string(b)]
}

// Row returns the row of (route, method, op), creating it on first use.
// Only creation allocates.
func (a *Aggregates) Row(route, method, op []byte) *Row {
	if r := a.Lookup(route, method, op); r != nil {
		return r
	}
	r := &Row{Key: Key{Route: string(route), Method: string(method), Operation: string(op)}, fixed: a.cfg.RequestSource}
	a.rows[string(a.keyBuf)] = r
	return r
}

// Touch marks row as having facts since the last Reset, for a fact
// written into it directly (a join outcome).
func (a *Aggregates) Touch(row *Row) {
	if !row.live {
		row.live = true
		a.live = append(a.live, row)
	}
}

// Add counts a record of a request, a timeout, an upstream failure or a
// client abort on row.
func (a *Aggregates) Add(row *Row, rec *parse.Record) {
	a.Touch(row)
	a.seen(rec)
	var (
		tm *Minute
		at int64
	)
	if a.cfg.Timeline {
		at, tm = a.minute(rec)
	}
	switch rec.Kind {
	case parse.KindRequest:
		row.Requests[rec.Source][ClassOf(rec.Status)]++
		if row.Outer != rec.Source {
			row.Outer = Outermost(row.Outer, rec.Source)
		}
		if tm != nil {
			tm.Requests[rec.Source]++
		}
		// Every access log's 504, 499 and 502 count, whoever wrote the line:
		// the source only names them. Below 460 a status is none of them,
		// unless the line said otherwise.
		if rec.Status >= 460 || rec.Outcome != parse.OutcomeUnknown {
			switch rec.RequestOutcome() {
			case parse.OutcomeTimeout:
				t := parse.AccessTimeout(rec.Source)
				row.Timeouts[t]++
				a.timeoutAt(row, at, tm, t)
			case parse.OutcomeClientAbort:
				row.AbortsBy[rec.Source]++
			case parse.OutcomeUpstreamFailure:
				row.UpstreamFailures[AccessFailure(rec.Source, rec.Status)]++
			}
		}
		if rec.HasDuration {
			row.Timed[rec.Source]++
			if rec.DurationUS >= a.cfg.SlowUS {
				row.Slow[rec.Source]++
				if tm != nil {
					tm.Slow++
				}
			}
			// Kept durations are the row's latency already: a sketch is
			// built from them only when one is read (Merge, Rows).
			if a.cfg.KeepDurations {
				row.Durations[rec.Source] = append(row.Durations[rec.Source], rec.DurationUS)
			} else {
				row.Latency.Add(rec.DurationUS)
			}
		}
	case parse.KindTimeout:
		row.Timeouts[rec.Timeout]++
		a.timeoutAt(row, at, tm, rec.Timeout)
		if rec.Timeout == parse.TimeoutGunicornWorker && (len(rec.URI) > 0 || len(rec.Route) > 0) {
			a.Events.GunicornTimeoutsAttributed++
		}
	case parse.KindClientAbort:
		row.AbortsBy[rec.Source]++
	case parse.KindUpstreamFailure:
		if rec.Source == parse.SourceApache {
			row.UpstreamFailures[FailureApacheProxy]++
		} else if rec.Failure == parse.NginxUpstreamClosed {
			row.UpstreamFailures[FailureUpstreamClosed]++
		} else {
			row.UpstreamFailures[FailureUpstreamConnect]++
		}
	}
}

// AddEvent counts a record that belongs to no route: harakiri banners and
// idle kills, worker kills, full listen queues.
func (a *Aggregates) AddEvent(rec *parse.Record) {
	a.seen(rec)
	ev := &a.Events
	switch rec.Kind {
	case parse.KindHarakiri:
		ev.HarakiriBanners++
		if rec.Try >= 2 {
			ev.HarakiriRetries++
		}
	case parse.KindHarakiriIdle:
		ev.HarakiriIdle++
	case parse.KindWorkerKill:
		ev.WorkerKills[rec.Source]++
	case parse.KindListenQueueFull:
		ev.ListenQueueFull++
	}
}

// minute returns the timeline's minute of a record (a Unix minute) by the
// line's own time, nil when the line has none: the time a log event was
// delivered depends on how it was read (a file has none), the line's does not.
func (a *Aggregates) minute(rec *parse.Record) (int64, *Minute) {
	if rec.TimeUS <= 0 {
		return 0, nil
	}
	m := rec.TimeUS / 60_000_000
	if a.lastMinute != nil && m == a.lastMin {
		return m, a.lastMinute
	}
	mm := a.minuteAt(m)
	a.lastMin, a.lastMinute = m, mm
	return m, mm
}

// minuteAt returns the timeline's Unix minute m, creating it on first use.
func (a *Aggregates) minuteAt(m int64) *Minute {
	if a.Minutes == nil {
		a.Minutes = map[int64]*Minute{}
	}
	mm := a.Minutes[m]
	if mm == nil {
		mm = &Minute{}
		a.Minutes[m] = mm
	}
	return mm
}

// timeoutAt counts a timeout in the timeline, when it has a minute.
func (a *Aggregates) timeoutAt(row *Row, at int64, tm *Minute, t parse.Timeout) {
	if tm == nil {
		return
	}
	tm.Timeouts[t]++
	if row.TimeoutMinutes == nil {
		row.TimeoutMinutes = map[int64]int64{}
	}
	row.TimeoutMinutes[at]++
}

func (a *Aggregates) seen(rec *parse.Record) { a.older(rec.EventMS) }

// older keeps ms (a log event time, 0 when unknown) as OldestEventMS if it
// is older.
func (a *Aggregates) older(ms int64) {
	if ms > 0 && (a.OldestEventMS == 0 || ms < a.OldestEventMS) {
		a.OldestEventMS = ms
	}
}

// Reset forgets every fact and keeps the rows' memory: a Lambda container
// emits one batch's facts and goes on with the next.
func (a *Aggregates) Reset() {
	for i, r := range a.live {
		r.reset()
		a.live[i] = nil
	}
	a.live = a.live[:0]
	a.Lines, a.Events, a.Envelopes, a.OldestEventMS = Lines{}, Events{}, Envelopes{}, 0
	a.resetWhy()
	a.Join = JoinCounts{Enabled: a.Join.Enabled}
	clear(a.Minutes)
	a.lastMinute = nil
}

// Rows returns every row with facts, worst first: most timeouts, then
// highest p99, then most requests with a duration, then by key.
func (a *Aggregates) Rows() []*Row {
	out := append([]*Row(nil), a.live...)
	p99 := make(map[*Row]float64, len(out))
	count := make(map[*Row]int64, len(out))
	var kept Latency
	for _, r := range out {
		l := &r.Latency
		if a.cfg.KeepDurations {
			kept.Reset()
			kept.addKept(r)
			l = &kept
		}
		p99[r], count[r] = l.QuantileUS(0.99), l.Count
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if tx, ty := x.TimeoutTotal(), y.TimeoutTotal(); tx != ty {
			return tx > ty
		}
		if p99[x] != p99[y] {
			return p99[x] > p99[y]
		}
		if nx, ny := count[x], count[y]; nx != ny {
			return nx > ny
		}
		if x.Route != y.Route {
			return x.Route < y.Route
		}
		if x.Method != y.Method {
			return x.Method < y.Method
		}
		return x.Operation < y.Operation
	})
	return out
}

// EachRow calls fn for every row with facts, in no particular order:
// cheaper than Rows when the order does not matter.
func (a *Aggregates) EachRow(fn func(*Row)) {
	for _, r := range a.live {
		fn(r)
	}
}

// Len is the number of rows with facts.
func (a *Aggregates) Len() int { return len(a.live) }
