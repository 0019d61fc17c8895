package join

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// fixture is a small pipeline: lines of named streams are parsed, counted
// on rows by route and method, and joined.
type fixture struct {
	t       *testing.T
	agg     *metrics.Aggregates
	j       *Joiner
	streams map[string]*fstream
}

type fstream struct {
	s     *parse.Stream
	id    uint32
	clock int64
}

func newFixture(t *testing.T, cfg Config) *fixture {
	agg := metrics.New(metrics.Config{})
	return &fixture{t: t, agg: agg, j: New(cfg, agg), streams: map[string]*fstream{}}
}

// lines feeds lines of one stream (named like the file that holds them).
func (f *fixture) lines(stream string, lines ...string) {
	f.t.Helper()
	st := f.streams[stream]
	if st == nil {
		st = &fstream{s: parse.NewStream(parse.Config{}, stream), id: uint32(len(f.streams) + 1)}
		f.streams[stream] = st
	}
	for _, l := range lines {
		_, out, _ := st.s.Line([]byte(l), 0, func(r *parse.Record) {
			if t := max(r.TimeUS, r.StartUS); t > st.clock {
				st.clock = t
			}
			switch r.Kind {
			case parse.KindRequest, parse.KindTimeout, parse.KindUpstreamFailure:
			default:
				return
			}
			rt := []byte(route.Unknown)
			if len(r.URI) > 0 {
				rt = route.Normalize(nil, r.URI)
			}
			row := f.agg.Row(rt, route.Method(r.Method), nil)
			f.agg.Add(row, r)
			f.j.Add(row, r, st.id, st.clock)
		})
		if out != parse.Matched {
			f.t.Fatalf("%s: %v", l, out)
		}
	}
}

// outcomes flushes the join and returns "METHOD route: N requests, M timed out [evidence]" per row.
func (f *fixture) outcomes() map[string]string {
	f.j.Flush()
	out := map[string]string{}
	f.agg.EachRow(func(r *metrics.Row) {
		d := r.Distinct
		s := fmt.Sprintf("%d requests, %d timed out", d.Requests, d.TimedOut)
		ev := slices.Clone(d.Evidence)
		slices.SortFunc(ev, func(a, b metrics.EvidenceCount) int { return int(a.Set) - int(b.Set) })
		for _, c := range ev {
			if c.N > 0 {
				s += fmt.Sprintf(" %s=%d", c.Set, c.N)
			}
		}
		out[r.Method+" "+r.Route] = s
	})
	return out
}

func (f *fixture) want(route, want string) {
	f.t.Helper()
	if got := f.outcomes()[route]; got != want {
		f.t.Errorf("%s: %q, want %q (join %+v)", route, got, want, f.agg.Join)
	}
}

// Real lines of the incident capture (testdata/captures/incidents/uwsgi-noids,
// nginx 1.22.1 and uWSGI 2.0.21): a /reports request that nginx gave up on
// after 1 s and uWSGI finished after 2 s.
const (
	reports504    = `127.0.0.2 - - [01/Dec/2026:07:25:22 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 1.001 1.001`
	reportsError  = `2026/12/01 07:25:22 [error] 32650#32650: *33 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.2, server: uwsgi, request: "GET /reports/17/export HTTP/1.1", upstream: "uwsgi://127.0.0.1:38395", host: "127.0.0.1:36167"`
	reportsWorker = `[pid: 32668|app: 0|req: 5/5] 127.0.0.2 () {36 vars in 544 bytes} [Tue Dec  1 07:25:21 2026] GET /reports/17/export => generated 45 bytes in 2000 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`
	reportsApp    = `{"event":"request_finished","pid":32668,"method":"GET","path":"/reports/17/export","route":"/reports/<int:id>/export","status":200,"duration_ms":2000.4}`
)

func TestOneRequestOfThreeServers(t *testing.T) {
	f := newFixture(t, Config{})
	f.lines("nginx-error.log", reportsError)
	f.lines("nginx-access.log", reports504)
	f.lines("uwsgi.log", reportsApp, reportsWorker)
	f.want("GET /reports/:id/export", "1 requests, 1 timed out nginx_504+nginx_upstream_timeout=1")
	if j := f.agg.Join; j.ByTime != 1 || j.Unmatched != 0 || j.ByRequestID != 0 {
		t.Errorf("join %+v", j)
	}
}

// TestNeverTwoRequestsOfOneServer: hand-written repeats of real lines — two
// requests one server logged alike stay two, whatever else fits.
func TestNeverTwoRequestsOfOneServer(t *testing.T) {
	f := newFixture(t, Config{})
	f.lines("nginx-access.log", reports504, reports504)
	f.lines("nginx-error.log", reportsError, reportsError)
	f.lines("uwsgi.log", reportsWorker, reportsWorker, reportsWorker)
	f.want("GET /reports/:id/export", "3 requests, 2 timed out nginx_504+nginx_upstream_timeout=2")
}

