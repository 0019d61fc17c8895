package event

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testLogEvent and testPayload are a payload as encoding/json writes it,
// with the members in the order CloudWatch Logs writes them.
type testLogEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type testPayload struct {
	MessageType         string         `json:"messageType"`
	Owner               string         `json:"owner"`
	LogGroup            string         `json:"logGroup"`
	LogStream           string         `json:"logStream"`
	SubscriptionFilters []string       `json:"subscriptionFilters"`
	LogEvents           []testLogEvent `json:"logEvents"`
}

// testBaseMS is 2026-11-22T23:30:33Z, when the captures were written.
const testBaseMS = 1795390233000

// captureLines reads the real server lines of testdata/captures.
func captureLines(tb testing.TB) []string {
	tb.Helper()
	var lines []string
	for _, f := range []string{"nginx-access.log", "uwsgi.log", "nginx-error.log", "nginx-access.json", "gunicorn-error.log"} {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "captures", f))
		if err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")...)
	}
	return lines
}

// largePayload builds a DATA_MESSAGE of real capture lines, repeated until
// its JSON is about size bytes (CloudWatch Logs sends at most 1 MiB of log
// events in one batch), or until it holds maxEvents events.
func largePayload(tb testing.TB, size, maxEvents int) testPayload {
	tb.Helper()
	src := captureLines(tb)
	p := testPayload{MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: "/web/all", LogStream: "web-1/all.log", SubscriptionFilters: []string{"slowroutes"}}
	n := 0
	for i := 0; n < size-200 && len(p.LogEvents) < maxEvents; i++ {
		l := src[i%len(src)]
		p.LogEvents = append(p.LogEvents, testLogEvent{ID: fmt.Sprintf("%056d", i), Timestamp: testBaseMS + int64(i), Message: l})
		n += len(l) + 100 + strings.Count(l, `"`)
	}
	return p
}

// marshal writes p as compact JSON, as CloudWatch Logs does.
func marshal(tb testing.TB, p testPayload) []byte {
	tb.Helper()
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSpace(js.Bytes())
}

// gzipWriters keeps compressors for reuse: a new one costs more than a
// fuzz input.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	gzipWriters.Put(w)
	return out.Bytes()
}

// lambdaEvent wraps a payload JSON as the Lambda event of a CloudWatch Logs
// subscription: {"awslogs":{"data":"<base64 gzip>"}}.
func lambdaEvent(payload []byte) []byte {
	return []byte(`{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gzipBytes(payload)) + `"}}`)
}
