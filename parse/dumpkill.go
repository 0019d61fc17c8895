package parse

import "bytes"

// Tying dumps to kills. uWSGI's master writes the py-tracebacker output of
// the worker it is about to kill between the harakiri banner and the status
// block that names the request (uWSGI 2.0.21, core/master_utils.c):
//
//	Tue Dec  1 07:25:25 2026 - *** HARAKIRI ON WORKER 2 (pid: 32679, try: 1) ***
//	HARAKIRI: -- wchan> hrtimer_nanosleep
//	*** uWSGI Python tracebacker output ***
//	thread_id = uWSGIWorker2Core0 filename = /app/reports/queries.py lineno = 16 function = stream_rows line = time.sleep(CSV_SECONDS)
//	Tue Dec  1 07:25:25 2026 - HARAKIRI [core 0] 127.0.0.2 - GET /exports/9/csv since 1796109921
//
// gunicorn's arbiter logs "WORKER TIMEOUT (pid:N)" and sends that worker
// SIGABRT, which faulthandler dumps (gunicorn 20.1.0, arbiter.py
// murder_workers: log, then kill, worker after worker), so dumps follow
// the kills in the order the arbiter logged them:
//
//	[2026-12-01 07:25:35 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:479)
//	[2026-12-01 07:25:35 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:480)
//	Fatal Python error: Aborted
//
// The dying worker then often logs its request (an app middleware's line
// with pid N and status 500): the stuck fact takes that request's route,
// GraphQL operation included, and otherwise the request the stream says
// worker N began.

// harakiriDump is the tracebacker output of the harakiri being read.
type harakiriDump struct {
	open        bool
	pid, worker int
	wchan       []byte
	threads     []tracebackerThread
	emitted     []byte // "uri\x00" of every request whose stuck fact was emitted
	frame, wait []byte // formatted frames of the fact being emitted
}

// grow extends s by one element, reusing the buffers of an element a
// shorter s left behind.
func grow[T any](s []T) ([]T, *T) {
	if len(s) < cap(s) {
		s = s[:len(s)+1]
	} else {
		var zero T
		s = append(s, zero)
	}
	return s, &s[len(s)-1]
}

// remove drops s[i], keeping the order of the rest, and leaves its buffers
// just past the end for grow to reuse: no two elements share a buffer.
func remove[T any](s []T, i int) []T {
	x := s[i]
	copy(s[i:], s[i+1:])
	s[len(s)-1] = x
	return s[:len(s)-1]
}

// tracebackerThread is one thread of a tracebacker output, outermost frame
// first: the last frame and the last application frame seen are the
// innermost.
type tracebackerThread struct {
	id               []byte
	core             int
	app              bool
	appPath, appFn   []byte
	lastPath, lastFn []byte
}

type pendingKill struct {
	pid         int
	timeUS      int64
	method, uri []byte
}

// set makes k a copy of o in k's own buffers.
func (k *pendingKill) set(o *pendingKill) {
	k.pid, k.timeUS = o.pid, o.timeUS
	k.method = append(k.method[:0], o.method...)
	k.uri = append(k.uri[:0], o.uri...)
}

type pendingStuck struct {
	kill           pendingKill
	frame, waiting []byte
}

// stuckFact is what a KindStuck record says.
type stuckFact struct {
	frame, waiting, wchan []byte
	timeout               Timeout
	source                Source
	pid                   int
	method, uri           []byte
	route, operation      []byte
	timeUS                int64
}

func (d *dumps) emitStuck(s *Stream, emit func(*Record), f stuckFact) {
	r := &d.stuckRec
	r.Reset()
	r.Kind, r.Source, r.Timeout, r.PID = KindStuck, f.source, f.timeout, f.pid
	d.stuckAt = StuckAt{Frame: f.frame, WaitingIn: f.waiting, Wchan: f.wchan}
	r.Stuck = &d.stuckAt
	r.Method, r.URI, r.Route, r.Operation = f.method, f.uri, f.route, f.operation
	r.TimeUS, r.EventMS = f.timeUS, s.eventMS
	emit(r)
}

// tie makes the dump being read the dump of the oldest kill that has not
// had one.
func (d *dumps) tie() {
	d.expireKills()
	if len(d.kills) == 0 {
		return
	}
	d.fault.tied = true
	d.fault.kill.set(&d.kills[0])
	d.dropKill(0)
}

