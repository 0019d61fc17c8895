package parse

import "bytes"

// GunicornEventKind says which gunicorn error-log line a GunicornEvent came from.
type GunicornEventKind uint8

const (
	GunicornOther         GunicornEventKind = iota // any other line of gunicorn's error log
	GunicornWorkerTimeout                          // [CRITICAL] WORKER TIMEOUT (pid:4242)
	GunicornRequestStart                           // [DEBUG] GET /invoices/42/pdf (default pre_request hook)
	GunicornWorkerKilled                           // Worker with pid 4242 was terminated due to signal 9 / Worker (pid:4242) was sent SIGKILL!
	GunicornWorkerExiting                          // [4242] [INFO] Worker exiting (pid: 4242): the worker's last line
)

// GunicornEvent is one line of gunicorn's error log.
type GunicornEvent struct {
	Kind   GunicornEventKind
	PID    int    // the pid in brackets: the process that wrote the line
	Worker int    // the worker the message is about (timeout, kill, exit)
	Signal int    // the signal that terminated it; 9 for "was sent SIGKILL!"
	Level  []byte // DEBUG, INFO, WARNING, ERROR, CRITICAL
	Msg    []byte // the message after the level
	Method []byte
	URI    []byte
	Time   []byte
}

// ParseGunicorn reads a line of gunicorn's error log (gunicorn/glogging.py,
// format "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s" with
// datefmt "%Y-%m-%d %H:%M:%S %z"), e.g. (gunicorn 20.1.0):
//
//	[2026-11-22 22:42:10 +0000] [4100] [CRITICAL] WORKER TIMEOUT (pid:4242)
//	[2026-11-22 22:42:07 +0000] [4242] [DEBUG] GET /slow/3
//
// ev aliases line.
func ParseGunicorn(line []byte, ev *GunicornEvent) (ok bool, err error) {
	*ev = GunicornEvent{}
	// "[YYYY-MM-DD HH:MM:SS +ZZZZ] [" — 28 bytes before the pid.
	if len(line) < 31 || line[0] != '[' || line[5] != '-' || line[8] != '-' || line[11] != ' ' {
		return false, nil
	}
	end := bytes.IndexByte(line, ']')
	if end < 0 || end > 40 {
		return false, nil
	}
	ev.Time = line[1:end]
	rest, ok := cutPrefix(line[end+1:], " [")
	if !ok {
		return false, nil
	}
	pid, rest, okP := leadingInt(rest)
	if !okP {
		return false, nil
	}
	rest, ok = cutPrefix(rest, "] [")
	if !ok {
		return true, BadShape
	}
	lv := bytes.IndexByte(rest, ']')
	if lv < 0 {
		return true, BadShape
	}
	ev.PID, ev.Level = pid, rest[:lv]
	msg := bytes.TrimPrefix(rest[lv+1:], []byte(" "))
	ev.Msg = msg
	if len(msg) == 0 {
		return true, nil
	}
	// The lines about a worker start with 'W'; the request starts do not.
	switch {
	case msg[0] != 'W':
		if string(ev.Level) == "DEBUG" || string(ev.Level) == "INFO" {
			// The default pre_request hook, worker.log.debug("%s %s", req.method,
			// req.path), or the same at INFO (README: the hook for gunicorn's
			// default log level).
			sp := bytes.IndexByte(msg, ' ')
			if sp > 0 && isMethod(msg[:sp]) && len(msg) > sp+1 && msg[sp+1] == '/' && bytes.IndexByte(msg[sp+1:], ' ') < 0 {
				ev.Kind, ev.Method, ev.URI = GunicornRequestStart, msg[:sp], msg[sp+1:]
			}
		}
	case bytes.HasPrefix(msg, []byte("WORKER TIMEOUT (pid:")):
		w, _, okW := leadingInt(msg[len("WORKER TIMEOUT (pid:"):])
		if !okW {
			return true, BadNumber
		}
		ev.Kind, ev.Worker = GunicornWorkerTimeout, w
	case bytes.HasPrefix(msg, []byte("Worker with pid ")) && bytes.Contains(msg, []byte("was terminated due to signal")):
		// gunicorn/arbiter.py reap_workers: "Worker with pid %s was terminated due to signal %s".
		ev.Worker, _, _ = leadingInt(msg[len("Worker with pid "):])
		if i := bytes.Index(msg, []byte("due to signal ")); i >= 0 {
			ev.Signal, _, _ = leadingInt(msg[i+len("due to signal "):])
		}
		ev.Kind = GunicornWorkerKilled
	case bytes.HasPrefix(msg, []byte("Worker (pid:")) && bytes.Contains(msg, []byte("was sent SIGKILL")):
		ev.Worker, _, _ = leadingInt(msg[len("Worker (pid:"):])
		ev.Kind, ev.Signal = GunicornWorkerKilled, 9
	case bytes.HasPrefix(msg, []byte("Worker exiting (pid: ")):
		// gunicorn/workers/base.py: self.log.info("Worker exiting (pid: %s)", self.pid).
		ev.Worker, _, _ = leadingInt(msg[len("Worker exiting (pid: "):])
		ev.Kind = GunicornWorkerExiting
	}
	return true, nil
}
