// Package join turns the records several servers wrote about one request
// into one request outcome: an nginx 504, the nginx error log's "upstream
// timed out" and the uWSGI harakiri that later killed the worker are one
// timed-out request, and a request nginx and uWSGI both logged is one
// request. It counts the outcomes per row (metrics.Distinct) and how they
// were formed (metrics.JoinCounts); the rows' per-source counts stay as
// each server saw them.
//
// Records are joined
//
//   - by request id, when both carry one (an X-Request-ID header that nginx,
//     uWSGI, gunicorn and the app log, or nginx's own $request_id): exactly;
//   - otherwise by method, request target and time (see match.go for the
//     rules and the window they derive from the lines' clock resolution);
//   - an app's own line without id or time by its worker: the app line and
//     the worker's record of the same pid follow each other in one stream.
//
// A record that matches nothing stays its own outcome. An outcome holds at
// most one record of each log: nginx's access log, nginx's error log, the
// worker's (uWSGI or gunicorn: a request line or a kill) and the app's, so
// two requests that one server logged are never joined to each other.
//
// The join is linear in its input and bounded in memory (window.go): it
// holds the outcomes of the last seconds of log time, and those nginx gave
// up on for Config.Horizon, at most Config.MaxOutcomes of each, and settles
// them as time advances. Records must come roughly in log time order across
// streams (pipeline.Interleave reads files so, and sets the join's clock);
// a record older than the window joins nothing.
package join

