package parse

import "bytes"

// ParseUWSGIRequest reads a line of uWSGI's default request log (core/logging.c),
// with msecs or, under log-micros, micros, e.g. (uWSGI 2.0.21):
//
//	[pid: 4242|app: 0|req: 3/7] 127.0.0.1 () {36 vars in 512 bytes} [Sun Nov 22 22:42:10 2026] GET /invoices/42/pdf?x=1 => generated 1234 bytes in 27 msecs (HTTP/1.1 200) 2 headers in 79 bytes (1 switches on core 0)
//
// The record aliases line. ok is false when the line does not start like a
// request-log line; err is set when it does but is broken.
func ParseUWSGIRequest(line []byte, r *Record) (ok bool, err error) {
	rest, ok := cutPrefix(line, "[pid: ")
	if !ok {
		return false, nil
	}
	pid, rest, okPID := leadingInt(rest)
	if !okPID {
		return true, BadNumber
	}
	// The date is the only bracketed field after the vars block. Searches
	// start from rare bytes ('}', '>'): a needle starting with a space would
	// stop at every space of the line.
	vars := bytes.IndexByte(rest, '}')
	if vars < 0 || !bytes.HasPrefix(rest[vars:], []byte("} [")) {
		return true, BadShape
	}
	rest = rest[vars+len("} ["):]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return true, BadShape
	}
	// The date is when the request started (core/logging.c logs
	// wsgi_req->start_of_request).
	r.StartText, r.StartLayout = rest[:end], TimeCtime
	rest = rest[end+1:]
	if len(rest) == 0 || rest[0] != ' ' {
		return true, BadShape
	}
	rest = rest[1:]
	gen := indexGenerated(rest)
	if gen < 0 {
		return true, BadShape
	}
	sp := bytes.IndexByte(rest[:gen], ' ')
	if sp <= 0 || !isMethod(rest[:sp]) {
		return true, BadRequestLine
	}
	r.Method, r.URI = rest[:sp], rest[sp+1:gen]
	rest = rest[gen+len(" => generated "):]
	_, rest, okB := leadingInt(rest)
	rest, okIn := cutPrefix(rest, " bytes in ")
	if !okB || !okIn {
		return true, BadShape
	}
	n, rest, okN := leadingInt(rest)
	if !okN {
		return true, BadDuration
	}
	switch {
	case bytes.HasPrefix(rest, []byte(" msecs")):
		r.DurationUS = int64(n) * 1000
	case bytes.HasPrefix(rest, []byte(" micros")):
		r.DurationUS = int64(n)
	default:
		return true, BadDuration
	}
	r.HasDuration = true
	// " (HTTP/1.1 200)", possibly after " via sendfile() " and the like.
	open := bytes.IndexByte(rest, '(')
	for open > 0 && rest[open-1] != ' ' { // skip "sendfile()" and the like
		next := bytes.IndexByte(rest[open+1:], '(')
		if next < 0 {
			open = -1
			break
		}
		open += 1 + next
	}
	if open < 0 {
		return true, BadStatus
	}
	rest = rest[open+1:]
	close := bytes.IndexByte(rest, ')')
	if close < 0 {
		return true, BadStatus
	}
	proto := rest[:close]
	sp = bytes.LastIndexByte(proto, ' ')
	status, okS := atoi(proto[sp+1:])
	if sp < 0 || !okS || status < 100 || status > 999 {
		return true, BadStatus
	}
	r.Kind, r.Source, r.Status, r.PID = KindRequest, SourceUWSGI, status, pid
	return true, nil
}

// UWSGIEvent is a line written by the uWSGI master (or a worker) about the
// life of a worker: harakiri banners and their status block, deaths,
// respawns, a full listen queue.
type UWSGIEvent struct {
	Kind   UWSGIEventKind
	Worker int
	Core   int
	PID    int
	Try    int
	Signal int
	Method []byte
	URI    []byte
	Since  []byte // request start: epoch seconds (core line) or ctime (WAS managing)
	Time   []byte // the line's own date prefix, if any
	Addr   []byte // the client address of a write error
}

