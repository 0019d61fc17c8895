package lambdahandler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

var update = flag.Bool("update", false, "rewrite the event fixtures (from testdata/captures) and the golden datagrams")

// Fixed clock of the fixtures: log events are stamped from fixtureBaseMS on,
// and the handler runs an hour later.
const fixtureBaseMS = 1795387200000

var fixtureNow = time.UnixMilli(fixtureBaseMS + 3600_000)

// capture is a DogStatsD client's writer that keeps every datagram.
type capture struct {
	mu    sync.Mutex
	lines []string
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range strings.Split(string(p), "\n") {
		if l != "" {
			c.lines = append(c.lines, l)
		}
	}
	return len(p), nil
}

func (c *capture) Close() error { return nil }

// take returns the datagrams written so far, sorted, and forgets them.
func (c *capture) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.lines
	c.lines = nil
	sort.Strings(out)
	return out
}

// testHandler returns a handler emitting the families fam to a capture,
// with the fixed clock and no unified service tags from the environment.
func testHandler(tb testing.TB, fam dogstatsd.Family, opt Options) (*Handler, *capture) {
	tb.Helper()
	for _, k := range []string{"DD_ENV", "DD_SERVICE", "DD_VERSION", "DD_ENTITY_ID"} {
		if t, ok := tb.(*testing.T); ok {
			t.Setenv(k, "")
		} else {
			os.Unsetenv(k)
		}
	}
	cp := &capture{}
	c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Writer: cp, Tags: []string{"team:web"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	opt.Emitter.Families = fam
	opt.Emitter.Now = func() time.Time { return fixtureNow }
	return New(c, opt), cp
}

// invoke runs one event through aws-lambda-go's handler path.
func invoke(tb testing.TB, h *Handler, ev []byte) ([]byte, error) {
	tb.Helper()
	return lambdaInvoke(context.Background(), h, ev)
}

func lambdaInvoke(ctx context.Context, h *Handler, ev []byte) ([]byte, error) {
	return lambda.NewHandler(h).Invoke(ctx, ev)
}

func gzipBytes(b []byte) []byte {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	return gz.Bytes()
}

// largeEvent builds a delivery of real capture lines, repeated until its
// payload JSON is about size bytes, as CloudWatch Logs sends at most 1 MB.
func largeEvent(tb testing.TB, size int) (ev []byte, lines int) {
	tb.Helper()
	var src []string
	for _, f := range []string{"nginx-access.log", "uwsgi.log", "nginx-error.log", "nginx-access.json"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "captures", f))
		if err != nil {
			tb.Fatal(err)
		}
		src = append(src, strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")...)
	}
	p := payloadJSON{MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: "/web/all", LogStream: "web-1/all.log", SubscriptionFilters: []string{"slowroutes"}}
	n := 0
	for i := 0; n < size-200; i++ {
		l := src[i%len(src)]
		p.LogEvents = append(p.LogEvents, logEvent{ID: fmt.Sprintf("%056d", i), Timestamp: fixtureBaseMS + int64(i), Message: l})
		n += len(l) + 100 + strings.Count(l, `"`)
	}
	return cloudWatchEvent(gzipPayload(tb, p)), len(p.LogEvents)
}

// logStream is one capture file as a CloudWatch Logs log stream.
type logStream struct {
	capture, group, stream string
}

var fixtureStreams = []logStream{
	{"uwsgi.log", "/web/uwsgi", "web-1/uwsgi.log"},
	{"uwsgi-logdate.log", "/web/uwsgi", "web-2/uwsgi-logdate.log"},
	{"nginx-access.log", "/web/nginx/access", "web-1/access.log"},
	{"nginx-access.json", "/web/nginx/access-json", "web-1/access.json"},
	{"nginx-error.log", "/web/nginx/error", "web-1/error.log"},
	{"gunicorn-error.log", "/web/gunicorn", "web-3/gunicorn-error.log"},
	{"gunicorn-access.log", "/web/gunicorn", "web-3/gunicorn-access.log"},
}

// fixtureBatch is how many log events one fixture delivery holds.
const fixtureBatch = 50

type logEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type payloadJSON struct {
	MessageType         string     `json:"messageType"`
	Owner               string     `json:"owner"`
	LogGroup            string     `json:"logGroup"`
	LogStream           string     `json:"logStream"`
	SubscriptionFilters []string   `json:"subscriptionFilters"`
	LogEvents           []logEvent `json:"logEvents"`
}

// gzipPayload marshals a payload and gzips it.
func gzipPayload(tb testing.TB, p payloadJSON) []byte {
	tb.Helper()
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		tb.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.TrimSpace(js.Bytes()))
	zw.Close()
	return gz.Bytes()
}

