package parse

import "bytes"

// The gunicorn part of the Stream: which request each worker was serving,
// so that the arbiter's WORKER TIMEOUT, which names only the worker, gets
// a route. gunicorn 20.1.0 at its default log level writes, for one
// timeout (testdata/captures/incidents/gunicorn-noids/gunicorn-error.log):
//
//	[2026-12-01 07:25:27 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:32698)
//	Fatal Python error: Aborted ...
//	{"event":"request_aborted","pid":32698,"method":"GET","path":"/exports/9/csv","route":"/exports/<int:id>/csv","status":500,"duration_ms":5735.3}
//	[2026-12-01 07:25:27 +0000] [32698] [INFO] Worker exiting (pid: 32698)
//
// The arbiter aborts the worker (SIGABRT; gunicorn's handler raises
// SystemExit), the request unwinds through the app's middlewares, which
// log it with the worker's pid and status 500, and the worker exits. A
// request line of pid N with a 5xx status between WORKER TIMEOUT (pid:N)
// and the worker's end (Worker exiting, or the arbiter's "terminated due
// to signal") is the killed request: the timeout takes its route, and the
// line is not a finished request. Without such a line the timeout goes to
// the last request worker N started (gunicorn's pre_request hook at debug
// level, "[DEBUG] GET /path", or an app line with a pid and no status),
// else to route "unknown".

// maxStarts and maxPending bound the per-stream memory of gunicorn worker
// requests and of timeouts waiting for their worker's end.
const (
	maxStarts  = 4096
	maxPending = 64
)

type gunicornState struct {
	starts  map[int]*requestStart
	pending []pendingTimeout
	waiting int // pending timeouts in use
}

// requestStart is the last request a worker process began, as its
// request-start lines say (gunicorn's "[DEBUG] GET /path", an app's JSON
// request start with a pid): what a later gunicorn WORKER TIMEOUT was
// doing, and the request id a later harakiri of that worker belongs to.
type requestStart struct {
	method, uri []byte
	id          []byte // request id of the start line, empty when it logged none
	startUS     int64  // when it began, 0 when the line had no time
	active      bool   // false once the request finished or timed out; the buffers stay for reuse
	eventMS     int64  // of the line that started it
	finishMS    int64  // of the latest line that finished a request of the worker
}

// pendingTimeout is a WORKER TIMEOUT waiting for the dying worker's lines.
type pendingTimeout struct {
	worker      int
	eventMS     int64
	timeUS      int64
	method, uri []byte // the request the worker last started, if any
	id          []byte // and its request id
	startUS     int64  // and when it began
	used        bool
}

// remember keeps the request start r (its times read) of its worker. Two
// start lines of one worker for one path — gunicorn's [DEBUG] line and the
// app's own, gunicorn 20.1.0 with --log-level debug:
//
//	[2026-11-22 23:31:06 +0000] [6859] [DEBUG] GET /slow/11
//	{"event":"request_started","pid":6859,"method":"GET","path":"/slow/11"}
//
// are one request when one of them has no time: the second keeps what the
// first knew (its time) and adds what it knows (an id).
func (s *Stream) remember(r *Record) {
	pid := r.PID
	if pid <= 0 {
		return
	}
	at := r.StartUS
	if at == 0 {
		at = r.TimeUS
	}
	g := &s.gs
	st := g.starts[pid]
	if st == nil {
		if len(g.starts) >= maxStarts {
			clear(g.starts)
		}
		st = &requestStart{}
		g.starts[pid] = st
	}
	if st.active && samePath(st.uri, r.URI) && (at == 0 || st.startUS == 0) {
		if st.startUS == 0 {
			st.startUS = at
		}
		if len(r.RequestID) > 0 {
			st.id = append(st.id[:0], r.RequestID...)
		}
		return
	}
	st.method = append(st.method[:0], r.Method...)
	st.uri = append(st.uri[:0], r.URI...)
	st.id = append(st.id[:0], r.RequestID...)
	st.startUS = at
	// A start delivered after a later finish of the same worker is over.
	st.active, st.eventMS = s.eventMS == 0 || s.eventMS >= st.finishMS, s.eventMS
}

// startID is the request id of the request worker pid began, when its
// path is that of uri (a harakiri names the URI with its query; an app's
// start line often the path only).
func (s *Stream) startID(pid int, uri []byte) []byte {
	st := s.gs.starts[pid]
	if st == nil || !st.active || len(st.id) == 0 || !samePath(st.uri, uri) {
		return nil
	}
	return st.id
}

// samePath says whether two request targets have the same path.
func samePath(a, b []byte) bool {
	if i := bytes.IndexByte(a, '?'); i >= 0 {
		a = a[:i]
	}
	if i := bytes.IndexByte(b, '?'); i >= 0 {
		b = b[:i]
	}
	return bytes.Equal(a, b)
}

