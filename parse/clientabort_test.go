package parse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A client that went away while uWSGI 2.0.21 wrote the response
// (testdata/captures/incidents/uwsgi-noids/uwsgi.log).
var (
	realSigpipe    = `Tue Dec  1 07:25:43 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (ip 127.0.0.3) !!!`
	realWriteError = `Tue Dec  1 07:25:43 2026 - uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download (127.0.0.3)`
	realOSError    = `OSError: write error`
	realWrittenLog = `[pid: 587|app: 0|req: 20/19] 127.0.0.3 () {36 vars in 678 bytes} [Tue Dec  1 07:25:41 2026] GET /media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download => generated 262144 bytes in 1504 msecs (HTTP/1.1 200) 1 headers in 59 bytes (1 switches on core 0)`
)

func aborts(recs []got) []string {
	var out []string
	for _, r := range recs {
		if r.Kind == KindClientAbort {
			out = append(out, r.Source.String()+" "+r.Method+" "+r.URI)
		}
	}
	return out
}

func TestUWSGIClientAbort(t *testing.T) {
	const uri = "/media/da39a3ee5e6b4b0d3255bfef95601890afd80709/download"
	withMethod := []string{"uwsgi GET " + uri}
	for _, tt := range []struct {
		name  string
		parts [][]string
		want  []string
	}{
		{"real: SIGPIPE, write error, request log", [][]string{{realSigpipe, realWriteError, realOSError, realWrittenLog}}, withMethod},
		{"real, without the write error (--ignore-write-errors)", [][]string{{realSigpipe, realOSError, realWrittenLog}}, withMethod},
		{"real, without the SIGPIPE line (--ignore-sigpipe)", [][]string{{realWriteError, realOSError, realWrittenLog}}, withMethod},
		{"real, SIGPIPE alone", [][]string{{realSigpipe}}, []string{"uwsgi  " + uri}},
		{"real, cut after the write error", [][]string{{realSigpipe, realWriteError}, {realOSError, realWrittenLog}}, withMethod},
		{"hand-written: SIGPIPE without a request", [][]string{{`Tue Dec  1 07:25:43 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) !!!`}}, nil},
		{"hand-written: another write error is no client abort", [][]string{{`Tue Dec  1 07:25:43 2026 - uwsgi_response_write_body_do(): No space left on device [core/writer.c line 429] during GET /x (127.0.0.3)`}}, nil},
		{"hand-written: connection reset", [][]string{{`Tue Dec  1 07:25:43 2026 - uwsgi_response_writev_headers_and_body_do(): Connection reset by peer [core/writer.c line 306] during POST /api/upload (10.0.0.7)`}}, []string{"uwsgi POST /api/upload"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var recs []got
			for _, p := range tt.parts {
				r, outs := collect(t, Config{}, "uwsgi.log", p...)
				recs = append(recs, r...)
				for i, o := range outs {
					if o == Malformed {
						t.Errorf("%q: malformed", p[i])
					}
				}
			}
			if diff := cmp.Diff(tt.want, aborts(recs)); diff != "" {
				t.Errorf("client aborts (-want +got):\n%s", diff)
			}
			if n := kinds(recs, KindRequest); n > 1 {
				t.Errorf("%d requests", n)
			}
		})
	}
}
