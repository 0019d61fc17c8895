package parse

import "testing"

// TestClientOfAccessLines reads who sent a request from real access lines
// (testdata/captures/incidents: nginx 1.22.1 combined + timings and
// escape=json). A client is its address and user agent: carol's curl behind
// alice's address is another client.
func TestClientOfAccessLines(t *testing.T) {
	for _, tc := range []struct {
		name, line, addr, agent string
	}{
		{"combined + timings",
			`127.0.0.2 - - [01/Dec/2026:07:25:19 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 1.002 1.001`,
			"127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"combined, curl",
			`127.0.0.2 - - [01/Dec/2026:07:25:21 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "curl/7.88.1"`,
			"127.0.0.2", "curl/7.88.1"},
		{"combined + timings + request ids, quoted after the agent",
			`127.0.0.2 - - [01/Dec/2026:07:24:22 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 1.000 1.000 "623b1239-1000-4dbe-bae6-66158bdaf7d7" ceb687e71a17c0d55b57008d6e4e17bc`,
			"127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"json",
			`{"msec":1796109861.411,"time_iso8601":"2026-12-01T07:24:21+00:00","remote_addr":"127.0.0.1","request_method":"GET","request_uri":"/healthz","server_protocol":"HTTP/1.1","status":200,"body_bytes_sent":17,"request_time":0.000,"upstream_response_time":"0.001","upstream_status":"200","upstream_addr":"127.0.0.1:59601","http_user_agent":"kube-probe/1.29","http_x_request_id":"b77e2c24-94c6-443d-96ee-c5d762fc651c","request_id":"3adc6bb945a8e12ff56f2ee68e3c19c8","request_body":""}`,
			"127.0.0.1", "kube-probe/1.29"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStream(Config{}, "nginx-access")
			n := 0
			s.Line([]byte(tc.line), 0, func(r *Record) {
				n++
				if string(r.ClientAddr) != tc.addr || string(r.UserAgent) != tc.agent {
					t.Errorf("client %q %q, want %q %q", r.ClientAddr, r.UserAgent, tc.addr, tc.agent)
				}
				if r.Source != SourceNginx {
					t.Errorf("source %s", r.Source)
				}
			})
			if n != 1 {
				t.Fatalf("%d records", n)
			}
		})
	}
}