func (d *dumps) dropKill(i int) { d.kills = remove(d.kills, i) }

func (d *dumps) expireKills() {
	for i := 0; i < len(d.kills); {
		if k := &d.kills[i]; k.timeUS > 0 && d.lastUS > k.timeUS+pendingUS {
			d.dropKill(i)
			continue
		}
		i++
	}
}

// holdStuck keeps the frame of a killed gunicorn worker until its request's
// own line says which route it was.
func (d *dumps) holdStuck(frame, waiting []byte) {
	if len(d.stuck) >= maxPendingKills {
		return
	}
	var p *pendingStuck
	d.stuck, p = grow(d.stuck)
	p.kill.set(&d.fault.kill)
	p.frame = append(p.frame[:0], frame...)
	p.waiting = append(p.waiting[:0], waiting...)
}

// settleStuck emits the held frame of worker pid, on the request r names
// (nil: the one the kill was attributed to). all settles every one.
func (d *dumps) settleStuck(s *Stream, emit func(*Record), pid int, r *Record, all bool) {
	for i := 0; i < len(d.stuck); {
		p := &d.stuck[i]
		stale := p.kill.timeUS > 0 && d.lastUS > p.kill.timeUS+pendingUS
		if !all && !stale && p.kill.pid != pid {
			i++
			continue
		}
		f := stuckFact{frame: p.frame, waiting: p.waiting, timeout: TimeoutGunicornWorker, source: SourceGunicorn,
			pid: p.kill.pid, method: p.kill.method, uri: p.kill.uri, timeUS: p.kill.timeUS}
		if r != nil && p.kill.pid == pid && len(r.URI) > 0 {
			f.method, f.uri, f.route, f.operation = r.Method, r.URI, r.Route, r.Operation
		}
		d.emitStuck(s, emit, f)
		d.stuck = remove(d.stuck, i)
	}
}

// seen notes the time of a record the stream emits and reports whether
// record needs it: a request line only while a kill or a dump waits.
func (d *dumps) seen(r *Record) bool {
	d.lastUS = max(d.lastUS, r.TimeUS)
	return r.Kind != KindRequest || len(d.stuck)+len(d.kills) != 0
}

// record sees the records seen lets through: kills and the lines of dying
// workers settle what waits for them.
func (d *dumps) record(s *Stream, r *Record, emit func(*Record)) {
	switch r.Kind {
	case KindRequest: // seen passes one only while a kill or a dump waits
		if r.PID > 0 {
			d.settleStuck(s, emit, r.PID, r, false)
			d.forgetKill(r.PID)
		}
	case KindTimeout, KindHarakiri, KindWorkerKill, KindWorkerExit:
		if r.PID <= 0 {
			break
		}
		// Killed or gone: serving nothing. Not yet at a harakiri's banner:
		// its status block, next, names the request (and takes its id).
		if st := s.gs.starts[r.PID]; st != nil && r.Kind != KindHarakiri {
			st.active = false
		}
		if r.Kind == KindTimeout {
			d.settleStuck(s, emit, r.PID, r, false)
		} else if r.Kind != KindHarakiri {
			d.settleStuck(s, emit, r.PID, nil, false)
			d.forgetKill(r.PID)
		}
	}
	if len(d.stuck) > 0 {
		d.settleStuck(s, emit, -1, nil, false) // the stale ones
	}
}

func (d *dumps) forgetKill(pid int) {
	for i := range d.kills {
		if d.kills[i].pid == pid {
			d.dropKill(i)
			return
		}
	}
}

// gunicorn sees gunicorn's error-log lines after the Stream has read them.
func (d *dumps) gunicorn(s *Stream, emit func(*Record)) {
	ev := &s.gev
	switch ev.Kind {
	case GunicornWorkerTimeout:
		d.expireKills()
		if len(d.kills) == maxPendingKills {
			d.dropKill(0)
		}
		var k *pendingKill
		d.kills, k = grow(d.kills)
		k.pid, k.timeUS = ev.Worker, s.lineUS(&s.rec)
		k.method, k.uri = k.method[:0], k.uri[:0]
		if i := s.gs.pendingOf(ev.Worker); i >= 0 {
			// The request the worker last began, which the timeout goes to
			// unless the dying worker's own line says otherwise.
			k.method = append(k.method, s.gs.pending[i].method...)
			k.uri = append(k.uri, s.gs.pending[i].uri...)
		}
		d.lastUS = max(d.lastUS, k.timeUS)
	case GunicornOther, GunicornWorkerExiting:
		d.gunicornWorker(s, emit)
	}
}

