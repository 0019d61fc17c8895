package parse

// uWSGI's own view of a client that went away: a write into the closed
// connection fails (parse/uwsgiworker.go has the lines). One request gives
// a SIGPIPE line, a write-error line, or both, in that order, and still
// its request-log line:
//
//	Tue Dec  1 07:25:43 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (ip 127.0.0.3) !!!
//	Tue Dec  1 07:25:43 2026 - uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (127.0.0.3)
//	[pid: 587|app: 0|req: 20/19] 127.0.0.3 () {36 vars in 678 bytes} [Tue Dec  1 07:25:41 2026] GET /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download => generated 262144 bytes in 1504 msecs (HTTP/1.1 200) 1 headers in 59 bytes (1 switches on core 0)
//
// (uwsgi-noids/uwsgi.log). Each request is one client abort: the write
// error counts it (it names the method); a SIGPIPE line waits for the
// write error or the request-log line of its request, whichever comes
// (--ignore-write-errors drops the former), and counts at the end of the
// stream if neither does.

// maxPendingAborts bounds the SIGPIPE lines waiting for their request's
// end; abortPatience is how many request-log lines of the stream one waits
// for before it counts on its own (its request ends long before).
const (
	maxPendingAborts = 16
	abortPatience    = 512
)

type pendingAbort struct {
	uri     []byte
	since   int // the stream's request-log line count when it came
	addr    uint64
	timeUS  int64
	eventMS int64
}

// clientAborts keeps the waiting SIGPIPE lines in pending[:n]; a slot's
// buffer is reused.
type clientAborts struct {
	pending [maxPendingAborts]pendingAbort
	n       int
	ended   int // uWSGI request-log lines read while some waited
}

func (s *Stream) clientAbort(emit func(*Record)) {
	ev, ca := &s.uev, &s.ca
	addr := hashBytes(ev.Addr)
	i := ca.find(ev.URI, addr)
	if ev.Kind == UWSGISigpipe {
		if i >= 0 {
			return // the same request's second SIGPIPE
		}
		if ca.n == maxPendingAborts {
			s.settleAbort(0, nil, emit)
		}
		p := &ca.pending[ca.n]
		*p = pendingAbort{uri: append(p.uri[:0], ev.URI...), since: ca.ended, addr: addr, timeUS: s.lineUS(&s.rec), eventMS: s.eventMS}
		ca.n++
		return
	}
	if i >= 0 {
		ca.remove(i)
	}
	r := &s.rec
	r.Kind, r.Method, r.URI = KindClientAbort, ev.Method, ev.URI
	s.emit(r, emit)
}

// abortFinished settles a pending SIGPIPE of the request r (a uWSGI
// request-log line) finishes, and those that waited too long.
func (s *Stream) abortFinished(r *Record, emit func(*Record)) {
	ca := &s.ca
	if ca.n == 0 {
		return
	}
	ca.ended++
	for i := 0; i < ca.n; {
		p := &ca.pending[i]
		switch {
		case string(p.uri) == string(r.URI):
			s.settleAbort(i, r.Method, emit)
			return
		case ca.ended-p.since > abortPatience:
			s.settleAbort(i, nil, emit) // slot i now holds another
		default:
			i++
		}
	}
}

// settleAbort counts pending[i] as a client abort and frees its slot.
func (s *Stream) settleAbort(i int, method []byte, emit func(*Record)) {
	p := &s.ca.pending[i]
	r := &s.aux
	r.Reset()
	r.Kind, r.Source, r.Method, r.URI, r.TimeUS, r.EventMS = KindClientAbort, SourceUWSGI, method, p.uri, p.timeUS, p.eventMS
	s.emit(r, emit)
	s.ca.remove(i)
}

// remove frees pending[i]: the last waiting one takes its place, and
// slot n-1 keeps the freed buffer.
func (ca *clientAborts) remove(i int) {
	last := ca.n - 1
	ca.pending[i], ca.pending[last] = ca.pending[last], ca.pending[i]
	ca.n--
}

func (ca *clientAborts) find(uri []byte, addr uint64) int {
	for i := 0; i < ca.n; i++ {
		if p := &ca.pending[i]; p.addr == addr && string(p.uri) == string(uri) {
			return i
		}
	}
	return -1
}

// closeAborts counts the SIGPIPE lines whose request the stream did not finish.
func (s *Stream) closeAborts(emit func(*Record)) {
	for s.ca.n > 0 {
		s.settleAbort(s.ca.n-1, nil, emit)
	}
}