// TestWindow moves a worker's start around nginx's (hand-written variants
// of reportsWorker): nginx's start is 07:25:20.999–07:25:22.001 ($time_local
// 07:25:22 minus 1.001 s), uWSGI's a second from its date.
func TestWindow(t *testing.T) {
	for _, tt := range []struct {
		date   string
		joined bool
	}{
		{"07:25:19", false}, // [19, 20) + Skew ends before nginx began
		{"07:25:20", true},
		{"07:25:21", true},
		{"07:25:22", true},  // accepted within nginx's last second, before it gave up
		{"07:25:24", false}, // after nginx gave up
	} {
		t.Run(tt.date, func(t *testing.T) {
			f := newFixture(t, Config{})
			f.lines("nginx-access.log", reports504)
			f.lines("uwsgi.log", `[pid: 32668|app: 0|req: 5/5] 127.0.0.2 () {36 vars in 544 bytes} [Tue Dec  1 `+tt.date+` 2026] GET /reports/17/export => generated 45 bytes in 2000 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`)
			want := "2 requests, 1 timed out nginx_504=1"
			if tt.joined {
				want = "1 requests, 1 timed out nginx_504=1"
			}
			f.want("GET /reports/:id/export", want)
		})
	}
}

// TestRequestIDs: real lines of the uwsgi-ids setup. Records with one id
// join however far apart their times; records with two ids never do.
func TestRequestIDs(t *testing.T) {
	nginx := `{"msec":1796109863.634,"time_iso8601":"2026-12-01T07:24:23+00:00","remote_addr":"127.0.0.2","request_method":"GET","request_uri":"/reports/17/export","server_protocol":"HTTP/1.1","status":504,"body_bytes_sent":167,"request_time":1.002,"upstream_response_time":"1.002","upstream_status":"504","upstream_addr":"127.0.0.1:59601","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","http_x_request_id":"f9bc0e5f-ee0e-4b72-bd03-3b7d62bb4a4c","request_id":"6d8d8d4ab0d7bd5cdfc8f2d7f4b8f0d1","request_body":""}`
	worker := `[pid: 31727|app: -|req: -/-] 127.0.0.2 (-) {36 vars in 544 bytes} [Tue Dec  1 07:24:22 2026] GET /reports/17/export => generated 45 bytes in 2000 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0) request_id=f9bc0e5f-ee0e-4b72-bd03-3b7d62bb4a4c worker=1 start_ms=1796109862632`
	f := newFixture(t, Config{})
	f.lines("nginx-access.json", nginx)
	f.lines("uwsgi.log", worker)
	f.want("GET /reports/:id/export", "1 requests, 1 timed out nginx_504=1")
	if f.agg.Join.ByRequestID != 1 {
		t.Errorf("join %+v", f.agg.Join)
	}

	// Hand-written: the worker's id changed, its times still fit.
	f = newFixture(t, Config{})
	f.lines("nginx-access.json", nginx)
	f.lines("uwsgi.log", strings.Replace(worker, "request_id=f9bc0e5f", "request_id=00000000", 1))
	f.want("GET /reports/:id/export", "2 requests, 1 timed out nginx_504=1")

	// Hand-written: the worker's date a minute off, the same id.
	f = newFixture(t, Config{})
	f.lines("nginx-access.json", nginx)
	f.lines("uwsgi.log", `[pid: 31727|app: -|req: -/-] 127.0.0.2 (-) {36 vars in 544 bytes} [Tue Dec  1 07:25:22 2026] GET /reports/17/export => generated 45 bytes in 2000 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0) request_id=f9bc0e5f-ee0e-4b72-bd03-3b7d62bb4a4c worker=1 start_ms=1796109862632`)
	f.want("GET /reports/:id/export", "1 requests, 1 timed out nginx_504=1")
}

// TestKilledUnderNginx: real lines of uwsgi-noids — nginx's 502 and its
// error line, and the harakiri of the same request, are one timed-out request.
func TestKilledUnderNginx(t *testing.T) {
	f := newFixture(t, Config{})
	f.lines("uwsgi.log",
		`Tue Dec  1 07:25:27 2026 - *** HARAKIRI ON WORKER 1 (pid: 32667, try: 1) ***`,
		`Tue Dec  1 07:25:27 2026 - HARAKIRI !!! worker 1 status !!!`,
		`Tue Dec  1 07:25:27 2026 - HARAKIRI [core 0] 127.0.0.2 - POST /api/v1/payments/981/capture since 1796109923`,
		`Tue Dec  1 07:25:27 2026 - HARAKIRI !!! end of worker 1 status !!!`)
	f.lines("nginx-error.log", `2026/12/01 07:25:27 [error] 32650#32650: *70 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.3, server: uwsgi, request: "POST /api/v1/payments/981/capture HTTP/1.1", upstream: "uwsgi://127.0.0.1:38395", host: "127.0.0.1:36167"`)
	f.lines("nginx-access.log", `127.0.0.3 - - [01/Dec/2026:07:25:27 +0000] "POST /api/v1/payments/981/capture HTTP/1.1" 502 157 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15" 4.007 4.007`)
	f.want("POST /api/v1/payments/:id/capture", "1 requests, 1 timed out uwsgi_harakiri=1")
}