// uwsgi sees uWSGI master lines after the Stream has read them.
func (d *dumps) uwsgi(s *Stream, emit func(*Record)) {
	ev, h := &s.uev, &d.hk
	switch ev.Kind {
	case UWSGIHarakiriBanner:
		if !h.open || h.pid != ev.PID {
			h.open, h.pid, h.worker = true, ev.PID, ev.Worker
			h.wchan, h.threads, h.emitted = h.wchan[:0], h.threads[:0], h.emitted[:0]
		}
	case UWSGIStatusCore:
		if h.open {
			d.harakiriStuck(s, ev, emit)
		}
	case UWSGIWorkerDied:
		if ev.PID == h.pid {
			h.open = false
		}
	case UWSGISpawned, UWSGIRespawned:
		// A new process for the worker: the killed one's harakiri is over.
		if ev.Worker == h.worker {
			h.open = false
		}
		d.workerStarted(s, ev, emit)
	}
}

// harakiriStuck emits the stuck frame of the request a status block names,
// once per harakiri however many tries print it.
func (d *dumps) harakiriStuck(s *Stream, ev *UWSGIEvent, emit func(*Record)) {
	h := &d.hk
	var t *tracebackerThread
	for i := range h.threads {
		th := &h.threads[i]
		if th.app && (t == nil || th.core == ev.Core) {
			t = th
		}
	}
	if t == nil {
		return
	}
	for rest := h.emitted; len(rest) > 0; {
		end := bytes.IndexByte(rest, 0)
		if bytes.Equal(rest[:end], ev.URI) {
			return
		}
		rest = rest[end+1:]
	}
	h.emitted = append(append(h.emitted, ev.URI...), 0)
	h.frame = d.cfg.AppendFrame(h.frame[:0], t.appPath, t.appFn)
	h.wait = d.cfg.AppendWaiting(h.wait[:0], t.lastPath, t.lastFn)
	timeUS, _ := s.clock.parse(LayoutOf(ev.Time), ev.Time)
	d.emitStuck(s, emit, stuckFact{frame: h.frame, waiting: h.wait, wchan: h.wchan, timeout: TimeoutHarakiri,
		source: SourceUWSGI, pid: h.pid, method: ev.Method, uri: ev.URI, timeUS: timeUS})
}

// tracebackerFrame takes one line of a tracebacker output.
func (d *dumps) tracebackerFrame(dl *DumpLine) {
	h := &d.hk
	if !h.open {
		return
	}
	var t *tracebackerThread
	for i := range h.threads {
		if bytes.Equal(h.threads[i].id, dl.Thread) {
			t = &h.threads[i]
			break
		}
	}
	if t == nil {
		if len(h.threads) == 16 {
			return
		}
		h.threads, t = grow(h.threads)
		t.id = append(t.id[:0], dl.Thread...)
		t.app, t.core = false, threadCore(dl.Thread)
	}
	t.lastPath = append(t.lastPath[:0], dl.Path...)
	t.lastFn = append(t.lastFn[:0], dl.Func...)
	if d.cfg.IsApp(dl.Path) {
		t.appPath = append(t.appPath[:0], dl.Path...)
		t.appFn = append(t.appFn[:0], dl.Func...)
		t.app = true
	}
}

// threadCore reads N of the tracebacker's "uWSGIWorker1CoreN".
func threadCore(id []byte) int {
	i := bytes.LastIndex(id, []byte("Core"))
	if i < 0 {
		return -1
	}
	n, _, ok := leadingInt(id[i+4:])
	if !ok {
		return -1
	}
	return n
}

// close settles what is open when the stream ends.
func (d *dumps) close(s *Stream, emit func(*Record)) {
	d.endFault(s, emit)
	d.settleStuck(s, emit, 0, nil, true)
	d.kills = d.kills[:0]
	d.hk.open = false
}
