package parse

// The uWSGI part of the Stream: harakiri kills assembled from the master's
// banner, its worker status block and the worker's own lines. uWSGI 2.0.21
// (core/master_utils.c trigger_harakiri, uwsgi_dump_worker; core/uwsgi.c
// what_i_am_doing) writes, for one kill:
//
//	HARAKIRI: --- uWSGI worker 2 (pid: 471) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---
//	Tue Dec  1 07:25:33 2026 - *** HARAKIRI ON WORKER 2 (pid: 471, try: 1) ***
//	Tue Dec  1 07:25:33 2026 - HARAKIRI !!! worker 2 status !!!
//	Tue Dec  1 07:25:33 2026 - HARAKIRI [core 0] 127.0.0.2 - GET /invoices/4242/pdf?regenerate=1 since 1796109929
//	Tue Dec  1 07:25:33 2026 - HARAKIRI !!! end of worker 2 status !!!
//	DAMN ! worker 2 (pid: 471) died, killed by signal 9 :( trying respawn ...
//
// (testdata/captures/incidents/uwsgi-noids/uwsgi.log). The WAS line is the
// worker's answer to a SIGUSR2 someone sent after the deadline, before the
// master's check; any number of them may come, or none. The master writes
// the status block at every try, listing every busy core.
//
// What counts, so that a kill counts once however CloudWatch Logs cuts the
// stream into deliveries:
//   - a [core N] line is the timeout of its request, inside its status block
//     or on its own (the block's start went to another delivery), except in
//     the block of a try 2+ banner, which repeats try 1;
//   - a WAS line counts only after the banner of its worker pid (in the
//     stream, and by event time when the lines have one), and only
//     if no [core N] line named the request (a uWSGI that writes the WAS
//     line but no status block). Before the banner it says only that the
//     deadline passed: the kill, if it comes, is counted from its block;
//   - the same request (pid, start second, URI) counts once per stream, in
//     either order; the start second of a WAS line is its ctime, that of a
//     [core N] line its epoch, both the request's start in whole seconds;
//   - a harakiri killed an idle worker only when its status block, begun
//     and ended in the stream, named no request.

// maxKilled is how many counted requests a stream remembers, to count each
// once. Kills are rare; a worker is killed once.
const maxKilled = 64

type harakiriState struct {
	episodes []episode
	banner   lastBanner
	block    statusBlock
	killed   [maxKilled]killedRequest
	next     int
}

// episode is the harakiri of one worker process, across its tries.
type episode struct {
	worker, pid int
	eventMS     int64 // of its banner
	counted     int   // requests counted for it
	idle        bool  // its idle kill was counted
	closed      bool  // the worker died or was respawned
}

// lastBanner is the last banner read, for the status block that follows it.
type lastBanner struct {
	worker, try int
	us          int64 // its time, 0 when it had no date prefix
}

type statusBlock struct {
	open   bool
	worker int
	us     int64 // time of its first line, 0 when it had no date prefix
	cores  int   // [core N] lines read in it
	retry  bool  // the block of a try 2+ banner
	ep     int   // index of its episode, -1 when its banner is not in the stream
}

// killedRequest identifies a request counted as a harakiri timeout.
type killedRequest struct {
	pid   int   // 0 when the line did not say
	start int64 // start second
	ctime bool  // start read from a ctime (local time, read as UTC)
	uri   uint64
	used  bool
}

