package parse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// got is a Record in comparable form.
type got struct {
	Kind    Kind
	Source  Source
	Timeout Timeout
	Method  string
	URI     string
	Route   string
	Op      string
	Status  int
	DurUS   int64
	HasDur  bool
	PID     int
	Try     int
	EventMS int64
}

func view(r *Record) got {
	return got{r.Kind, r.Source, r.Timeout, string(r.Method), string(r.URI), string(r.Route), string(r.Operation),
		r.Status, r.DurationUS, r.HasDuration, r.PID, r.Try, r.EventMS}
}

// collect runs lines through one Stream and returns the records and outcomes.
func collect(t testing.TB, cfg Config, name string, lines ...string) ([]got, []Outcome) {
	t.Helper()
	s := NewStream(cfg, name)
	var recs []got
	var outs []Outcome
	emit := func(r *Record) { recs = append(recs, view(r)) }
	for _, l := range lines {
		_, o, _ := s.Line([]byte(l), 0, emit)
		outs = append(outs, o)
	}
	s.Close(emit)
	return recs, outs
}

// Lines below marked "real" were written by the servers of testdata/capture
// (Debian 12: uWSGI 2.0.21, nginx 1.22.1, gunicorn 20.1.0); the others are
// hand-written edge cases, marked as such.
func TestSingleLines(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []got
		out  Outcome
	}{
		{
			name: "real uwsgi request msecs",
			line: "[pid: 6843|app: 0|req: 2/3] 127.0.0.1 () {34 vars in 441 bytes} [Sun Nov 22 23:30:33 2026] GET /invoices/1/pdf => generated 48 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
			want: []got{{Kind: KindRequest, Source: SourceUWSGI, Method: "GET", URI: "/invoices/1/pdf", Status: 200, HasDur: true, PID: 6843}},
			out:  Matched,
		},
		{
			name: "real uwsgi request micros",
			line: "[pid: 6845|app: 0|req: 1/1] 127.0.0.1 () {34 vars in 413 bytes} [Sun Nov 22 23:30:54 2026] GET / => generated 27 bytes in 391 micros (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
			want: []got{{Kind: KindRequest, Source: SourceUWSGI, Method: "GET", URI: "/", Status: 200, DurUS: 391, HasDur: true, PID: 6845}},
			out:  Matched,
		},
		{
			name: "hand-written uwsgi request via sendfile, CRLF",
			line: "[pid: 12|app: 0|req: 5/9] 10.0.0.1 (alice) {40 vars in 600 bytes} [Sun Nov 22 23:30:54 2026] GET /files/a b.pdf => generated 1048576 bytes in 1200 msecs via sendfile() (HTTP/1.0 206) 4 headers in 200 bytes (1 switches on core 1)\r",
			want: []got{{Kind: KindRequest, Source: SourceUWSGI, Method: "GET", URI: "/files/a b.pdf", Status: 206, DurUS: 1200000, HasDur: true, PID: 12}},
			out:  Matched,
		},
		{
			name: "hand-written truncated uwsgi request",
			line: "[pid: 12|app: 0|req: 5/9] 10.0.0.1 () {40 vars in 600 bytes} [Sun Nov 22 23:30:54 2026] GET /x => generated 10 bytes in",
			out:  Malformed,
		},
		{
			name: "real nginx combined + request_time upstream_response_time, 504",
			line: `127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "slowroutes-capture/1.0" 1.000 1.001`,
			want: []got{{Kind: KindRequest, Source: SourceNginx, Method: "GET", URI: "/reports/17/export", Status: 504, DurUS: 1000000, HasDur: true}},
			out:  Matched,
		},
		{
			name: "real nginx combined 499",
			line: `127.0.0.1 - - [22/Nov/2026:23:30:49 +0000] "GET /search?q=refund&page=2 HTTP/1.1" 499 0 "-" "slowroutes-capture/1.0"`,
			want: []got{{Kind: KindRequest, Source: SourceNginx, Method: "GET", URI: "/search?q=refund&page=2", Status: 499}},
			out:  Matched,
		},
		{
			name: "hand-written nginx multi-valued upstream time and escaped quote in UA",
			line: `2001:db8::1 - bob [22/Nov/2026:23:30:49 +0100] "POST /api/v1/2fa/verify HTTP/2.0" 502 157 "https://x/?a=\x22b" "Mozilla \x22x\x22" 0.250 0.100, 0.150 : 0.000`,
			want: []got{{Kind: KindRequest, Source: SourceNginx, Method: "POST", URI: "/api/v1/2fa/verify", Status: 502, DurUS: 250000, HasDur: true}},
			out:  Matched,
		},
		{
			name: "hand-written nginx TLS handshake on plain port",
			line: `10.0.0.9 - - [22/Nov/2026:23:30:49 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-" 0.001 -`,
			out:  Malformed,
		},
		{
			name: "real gunicorn access with %(L)s %(D)s",
			line: `127.0.0.1 - - [22/Nov/2026:23:31:06 +0000] "GET /invoices/21/pdf HTTP/1.1" 200 48 "-" "slowroutes-capture/1.0" 0.000290 290`,
			want: []got{{Kind: KindRequest, Source: SourceGunicorn, Method: "GET", URI: "/invoices/21/pdf", Status: 200, DurUS: 290, HasDur: true}},
			out:  Matched,
		},
		{
			name: "real nginx error upstream timed out",
			line: `2026/11/22 23:30:34 [error] 6839#6839: *121 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: uwsgi-default, request: "GET /reports/17/export HTTP/1.1", upstream: "uwsgi://127.0.0.1:54759", host: "127.0.0.1:54923"`,
			want: []got{{Kind: KindTimeout, Source: SourceNginx, Timeout: TimeoutNginxUpstream, Method: "GET", URI: "/reports/17/export"}},
			out:  Matched,
		},
		{
			name: "real nginx error upstream prematurely closed",
			line: `2026/11/22 23:30:41 [error] 6839#6839: *125 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: uwsgi-default, request: "GET /slow/7?page=2 HTTP/1.1", upstream: "uwsgi://127.0.0.1:54759", host: "127.0.0.1:54923"`,
			want: []got{{Kind: KindUpstreamFailure, Source: SourceNginx, Method: "GET", URI: "/slow/7?page=2", Status: 502}},
			out:  Matched,
		},
		{
			name: "real nginx notice is recognized, no record",
			line: `2026/11/22 23:30:33 [notice] 6836#6836: using the "epoll" event method`,
			out:  Matched,
		},
		{
			name: "hand-written nginx client timed out is not an upstream timeout",
			line: `2026/11/22 23:30:34 [info] 30#30: *88 client timed out (110: Connection timed out) while waiting for request, client: 10.1.2.3, server: 0.0.0.0:443`,
			out:  Matched,
		},
		{
			name: "real gunicorn worker timeout, no request start in stream",
			line: `[2026-11-22 23:31:08 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6847)`,
			want: []got{{Kind: KindTimeout, Source: SourceGunicorn, Timeout: TimeoutGunicornWorker, PID: 6847}},
			out:  Matched,
		},
		{
			name: "real nginx json with escaped GraphQL body",
			line: `{"msec":1795390233.674,"time_iso8601":"2026-11-22T23:30:33+00:00","remote_addr":"127.0.0.1","request_method":"POST","request_uri":"/graphql","server_protocol":"HTTP/1.1","status":200,"body_bytes_sent":65,"request_time":0.001,"upstream_response_time":"0.000","upstream_status":"200","upstream_addr":"127.0.0.1:54759","http_user_agent":"slowroutes-capture/1.0","request_body":"{\"operationName\":\"GetInvoice\",\"query\":\"query GetInvoice($id: ID!) { invoice(id: $id) { id number total } }\",\"variables\":{\"id\":\"40\"}}"}`,
			want: []got{{Kind: KindRequest, Source: SourceNginx, Method: "POST", URI: "/graphql", Status: 200, DurUS: 1000, HasDur: true}},
			out:  Matched,
		},
		{
			name: "real app json request_finished with route and operation",
			line: `{"event":"request_finished","pid":6844,"method":"GET","path":"/graphql","route":"/graphql","status":200,"duration_ms":0.3,"graphql_operation":"ListInvoices"}`,
			want: []got{{Kind: KindRequest, Source: SourceApp, Method: "GET", URI: "/graphql", Route: "/graphql", Op: "ListInvoices", Status: 200, DurUS: 300, HasDur: true, PID: 6844}},
			out:  Matched,
		},
		{
			name: "real app json request_started",
			line: `{"event":"request_started","pid":6844,"method":"GET","path":"/graphql"}`,
			want: []got{{Kind: KindRequestStart, Source: SourceApp, Method: "GET", URI: "/graphql", PID: 6844}},
			out:  Matched,
		},
		{
			name: "hand-written json without a request is recognized, no record",
			line: `{"level":"info","ts":"2026-11-22T23:30:33Z","logger":"cache","msg":"cache miss","path":"/x","key":"ab"}`,
			out:  Matched,
		},
		{
			name: "hand-written broken json",
			line: `{"path":"/x","status":`,
			out:  Malformed,
		},
		{
			name: "real uwsgi listen queue full",
			line: `Sun Nov 22 23:30:38 2026 - *** uWSGI listen queue of socket "127.0.0.1:54759" (fd: 3) full !!! (3/2) ***`,
			want: []got{{Kind: KindListenQueueFull, Source: SourceUWSGI}},
			out:  Matched,
		},
		{
			name: "hand-written app text mentioning a timeout",
			line: `2026-11-22 23:30:38,123 ERROR [app.billing] requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=10)`,
			out:  Ignored,
		},
		{
			name: "hand-written binary garbage",
			line: "\x00\xff\xfe[\x01{\"\x9c HARAKIRI",
			out:  Ignored,
		},
		{name: "empty", line: "", out: Ignored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for run := 0; run < 2; run++ { // a reused Stream must give the same answer
				recs, outs := collect(t, Config{}, "test", tt.line)
				if outs[0] != tt.out {
					t.Errorf("outcome = %v, want %v", outs[0], tt.out)
				}
				if diff := cmp.Diff(tt.want, recs); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// A real harakiri block of uWSGI 2.0.21 with harakiri-verbose, followed by
// the worker's death and respawn, with app lines of the respawned worker.
var realHarakiri = []string{
	`Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 1 (pid: 6843, try: 1) ***`,
	`HARAKIRI: -- syscall> 230 0x1 0x1 0x7fffc0a05ab0 0x0 0x0 0x0 0x7fffc0a05a98 0x7fc974741503`,
	`HARAKIRI: -- wchan> hrtimer_nanosleep`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! worker 1 status !!!`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI [core 0] 127.0.0.1 - POST /graphql since 1795390237`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! end of worker 1 status !!!`,
	`Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 2 (pid: 6844, try: 1) ***`,
	`HARAKIRI: -- syscall> 230 0x1 0x1 0x7fffc0a05ab0 0x0 0x0 0x0 0x7fffc0a05a98 0x7fc974741503`,
	`HARAKIRI: -- wchan> hrtimer_nanosleep`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! worker 2 status !!!`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI [core 0] 127.0.0.1 - GET /slow/7?page=2 since 1795390237`,
	`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! end of worker 2 status !!!`,
	`DAMN ! worker 1 (pid: 6843) died, killed by signal 9 :( trying respawn ...`,
	`Respawned uWSGI worker 1 (new pid: 6987)`,
	`DAMN ! worker 2 (pid: 6844) died, killed by signal 9 :( trying respawn ...`,
	`Respawned uWSGI worker 2 (new pid: 6988)`,
}

func timeouts(recs []got) []string {
	var out []string
	for _, r := range recs {
		if r.Kind == KindTimeout {
			out = append(out, r.Timeout.String()+" "+r.Method+" "+r.URI)
		}
	}
	return out
}

func kinds(recs []got, k Kind) int {
	n := 0
	for _, r := range recs {
		if r.Kind == k {
			n++
		}
	}
	return n
}

func TestHarakiri(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		timeouts  []string
		banners   int
		idle      int
		kills     int
		malformed int
	}{
		{
			name:     "real block, two workers",
			lines:    realHarakiri,
			timeouts: []string{"uwsgi_harakiri POST /graphql", "uwsgi_harakiri GET /slow/7?page=2"},
			banners:  2, kills: 2,
		},
		{
			name: "real block with lines of other processes interleaved",
			lines: []string{realHarakiri[0], `{"event":"request_started","pid":6845,"method":"GET","path":"/healthz"}`,
				realHarakiri[3], `[pid: 6845|app: 0|req: 1/1] 127.0.0.1 () {34 vars in 413 bytes} [Sun Nov 22 23:30:54 2026] GET / => generated 27 bytes in 1 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`,
				realHarakiri[4], realHarakiri[5], realHarakiri[12]},
			timeouts: []string{"uwsgi_harakiri POST /graphql"},
			banners:  1, kills: 1,
		},
		{
			name: "hand-written try 2 repeats the same request: one timeout",
			lines: []string{realHarakiri[0], realHarakiri[3], realHarakiri[4], realHarakiri[5],
				`Sun Nov 22 23:30:42 2026 - *** HARAKIRI ON WORKER 1 (pid: 6843, try: 2) ***`,
				realHarakiri[3], realHarakiri[4], realHarakiri[5], realHarakiri[12]},
			timeouts: []string{"uwsgi_harakiri POST /graphql"},
			banners:  2, kills: 1,
		},
		{
			name: "hand-written 2.0.22 graceful banner and WAS managing of the same request",
			lines: []string{
				`Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 3 (pid: 77, try: 1, graceful: yes) ***`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! worker 3 status !!!`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI [core 0] 10.0.0.1 - GET /invoices/9/pdf?x=1 since 1795390237`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! end of worker 3 status !!!`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI triggered by worker 3 core 0 !!!`,
				`HARAKIRI: --- uWSGI worker 3 (pid: 77) WAS managing request /invoices/9/pdf?x=1 since Sun Nov 22 23:30:37 2026 ---`,
				`Sun Nov 22 23:30:42 2026 - *** HARAKIRI ON WORKER 3 (pid: 77, try: 2, graceful: no) ***`,
				`DAMN ! worker 3 (pid: 77) died, killed by signal 9 :( trying respawn ...`,
			},
			timeouts: []string{"uwsgi_harakiri GET /invoices/9/pdf?x=1"},
			banners:  2, kills: 1,
		},
		{
			name: "hand-written banner with an empty status block is an idle worker kill",
			lines: []string{
				`Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 1 (pid: 50, try: 1) ***`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! worker 1 status !!!`,
				`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! end of worker 1 status !!!`,
				`DAMN ! worker 1 (pid: 50) died, killed by signal 9 :( trying respawn ...`,
				`Respawned uWSGI worker 1 (new pid: 51)`,
			},
			banners: 1, idle: 1, kills: 1,
		},
		{
			name: "hand-written bench-style block: banner, WAS managing, no status block",
			lines: []string{
				`*** HARAKIRI ON WORKER 4 (pid: 90, try: 1) ***`,
				`HARAKIRI: --- uWSGI worker 4 (pid: 90) WAS managing request /api/users/7 since Sun Nov 22 23:30:37 2026 ---`,
				`DAMN ! worker 4 (pid: 90) died, killed by signal 9 :( trying respawn ...`,
				`Respawned uWSGI worker 4 (new pid: 91)`,
			},
			timeouts: []string{"uwsgi_harakiri  /api/users/7"},
			banners:  1, kills: 1,
		},
		{
			name: "hand-written logdate prefix and a mule harakiri",
			lines: []string{
				`2026-11-22 23:31:02 - *** HARAKIRI ON WORKER 1 (pid: 6845, try: 1) ***`,
				`2026-11-22 23:31:02 - HARAKIRI !!! worker 1 status !!!`,
				`2026-11-22 23:31:02 - HARAKIRI [core 0] 127.0.0.1 - POST /graphql since 1795390258`,
				`2026-11-22 23:31:02 - HARAKIRI !!! end of worker 1 status !!!`,
				`*** HARAKIRI ON MULE 1 (pid: 70) ***`,
			},
			timeouts: []string{"uwsgi_harakiri POST /graphql"},
			banners:  1,
		},
		{
			name:      "hand-written broken banner",
			lines:     []string{`*** HARAKIRI ON WORKER x (pid: 1, try: 1) ***`},
			malformed: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, outs := collect(t, Config{}, "uwsgi.log", tt.lines...)
			if diff := cmp.Diff(tt.timeouts, timeouts(recs)); diff != "" {
				t.Errorf("timeouts (-want +got):\n%s", diff)
			}
			if n := kinds(recs, KindHarakiri); n != tt.banners {
				t.Errorf("banners = %d, want %d", n, tt.banners)
			}
			if n := kinds(recs, KindHarakiriIdle); n != tt.idle {
				t.Errorf("idle = %d, want %d", n, tt.idle)
			}
			if n := kinds(recs, KindWorkerKill); n != tt.kills {
				t.Errorf("kills = %d, want %d", n, tt.kills)
			}
			m := 0
			for _, o := range outs {
				if o == Malformed {
					m++
				}
			}
			if m != tt.malformed {
				t.Errorf("malformed = %d, want %d", m, tt.malformed)
			}
		})
	}
}

func TestGunicornAttribution(t *testing.T) {
	// gunicorn 20.1.0 at --log-level debug (testdata/captures/gunicorn-error.log,
	// real): the worker logs each request it starts, the arbiter names only
	// the worker that timed out, two of them in one pass.
	var lines []string
	for _, l := range realCaptureLines(t, "gunicorn-error.log") {
		lines = append(lines, string(l))
	}
	recs, outs := collect(t, Config{}, "gunicorn-error.log", lines...)
	want := []string{"gunicorn_worker_timeout POST /graphql", "gunicorn_worker_timeout GET /slow/11", "gunicorn_worker_timeout GET /slow/12"}
	if diff := cmp.Diff(want, timeouts(recs)); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if n := kinds(recs, KindWorkerKill); n != 0 {
		t.Errorf("worker kills = %d, want 0", n)
	}
	for i, o := range outs {
		if o == Malformed {
			t.Errorf("line %d: malformed", i+1)
		}
	}
	// Hand-written: a timeout of a worker that started nothing the stream
	// shows, then its SIGKILL as some gunicorn versions' arbiter.py
	// reap_workers logs it (no capture holds one).
	recs, outs = collect(t, Config{}, "gunicorn-error.log",
		`[2026-11-22 23:31:09 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6999)`,
		`[2026-11-22 23:31:10 +0000] [6837] [ERROR] Worker (pid:6999) was sent SIGKILL! Perhaps out of memory?`)
	if diff := cmp.Diff([]string{"gunicorn_worker_timeout  "}, timeouts(recs)); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if n := kinds(recs, KindWorkerKill); n != 1 {
		t.Errorf("worker kills = %d, want 1", n)
	}
	for i, o := range outs {
		if o != Matched {
			t.Errorf("line %d: %v, want matched", i, o)
		}
	}
}