// UWSGIEventKind says which uWSGI master line an UWSGIEvent came from.
type UWSGIEventKind uint8

const (
	UWSGINone            UWSGIEventKind = iota
	UWSGIHarakiriBanner                 // *** HARAKIRI ON WORKER 1 (pid: 4242, try: 1) ***
	UWSGIHarakiriOther                  // *** HARAKIRI ON MULE|THE SPOOLER|GATEWAY|CRON ... (not a web request)
	UWSGIStatusBegin                    // HARAKIRI !!! worker 1 status !!!
	UWSGIStatusCore                     // HARAKIRI [core 0] 127.0.0.1 - GET /slow since 1795387320
	UWSGIStatusEnd                      // HARAKIRI !!! end of worker 1 status !!!
	UWSGIWasManaging                    // HARAKIRI: --- uWSGI worker 1 (pid: 4242) WAS managing request /slow since Sun Nov 22 22:42:00 2026 ---
	UWSGIHarakiriInfo                   // harakiri-verbose syscall/wchan, 2.0.22+ triggered/graceful/skipping lines
	UWSGIWorkerDied                     // DAMN ! worker 1 (pid: 4242) died, killed by signal 9 :( trying respawn ...
	UWSGISpawned                        // spawned uWSGI worker 1 (pid: 4242, cores: 1)
	UWSGIRespawned                      // Respawned uWSGI worker 1 (new pid: 4250)
	UWSGIListenQueueFull                // *** uWSGI listen queue of socket "127.0.0.1:3031" (fd: 3) full !!! (101/100) ***
	UWSGIManaging                       // SIGUSR2: --- uWSGI worker 2 (pid: 471) is managing request /x since ... --- (before the deadline: no timeout)
	UWSGIWriteError                     // uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET /x (127.0.0.3)
	UWSGISigpipe                        // SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /x (ip 127.0.0.3) !!!
)

var (
	markHarakiri    = []byte("HARAKIRI")
	markDamn        = []byte("DAMN ! worker ")
	markWorkerStart = []byte("WSGI worker ")
	markListenQ     = []byte("*** uWSGI listen queue of socket ")
)

// ParseUWSGIEvent reads a uWSGI master line (core/master_utils.c, core/master.c,
// core/uwsgi.c). Lines from uwsgi_log_verbose start with a date and " - ";
// that prefix is optional here and returned in ev.Time. ok is false when the
// line is not such a line; err is set when it is, but broken. ev aliases line.
func ParseUWSGIEvent(line []byte, ev *UWSGIEvent) (ok bool, err error) {
	*ev = UWSGIEvent{}
	if i := bytes.Index(line, markHarakiri); i >= 0 {
		return parseHarakiri(line, i, ev)
	}
	if i := bytes.Index(line, markDamn); i >= 0 {
		ev.Time = datePrefix(line, i)
		rest, ok := workerPID(line[i+len(markDamn):], " (pid: ", ev)
		if !ok {
			return true, BadNumber
		}
		ev.Kind = UWSGIWorkerDied
		if j := bytes.Index(rest, []byte("killed by signal ")); j >= 0 {
			ev.Signal, _, _ = leadingInt(rest[j+len("killed by signal "):])
		}
		return true, nil
	}
	// core/master_utils.c uwsgi_respawn_worker writes a worker's first
	// start "spawned uWSGI worker 1 (pid: 4242, cores: 1)" and later ones
	// "Respawned uWSGI worker 1 (new pid: 4250)": one search finds both.
	// It looks for the rare 'W' and checks the bytes before: bytes.Index
	// skips along a needle's first byte, and lines are full of 's'.
	if i := bytes.Index(line, markWorkerStart); i >= len("spawned u") && string(line[i-len("spawned u"):i]) == "spawned u" {
		rest := line[i+len(markWorkerStart):]
		i -= len("spawned u")
		if i >= 2 && line[i-2] == 'R' && line[i-1] == 'e' {
			ev.Time = datePrefix(line, i-2)
			if _, ok := workerPID(rest, " (new pid: ", ev); !ok {
				return true, BadNumber
			}
			ev.Kind = UWSGIRespawned
			return true, nil
		}
		ev.Time = datePrefix(line, i)
		rest, ok := workerPID(rest, " (pid: ", ev)
		if !ok || !bytes.HasPrefix(rest, []byte(", cores: ")) {
			return true, BadNumber
		}
		ev.Kind = UWSGISpawned
		return true, nil
	}
	if i := bytes.Index(line, markListenQ); i >= 0 {
		ev.Time = datePrefix(line, i)
		if !bytes.Contains(line[i:], []byte(" full !!! (")) {
			return true, BadShape
		}
		ev.Kind = UWSGIListenQueueFull
		return true, nil
	}
	return parseWorkerReport(line, ev)
}

