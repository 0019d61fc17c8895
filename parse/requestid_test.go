package parse

import "testing"

// requestIDOf runs one line through a Stream and returns the request id of
// the record it yields, and whether it yielded one.
func requestIDOf(t *testing.T, name, line string) (string, bool) {
	t.Helper()
	s := NewStream(Config{}, name)
	var id string
	var seen bool
	s.Line([]byte(line), 0, func(r *Record) {
		if r.Kind == KindRequest || r.Kind == KindRequestStart {
			id, seen = string(r.RequestID), true
		}
	})
	return id, seen
}

// Lines marked "real" were written by the servers of the incident capture
// (testdata/captures/incidents, Debian 12: nginx 1.22.1, uWSGI 2.0.21,
// gunicorn 20.1.0) in its "ids" setups.
func TestJSONRequestID(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"real nginx escape=json: the X-Request-ID header wins over nginx's own $request_id",
			`{"msec":1796109861.407,"time_iso8601":"2026-12-01T07:24:21+00:00","remote_addr":"127.0.0.2","request_method":"GET","request_uri":"/","server_protocol":"HTTP/1.1","status":200,"body_bytes_sent":13,"request_time":0.001,"upstream_response_time":"0.001","upstream_status":"200","upstream_addr":"127.0.0.1:59601","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","http_x_request_id":"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6","request_id":"2ef7899338254f1d371b2f8ba81eaa7b","request_body":""}`,
			"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6"},
		{"hand-written nginx escape=json without the header: nginx's $request_id",
			`{"msec":1796109861.407,"request_method":"GET","request_uri":"/","status":200,"request_time":0.001,"http_x_request_id":"-","request_id":"2ef7899338254f1d371b2f8ba81eaa7b"}`,
			"2ef7899338254f1d371b2f8ba81eaa7b"},
		{"real app request_finished",
			`{"event":"request_finished","pid":31728,"request_id":"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6","method":"GET","path":"/","route":"/","status":200,"duration_ms":0.5}`,
			"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6"},
		{"real app request_started",
			`{"event":"request_started","pid":31728,"request_id":"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6","method":"GET","path":"/"}`,
			"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6"},
		{"hand-written camelCase and trace ids",
			`{"path":"/x","status":200,"requestId":"abc-1"}`, "abc-1"},
		{"hand-written trace_id",
			`{"path":"/x","status":200,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"real app line of the noids setups: no id",
			`{"event":"request_finished","pid":31741,"method":"GET","path":"/","route":"/","status":200,"duration_ms":0.4}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := requestIDOf(t, "app.log", tt.line)
			if !ok || got != tt.want {
				t.Errorf("request id = %q (record: %v), want %q", got, ok, tt.want)
			}
		})
	}
}

// TestJSONTimeFinest: nginx writes $msec and $time_iso8601 side by side;
// the record keeps the one with milliseconds.
func TestJSONTimeFinest(t *testing.T) {
	for _, line := range []string{
		// real (incident capture, uwsgi-ids/nginx-access.json)
		`{"msec":1796109861.407,"time_iso8601":"2026-12-01T07:24:21+00:00","request_method":"GET","request_uri":"/","status":200,"request_time":0.001}`,
		// hand-written: the same members the other way round
		`{"time_iso8601":"2026-12-01T07:24:21+00:00","msec":1796109861.407,"request_method":"GET","request_uri":"/","status":200,"request_time":0.001}`,
	} {
		s := NewStream(Config{}, "nginx-access.json")
		var got int64
		s.Line([]byte(line), 0, func(r *Record) { got = r.TimeUS })
		if got != 1796109861_407000 {
			t.Errorf("%s: time %d µs, want 1796109861407000", line, got)
		}
	}
}