func (s *Stream) uwsgi(emit func(*Record)) {
	ev, r, h := &s.uev, &s.rec, &s.hk
	r.Source = SourceUWSGI
	r.TimeText, r.TimeLayout = ev.Time, LayoutOf(ev.Time)
	switch ev.Kind {
	case UWSGIHarakiriBanner:
		e := s.episode(ev.Worker)
		if ev.Try == 1 || h.episodes[e].pid != ev.PID || h.episodes[e].closed {
			h.episodes[e] = episode{worker: ev.Worker, pid: ev.PID, eventMS: s.eventMS}
		}
		h.banner = lastBanner{worker: ev.Worker, try: ev.Try, us: s.lineUS(r)}
		r.Kind, r.PID, r.Try = KindHarakiri, ev.PID, ev.Try
		s.emit(r, emit)
	case UWSGIStatusBegin:
		us := s.lineUS(r)
		b := statusBlock{open: true, worker: ev.Worker, us: us, ep: -1}
		if h.banner.worker == ev.Worker && near(h.banner.us, us, 2) {
			b.retry = h.banner.try >= 2
			b.ep = h.find(ev.Worker)
		}
		h.banner, h.block = lastBanner{}, b // a banner has one block
	case UWSGIStatusEnd:
		b := &h.block
		if b.open && b.worker == ev.Worker && near(b.us, s.lineUS(r), 1) && b.cores == 0 && !b.retry {
			s.idleKill(b.ep, emit)
		}
		h.block = statusBlock{}
	case UWSGIStatusCore:
		pid := 0
		if b := &h.block; b.open && near(b.us, s.lineUS(r), 1) {
			b.cores++
			if b.retry {
				return // try 1's block named it
			}
			if b.ep >= 0 {
				pid = h.episodes[b.ep].pid
			}
		}
		start, ok := ParseTime(TimeEpoch, ev.Since)
		r.StartText, r.StartLayout = ev.Since, TimeEpoch
		s.harakiriRequest(pid, start/1e6, ok, false, ev.Method, ev.URI, emit)
	case UWSGIWasManaging:
		e := h.find(ev.Worker)
		if e < 0 || h.episodes[e].pid != ev.PID || h.episodes[e].closed || s.eventMS > 0 && s.eventMS < h.episodes[e].eventMS {
			return // before the banner (or delivered after it): the status block names the request
		}
		start, ok := ParseTime(TimeCtime, ev.Since)
		r.StartText, r.StartLayout = ev.Since, TimeCtime
		s.harakiriRequest(ev.PID, start/1e6, ok, true, nil, ev.URI, emit)
	case UWSGIWorkerDied:
		if e := h.find(ev.Worker); e >= 0 && h.episodes[e].pid == ev.PID {
			h.episodes[e].closed = true
		}
		if ev.Signal > 0 {
			r.Kind, r.PID = KindWorkerKill, ev.PID
			s.emit(r, emit)
		}
	case UWSGISpawned, UWSGIRespawned:
		if e := h.find(ev.Worker); e >= 0 {
			h.episodes[e].closed = true
		}
	case UWSGIListenQueueFull:
		r.Kind = KindListenQueueFull
		s.emit(r, emit)
	case UWSGISigpipe, UWSGIWriteError:
		s.clientAbort(emit)
	}
}

// lineUS is the time of the line being read, 0 when it has none.
func (s *Stream) lineUS(r *Record) int64 {
	us, _ := s.clock.parse(r.TimeLayout, r.TimeText)
	return us
}

// near reports whether two line times are within d seconds, or unknown.
func near(a, b int64, d int64) bool {
	if a == 0 || b == 0 {
		return true
	}
	diff := a - b
	if diff < 0 {
		diff = -diff
	}
	return diff <= d*1e6
}

// harakiriRequest emits the timeout of a request a harakiri killed, unless
// the stream counted it already.
func (s *Stream) harakiriRequest(pid int, start int64, hasStart, ctime bool, method, uri []byte, emit func(*Record)) {
	h := &s.hk
	k := killedRequest{pid: pid, start: start, ctime: ctime, uri: hashBytes(uri), used: true}
	if !hasStart {
		k.start = -1
	}
	for i := range h.killed {
		if h.killed[i].sameRequest(k) {
			return
		}
	}
	h.killed[h.next] = k
	h.next = (h.next + 1) % maxKilled
	if e := h.findPID(pid); e >= 0 {
		h.episodes[e].counted++
	}
	r := &s.rec
	r.Kind, r.Timeout, r.PID, r.Method, r.URI = KindTimeout, TimeoutHarakiri, pid, method, uri
	r.RequestID = s.startID(pid, uri) // the app's start line of the killed request, if it logged an id
	s.emit(r, emit)
}

func (k killedRequest) sameRequest(o killedRequest) bool {
	if !k.used || k.uri != o.uri || k.pid != 0 && o.pid != 0 && k.pid != o.pid {
		return false
	}
	if k.start < 0 || o.start < 0 {
		return k.pid != 0 && k.pid == o.pid // a worker pid is killed once
	}
	d := k.start - o.start
	if d < 0 {
		d = -d
	}
	// A ctime is local time read as UTC: against an epoch it may be off by
	// a whole zone offset (quarter hours, up to 14 h).
	return d == 0 || k.ctime != o.ctime && d <= 14*3600 && d%900 == 0
}

// idleKill counts a harakiri whose status block named no request.
func (s *Stream) idleKill(ep int, emit func(*Record)) {
	h := &s.hk
	pid := 0
	if ep >= 0 {
		e := &h.episodes[ep]
		if e.counted > 0 || e.idle {
			return
		}
		e.idle, pid = true, e.pid
	}
	r := &s.rec
	r.Kind, r.PID = KindHarakiriIdle, pid
	s.emit(r, emit)
}

func (h *harakiriState) find(worker int) int {
	for i := range h.episodes {
		if h.episodes[i].worker == worker {
			return i
		}
	}
	return -1
}

func (h *harakiriState) findPID(pid int) int {
	for i := range h.episodes {
		if pid != 0 && h.episodes[i].pid == pid {
			return i
		}
	}
	return -1
}

func (s *Stream) episode(worker int) int {
	h := &s.hk
	if e := h.find(worker); e >= 0 {
		return e
	}
	h.episodes = append(h.episodes, episode{worker: worker})
	return len(h.episodes) - 1
}

// hashBytes is FNV-1a, 64 bits.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