import (
	"hash/maphash"
	"math"
	"time"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// Config configures a Joiner. The zero value means the defaults.
type Config struct {
	// Horizon is how long an outcome nginx gave up on (a 504, a 499) waits
	// for its worker's record, in log time: longer than the longest a
	// worker runs on after nginx gave up (uWSGI harakiri, gunicorn
	// --timeout: the kill comes up to 2 s after them). DefaultHorizon when zero.
	Horizon time.Duration
	// MaxOutcomes bounds the recent outcomes held at once, and those that
	// wait; past it the oldest is settled early (metrics.JoinCounts.Early).
	// DefaultMaxOutcomes when zero.
	MaxOutcomes int
}

// Defaults of Config.
const (
	DefaultHorizon     = 2 * time.Minute
	DefaultMaxOutcomes = 1 << 17
)

// Joiner joins the records it is given. It is not safe for concurrent use.
type Joiner struct {
	horizon int64 // µs
	max     int
	agg     *metrics.Aggregates // the rows' Distinct counts and the join counts go there
	seed    maphash.Seed

	// The window (window.go): the outcomes of the last seconds by sequence
	// number, seq&mask in outs, from head to next (excluded); and, in far,
	// those nginx gave up on, kept for the Horizon.
	outs       []outcome
	links      []link // of the outcomes, at the same places
	mask, head uint64
	next       uint64
	far        farRing
	wm         int64 // the log time up to which records are in (µs)
	given      bool  // the reader gives wm (SetClock); else it is the latest record's time

	byPath index // path hash -> latest outcome with that path
	byID   index // request id hash -> latest outcome with that id
	// byGaveUp: path hash -> latest outcome nginx gave up on, without a worker record
	byGaveUp index
	// workers pairs an app's lines with its worker's records, by stream and pid.
	workers   workers
	nextSweep int64
	// ahead holds the records read ahead of the reader's clock, by time
	// (ahead.go).
	ahead []evidence
}

// New returns a Joiner that counts into the rows it is given, which belong
// to agg, and into agg's join counts, which it marks enabled.
func New(cfg Config, agg *metrics.Aggregates) *Joiner {
	if cfg.Horizon <= 0 {
		cfg.Horizon = DefaultHorizon
	}
	if cfg.MaxOutcomes <= 0 {
		cfg.MaxOutcomes = DefaultMaxOutcomes
	}
	agg.Join.Enabled = true
	const initial = 1024
	j := &Joiner{
		horizon: cfg.Horizon.Microseconds(), max: max(cfg.MaxOutcomes, 16), agg: agg,
		seed: maphash.MakeSeed(), head: 1, next: 1,
	}
	n := min(initial, ceilPow2(j.max))
	j.outs, j.links, j.mask = make([]outcome, n), make([]link, n), uint64(n-1)
	j.byPath.init(2 * n)
	j.byID.init(2 * n)
	j.byGaveUp.init(2 * n)
	j.far.init(64)
	j.workers.byKey.init(64)
	return j
}

// Add joins one record of a request, a timeout or an upstream failure,
// counted on row. stream identifies the log stream it came from and clock
// is the latest log time (µs) of that stream, which stands for the time of
// a line that has none. rec is only read during the call.
func (j *Joiner) Add(row *metrics.Row, rec *parse.Record, stream uint32, clock int64) {
	var ev evidence
	if !j.read(&ev, row, rec, stream, clock) {
		return
	}
	if j.given && ev.at > j.wm+nearUS && len(j.ahead) < j.max {
		j.hold(&ev)
		return
	}
	j.add(&ev)
}

// add joins the record ev tells of.
func (j *Joiner) add(ev *evidence) {
	if !j.given && ev.at > j.wm {
		j.wm = ev.at
		j.expire()
	}
	if ev.slot == slotApp {
		j.addApp(ev)
		return
	}
	o := j.byRequestID(ev)
	if o != nil {
		j.absorb(o, ev)
	} else {
		o = j.byTime(ev)
	}
	if o == nil {
		if ev.at < j.wm-retainUS {
			// Older than the window (a file read after a newer one): nothing
			// it could join is held, and nothing held would be its partner.
			j.settleAlone(ev)
			return
		}
		o = j.open(ev)
	}
	if ev.slot == slotWorker && ev.pid > 0 {
		j.pairWorker(o, ev)
	}
}

// SetClock says that every stream has been read up to log time t (µs):
// outcomes begun a Horizon before it may be settled. A reader that reads
// its streams side by side knows this time (pipeline.Interleave); from the
// first call on, records no longer advance the join's clock, so that a
// sparse stream's next record, read ahead of the others, does not make
// theirs late. ReleaseClock goes back to the records' times.
func (j *Joiner) SetClock(t int64) {
	j.given = true
	if t > j.wm {
		j.wm = t
		j.expire()
		j.release(false)
	}
}

// ReleaseClock lets records advance the join's clock again.
func (j *Joiner) ReleaseClock() {
	j.release(true)
	j.given = false
}

// Flush settles every outcome held: call it once all records are in.
func (j *Joiner) Flush() {
	j.release(true)
	j.flushWorkers()
	for ; j.head < j.next; j.head++ {
		j.settle(&j.outs[j.head&j.mask])
	}
	j.expireFar(math.MaxInt64)
	j.byPath.clear()
	j.byID.clear()
	j.byGaveUp.clear()
}

// settle counts an outcome on its row and forgets it.
func (j *Joiner) settle(o *outcome) {
	if o.row == nil {
		return
	}
	j.agg.Touch(o.row) // settled after its other facts were emitted, maybe
	d := &o.row.Distinct
	d.Requests++
	if o.timeouts != 0 {
		d.TimedOut++
		d.AddEvidence(o.timeouts, 1)
	}
	switch {
	case o.byID:
		j.agg.Join.ByRequestID++
	case o.slots&(o.slots-1) != 0: // more than one record
		j.agg.Join.ByTime++
	default:
		j.agg.Join.Unmatched++
	}
	j.byPath.delIf(o.path, o.seq)
	if o.hasID {
		j.byID.delIf(o.id, o.seq)
	}
	if o.onGaveUp {
		j.byGaveUp.delIf(o.path, o.seq)
	}
	o.row = nil
}

// settleAlone counts a record that joined nothing and that nothing can join.
func (j *Joiner) settleAlone(ev *evidence) {
	j.agg.Touch(ev.row)
	d := &ev.row.Distinct
	d.Requests++
	if t := metrics.EvidenceOf(ev.timeout); t != 0 {
		d.TimedOut++
		d.AddEvidence(t, 1)
	}
	j.agg.Join.Unmatched++
}

func ceilPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
