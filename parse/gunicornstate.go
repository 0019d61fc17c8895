package parse

// The gunicorn part of the Stream: which request each worker began, so that
// the arbiter's WORKER TIMEOUT, which names only the worker, gets a route.

// requestStart is the last request a gunicorn worker began.
type requestStart struct {
	method, uri []byte
	active      bool // false once the request finished or timed out; the buffers stay for reuse
}

// maxStarts bounds the per-stream memory of gunicorn worker requests.
const maxStarts = 4096

// remember keeps the request a worker began, for a later WORKER TIMEOUT.
func (s *Stream) remember(pid int, method, uri []byte) {
	if pid <= 0 {
		return
	}
	st := s.starts[pid]
	if st == nil {
		if len(s.starts) >= maxStarts {
			clear(s.starts)
		}
		st = &requestStart{}
		s.starts[pid] = st
	}
	st.method = append(st.method[:0], method...)
	st.uri = append(st.uri[:0], uri...)
	st.active = true
}

func (s *Stream) gunicorn(emit func(*Record)) {
	ev, r := &s.gev, &s.rec
	r.TimeText, r.TimeLayout = ev.Time, TimeYMD
	switch ev.Kind {
	case GunicornRequestStart:
		s.remember(ev.PID, ev.Method, ev.URI)
		r.Kind, r.Source, r.PID, r.Method, r.URI = KindRequestStart, SourceGunicorn, ev.PID, ev.Method, ev.URI
		r.StartText, r.StartLayout = ev.Time, TimeYMD
		s.emit(r, emit)
	case GunicornWorkerTimeout:
		// The arbiter names the worker; what it was doing is the last request
		// that worker started in this stream, if the stream shows it.
		r.Kind, r.Source, r.Timeout, r.PID = KindTimeout, SourceGunicorn, TimeoutGunicornWorker, ev.Worker
		if st := s.starts[ev.Worker]; st != nil && st.active {
			r.Method, r.URI = st.method, st.uri
			st.active = false
		}
		s.emit(r, emit)
	case GunicornWorkerKilled:
		r.Kind, r.Source, r.PID = KindWorkerKill, SourceGunicorn, ev.Worker
		s.emit(r, emit)
	}
}