// requestFinished reads a finished request of worker pid r.PID. It reports
// whether r is the killed request of a timed-out worker, which the caller
// must not count as a finished request: its timeout has been emitted.
func (s *Stream) requestFinished(r *Record, emit func(*Record)) bool {
	g := &s.gs
	if r.PID <= 0 || len(g.starts) == 0 && g.waiting == 0 {
		return false // a stream that names no worker's requests: nothing to settle
	}
	st := g.starts[r.PID]
	if st == nil && s.eventMS > 0 && len(g.starts) < maxStarts {
		// Its finish time guards against a start delivered later.
		st = &requestStart{}
		g.starts[r.PID] = st
	}
	if st != nil {
		if st.eventMS == 0 || s.eventMS == 0 || s.eventMS >= st.eventMS {
			st.active = false
		}
		st.finishMS = max(st.finishMS, s.eventMS)
	}
	i := g.pendingOf(r.PID)
	if i < 0 || r.Status < 500 || r.Status > 599 {
		return false
	}
	p := &g.pending[i]
	if p.eventMS > 0 && s.eventMS > 0 && s.eventMS < p.eventMS {
		return false // an earlier request of that worker, delivered late
	}
	p.used = false
	g.waiting--
	r.Kind, r.Source, r.Timeout, r.Status = KindTimeout, SourceGunicorn, TimeoutGunicornWorker, 0
	r.TimeText, r.TimeLayout, r.TimeUS = nil, TimeNone, p.timeUS
	if r.HasDuration && p.timeUS > 0 {
		// The dying worker's line says how long the request ran when the
		// arbiter killed it: its start (busy workers, gunicorn's timeout).
		r.StartUS = p.timeUS - r.DurationUS
	}
	if len(r.RequestID) == 0 && len(p.id) > 0 {
		r.RequestID = p.id
	}
	s.emit(r, emit)
	return true
}

func (s *Stream) gunicorn(emit func(*Record)) {
	ev, r, g := &s.gev, &s.rec, &s.gs
	r.TimeText, r.TimeLayout = ev.Time, TimeYMD
	switch ev.Kind {
	case GunicornRequestStart:
		r.Kind, r.Source, r.PID, r.Method, r.URI = KindRequestStart, SourceGunicorn, ev.PID, ev.Method, ev.URI
		r.StartText, r.StartLayout = ev.Time, TimeYMD
		s.emit(r, emit)
		s.remember(r)
	case GunicornWorkerTimeout:
		// The worker's own lines come next; a second timeout of the same
		// worker settles the first.
		s.settleTimeout(ev.Worker, emit)
		if len(g.pending) >= maxPending && !g.hasFree() {
			s.settleTimeout(g.pending[0].worker, emit) // a stream that never shows its workers' ends
		}
		p := g.newPending()
		p.worker, p.eventMS, p.timeUS = ev.Worker, s.eventMS, s.lineUS(r)
		p.method, p.uri, p.id, p.startUS = p.method[:0], p.uri[:0], p.id[:0], 0
		if st := g.starts[ev.Worker]; st != nil && st.active && (st.eventMS == 0 || p.eventMS == 0 || st.eventMS <= p.eventMS) {
			p.method = append(p.method, st.method...)
			p.uri = append(p.uri, st.uri...)
			p.id = append(p.id, st.id...)
			p.startUS = st.startUS
			st.active = false
		}
	case GunicornWorkerExiting:
		s.settleTimeout(ev.Worker, emit)
	case GunicornWorkerKilled:
		s.settleTimeout(ev.Worker, emit)
		// SIGABRT (6) is how the arbiter ends a timed-out worker, already
		// counted as the timeout; any other signal (9: the arbiter's
		// second try, or the OOM killer) is a kill.
		if ev.Signal != 6 {
			r.Kind, r.Source, r.PID = KindWorkerKill, SourceGunicorn, ev.Worker
			s.emit(r, emit)
		}
	}
	s.dumps.gunicorn(s, emit) // worker counts, and the kills dumps belong to (dumpkill.go)
}

// settleTimeout emits a pending timeout of worker on what is known of its
// request: the request it last started, else nothing (route unknown).
func (s *Stream) settleTimeout(worker int, emit func(*Record)) {
	g := &s.gs
	i := g.pendingOf(worker)
	if i < 0 {
		return
	}
	p := &g.pending[i]
	p.used = false
	g.waiting--
	r := &s.aux
	r.Reset()
	r.Kind, r.Source, r.Timeout, r.PID, r.EventMS, r.TimeUS = KindTimeout, SourceGunicorn, TimeoutGunicornWorker, worker, p.eventMS, p.timeUS
	if len(p.uri) > 0 {
		r.Method, r.URI, r.StartUS = p.method, p.uri, p.startUS
	}
	if len(p.id) > 0 {
		r.RequestID = p.id
	}
	s.emit(r, emit)
}

func (g *gunicornState) pendingOf(worker int) int {
	if g.waiting == 0 {
		return -1
	}
	for i := range g.pending {
		if g.pending[i].used && g.pending[i].worker == worker {
			return i
		}
	}
	return -1
}

func (g *gunicornState) hasFree() bool {
	for i := range g.pending {
		if !g.pending[i].used {
			return true
		}
	}
	return false
}

// newPending returns a free slot; the buffers of used slots are reused.
func (g *gunicornState) newPending() *pendingTimeout {
	g.waiting++
	for i := range g.pending {
		if !g.pending[i].used {
			g.pending[i].used = true
			return &g.pending[i]
		}
	}
	g.pending = append(g.pending, pendingTimeout{used: true})
	return &g.pending[len(g.pending)-1]
}

// closeGunicorn settles the timeouts whose worker's end the stream did not show.
func (s *Stream) closeGunicorn(emit func(*Record)) {
	for i := range s.gs.pending {
		if p := &s.gs.pending[i]; p.used {
			s.settleTimeout(p.worker, emit)
		}
	}
}
