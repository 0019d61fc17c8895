package lambdahandler

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

var (
	fuzzOnce    sync.Once
	fuzzHandler *Handler
	fuzzOut     *capture
)

// FuzzHandler feeds arbitrary lines, in an arbitrary log group, through the
// whole path — event envelope, decoding, parsing, routes, aggregation,
// DogStatsD client — and checks every datagram against the grammar and the
// contract: nothing in a log line can forge or break a datagram.
func FuzzHandler(f *testing.F) {
	for _, name := range []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "nginx-access.json"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "captures", name))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i := 0; i < len(lines); i += 40 {
			f.Add("/web/"+name, strings.Join(lines[i:min(i+6, len(lines))], "\n"))
		}
	}
	f.Add("/aws/x|y,z#1\nfoo:bar", "1.2.3.4 - - [22/Nov/2026:22:42:10 +0000] \"GET /a|b,c#d:e\n HTTP/1.1\" 504 0 \"-\" \"-\" 1.0 1.0")
	f.Add("g", `{"path":"/x|#,y","operationName":"Op|x","duration_ms":5,"status":200,"method":"G|ET"}`)
	f.Fuzz(func(t *testing.T, logGroup, text string) {
		fuzzOnce.Do(func() {
			c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Writer: fuzzOutNew()})
			if err != nil {
				t.Fatal(err)
			}
			fuzzHandler = New(c, Options{})
		})
		p := payloadJSON{MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: logGroup, LogStream: "s"}
		for i, l := range strings.Split(text, "\n") {
			if !utf8.ValidString(l) {
				l = strings.ToValidUTF8(l, "?")
			}
			p.LogEvents = append(p.LogEvents, logEvent{ID: "1", Timestamp: fixtureBaseMS + int64(i), Message: l})
		}
		if !utf8.ValidString(p.LogGroup) {
			p.LogGroup = strings.ToValidUTF8(p.LogGroup, "?")
		}
		if _, err := invoke(t, fuzzHandler, cloudWatchEvent(gzipPayload(t, p))); err != nil {
			t.Fatal(err)
		}
		checkDatagrams(t, dogstatsd.DefaultNamespace, fuzzOut.take())
	})
}

func fuzzOutNew() *capture {
	fuzzOut = &capture{}
	return fuzzOut
}
