package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaptureCoverage makes sure the committed capture still shows what it
// was made for.
func TestCaptureCoverage(t *testing.T) {
	reqs, exp := loadExpected(t)
	total := exp.Total()
	if len(reqs) < 100 || len(reqs) > 400 {
		t.Errorf("%d requests", len(reqs))
	}
	harakiriRoutes := map[rm]bool{}
	nginx504Routes := map[string]bool{}
	for k, c := range exp {
		if c.Timeouts.UWSGIHarakiri > 0 {
			harakiriRoutes[rm{k.Route, k.Method}] = true
		}
		if c.Timeouts.Nginx504 > 0 {
			nginx504Routes[k.Route] = true
		}
	}
	if len(harakiriRoutes) < 2 || !harakiriRoutes[rm{"/graphql", "POST"}] {
		t.Errorf("harakiri on %v", harakiriRoutes)
	}
	if len(nginx504Routes) < 2 {
		t.Errorf("504 on %v", nginx504Routes)
	}
	if total.ClientAborts < 1 || total.Timeouts.GunicornWorkerTimeout < 2 {
		t.Errorf("totals %+v", total)
	}
	if exp[Key{"/graphql", "POST", "SlowReport"}].Timeouts.UWSGIHarakiri == 0 {
		t.Error("no harakiri on GraphQL SlowReport")
	}
	queryHarakiri := false
	for _, r := range reqs {
		if r.ViaNginx() && r.Method == "GET" && strings.Contains(r.URI, "?") && r.Status == 502 {
			queryHarakiri = true
		}
	}
	if !queryHarakiri {
		t.Error("no harakiri on a GET with a query string")
	}
}

// TestDefaultScenarioMatchesSetup keeps DefaultScenario in line with the
// files that set up the servers.
func TestDefaultScenarioMatchesSetup(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "capture")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checks := []struct{ file, text string }{
		{"uwsgi.ini", "\nharakiri = 3\n"},
		{"capture.sh", "--timeout 2 "},
		{"nginx.conf.in", "location ~ ^/(reports|exports)/ {"},
		{"nginx.conf.in", "uwsgi_read_timeout 1s;"},
		{"nginx.conf.in", "uwsgi_read_timeout 30s;"},
		{"app.py", "\nSLOW_SLEEP = 12.0\n"},
		{"app.py", "\nMEDIUM_SLEEP = 2.5\n"},
		{"app.py", `r"/search", "/search", MEDIUM_SLEEP`},
		{"app.py", `"/reports/<int:id>/export", MEDIUM_SLEEP`},
		{"app.py", `"/exports/<int:id>/csv", MEDIUM_SLEEP`},
		{"app.py", `"/slow/<int:id>", SLOW_SLEEP`},
		{"app.py", `GRAPHQL_SLEEP = {"SlowReport": SLOW_SLEEP}`},
	}
	for _, c := range checks {
		if !strings.Contains(read(c.file), c.text) {
			t.Errorf("%s no longer contains %q; update DefaultScenario", c.file, c.text)
		}
	}
	sc := DefaultScenario()
	if sc.Harakiri.Seconds() != 3 || sc.GunicornTimeout.Seconds() != 2 {
		t.Errorf("scenario %+v", sc)
	}
}

