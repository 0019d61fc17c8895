package parse

import "bytes"

// Lines a uWSGI worker writes about the request it is serving, other than
// its request log: what it was doing when it got SIGUSR2, and a response
// it could not write because the client had gone (uWSGI 2.0.21,
// testdata/captures/incidents/uwsgi-*/uwsgi.log):
//
//	SIGUSR2: --- uWSGI worker 2 (pid: 471) is managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---
//	Tue Dec  1 07:25:43 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (ip 127.0.0.3) !!!
//	Tue Dec  1 07:25:43 2026 - uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (127.0.0.3)
//
// The first is core/uwsgi.c what_i_am_doing before the harakiri deadline
// (after it the line says "HARAKIRI: --- ... WAS managing"); the SIGPIPE
// line is core/uwsgi.c's SIGPIPE handler; the write error is uwsgi.h's
// uwsgi_req_error ("%s: %s [%s line %d] during %.*s %.*s (%.*s)"), written
// only when the request is known.

var (
	markManaging = []byte("SIGUSR2: --- uWSGI worker ")
	markSigpipe  = []byte("SIGPIPE: writing to a closed pipe/socket/fd")
	markWriteFn  = []byte("uwsgi_response_")
)

// parseWorkerReport reads the lines above into ev; ok is false for any
// other line.
func parseWorkerReport(line []byte, ev *UWSGIEvent) (bool, error) {
	if bytes.HasPrefix(line, markManaging) {
		ev.Kind = UWSGIManaging
		return true, nil
	}
	// The message starts the line or follows uwsgi_log_verbose's date and
	// " - ": a ctime (24 bytes) or the --logdate format most use,
	// "%Y-%m-%d %H:%M:%S" (19 bytes). Fixed offsets keep the lines that
	// are none of these (dumps, app text) cheap.
	msg, date := line, []byte(nil)
	for _, n := range [...]int{24, 19} {
		if len(line) > n+3 && line[n] == ' ' && line[n+1] == '-' && line[n+2] == ' ' {
			msg, date = line[n+3:], line[:n]
			break
		}
	}
	if len(msg) == 0 || msg[0] != 'S' && msg[0] != 'u' {
		return false, nil
	}
	switch {
	case bytes.HasPrefix(msg, markSigpipe):
		ev.Time = date
		rest := msg[len(markSigpipe):]
		on := bytes.Index(rest, []byte(" on request "))
		if on < 0 {
			return true, nil // "... disconnected) !!!": no request named
		}
		rest = rest[on+len(" on request "):]
		ip := bytes.LastIndex(rest, []byte(" (ip "))
		if ip <= 0 || !bytes.HasSuffix(rest, []byte(") !!!")) {
			return true, BadShape
		}
		ev.Kind, ev.URI, ev.Addr = UWSGISigpipe, rest[:ip], rest[ip+len(" (ip "):len(rest)-len(") !!!")]
		return true, nil
	case bytes.HasPrefix(msg, markWriteFn):
		fn := bytes.Index(msg, []byte("(): "))
		if fn < 0 || fn > 64 {
			return false, nil
		}
		ev.Time = date
		errText := msg[fn+len("(): "):]
		br := bytes.Index(errText, []byte(" ["))
		during := bytes.Index(errText, []byte("] during "))
		if br < 0 || during < br {
			return true, nil // not about a request
		}
		errno, req := errText[:br], errText[during+len("] during "):]
		open := bytes.LastIndex(req, []byte(" ("))
		sp := bytes.IndexByte(req, ' ')
		if open <= 0 || sp <= 0 || sp >= open || req[len(req)-1] != ')' || !isMethod(req[:sp]) {
			return true, BadRequestLine
		}
		// Only a peer that went away is a client abort; other errors
		// (a full disk behind a pipe, a timeout) are not.
		if string(errno) != "Broken pipe" && string(errno) != "Connection reset by peer" {
			return true, nil
		}
		ev.Kind, ev.Method, ev.URI, ev.Addr = UWSGIWriteError, req[:sp], req[sp+1:open], req[open+2:len(req)-1]
		return true, nil
	}
	return false, nil
}
