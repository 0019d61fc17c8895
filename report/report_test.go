package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

func sample() *metrics.Aggregates {
	a := metrics.New(metrics.Config{})
	add := func(route, method string, rec parse.Record) {
		a.Add(a.Row([]byte(route), []byte(method), nil), &rec)
	}
	for i := 0; i < 100; i++ {
		add("/fast", "GET", parse.Record{Kind: parse.KindRequest, Source: parse.SourceNginx, Status: 200, DurationUS: int64(1000 + i), HasDuration: true})
	}
	add("/slow/:id", "GET", parse.Record{Kind: parse.KindTimeout, Source: parse.SourceUWSGI, Timeout: parse.TimeoutHarakiri})
	add("/slow/:id", "GET", parse.Record{Kind: parse.KindRequest, Source: parse.SourceNginx, Status: 504, DurationUS: 60_000_000, HasDuration: true})
	add("/p99", "POST", parse.Record{Kind: parse.KindRequest, Source: parse.SourceUWSGI, Status: 200, DurationUS: 9_000_000, HasDuration: true})
	a.Lines.By[parse.ParserNginxAccess][parse.Matched] = 102
	a.Lines.By[parse.ParserNone][parse.Ignored] = 5
	a.Lines.Add(parse.ParserUWSGI, parse.Malformed, parse.BadStatus)
	return a
}