// The formats the incident capture's "ids" setups log with
// (testdata/capture/incidents/nginx-common.conf.in and setup.sh).
var incidentIDFormats = []struct {
	server, format string
	setup, file    string
	name           string // the stream name the test reads the file as
}{
	{"nginx", `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$http_x_request_id" $request_id'`,
		"uwsgi-ids", "nginx-access.log", "nginx-access.log"},
	{"nginx", `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time "$http_x_request_id" $request_id'`,
		"gunicorn-ids", "nginx-access.log", "nginx-access.log"},
	{"uwsgi", `[pid: %(pid)|app: -|req: -/-] %(addr) (%(user)) {%(vars) vars in %(pktsize) bytes} [%(ctime)] %(method) %(uri) => generated %(rsize) bytes in %(msecs) msecs (%(proto) %(status)) %(headers) headers in %(hsize) bytes (%(switches) switches on core %(core)) request_id=%(var.HTTP_X_REQUEST_ID) worker=%(wid) start_ms=%(tmsecs)`,
		"uwsgi-ids", "uwsgi.log", "uwsgi.log"},
	{"uwsgi", `[pid: %(pid)|app: -|req: -/-] %(addr) (%(user)) {%(vars) vars in %(pktsize) bytes} [%(ctime)] %(method) %(uri) => generated %(rsize) bytes in %(msecs) msecs (%(proto) %(status)) %(headers) headers in %(hsize) bytes (%(switches) switches on core %(core)) request_id=%(var.HTTP_X_REQUEST_ID) worker=%(wid) start_ms=%(tmsecs)`,
		"uwsgi-ids", "uwsgi-threads.log", "uwsgi-threads.log"},
	{"gunicorn", `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %({x-request-id}i)s`,
		"gunicorn-ids", "gunicorn-access.log", "gunicorn-access.log"},
}

// TestTextRequestIDsAsCompiledFormats holds the readers of ids appended to
// the built-in formats to the compiled log formats of the same lines: every request line of the
// ids setups yields the id the compiled format reads, and the noids
// setups' lines yield none.
func TestTextRequestIDsAsCompiledFormats(t *testing.T) {
	for _, f := range incidentIDFormats {
		t.Run(f.setup+"/"+f.file, func(t *testing.T) {
			lf, err := CompileLogFormat(f.server, f.format)
			if err != nil {
				t.Fatal(err)
			}
			ids := 0
			for _, line := range incidentLines(t, f.setup+"/"+f.file) {
				var (
					r Record
					a AccessFields
				)
				ok, err := lf.Parse(line, &r, &a)
				if !ok || err != nil || r.Kind != KindRequest {
					continue // not a request-log line of this format
				}
				got, seen := requestIDOf(t, f.name, string(line))
				if !seen || got != string(r.RequestID) {
					t.Errorf("%s\nid %q (record: %v), the compiled format reads %q", line, got, seen, r.RequestID)
				}
				ids++
			}
			if ids < 10 {
				t.Errorf("only %d request lines with an id", ids)
			}
		})
	}
	for _, f := range []struct{ setup, file string }{
		{"uwsgi-noids", "nginx-access.log"}, {"uwsgi-noids", "nginx-access-combined.log"},
		{"uwsgi-noids", "uwsgi.log"}, {"gunicorn-noids", "gunicorn-access.log"}, {"gunicorn-noids", "nginx-access.log"},
	} {
		n := 0
		for _, line := range incidentLines(t, f.setup+"/"+f.file) {
			if got, seen := requestIDOf(t, f.file, string(line)); seen {
				n++
				if got != "" {
					t.Errorf("%s/%s: id %q in %s", f.setup, f.file, got, line)
				}
			}
		}
		if n < 30 {
			t.Errorf("%s/%s: only %d requests read", f.setup, f.file, n)
		}
	}
}

