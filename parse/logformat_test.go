package parse

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCompileLogFormatErrors(t *testing.T) {
	for _, c := range []struct{ server, format, want string }{
		{"nginx", `$remote_addr$remote_user`, "position 0: $remote_addr is followed directly by $remote_user"},
		{"nginx", `[$request] $`, `position 11: "$" is not followed by a variable name`},
		{"nginx", `[$time_local] ${status`, `position 14: "${status" is not closed`},
		{"nginx", `escape=xml '$status'`, "position 0: unknown escape=xml"},
		{"nginx", `  escape=json '$status' 'x`, "position 24: quote not closed"},
		{"nginx", `plain text`, "position 0: no variables"},
		{"uwsgi", `%(addr) %(status`, `position 8: "%(" is not closed`},
		{"uwsgi", `%() x`, "position 0: empty variable name"},
		{"gunicorn", `%(h)s %s`, "position 6: a conversion without an atom name"},
		{"gunicorn", `%(h) %(s)s`, "position 0: %(h) has no conversion type"},
		{"apache", `%h %{Referer`, `position 4: "{" is not closed`},
		{"apache", `%h %`, `position 3: "%" at the end`},
		{"apache", `%h %>"`, `position 3: "%>\"" is not a LogFormat directive`},
		{"caddy", `{common_log}`, `unknown server "caddy"`},
	} {
		_, err := CompileLogFormat(c.server, c.format)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CompileLogFormat(%s, %q) = %v, want an error with %q", c.server, c.format, err, c.want)
		}
	}
}

// TestLogFormatPercentLiteral: %% in gunicorn's and Apache's formats is a
// percent sign the line must hold (hand-written lines: the captured formats
// have none).
func TestLogFormatPercentLiteral(t *testing.T) {
	for _, c := range []struct{ server, format, line string }{
		{"gunicorn", `%(h)s %%(x) "%(r)s" %(s)s %(D)d`, `127.0.0.1 %(x) "GET /a HTTP/1.1" 200 1200`},
		{"apache", `%h 100%% "%r" %>s %D`, `127.0.0.1 100% "GET /a HTTP/1.1" 200 1200`},
	} {
		f := mustCompile(t, c.server, c.format)
		var r Record
		ok, err := f.Parse([]byte(c.line), &r, nil)
		if !ok || err != nil || string(r.ClientAddr) != "127.0.0.1" || string(r.URI) != "/a" || r.Status != 200 || r.DurationUS != 1200 {
			t.Errorf("%s %q: ok=%v err=%v %+v", c.server, c.line, ok, err, r)
		}
		r.Reset()
		if ok, _ := f.Parse([]byte(strings.Replace(c.line, "%", "", 1)), &r, nil); ok {
			t.Errorf("%s %q: read without its percent sign", c.server, c.format)
		}
	}
}

// captureFormats names each captured access log with the format that wrote
// it, exactly as the capture configured it, and the client rows it holds.
func captureFormats(tb testing.TB) []struct{ file, server, format, target string } {
	ng, ap := nginxConfFormats(tb), apacheConfFormats(tb)
	return []struct{ file, server, format, target string }{
		{"nginx-perf.log", "nginx", ng["perf"], "nginx"},
		{"nginx-perf-named.log", "nginx", ng["perf_named"], "nginx"},
		{"nginx-body.log", "nginx", ng["body"], "nginx"},
		{"nginx-body-none.log", "nginx", ng["body_none"], "nginx"},
		{"nginx-trace.log", "nginx", ng["trace"], "nginx"},
		{"nginx.json", "nginx", ng["json"], "nginx"},
		{"nginx-combined.log", "nginx", "combined", "nginx"},
		{"uwsgi.log", "uwsgi", captureScriptFormat(tb, "UWSGI_FORMAT"), "nginx"},
		{"gunicorn-access.log", "gunicorn", captureScriptFormat(tb, "GUNICORN_FORMAT"), "gunicorn"},
		{"apache-access-D.log", "apache", ap["combined_D"], "apache"},
		{"apache-access-T.log", "apache", ap["combined_T"], "apache"},
		{"apache-access-ms.log", "apache", ap["combined_ms"], "apache"},
		{"apache-access-trace.log", "apache", ap["trace"], "apache"},
	}
}

