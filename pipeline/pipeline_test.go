package pipeline

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/owners"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// realLines reads a capture written by real servers (testdata/capture).
func realLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile("../testdata/captures/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// mixedLines is the lines of several captures, one after the other.
func mixedLines(tb testing.TB, names ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range names {
		out = append(out, realLines(tb, n)...)
	}
	return out
}

// serverCaptures are the default capture's logs of every server.
var serverCaptures = []string{"uwsgi.log", "uwsgi-logdate.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"}

// allocsPerPass feeds lines to one stream warm times (creating every row,
// stream, minute and buffer), then counts the allocations of a whole pass.
// One run is a whole pass, so that a rare allocating line cannot round
// down to zero in the average.
func allocsPerPass(p *Pipeline, stream string, lines [][]byte, warm int) float64 {
	s := p.Stream(nil, []byte(stream))
	pass := func() {
		for _, l := range lines {
			p.Line(s, l, 0)
		}
	}
	for range warm {
		pass()
	}
	return testing.AllocsPerRun(20, pass)
}

// benchLines runs lines through p, one stream, reporting bytes and ns/line.
func benchLines(b *testing.B, p *Pipeline, lines [][]byte) {
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	s := p.Stream(nil, []byte("mixed"))
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			p.Line(s, l, 0)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}

func feed(p *Pipeline, stream string, lines ...string) {
	s := p.Stream(nil, []byte(stream))
	for _, l := range lines {
		p.Line(s, []byte(l), 0)
	}
}

func rowsByKey(a *metrics.Aggregates) map[metrics.Key]*metrics.Row {
	out := map[metrics.Key]*metrics.Row{}
	for _, r := range a.Rows() {
		out[r.Key] = r
	}
	return out
}

func TestGraphQLOperations(t *testing.T) {
	p := New(Config{GraphQLPaths: []string{"/graphql", "/api/graphql/"}})
	feed(p, "nginx",
		// real nginx combined line with the operation in the query string
		`127.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET /graphql?operationName=ListInvoices&query=query%20ListInvoices%20%7B%20invoices%20%7D HTTP/1.1" 200 67 "-" "slowroutes-capture/1.0" 0.000 0.001`,
		// hand-written: a second GraphQL path, an invalid name, a non-GraphQL path
		`127.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET /api/graphql/?operationName=Get%20Me HTTP/1.1" 200 67 "-" "-" 0.000 0.001`,
		`127.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET /search?operationName=Nope HTTP/1.1" 200 67 "-" "-" 0.000 0.001`,
	)
	got := rowsByKey(p.Aggregates())
	for _, k := range []metrics.Key{
		{Route: "/graphql", Method: "GET", Operation: "ListInvoices"},
		{Route: "/api/graphql/", Method: "GET"},
		{Route: "/search", Method: "GET"},
	} {
		if got[k] == nil || got[k].RequestsOf(parse.SourceNginx) != 1 {
			t.Errorf("row %+v missing: %v", k, got)
		}
	}
}

func TestCardinalityCap(t *testing.T) {
	p := New(Config{MaxRoutes: 3, MaxOperations: 1})
	for i := 0; i < 10; i++ {
		feed(p, "nginx", fmt.Sprintf(`10.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET /r%c/x HTTP/1.1" 504 0 "-" "-" 60.000 60.000`, 'a'+i))
	}
	feed(p, "app", `{"path":"/graphql","status":200,"graphql_operation":"A"}`, `{"path":"/graphql","status":200,"graphql_operation":"B"}`)
	a := p.Aggregates()
	rows := rowsByKey(a)
	over := rows[metrics.Key{Route: route.Overflow, Method: "GET"}]
	if over == nil || over.Timeouts[parse.TimeoutNginx504] != 7 {
		t.Fatalf("overflow row: want the 7 timeouts of routes past the cap of 3")
	}
	// 7 access lines, then both /graphql lines: the route is past the cap too.
	if a.Events.RouteOverflow != 9 || a.Events.OperationOverflow != 1 {
		t.Errorf("overflow events %+v", a.Events)
	}
	var timeouts int64
	for _, r := range rows {
		timeouts += r.TimeoutTotal()
	}
	if timeouts != 10 {
		t.Errorf("timeouts %d, want 10: the cap must not lose any", timeouts)
	}
}

func TestHostileMethodsAndRoutes(t *testing.T) {
	p := New(Config{})
	feed(p, "nginx",
		`10.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "PROPFINDX /a|b#c,d HTTP/1.1" 405 0 "-" "-" 0.001 -`,
		`10.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "get /x HTTP/1.1" 400 0 "-" "-" 0.001 -`,
	)
	for _, r := range p.Aggregates().Rows() {
		if r.Method != "OTHER" || r.Route != "/:id" {
			t.Errorf("row %+v", r.Key)
		}
	}
	if p.Aggregates().Lines.ByOutcome(parse.Malformed) != 1 {
		t.Errorf("lower-case method line should be malformed: %+v", p.Aggregates().Lines)
	}
}

func TestRouteTableAndAppTemplate(t *testing.T) {
	tbl, err := route.ParseTable(strings.NewReader("/invoices/<int:pk>/pdf\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Routes: tbl})
	feed(p, "x",
		`[pid: 6843|app: 0|req: 2/3] 127.0.0.1 () {34 vars in 441 bytes} [Sun Nov 22 23:30:33 2026] GET /invoices/1/pdf => generated 48 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`,
		`{"event":"request_finished","pid":6844,"method":"GET","path":"/media/5f1d7a9e0c3b2a1f5f1d7a9e0c3b2a1f5f1d7a9e/original","route":"/media/<sha>/original","status":200,"duration_ms":0.3}`)
	rows := rowsByKey(p.Aggregates())
	if rows[metrics.Key{Route: "/invoices/:pk/pdf", Method: "GET"}] == nil || rows[metrics.Key{Route: "/media/:sha/original", Method: "GET"}] == nil {
		t.Errorf("rows %v", rows)
	}
}

func TestSlowAndLatency(t *testing.T) {
	p := New(Config{SlowUS: 500_000})
	for _, ms := range []int{10, 20, 30, 600, 2000} {
		feed(p, "u", fmt.Sprintf(`[pid: 1|app: 0|req: 1/1] 127.0.0.1 () {34 vars in 413 bytes} [Sun Nov 22 23:30:33 2026] GET /x => generated 1 bytes in %d msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`, ms))
	}
	r := rowsByKey(p.Aggregates())[metrics.Key{Route: "/x", Method: "GET"}]
	if r.SlowTotal() != 2 || r.Latency.Count != 5 || r.Latency.MaxUS != 2_000_000 || r.Latency.SumUS != 2_660_000 {
		t.Errorf("slow %d latency %+v", r.Slow, r.Latency)
	}
	if p50 := r.Latency.QuantileUS(0.5); p50 < 29_000 || p50 > 31_000 {
		t.Errorf("p50 %v µs, want ~30000", p50)
	}
}

// payloadOf builds the gzip payload CloudWatch Logs would deliver for lines.
func payloadOf(tb testing.TB, group, stream string, lines [][]byte) []byte {
	tb.Helper()
	type ev struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	doc := struct {
		MessageType         string   `json:"messageType"`
		Owner               string   `json:"owner"`
		LogGroup            string   `json:"logGroup"`
		LogStream           string   `json:"logStream"`
		SubscriptionFilters []string `json:"subscriptionFilters"`
		LogEvents           []ev     `json:"logEvents"`
	}{"DATA_MESSAGE", "123456789012", group, stream, []string{"f"}, nil}
	for i, l := range lines {
		doc.LogEvents = append(doc.LogEvents, ev{fmt.Sprint(i), 1795390233000 + int64(i), string(l)})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	return gz.Bytes()
}

// TestPayloadSameAsLines: a CloudWatch delivery of the real uWSGI capture
// counts exactly what the plain file counts.
func TestPayloadSameAsLines(t *testing.T) {
	lines := realLines(t, "uwsgi.log")
	plain := New(Config{})
	s := plain.Stream(nil, []byte("uwsgi.log"))
	for _, l := range lines {
		plain.Line(s, l, 0)
	}
	plain.Close()

	events := New(Config{})
	var dec event.Decoder
	data := base64.StdEncoding.EncodeToString(payloadOf(t, "/ecs/web", "uwsgi/1", lines))
	dels, err := dec.Split([]byte(`{"awslogs":{"data":"` + data + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	batch, err := events.Deliver(&dec, &dels[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(batch.LogGroup) != "/ecs/web" || events.Aggregates().Envelopes.Count(metrics.EnvelopeAccepted) != 1 {
		t.Errorf("log group %q, envelopes %v", batch.LogGroup, events.Aggregates().Envelopes)
	}
	events.Close()
	events.Aggregates().Envelopes = metrics.Envelopes{}
	if plain.Aggregates().Lines != events.Aggregates().Lines || plain.Aggregates().Events != events.Aggregates().Events {
		t.Errorf("lines/events differ:\n%+v\n%+v", plain.Aggregates().Lines, events.Aggregates().Lines)
	}
	a, b := rowsByKey(plain.Aggregates()), rowsByKey(events.Aggregates())
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d rows vs %d", len(a), len(b))
	}
	for k, r := range a {
		if b[k] == nil || b[k].Requests != r.Requests || b[k].Timeouts != r.Timeouts || b[k].Latency.Count != r.Latency.Count {
			t.Errorf("row %+v differs", k)
		}
	}
}

// TestNoAllocsPerLine guards the hot path: once routes and streams are
// known, a line costs no allocation.
func TestNoAllocsPerLine(t *testing.T) {
	lines := mixedLines(t, serverCaptures...)
	owners, err := owners.ParseRoutes(strings.NewReader("/invoices/** billing\n/** web\n"))
	if err != nil {
		t.Fatal(err)
	}
	// The report's configuration: owners and per-minute timelines.
	p := New(Config{Owners: owners, Timeline: true})
	if n := allocsPerPass(p, "mixed", lines, 1); n != 0 {
		t.Errorf("%v allocations per pass of %d real lines in steady state", n, len(lines))
	}
}

func BenchmarkPipelineRealLines(b *testing.B) {
	benchLines(b, New(Config{}), mixedLines(b, benchCaptures...))
}

// benchCaptures are the captures the benchmarks have always read.
var benchCaptures = []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"}