func TestIsRequestID(t *testing.T) {
	for v, want := range map[string]bool{
		"5368a62d-e91f-4ddc-a5fc-7bad1a4485c6": true, "2ef7899338254f1d371b2f8ba81eaa7b": true,
		"Root=1-67891233-abcdef012345678912345678": false, // '=' (an ALB trace id is for the ALB parser)
		"0.001": false, "1188": false, "-": false, "12345678901": false, `"-"`: false, "curl/7.88.1": false,
	} {
		if got := isRequestID([]byte(v)); got != want {
			t.Errorf("isRequestID(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestTimeoutsCarryTheirStart: a worker timeout gets the request id and the
// start time of the request its worker began, and a harakiri the id of the
// app's start line of its worker (real lines of the captures).
func TestTimeoutsCarryTheirStart(t *testing.T) {
	type want struct {
		uri, id string
		startUS int64
	}
	tests := []struct {
		name, stream string
		lines        []string
		want         want
	}{
		{"gunicorn 20.1.0, incident capture: the app's start line names the id", "gunicorn-error.log", []string{
			`{"event":"request_started","pid":31734,"request_id":"cfffb503-5795-4e89-9ecd-c82b4badff8c","method":"GET","path":"/exports/9/csv"}`,
			`{"event":"request_started","pid":31735,"request_id":"07e9ac0b-d091-4015-b4e3-8411604f0586","method":"GET","path":"/exports/9/csv"}`,
			`[2026-12-01 07:24:31 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31734)`,
		}, want{"/exports/9/csv", "cfffb503-5795-4e89-9ecd-c82b4badff8c", 0}},
		{"gunicorn 20.1.0 at debug level, default capture: the [DEBUG] line's time survives the app's start line", "gunicorn-error.log", []string{
			`[2026-11-22 23:31:06 +0000] [6859] [DEBUG] GET /slow/11`,
			`{"event":"request_started","pid":6859,"method":"GET","path":"/slow/11"}`,
			`[2026-11-22 23:31:09 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6859)`,
		}, want{"/slow/11", "", 1795390266_000000}},
		{"uWSGI 2.0.21, incident capture: the app's start line of the harakiri'd worker names the id", "uwsgi.log", []string{
			`{"event":"request_started","pid":31728,"request_id":"48c08707-878e-4ec2-8efb-0d828fa9f1e7","method":"GET","path":"/exports/9/csv"}`,
			`Tue Dec  1 07:24:29 2026 - *** HARAKIRI ON WORKER 2 (pid: 31728, try: 1) ***`,
			`Tue Dec  1 07:24:29 2026 - HARAKIRI !!! worker 2 status !!!`,
			`Tue Dec  1 07:24:29 2026 - HARAKIRI [core 0] 127.0.0.2 - GET /exports/9/csv since 1796109865`,
		}, want{"/exports/9/csv", "48c08707-878e-4ec2-8efb-0d828fa9f1e7", 1796109865_000000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStream(Config{}, tt.stream)
			var got []want
			emit := func(r *Record) {
				if r.Kind == KindTimeout {
					got = append(got, want{string(r.URI), string(r.RequestID), r.StartUS})
				}
			}
			for _, l := range tt.lines {
				s.Line([]byte(l), 0, emit)
			}
			s.Close(emit) // a gunicorn timeout waits for its worker's end, or the stream's

			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("timeouts %+v, want [%+v]", got, tt.want)
			}
		})
	}
}

// TestWorkerTimeoutInsideADump: the arbiter's line cut into faulthandler's
// header still counts (testdata/captures/incidents/gunicorn-ids).
func TestWorkerTimeoutInsideADump(t *testing.T) {
	recs, _ := collect(t, Config{}, "gunicorn-error.log",
		`{"event":"request_started","pid":31973,"request_id":"69f68f26-ac75-4355-a224-dfb34cfb96ad","method":"GET","path":"/invoices/700/pdf"}`,
		`Fatal Python error: [2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)`,
		`Aborted`,
		`Fatal Python error: Aborted`,
	)
	if got := timeouts(recs); len(got) != 1 || got[0] != "gunicorn_worker_timeout GET /invoices/700/pdf" {
		t.Errorf("timeouts %q", got)
	}
}