// TestLateRecordsJoinNothing: a record older than the window begins an
// outcome of its own (hand-written: the worker line 3 minutes late).
func TestLateRecordsJoinNothing(t *testing.T) {
	f := newFixture(t, Config{Horizon: 60e9})
	f.lines("nginx-access.log", reports504,
		`127.0.0.2 - - [01/Dec/2026:07:28:22 +0000] "GET / HTTP/1.1" 200 13 "-" "curl/7.88.1" 0.001 0.001`)
	f.lines("uwsgi.log", reportsWorker)
	f.want("GET /reports/:id/export", "2 requests, 1 timed out nginx_504=1")
}

// TestBoundedMemory: past MaxOutcomes, the oldest outcome is settled early.
func TestBoundedMemory(t *testing.T) {
	f := newFixture(t, Config{MaxOutcomes: 16})
	for i := 0; i < 100; i++ {
		f.lines("nginx-access.log", fmt.Sprintf(`127.0.0.2 - - [01/Dec/2026:07:25:22 +0000] "GET /invoices/%d/pdf HTTP/1.1" 200 27 "-" "curl/7.88.1" 0.000 0.000`, i))
		if n := f.j.next - f.j.head; n > 16 {
			t.Fatalf("%d outcomes held", n)
		}
	}
	f.want("GET /invoices/:id/pdf", "100 requests, 0 timed out")
	if f.agg.Join.Early != 100-16 {
		t.Errorf("join %+v", f.agg.Join)
	}
}

func TestSpanOfResolution(t *testing.T) {
	for _, tt := range []struct {
		text string
		l    parse.TimeLayout
		res  int64
	}{
		{"01/Dec/2026:07:25:22 +0000", parse.TimeCLF, 1_000_000},
		{"Tue Dec  1 07:25:21 2026", parse.TimeCtime, 1_000_000},
		{"2026/12/01 07:25:22", parse.TimeYMD, 1_000_000},
		{"1796109863.634", parse.TimeEpoch, 1000},
		{"1796109863", parse.TimeEpoch, 1_000_000},
		{"2026-11-22 22:42:10,123", parse.TimeYMD, 1000},
		{"2026-11-22T22:42:10.123456Z", parse.TimeRFC3339, 1},
		{"1796109863634", parse.TimeEpochMS, 1000},
	} {
		us, ok := parse.ParseTime(tt.l, []byte(tt.text))
		if !ok {
			t.Fatalf("%s: not a time", tt.text)
		}
		if s := spanOf([]byte(tt.text), tt.l, us); s.lo != us || s.hi-s.lo != tt.res {
			t.Errorf("%s: span %v, want %d µs wide from %d", tt.text, s, tt.res, us)
		}
	}
	if spanOf(nil, parse.TimeCLF, 5).known() || spanOf([]byte("x"), parse.TimeCLF, 0).known() {
		t.Error("a time the line does not write is unknown")
	}
}

// TestRecordReadAheadOfTheClock: a reader that reads streams side by side
// gives the join the first line after a gap in one stream (uWSGI's worker
// line of 07:25:21) while another stream is still at 07:25:10. nginx's 504
// of 07:25:22 must still find its worker. The second worker's line is a
// hand-written variant of reportsWorker, begun at 07:25:10.
func TestRecordReadAheadOfTheClock(t *testing.T) {
	const earlierWorker = `[pid: 32669|app: 0|req: 1/1] 127.0.0.2 () {36 vars in 544 bytes} [Tue Dec  1 07:25:10 2026] GET /reports/17/export => generated 45 bytes in 2000 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`
	at := func(sec int) int64 { return time.Date(2026, 12, 1, 7, 25, sec, 0, time.UTC).UnixMicro() }
	f := newFixture(t, Config{})
	f.j.SetClock(at(0))
	f.lines("uwsgi-a.log", reportsWorker) // read ahead: the others are behind
	f.j.SetClock(at(10))
	f.lines("uwsgi-b.log", earlierWorker)
	f.j.SetClock(at(22))
	f.lines("nginx-access.log", reports504)
	f.want("GET /reports/:id/export", "2 requests, 1 timed out nginx_504=1")
	if j := f.agg.Join; j.ByTime != 1 || j.Unmatched != 1 {
		t.Errorf("join %+v, want 1 by time and 1 unmatched", j)
	}
}