// TestLogFormatAgainstClient reads every captured access log with the format
// that wrote it and checks each request against what the client sent and got.
func TestLogFormatAgainstClient(t *testing.T) {
	for _, c := range captureFormats(t) {
		t.Run(c.file, func(t *testing.T) {
			f := mustCompile(t, c.server, c.format)
			rows := clientRows(t, c.target)
			if c.server == "uwsgi" { // requests to /down/ never reached uWSGI
				kept := rows[:0:0]
				for _, row := range rows {
					if !strings.HasPrefix(row.uri, "/down/") {
						kept = append(kept, row)
					}
				}
				rows = kept
			}
			var got []Record
			var fields []AccessFields
			for _, l := range captureLines(t, c.file) {
				var r Record
				var a AccessFields
				ok, err := f.Parse(l, &r, &a)
				if err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				if ok && r.Kind == KindRequest {
					checkAccess(t, l, &r, &a)
					got, fields = append(got, r), append(fields, a)
				} else if c.server != "uwsgi" {
					t.Fatalf("%q: not read (ok=%v kind=%d)", l, ok, r.Kind)
				}
			}
			if len(got) != len(rows) {
				t.Fatalf("%d requests read, the client sent %d", len(got), len(rows))
			}
			withID := hasVar(c.format, "$request_id", "HTTP_X_REQUEST_ID", "{x-request-id}i", "{X-Request-Id}i")
			used := make([]bool, len(rows))
			for i := range got {
				r, a := &got[i], &fields[i]
				// Servers with several workers log in the order requests end,
				// not the order the client sent them: find the request.
				j := matchRow(rows, used, r, a, withID)
				if j < 0 {
					t.Errorf("%s %s (id %q): no such request in client.tsv", r.Method, r.URI, r.RequestID)
					continue
				}
				row := rows[j]
				want := row.st
				switch {
				case row.outcome == "client_abort" && c.server == "nginx":
					want = "499"
				case row.outcome == "client_abort", c.server == "uwsgi" && row.st == "504":
					want = "200" // the app answered after all; uWSGI and Apache log that
				}
				if itoa(r.Status) != want {
					t.Errorf("request %d %s %s: status %d, the log should say %s", row.seq, r.Method, r.URI, r.Status, want)
				}
				if hasVar(c.format, "$request_time", "%(msecs)", "%(micros)", "%(D)s", "%D", "%T", "%{us}T", "%{ms}T") && !r.HasDuration {
					t.Errorf("request %d: no duration", row.seq)
				}
				// A server the client talked to took no longer than the client
				// waited, unless the client gave up (Apache waits for the backend
				// all the same) or the server is behind nginx (uWSGI finishes a
				// request nginx timed out).
				if r.HasDuration && c.server != "uwsgi" && row.outcome != "client_abort" && float64(r.DurationUS)/1000 > row.elapsedMS+1 {
					t.Errorf("request %d: the server says %d µs, more than the client waited (%.1f ms)", row.seq, r.DurationUS, row.elapsedMS)
				}
			}
		})
	}
}

// matchRow finds the client row of a logged request: by its request id when
// the format logs one, else the first unused row with its method and URI.
func matchRow(rows []clientRow, used []bool, r *Record, a *AccessFields, withID bool) int {
	for j, row := range rows {
		if used[j] || row.method != string(r.Method) || !sameURI(r.URI, row.uri, "") {
			continue
		}
		if withID && row.rid != "-" && row.rid != string(r.RequestID) {
			continue
		}
		used[j] = true
		return j
	}
	return -1
}