func TestJSONContract(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Build(sample())); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lines  map[string]any   `json:"lines"`
		Routes []map[string]any `json:"routes"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Lines["total"] != 108.0 || doc.Lines["matched"] != 102.0 || doc.Lines["ignored"] != 5.0 || doc.Lines["malformed"] != 1.0 {
		t.Errorf("lines %v", doc.Lines)
	}
	// Worst first: timeouts, then p99.
	var order []string
	for _, r := range doc.Routes {
		order = append(order, r["route"].(string))
		for _, k := range []string{"route", "method", "graphql_operation", "requests", "timeouts", "client_aborts", "upstream_failures", "slow", "latency_ms"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v lacks %q", r["route"], k)
			}
		}
		for _, k := range []string{"uwsgi", "nginx", "gunicorn", "app"} {
			if _, ok := r["requests"].(map[string]any)[k]; !ok {
				t.Errorf("requests lacks %q", k)
			}
		}
		for _, k := range []string{"uwsgi_harakiri", "nginx_504", "nginx_upstream_timeout", "gunicorn_worker_timeout"} {
			if _, ok := r["timeouts"].(map[string]any)[k]; !ok {
				t.Errorf("timeouts lacks %q", k)
			}
		}
	}
	if strings.Join(order, " ") != "/slow/:id /p99 /fast" {
		t.Errorf("order %v", order)
	}
	slow := doc.Routes[0]
	if slow["timeouts"].(map[string]any)["uwsgi_harakiri"] != 1.0 || slow["timeouts"].(map[string]any)["nginx_504"] != 1.0 || slow["slow"] != 1.0 {
		t.Errorf("slow row %v", slow)
	}
	fast := doc.Routes[2]["latency_ms"].(map[string]any)
	if fast["count"] != 100.0 || fast["max"] != 1.099 {
		t.Errorf("fast latency %v", fast)
	}
	if p50 := fast["p50"].(float64); p50 < 1.02 || p50 > 1.08 {
		t.Errorf("fast p50 %v ms, want about 1.05", p50)
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, Build(withEnvelopes(sample())), 2); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[0], "108 total") || !strings.Contains(lines[0], "1 rejected") {
		t.Errorf("summary %q", lines[0])
	}
	header := lines[3]
	first := lines[4]
	if !strings.HasSuffix(first, "/slow/:id") || strings.Index(first, "GET") != strings.Index(header, "METHOD") {
		t.Errorf("first row not aligned or not worst:\n%s\n%s", header, first)
	}
	if !strings.Contains(out, "1 more rows") {
		t.Errorf("--top 2 did not say what it left out:\n%s", out)
	}
}

// withEnvelopes adds 3 deliveries read from event files, 1 of them rejected.
func withEnvelopes(a *metrics.Aggregates) *metrics.Aggregates {
	a.Envelopes.Add(event.InputCloudWatch, metrics.EnvelopeAccepted, event.ReasonNone)
	a.Envelopes.Add(event.InputKinesis, metrics.EnvelopeAccepted, event.ReasonNone)
	a.Envelopes.Add(event.InputCloudWatch, metrics.EnvelopeRejected, event.ReasonGzip)
	return a
}

// TestCompareBaseline: a regression needs both a large relative and a
// large absolute growth of the p95, on enough requests in each window.
func TestCompareBaseline(t *testing.T) {
	row := func(route string, count int64, p95 float64) Route {
		return Route{Route: route, Method: "GET", LatencyMS: Latency{Count: count, P95: p95},
			Requests: map[string]int64{"nginx": count}, Timeouts: map[string]int64{"nginx_504": count / 10}}
	}
	old := Document{Routes: []Route{row("/big", 1000, 100), row("/tiny", 1000, 2), row("/few", 50, 100), row("/small", 1000, 1000), row("/gone", 10, 1)}}
	now := Document{Routes: []Route{row("/tiny", 1000, 4), row("/few", 500, 400), row("/small", 1000, 1100), row("/big", 1000, 160), row("/new", 500, 9)}}
	CompareBaseline(&now, old, DefaultThresholds)
	var order []string
	for _, r := range now.Routes {
		order = append(order, r.Route)
		want := r.Route == "/big" // +60 ms and +60%; /tiny +100% but 2 ms; /small +100 ms but 10%; /few 50 requests
		if r.Baseline.Regressed != want {
			t.Errorf("%s: regressed %v (%+v)", r.Route, r.Baseline.Regressed, r.Baseline)
		}
	}
	if got := strings.Join(order, " "); got != "/big /few /small /tiny /new" {
		t.Errorf("order %s", got)
	}
	b := now.Baseline
	if b.Matched != 4 || b.Regressions != 1 || b.Missing != 1 || b.Rows != 5 {
		t.Errorf("summary %+v", b)
	}
	big := now.Routes[0].Baseline
	if big.P95ChangePct != 60 || big.P95ChangeMS != 60 || big.TimeoutRate != 0.1 || big.Requests != 1000 {
		t.Errorf("/big %+v", big)
	}
}

// TestJSONIndent: the document is the same JSON as encoding/json writes,
// indented, with flat arrays on one line.
func TestJSONIndent(t *testing.T) {
	d := Build(withEnvelopes(sample()))
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(d)
	var compact bytes.Buffer
	if err := json.Compact(&compact, buf.Bytes()); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if !bytes.Equal(compact.Bytes(), want) {
		t.Errorf("differs from encoding/json:\n%s\n%s", compact.Bytes(), want)
	}
	if !strings.Contains(buf.String(), `"latency_histogram_edges_ms": [0.1, 0.2, 0.5, 1,`) || !strings.Contains(buf.String(), "\n  \"lines\": {\n    \"total\": 108,") {
		t.Errorf("indentation:\n%s", buf.String()[:400])
	}
	var odd bytes.Buffer
	odd.Write(indent(nil, []byte(`{"a":"x,[y]:{\"z","b":[],"c":{},"d":[{"e":["f","g,h"]}]}`)))
	if err := json.Compact(&compact, odd.Bytes()); err != nil || !strings.Contains(odd.String(), `"e": ["f", "g,h"]`) || !strings.Contains(odd.String(), `"a": "x,[y]:{\"z"`) {
		t.Errorf("strings and nesting: %v\n%s", err, odd.String())
	}
}

// TestTeams: rows summed by team, worst team first, each named by its
// worst row; without an owner there is no team.
func TestTeams(t *testing.T) {
	if d := Build(sample()); d.Teams != nil {
		t.Errorf("teams without owners: %+v", d.Teams)
	}
	a := sample()
	for route, team := range map[string]string{"/fast": "billing", "/slow/:id": "billing", "/p99": "search"} {
		a.EachRow(func(r *metrics.Row) {
			if r.Route == route {
				r.Team = team
			}
		})
	}
	got := Build(a).Teams
	if len(got) != 2 {
		t.Fatalf("teams %+v", got)
	}
	b, s := got[0], got[1]
	if b.Team != "billing" || b.Routes != 2 || b.WorstRoute != "/slow/:id" || b.TimeoutsTotal != 2 || b.Requests != 101 || b.Slow != 1 || b.LatencyMS.Count != 101 {
		t.Errorf("billing %+v", b)
	}
	if s.Team != "search" || s.Routes != 1 || s.WorstRoute != "/p99" || s.TimeoutsTotal != 0 || s.Requests != 1 || s.Slow != 1 || s.LatencyMS.Max != 9000 {
		t.Errorf("search %+v", s)
	}
}