func parseHarakiri(line []byte, i int, ev *UWSGIEvent) (bool, error) {
	ev.Time = datePrefix(line, i)
	switch {
	case i >= 4 && string(line[i-4:i]) == "*** ":
		ev.Time = datePrefix(line, i-4)
		rest := line[i+len("HARAKIRI"):]
		rest, ok := cutPrefix(rest, " ON WORKER ")
		if !ok {
			if bytes.HasPrefix(rest, []byte(" ON ")) {
				ev.Kind = UWSGIHarakiriOther
				return true, nil
			}
			return true, BadShape
		}
		var okN bool
		if ev.Worker, rest, okN = leadingInt(rest); !okN {
			return true, BadNumber
		}
		if rest, okN = cutPrefix(rest, " (pid: "); !okN {
			return true, BadNumber
		}
		if ev.PID, rest, okN = leadingInt(rest); !okN {
			return true, BadNumber
		}
		if rest, okN = cutPrefix(rest, ", try: "); !okN {
			return true, BadNumber
		}
		if ev.Try, rest, okN = leadingInt(rest); !okN || ev.Try < 1 {
			return true, BadNumber
		}
		// "") ***" up to 2.0.21, ", graceful: yes) ***" from 2.0.22.
		if !bytes.HasPrefix(rest, []byte(") ***")) && !bytes.HasPrefix(rest, []byte(", graceful: ")) {
			return true, BadShape
		}
		ev.Kind = UWSGIHarakiriBanner
		return true, nil
	}
	rest := line[i+len("HARAKIRI"):]
	switch {
	case bytes.HasPrefix(rest, []byte(" [core ")):
		rest = rest[len(" [core "):]
		core, rest, ok := leadingInt(rest)
		ev.Core = core
		if !ok || !bytes.HasPrefix(rest, []byte("] ")) {
			return true, BadNumber
		}
		rest = rest[2:]
		// "<remote addr> - <METHOD> <REQUEST_URI> since <epoch>"; the address
		// may be empty, the URI may hold spaces, so cut from both ends.
		dash := bytes.Index(rest, []byte(" - "))
		if dash < 0 {
			if !bytes.HasPrefix(rest, []byte("- ")) {
				return true, BadShape
			}
			dash = -1
		}
		rest = rest[dash+3:]
		since := bytes.LastIndex(rest, []byte(" since "))
		if since < 0 {
			return true, BadShape
		}
		ev.Since = rest[since+len(" since "):]
		rest = rest[:since]
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			// A request that has not sent its method yet has empty fields.
			ev.Method, ev.URI = rest, nil
		} else {
			ev.Method, ev.URI = rest[:sp], rest[sp+1:]
		}
		ev.Kind = UWSGIStatusCore
		return true, nil
	case bytes.HasPrefix(rest, []byte(" !!! worker ")):
		w, _, ok := leadingInt(rest[len(" !!! worker "):])
		if !ok {
			return true, BadNumber
		}
		ev.Kind, ev.Worker = UWSGIStatusBegin, w
		return true, nil
	case bytes.HasPrefix(rest, []byte(" !!! end of worker ")):
		w, _, ok := leadingInt(rest[len(" !!! end of worker "):])
		if !ok {
			return true, BadNumber
		}
		ev.Kind, ev.Worker = UWSGIStatusEnd, w
		return true, nil
	case bytes.HasPrefix(rest, []byte(": --- uWSGI worker ")):
		// Printed by the worker itself (core/uwsgi.c what_i_am_doing):
		// "HARAKIRI: --- uWSGI worker 1 (pid: 42) WAS managing request /x since <ctime> ---"
		// or, with threads, "... worker 1 core 0 (pid: 42) WAS managing ...".
		rest = rest[len(": --- uWSGI worker "):]
		w, r2, ok := leadingInt(rest)
		if !ok {
			return true, BadNumber
		}
		if c, found := cutPrefix(r2, " core "); found {
			ev.Core, _, _ = leadingInt(c)
		}
		p := bytes.Index(r2, []byte("(pid: "))
		if p < 0 {
			return true, BadNumber
		}
		pid, r3, ok := leadingInt(r2[p+len("(pid: "):])
		if !ok {
			return true, BadNumber
		}
		r3, ok = cutPrefix(r3, ") WAS managing request ")
		if !ok {
			// "HARAKIRI: --- uWSGI worker 1 (pid: 42) WAS handling signal 3 ---":
			// a signal handler, no request.
			if bytes.HasPrefix(r3, []byte(") WAS handling signal ")) {
				ev.Kind = UWSGIHarakiriInfo
				return true, nil
			}
			return true, BadShape
		}
		since := bytes.LastIndex(r3, []byte(" since "))
		if since < 0 {
			return true, BadShape
		}
		ev.Kind, ev.Worker, ev.PID, ev.URI = UWSGIWasManaging, w, pid, r3[:since]
		ev.Since = bytes.TrimSuffix(r3[since+len(" since "):], []byte(" ---"))
		return true, nil
	case bytes.HasPrefix(rest, []byte(": -- ")), bytes.HasPrefix(rest, []byte(" triggered by worker ")), bytes.HasPrefix(rest, []byte(" (user) triggered by worker ")),
		bytes.HasPrefix(rest, []byte(": graceful termination")), bytes.HasPrefix(rest, []byte(": Skipping harakiri")):
		ev.Kind = UWSGIHarakiriInfo
		return true, nil
	}
	// "HARAKIRI" in some other text (an app message, a URL): not ours.
	return false, nil
}

