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
