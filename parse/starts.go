package parse

import "bytes"

// The request each worker process of a stream began, as its request-start
// lines say (gunicorn's "[DEBUG] GET /path", an app's JSON request start
// with a pid): what a later gunicorn WORKER TIMEOUT was doing, and the
// request id a later harakiri of that worker belongs to.

type requestStart struct {
	method, uri []byte
	id          []byte // request id of the start line, nil when it logged none
	startUS     int64  // when it began, 0 when the line had no time
	active      bool   // false once the request finished or timed out; the buffers stay for reuse
}

// maxStarts bounds the per-stream memory of worker requests.
const maxStarts = 4096

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
	st := s.starts[pid]
	if st == nil {
		if len(s.starts) >= maxStarts {
			clear(s.starts)
		}
		st = &requestStart{}
		s.starts[pid] = st
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
	st.active = true
}

// attribute gives a worker timeout the request its worker began: method,
// URI, request id and start time. The start is then settled.
func (s *Stream) attribute(r *Record, worker int) {
	st := s.starts[worker]
	if st == nil || !st.active {
		return
	}
	r.Method, r.URI, r.StartUS = st.method, st.uri, st.startUS
	if len(st.id) > 0 {
		r.RequestID = st.id
	}
	st.active = false
}

// startID is the request id of the request worker pid began, when its
// path is that of uri (a harakiri names the URI with its query; an app's
// start line often the path only).
func (s *Stream) startID(pid int, uri []byte) []byte {
	st := s.starts[pid]
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
