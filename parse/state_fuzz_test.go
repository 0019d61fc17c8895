package parse

import (
	"bytes"
	"testing"
)

// FuzzStreamStates feeds arbitrary lines, seeded with the real harakiri,
// gunicorn and write-error sequences, through one Stream, and checks what
// the state machines may never do whatever the input: count a harakiri
// timeout without a HARAKIRI line for it, a gunicorn timeout without a
// WORKER TIMEOUT, a client abort without a write-error or SIGPIPE line, or
// name a URI the input does not hold.
func FuzzStreamStates(f *testing.F) {
	for _, seq := range [][]string{realSIGUSR2Kill(), realThreadsKill, realPairTimeout, realBlockedTimeout,
		{realSigpipe, realWriteError, realOSError, realWrittenLog},
		{realStart32698, realTimeout32698, realAborted32698, realExiting32698}} {
		f.Add([]byte(joinLines(seq)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewStream(Config{}, "fuzz")
		var harakiri, gunicorn, aborts int
		emit := func(r *Record) {
			checkRecord(t, in, r)
			switch {
			case r.Kind == KindTimeout && r.Timeout == TimeoutHarakiri:
				harakiri++
			case r.Kind == KindTimeout && r.Timeout == TimeoutGunicornWorker:
				gunicorn++
			case r.Kind == KindClientAbort:
				aborts++
			default:
				return
			}
			if len(r.URI) > 0 && !bytes.Contains(in, r.URI) {
				t.Fatalf("%q: a record names %q", in, r.URI)
			}
		}
		for _, l := range bytes.Split(in, []byte("\n")) {
			s.Line(l, 0, emit)
		}
		s.Close(emit)
		if n := bytes.Count(in, []byte("HARAKIRI")); harakiri > n {
			t.Fatalf("%d harakiri timeouts from %d HARAKIRI lines", harakiri, n)
		}
		if n := bytes.Count(in, []byte("WORKER TIMEOUT (pid:")); gunicorn > n {
			t.Fatalf("%d gunicorn timeouts from %d WORKER TIMEOUT lines", gunicorn, n)
		}
		if n := bytes.Count(in, []byte("SIGPIPE: ")) + bytes.Count(in, []byte("] during ")); aborts > n {
			t.Fatalf("%d client aborts from %d write-error lines", aborts, n)
		}
	})
}