// workerPID reads "<worker><sep><pid>" (" (pid: " in "DAMN ! worker 1 (pid: 42)",
// " (new pid: " in "Respawned uWSGI worker 1 (new pid: 43)") into ev and
// returns the rest.
func workerPID(b []byte, sep string, ev *UWSGIEvent) ([]byte, bool) {
	w, rest, okW := leadingInt(b)
	rest, okS := cutPrefix(rest, sep)
	pid, rest, okP := leadingInt(rest)
	ev.Worker, ev.PID = w, pid
	return rest, okW && okS && okP
}

// datePrefix returns the "<date> - " prefix uwsgi_log_verbose puts before a
// message that starts at i, without the " - ".
func datePrefix(line []byte, i int) []byte {
	if i >= 3 && string(line[i-3:i]) == " - " {
		return line[:i-3]
	}
	return nil
}

// indexGenerated finds " => generated " by its rare '>'; URIs carry '>'
// only percent-encoded, but the loop copes with a raw one.
func indexGenerated(b []byte) int {
	const needle = " => generated "
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '>')
		if j < 0 {
			return -1
		}
		at := i + j - 2 // the needle starts 2 bytes before its '>'
		if at >= 0 && len(b)-at >= len(needle) && string(b[at:at+len(needle)]) == needle {
			return at
		}
		i += j + 1
	}
}
