package parse

// faultPrefix is what faulthandler writes first when a gunicorn worker
// aborts; the arbiter may write its own line right after it, before the
// worker goes on (gunicorn 20.1.0, Python 3.11, both on one stderr):
//
//	Fatal Python error: [2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)
//	Aborted
const faultPrefix = "Fatal Python error: "

// unwrapInterleaved returns the line another process's output cut into,
// when line starts with faulthandler's header and then a bracketed line.
func unwrapInterleaved(line []byte) []byte {
	if rest, ok := cutPrefix(line, faultPrefix); ok && len(rest) > 0 && rest[0] == '[' {
		return rest
	}
	return line
}