// sameURI compares a logged URI with the one the client sent: nginx writes
// '"' as \x22 (escape=default) or \" (escape=json), Apache and gunicorn \".
func sameURI(logged []byte, sent, server string) bool {
	if string(logged) == sent {
		return true
	}
	s := string(logged)
	s = strings.ReplaceAll(s, `\x22`, `"`)
	s = strings.ReplaceAll(s, `\"`, `"`)
	return s == sent
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func hasVar(format string, vars ...string) bool {
	for _, v := range vars {
		if strings.Contains(format, v) {
			return true
		}
	}
	return false
}

// TestLogFormatCapturedLines checks what single real lines carry.
func TestLogFormatCapturedLines(t *testing.T) {
	byFile := map[string]struct{ server, format string }{}
	for _, c := range captureFormats(t) {
		byFile[c.file] = struct{ server, format string }{c.server, c.format}
	}
	type want struct {
		method, uri                string
		status                     int
		durUS                      int64
		upStatus, upLast, attempts int
		upTimeUS, upTotalUS        int64
		outcome                    AccessOutcome
		op, agent                  string
		pid, worker                int
	}
	for _, c := range []struct {
		file, match string
		want        want
	}{
		{"nginx-perf.log", `"GET /slow/7 `, want{method: "GET", uri: "/slow/7", status: 504, durUS: 1000000, upTimeUS: 1000000, upTotalUS: 1000000, attempts: 1, outcome: OutcomeTimeout, agent: "slowroutes-formats/1.0"}},
		{"nginx-perf.log", `uct="-, 0.000"`, want{method: "GET", uri: "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", status: 200, durUS: 1000, upTimeUS: 0, upTotalUS: 0, attempts: 2, outcome: OutcomeServed, agent: "slowroutes-formats/1.0"}},
		{"nginx-perf.log", `"GET /down/1 `, want{method: "GET", uri: "/down/1", status: 502, attempts: 1, outcome: OutcomeUpstreamFailure, agent: "slowroutes-formats/1.0"}},
		{"nginx-perf-named.log", `us=502, 200`, want{method: "GET", uri: "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", status: 200, durUS: 1000, upStatus: 502, upLast: 200, attempts: 2, upTotalUS: 0, outcome: OutcomeServed, agent: "slowroutes-formats/1.0"}},
		{"nginx-perf-named.log", `abandoned`, want{method: "GET", uri: "/search?q=abandoned", status: 499, durUS: 301000, upTimeUS: 300000, upTotalUS: 300000, attempts: 1, outcome: OutcomeClientAbort, agent: "slowroutes-formats/1.0"}},
		{"nginx-trace.log", `502, 200 0.000, 0.000`, want{method: "GET", uri: "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", status: 200, durUS: 1000, upStatus: 502, upLast: 200, attempts: 2, upTotalUS: 0, outcome: OutcomeServed}},
		{"nginx-trace.log", `op=GetInvoice`, want{method: "POST", uri: "/graphql", status: 200, durUS: 31000, upStatus: 200, upLast: 200, attempts: 1, upTimeUS: 30000, upTotalUS: 30000, outcome: OutcomeServed, op: "GetInvoice"}},
		{"nginx-body.log", `refund`, want{method: "GET", uri: `/search?q=\x22refund\x22`, status: 200, durUS: 501000, outcome: OutcomeServed, agent: `odd \x22agent\x22 \x5C 1.0`}},
		{"nginx-body-none.log", `refund`, want{method: "GET", uri: `/search?q="refund"`, status: 200, durUS: 501000, outcome: OutcomeServed, agent: `odd "agent" \ 1.0`}},
		{"nginx.json", `refund`, want{method: "GET", uri: `/search?q=\"refund\"`, status: 200, durUS: 501000, upStatus: 200, upLast: 200, attempts: 1, upTimeUS: 500000, upTotalUS: 500000, outcome: OutcomeServed, agent: `odd \"agent\" \\ 1.0`}},
		{"uwsgi.log", `refund`, want{method: "GET", uri: `/search?q="refund"`, status: 200, durUS: 500535, outcome: OutcomeServed, agent: `odd "agent" \ 1.0`, pid: 30712, worker: 1}},
		{"uwsgi.log", `"GET /slow/7 `, want{method: "GET", uri: "/slow/7", status: 200, durUS: 1500310, outcome: OutcomeServed, agent: "slowroutes-formats/1.0", pid: 30713, worker: 2}},
		{"gunicorn-access.log", `refund`, want{method: "GET", uri: `/search?q=\"refund\"`, status: 200, durUS: 500620, outcome: OutcomeServed, agent: `odd \"agent\" \ 1.0`, pid: 30741}},
		{"apache-access-D.log", `"GET /slow/9 `, want{method: "GET", uri: "/slow/9", status: 502, durUS: 1001445, outcome: OutcomeUpstreamFailure, agent: "slowroutes-formats/1.0"}},
		{"apache-access-T.log", `"GET /slow/9 `, want{method: "GET", uri: "/slow/9", status: 502, durUS: 1000000, outcome: OutcomeUpstreamFailure, agent: "slowroutes-formats/1.0"}},
		{"apache-access-ms.log", `refund`, want{method: "GET", uri: `/search?q=\"refund\"`, status: 200, durUS: 501000, outcome: OutcomeServed, agent: `odd \"agent\" \\ 1.0`}},
		{"apache-access-trace.log", `"GET /down/2 `, want{method: "GET", uri: "/down/2", status: 503, durUS: 175, outcome: OutcomeUpstreamFailure, agent: "slowroutes-formats/1.0"}},
	} {
		t.Run(c.file+"/"+c.match, func(t *testing.T) {
			spec := byFile[c.file]
			f := mustCompile(t, spec.server, spec.format)
			var line []byte
			for _, l := range committedLines(t, c.file) {
				if bytes.Contains(l, []byte(c.match)) {
					line = l
					break
				}
			}
			if line == nil {
				t.Fatalf("no line with %q", c.match)
			}
			var r Record
			var a AccessFields
			if ok, err := f.Parse(line, &r, &a); !ok || err != nil {
				t.Fatalf("%q: ok=%v err=%v", line, ok, err)
			}
			got := want{string(r.Method), string(r.URI), r.Status, r.DurationUS, a.UpstreamStatus, a.UpstreamStatusLast,
				a.UpstreamAttempts, a.UpstreamTimeUS, a.UpstreamTotalUS, r.RequestOutcome(), string(r.Operation), string(r.UserAgent), r.PID, a.Worker}
			if got != c.want {
				t.Errorf("%q\n got %+v\nwant %+v", line, got, c.want)
			}
		})
	}
}

// TestLogFormatGraphQLBody: the POST /graphql body in each escaping names its operation.
func TestLogFormatGraphQLBody(t *testing.T) {
	ng := nginxConfFormats(t)
	for file, format := range map[string]string{"nginx-body.log": ng["body"], "nginx-body-none.log": ng["body_none"], "nginx.json": ng["json"]} {
		f := mustCompile(t, "nginx", format)
		n := 0
		for _, l := range captureLines(t, file) {
			var r Record
			var a AccessFields
			if ok, err := f.Parse(l, &r, &a); !ok || err != nil || string(r.Method) != "POST" {
				continue
			}
			n++
			if op := BodyOperation(r.Body); string(op) != "GetInvoice" {
				t.Errorf("%s: body %q: operation %q", file, r.Body, op)
			}
		}
		if n != 2 {
			t.Errorf("%s: %d POST bodies, want 2", file, n)
		}
	}
}

func TestAppendNginxUnescaped(t *testing.T) {
	f := mustCompile(t, "nginx", nginxConfFormats(t)["body"])
	for _, l := range captureLines(t, "nginx-body.log") {
		var r Record
		var a AccessFields
		if ok, _ := f.Parse(l, &r, &a); !ok || r.Body == nil {
			continue
		}
		body := AppendNginxUnescaped(nil, r.Body)
		var doc struct{ OperationName string }
		if err := json.Unmarshal(body, &doc); err != nil || doc.OperationName != "GetInvoice" {
			t.Errorf("%q -> %q: %v %q", r.Body, body, err, doc.OperationName)
		}
	}
	for in, want := range map[string]string{`odd \x22agent\x22 \x5C 1.0`: `odd "agent" \ 1.0`, `a\x2`: `a\x2`, `\xZZ\`: `\xZZ\`, `caf\xC3\xA9`: "café"} {
		if got := string(AppendNginxUnescaped(nil, []byte(in))); got != want {
			t.Errorf("AppendNginxUnescaped(%q) = %q, want %q", in, got, want)
		}
	}
}
