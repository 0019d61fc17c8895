package awslogs

import (
	"fmt"
	"strings"
)

// Kind is what a slowroutes function is fed.
type Kind string

const (
	// Harakiri functions count timeouts and failures; they only need the
	// lines that announce one.
	Harakiri Kind = "harakiri"
	// Slowlog functions measure every request; they need every line.
	Slowlog Kind = "slowlog"
)

// ParseKind parses "harakiri" or "slowlog".
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Harakiri, Slowlog:
		return k, nil
	}
	return "", fmt.Errorf("want harakiri or slowlog, got %q", s)
}

// KindOfFunction guesses the kind of a function from its name: a name that
// says "slowlog" is a slowlog function, anything else a harakiri function.
func KindOfFunction(name string) Kind {
	if strings.Contains(strings.ToLower(name), "slowlog") {
		return Slowlog
	}
	return Harakiri
}

// FilterName is the one subscription filter name slowroutes uses on a log
// group for a kind, so that a second run finds and updates its own filter.
func (k Kind) FilterName() string { return "slowroutes-" + string(k) }

// harakiriTerms are the lines a harakiri function acts on, as CloudWatch
// Logs filter terms (any one matches; terms are case-sensitive):
//
//	Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 1 (pid: 6843, try: 1) ***
//	Sun Nov 22 23:30:41 2026 - HARAKIRI [core 0] 127.0.0.1 - GET /slow/7?page=2 since 1795390237
//	HARAKIRI: --- uWSGI worker 2 (pid: 471) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---
//	DAMN ! worker 1 (pid: 6843) died, killed by signal 9 :( trying respawn ...
//	Sun Nov 22 23:30:38 2026 - *** uWSGI listen queue of socket "127.0.0.1:54759" (fd: 3) full !!! (3/2) ***
//	Tue Dec  1 07:25:43 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /media/da39.../download (ip 127.0.0.3) !!!
//	Tue Dec  1 07:25:43 2026 - uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET /media/da39.../download (127.0.0.3)
//	2026/11/22 23:30:34 [error] 6839#6839: *121 upstream timed out (110: Connection timed out) while reading ...
//	2026/11/22 23:30:41 [error] 6839#6839: *127 upstream prematurely closed connection while reading ...
//	[2026-11-22 23:31:08 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6847)
//	{"event":"request_aborted","pid":32698,"method":"GET","path":"/exports/9/csv","route":"/exports/<int:id>/csv","status":500,"duration_ms":5735.3}
//	[2026-12-01 07:25:27 +0000] [32698] [INFO] Worker exiting (pid: 32698)
//
// (uWSGI 2.0.21, nginx 1.22.1, gunicorn 20.1.0: testdata/captures and
// testdata/captures/incidents),
//
// and nginx access lines with status 504, 499 or 502: " 504 " in the
// combined format, ":504" in a JSON format ("status":504). The dying
// gunicorn worker's request line (an app JSON line with status 500, ":500"
// or ": 500") and the worker's end name the route of a WORKER TIMEOUT;
// so do gunicorn's request starts: "[DEBUG] GET /path" (its default
// pre_request hook at debug level) and "[INFO] GET /path" (the README's
// hook). "Respawned" and the kill lines close a harakiri episode. A term
// may also hit an unrelated line (a 504-byte body); the parser decides,
// the filter only has to keep what matters. template.yaml's
// HarakiriFilterPattern default is the same pattern (a test holds them
// together); CloudWatch Logs takes at most 1,024 characters.
var harakiriTerms = []string{
	"HARAKIRI",
	`"upstream timed out"`,
	`"upstream prematurely closed"`,
	`"connect() failed"`,
	`"WORKER TIMEOUT"`,
	`"Worker exiting"`,
	`"[DEBUG]"`,
	`"[INFO] GET /"`, `"[INFO] POST /"`, `"[INFO] PUT /"`, `"[INFO] PATCH /"`, `"[INFO] DELETE /"`,
	`"DAMN ! worker"`,
	`"Respawned uWSGI"`,
	`"terminated due to signal"`,
	`"SIGKILL"`,
	`"listen queue"`,
	"SIGPIPE",
	`"Broken pipe"`,
	`"Connection reset by peer"`,
	`" 504 "`, `" 499 "`, `" 502 "`,
	`":504"`, `":499"`, `":502"`,
	`":500"`, `": 500"`,
}

// DefaultPattern is the subscription filter pattern for a kind: for
// harakiri, any of harakiriTerms; for slowlog, the empty pattern, which
// matches every event.
func (k Kind) DefaultPattern() string {
	if k == Slowlog {
		return ""
	}
	var b strings.Builder
	for i, t := range harakiriTerms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('?')
		b.WriteString(t)
	}
	return b.String()
}
