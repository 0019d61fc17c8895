package parse

import (
	"bytes"
	"testing"
)

// incidentLines reads a file of testdata/captures/incidents (real servers).
func incidentLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	return readLines(tb, "../testdata/captures/incidents/"+name)
}

// lineWith returns the first line holding match.
func lineWith(tb testing.TB, lines [][]byte, match string) []byte {
	tb.Helper()
	for _, l := range lines {
		if bytes.Contains(l, []byte(match)) {
			return l
		}
	}
	tb.Fatalf("no line with %q", match)
	return nil
}

// TestParseCombinedShapes: what ParseCombined reads of combined lines that
// real nginx, gunicorn and Apache wrote in their own variants, and who the
// shape says wrote each.
func TestParseCombinedShapes(t *testing.T) {
	type want struct {
		src         Source
		method, uri string
		status      int
		durUS       int64
		hasDur      bool
		client, ua  string
		rid         string
	}
	ids := incidentLines(t, "gunicorn-ids/gunicorn-access.log")
	for _, c := range []struct {
		name string
		line []byte
		want want
	}{
		{"gunicorn on a unix socket: no client address", ids[0],
			want{SourceGunicorn, "GET", "/", 200, 429, true, "", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ""}},
		{"gunicorn, no ids, no client address", incidentLines(t, "gunicorn-noids/gunicorn-access.log")[1],
			want{SourceGunicorn, "GET", "/healthz", 200, 222, true, "", "kube-probe/1.29", ""}},
		{"nginx, $request_time then a quoted id and a hex id", incidentLines(t, "gunicorn-ids/nginx-access.log")[0],
			want{SourceNginx, "GET", "/", 200, 4000, true, "127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ""}},
		{"nginx key=value, quoted lists", lineWith(t, committedLines(t, "nginx-perf.log"), "abandoned"),
			want{SourceNginx, "GET", "/search?q=abandoned", 499, 301000, true, "127.0.0.1", "slowroutes-formats/1.0", ""}},
		{"nginx key=value, escaped bytes", lineWith(t, committedLines(t, "nginx-perf.log"), "refund"),
			want{SourceNginx, "GET", `/search?q=\x22refund\x22`, 200, 501000, true, "127.0.0.1", `odd \x22agent\x22 \x5C 1.0`, ""}},
		{"nginx key=value, unquoted lists", lineWith(t, committedLines(t, "nginx-perf-named.log"), "us=502, 200"),
			want{SourceNginx, "GET", "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", 200, 1000, true, "127.0.0.1", "slowroutes-formats/1.0", ""}},
		{"gunicorn %(L)s %(D)s with \\\" in the URI and agent", lineWith(t, committedLines(t, "gunicorn-access.log"), "refund"),
			want{SourceGunicorn, "GET", `/search?q=\"refund\"`, 200, 500620, true, "127.0.0.1", `odd \"agent\" \ 1.0`, ""}},
		{"gunicorn %(L)s %(D)s", realCaptureLines(t, "gunicorn-access.log")[0],
			want{SourceGunicorn, "GET", "/", 200, 546, true, "127.0.0.1", "slowroutes-capture/1.0", ""}},
		{"nginx $request_time $upstream_response_time", realCaptureLines(t, "nginx-access.log")[0],
			want{SourceNginx, "GET", "/", 200, 0, true, "127.0.0.1", "slowroutes-capture/1.0", ""}},
		{"plain combined: the shape does not say", committedLines(t, "nginx-combined.log")[0],
			want{SourceUnknown, "GET", "/", 200, 0, false, "127.0.0.1", "slowroutes-formats/1.0", ""}},
		{"Apache %D with \\\" and \\\\", lineWith(t, committedLines(t, "apache-access-D.log"), "refund"),
			want{SourceUnknown, "GET", `/search?q=\"refund\"`, 200, 501012, true, "127.0.0.1", `odd \"agent\" \\ 1.0`, ""}},
		// hand-written: nginx escape=none writes the quotes of a URI raw
		{"raw quotes in the request line", []byte(`127.0.0.1 - - [01/Dec/2026:07:23:48 +0000] "GET /search?q="refund" HTTP/1.1" 200 16 "-" "curl/8.5.0" 0.501`),
			want{SourceNginx, "GET", `/search?q="refund"`, 200, 501000, true, "127.0.0.1", "curl/8.5.0", ""}},
		// hand-written: a request id among the named fields
		{"rid=", []byte(`10.0.0.1 - - [01/Dec/2026:07:23:48 +0000] "GET /x HTTP/1.1" 200 16 "-" "curl/8.5.0" rid=7f3a rt=0.020`),
			want{SourceNginx, "GET", "/x", 200, 20000, true, "10.0.0.1", "curl/8.5.0", "7f3a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Record
			ok, err := ParseCombined(c.line, 1, &r)
			if !ok || err != nil {
				t.Fatalf("%q: ok=%v err=%v", c.line, ok, err)
			}
			got := want{r.Source, string(r.Method), string(r.URI), r.Status, r.DurationUS, r.HasDuration,
				string(r.ClientAddr), string(r.UserAgent), string(r.RequestID)}
			if got != c.want {
				t.Errorf("%q\n got %+v\nwant %+v", c.line, got, c.want)
			}
		})
	}
	// Not combined lines, and broken ones.
	for _, c := range []struct {
		line string
		ok   bool
	}{
		{`  File "/app/views.py", line 12, in render`, false},
		{` [22/Nov/2026:23:30:33 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`, false}, // a leading space without " - "
		{`127.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET / HTTP/1.1`, true},    // truncated: malformed
	} {
		var r Record
		ok, err := ParseCombined([]byte(c.line), 1, &r)
		if ok != c.ok || ok && err == nil {
			t.Errorf("%q: ok=%v err=%v", c.line, ok, err)
		}
	}
}

// TestParseCombinedAllCaptures: every combined line of the incident
// captures is a request with a duration. nginx's lines say they are
// nginx's; gunicorn's say so when nginx sent them (over the unix socket:
// no client address), not when the probe came to its TCP port directly
// (HTTP/1.1, an address, an integer %(D)s: what nginx could write too).
func TestParseCombinedAllCaptures(t *testing.T) {
	for _, name := range []string{"gunicorn-ids/gunicorn-access.log", "gunicorn-noids/gunicorn-access.log",
		"gunicorn-ids/nginx-access.log", "gunicorn-noids/nginx-access.log", "uwsgi-ids/nginx-access.log", "uwsgi-noids/nginx-access.log"} {
		n := 0
		for _, l := range incidentLines(t, name) {
			var r Record
			if ok, err := ParseCombined(l, 1, &r); !ok || err != nil || r.Kind != KindRequest || !r.HasDuration {
				t.Errorf("%s: %q: ok=%v err=%v kind=%d duration=%v", name, l, ok, err, r.Kind, r.HasDuration)
			}
			want := SourceNginx
			switch {
			case !bytes.Contains([]byte(name), []byte("gunicorn-access")):
			case l[0] == ' ':
				want = SourceGunicorn
			default:
				want = SourceUnknown
			}
			if r.Source != want {
				t.Errorf("%s: %q: source %v, want %v", name, l, r.Source, want)
			}
			n++
		}
		if n < 10 {
			t.Errorf("%s: %d lines", name, n)
		}
	}
}
