package parse

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

// requestStart is the last request a gunicorn worker began.
type requestStart struct {
	method, uri []byte
	active      bool  // false once the request finished or timed out; the buffers stay for reuse
	eventMS     int64 // of the line that started it
	finishMS    int64 // of the latest line that finished a request of the worker
}

// pendingTimeout is a WORKER TIMEOUT waiting for the dying worker's lines.
type pendingTimeout struct {
	worker      int
	eventMS     int64
	timeUS      int64
	method, uri []byte // the request the worker last started, if any
	used        bool
}

// remember keeps the request a worker began, for a later WORKER TIMEOUT.
func (s *Stream) remember(pid int, method, uri []byte) {
	if pid <= 0 {
		return
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
	st.method = append(st.method[:0], method...)
	st.uri = append(st.uri[:0], uri...)
	// A start delivered after a later finish of the same worker is over.
	st.active, st.eventMS = s.eventMS == 0 || s.eventMS >= st.finishMS, s.eventMS
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
	s.emit(r, emit)
	return true
}

func (s *Stream) gunicorn(emit func(*Record)) {
	ev, r, g := &s.gev, &s.rec, &s.gs
	r.TimeText, r.TimeLayout = ev.Time, TimeYMD
	switch ev.Kind {
	case GunicornRequestStart:
		s.remember(ev.PID, ev.Method, ev.URI)
		r.Kind, r.Source, r.PID, r.Method, r.URI = KindRequestStart, SourceGunicorn, ev.PID, ev.Method, ev.URI
		r.StartText, r.StartLayout = ev.Time, TimeYMD
		s.emit(r, emit)
	case GunicornWorkerTimeout:
		// The worker's own lines come next; a second timeout of the same
		// worker settles the first.
		s.settleTimeout(ev.Worker, emit)
		if len(g.pending) >= maxPending && !g.hasFree() {
			s.settleTimeout(g.pending[0].worker, emit) // a stream that never shows its workers' ends
		}
		p := g.newPending()
		p.worker, p.eventMS, p.timeUS = ev.Worker, s.eventMS, s.lineUS(r)
		p.method, p.uri = p.method[:0], p.uri[:0]
		if st := g.starts[ev.Worker]; st != nil && st.active && (st.eventMS == 0 || p.eventMS == 0 || st.eventMS <= p.eventMS) {
			p.method = append(p.method, st.method...)
			p.uri = append(p.uri, st.uri...)
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
		r.Method, r.URI = p.method, p.uri
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