// cloudWatchEvent wraps a gzip payload as the Lambda event of a subscription.
func cloudWatchEvent(gz []byte) []byte {
	return []byte(`{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz) + `"}}`)
}

// kinesisEvent wraps gzip payloads as the records of a Lambda Kinesis event.
func kinesisEvent(gzs ...[]byte) []byte {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i, gz := range gzs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"p","sequenceNumber":"4959%020d","data":"%s","approximateArrivalTimestamp":1795387200.123},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000000:4959%020d","eventName":"aws:kinesis:record","awsRegion":"eu-west-1","eventSourceARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/logs"}`,
			i, base64.StdEncoding.EncodeToString(gz), i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// capturePayloads cuts the real captures into deliveries of fixtureBatch
// log events, stamped deterministically, keyed by fixture file name.
func capturePayloads(tb testing.TB) (names []string, gz map[string][]byte) {
	tb.Helper()
	gz = map[string][]byte{}
	id := 0
	for si, s := range fixtureStreams {
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "captures", s.capture))
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		for b := 0; b*fixtureBatch < len(lines); b++ {
			p := payloadJSON{
				MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: s.group, LogStream: s.stream,
				SubscriptionFilters: []string{"slowroutes"},
			}
			for i, l := range lines[b*fixtureBatch : min((b+1)*fixtureBatch, len(lines))] {
				id++
				p.LogEvents = append(p.LogEvents, logEvent{
					ID:        fmt.Sprintf("%056d", id),
					Timestamp: fixtureBaseMS + int64(si)*600_000 + int64(b*fixtureBatch+i)*100,
					Message:   l,
				})
			}
			name := fmt.Sprintf("cw-%s-%02d.json", strings.TrimSuffix(strings.ReplaceAll(s.capture, ".", "-"), "-log"), b)
			names = append(names, name)
			gz[name] = gzipPayload(tb, p)
		}
	}
	return names, gz
}

// fixtureEvents returns the committed CloudWatch Logs event fixtures in
// delivery order, rewriting them first under -update.
func fixtureEvents(tb testing.TB) (names []string, events map[string][]byte) {
	tb.Helper()
	dir := filepath.Join("..", "..", "testdata", "events")
	if *update {
		names, gz := capturePayloads(tb)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "cw-*.json"))
		for _, f := range old {
			os.Remove(f)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), append(cloudWatchEvent(gz[n]), '\n'), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "cw-*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no event fixtures in %s (run go test -update): %v", dir, err)
	}
	// Deliver in the order the captures list their streams.
	order := map[string]int{}
	for i, s := range fixtureStreams {
		order[strings.TrimSuffix(strings.ReplaceAll(s.capture, ".", "-"), "-log")] = i
	}
	key := func(f string) (int, string) {
		base := filepath.Base(f)
		stem := strings.TrimPrefix(base[:strings.LastIndexByte(base, '-')], "cw-")
		return order[stem], base
	}
	sort.Slice(files, func(i, j int) bool {
		oi, bi := key(files[i])
		oj, bj := key(files[j])
		if oi != oj {
			return oi < oj
		}
		return bi < bj
	})
	events = map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		names = append(names, filepath.Base(f))
		events[filepath.Base(f)] = bytes.TrimSpace(b)
	}
	return names, events
}

// golden compares got with the golden file name, rewriting it under -update.
func golden(t *testing.T, name string, got []string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != text {
		wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
		t.Errorf("%s: datagrams differ (-want +got):\n%s", name, lineDiff(wl, got))
	}
}

// lineDiff lists the lines only in want (-) or only in got (+), both sorted.
func lineDiff(want, got []string) string {
	var b strings.Builder
	i, j, n := 0, 0, 0
	for (i < len(want) || j < len(got)) && n < 40 {
		switch {
		case j >= len(got) || i < len(want) && want[i] < got[j]:
			fmt.Fprintf(&b, "-%s\n", want[i])
			i++
			n++
		case i >= len(want) || got[j] < want[i]:
			fmt.Fprintf(&b, "+%s\n", got[j])
			j++
			n++
		default:
			i++
			j++
		}
	}
	return b.String()
}

// checkDatagrams fails for any datagram outside the DogStatsD grammar or
// the metric contract.
func checkDatagrams(tb testing.TB, ns string, lines []string) {
	tb.Helper()
	for _, l := range lines {
		d, err := dogstatsd.ParseDatagram(l)
		if err != nil {
			tb.Fatal(err)
		}
		name, ok := strings.CutPrefix(d.Name, ns+".")
		if !ok {
			tb.Fatalf("%q: not in namespace %s", l, ns)
		}
		spec, ok := dogstatsd.Lookup(name)
		if !ok {
			tb.Fatalf("%q: metric %s is not in the contract", l, name)
		}
		for _, t := range d.Tags {
			k, v, _ := strings.Cut(t, ":")
			if k == "team" || isGlobal(k) {
				continue
			}
			if !spec.HasTag(k) || !spec.AllowsValue(k, v) {
				tb.Fatalf("%q: tag %s is not in the contract of %s", l, t, name)
			}
		}
	}
}

func isGlobal(k string) bool {
	for _, g := range dogstatsd.GlobalTags {
		if g == k {
			return true
		}
	}
	return false
}