func TestParseClientRecordErrors(t *testing.T) {
	hdr := strings.Join(header, "\t") + "\n"
	for _, in := range []string{
		"",
		"seq\ttarget\n",
		hdr + "1\tgunicorn\tGET\t/\t/\t-\tresponse\t-\t1.0\n",
		hdr + "1\tgunicorn\tGET\t/\t/\t-\tclosed\t200\t1.0\n",
		hdr + "1\tapache\tGET\t/\t/\t-\tresponse\t200\t1.0\n",
		hdr + "1\tgunicorn\tGET\t/\t/\t-\tmaybe\t200\t1.0\n",
		hdr + "x\tgunicorn\tGET\t/\t/\t-\tresponse\t200\t1.0\n",
		hdr + "1\tgunicorn\tGET\t/\t/\t-\tresponse\t200\n",
	} {
		if _, err := ParseClientRecord(strings.NewReader(in)); err == nil {
			t.Errorf("no error for %q", in)
		}
	}
	reqs, err := ParseClientRecord(strings.NewReader(hdr + "7\tuwsgi-via-nginx\tPOST\t/graphql\t/graphql\tGetInvoice\tresponse\t200\t2.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := reqs[0]
	if r.Seq != 7 || r.GraphQLOperation != "GetInvoice" || r.Status != 200 || r.Elapsed.Microseconds() != 2500 || !r.ViaNginx() {
		t.Errorf("%+v", r)
	}
}

func TestExpectRules(t *testing.T) {
	sc := DefaultScenario()
	row := func(target, method, route, op, outcome string, status int) Request {
		return Request{Target: target, Method: method, URI: route, Route: route, GraphQLOperation: op, Outcome: outcome, Status: status}
	}
	exp, err := Expect([]Request{
		row(TargetUWSGI, "GET", "/slow/:id", "", OutcomeResponse, 502),
		row(TargetUWSGI, "GET", "/reports/:id/export", "", OutcomeResponse, 504),
		row(TargetUWSGI, "GET", "/search", "", OutcomeClientAbort, 0),
		row(TargetUWSGILogdate, "POST", "/graphql", "SlowReport", OutcomeResponse, 502),
		row(TargetUWSGILogdate, "POST", "/graphql", "GetInvoice", OutcomeResponse, 200),
		row(TargetGunicorn, "GET", "/slow/:id", "", OutcomeClosed, 0),
		row(TargetGunicorn, "GET", "/healthz", "", OutcomeResponse, 200),
	}, sc)
	if err != nil {
		t.Fatal(err)
	}
	check := func(k Key, want Counts) {
		t.Helper()
		if got := exp[k]; got != want {
			t.Errorf("%v: got %+v, want %+v", k, got, want)
		}
	}
	check(Key{"/slow/:id", "GET", ""}, Counts{Requests: RequestCounts{Nginx: 1}, Timeouts: TimeoutCounts{UWSGIHarakiri: 1, GunicornWorkerTimeout: 1}, UpstreamFailures: 1})
	check(Key{"/reports/:id/export", "GET", ""}, Counts{Requests: RequestCounts{UWSGI: 1, Nginx: 1, App: 1}, Timeouts: TimeoutCounts{Nginx504: 1, NginxUpstreamTimeout: 1}})
	check(Key{"/search", "GET", ""}, Counts{Requests: RequestCounts{UWSGI: 1, Nginx: 1, App: 1}, ClientAborts: 1})
	check(Key{"/graphql", "POST", "SlowReport"}, Counts{Requests: RequestCounts{Nginx: 1}, Timeouts: TimeoutCounts{UWSGIHarakiri: 1}, UpstreamFailures: 1})
	check(Key{"/graphql", "POST", "GetInvoice"}, Counts{Requests: RequestCounts{UWSGI: 1, Nginx: 1, App: 1}})
	check(Key{"/healthz", "GET", ""}, Counts{Requests: RequestCounts{Gunicorn: 1, App: 1}})

	for _, bad := range []Request{
		row(TargetUWSGI, "GET", "/slow/:id", "", OutcomeResponse, 200),
		row(TargetUWSGI, "GET", "/healthz", "", OutcomeResponse, 502),
		row(TargetUWSGI, "GET", "/healthz", "", OutcomeClosed, 0),
		row(TargetGunicorn, "GET", "/slow/:id", "", OutcomeResponse, 200),
		row(TargetGunicorn, "GET", "/healthz", "", OutcomeClosed, 0),
	} {
		if _, err := Expect([]Request{bad}, sc); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
}
