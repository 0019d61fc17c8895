package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hand-written rows in the client.tsv format, for the parser's edge cases.
const incidentHdr = "seq\tsetup\ttarget\tmethod\turi\troute_template\tgraphql_operation\tx_request_id\tclient_addr\tuser_agent\tstart\tend\toutcome\tstatus\tretry_of\n"

func TestParseIncidentRecord(t *testing.T) {
	ok := "3\tuwsgi-ids\tuwsgi\tGET\t/reports/17/export\t/reports/:id/export\t-\tid-1\t127.0.0.2\tcurl/7.88.1\t1796108694.933\t1796108695.935\tresponse\t504\t2\n"
	reqs, err := ParseIncidentRecord(strings.NewReader(incidentHdr + ok))
	if err != nil {
		t.Fatal(err)
	}
	r := reqs[0]
	if r.Seq != 3 || r.Status != 504 || r.RetryOf != 2 || r.GraphQLOperation != "" || r.Path() != "/reports/17/export" ||
		r.End.Sub(r.Start) != 1002*time.Millisecond || !r.ViaNginx() || !r.ToUWSGI() {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{
		"",
		"seq\tsetup\n",
		strings.Replace(ok, "\tuwsgi\t", "\tapache\t", 1),
		strings.Replace(ok, "\tresponse\t504", "\tresponse\t-", 1),
		strings.Replace(ok, "\tresponse\t504", "\tclosed\t504", 1),
		strings.Replace(ok, "\tresponse\t504", "\tmaybe\t504", 1),
		strings.Replace(ok, "\t2\n", "\t3\n", 1),                           // retry of itself
		strings.Replace(ok, "1796108695.935", "1796108693.935", 1),         // ends before it starts
		strings.Replace(ok, "1796108694.933", "1796108694.9331", 1),        // more than ms
		strings.Replace(ok, "\tid-1\t", "\t-\t", 1),                        // no request id
		strings.Replace(ok, "\t/reports/17/export\t", "\treports/17\t", 1), // not a path
		strings.Replace(ok, "\t504\t2\n", "\t504\n", 1),                    // a field short
	} {
		if _, err := ParseIncidentRecord(strings.NewReader(incidentHdr + bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestParseIncidentSignals(t *testing.T) {
	hdr := "seq\tsetup\ttarget\tsignal\tpid\tsent\tfirst\tlast\n"
	ok := "28\tuwsgi-ids\tuwsgi\tSIGUSR2\t32765\t14\t1796108708.000\t1796108709.300\n"
	sigs, err := ParseIncidentSignals(strings.NewReader(hdr + ok))
	if err != nil {
		t.Fatal(err)
	}
	if s := sigs[0]; s.Seq != 28 || s.PID != 32765 || s.Sent != 14 || s.Last.Sub(s.First) != 1300*time.Millisecond {
		t.Errorf("%+v", s)
	}
	for _, bad := range []string{
		strings.Replace(ok, "SIGUSR2", "SIGHUP", 1),
		strings.Replace(ok, "\t14\t", "\t0\t", 1),
		strings.Replace(ok, "\t32765\t", "\t-1\t", 1),
		strings.Replace(ok, "1796108709.300", "1796108707.300", 1),
	} {
		if _, err := ParseIncidentSignals(strings.NewReader(hdr + bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

// TestDeriveIncidentFactsRules runs the rules on hand-written requests.
func TestDeriveIncidentFactsRules(t *testing.T) {
	t0 := time.Unix(1796108700, 0)
	n := 0
	row := func(target, method, uri, route, op, outcome string, status int, startS, endS float64, agent string) IncidentRequest {
		n++
		return IncidentRequest{Seq: n, Target: target, Method: method, URI: uri, Route: route, GraphQLOperation: op,
			RequestID: "id", ClientAddr: "127.0.0.2", UserAgent: agent, Outcome: outcome, Status: status,
			Start: t0.Add(time.Duration(startS * float64(time.Second))), End: t0.Add(time.Duration(endS * float64(time.Second)))}
	}
	uw := IncidentSetup{Name: "uwsgi-ids", Kind: IncidentKindUWSGI, IDs: true}
	reqs := []IncidentRequest{
		row("uwsgi", "GET", "/reports/1/export", "/reports/:id/export", "", "response", 504, 0, 1, "a"),     // 504, finishes
		row("uwsgi", "GET", "/reports/1/export", "/reports/:id/export", "", "response", 504, 1.2, 2.2, "a"), // retry
		row("uwsgi", "GET", "/reports/1/export", "/reports/:id/export", "", "response", 504, 2.3, 3.3, "b"), // other agent
		row("uwsgi", "GET", "/exports/1/csv", "/exports/:id/csv", "", "response", 504, 4, 6, "a"),           // 504, then harakiri
		row("uwsgi", "GET", "/invoices/1/pdf?regenerate=1", "/invoices/:id/pdf", "", "response", 502, 7, 11, "a"),
		row("uwsgi", "GET", "/invoices/1/pdf", "/invoices/:id/pdf", "", "response", 200, 12, 12, "a"),
		row("uwsgi-threads", "POST", "/graphql", "/graphql", "SlowReport", "response", 502, 13, 17, "a"),
		row("uwsgi", "GET", "/media/x/download", "/media/:id/download", "", "client_abort", 0, 18, 18.3, "a"),
		row("uwsgi", "GET", "/media/x/download", "/media/:id/download", "", "response", 200, 90, 92, "a"), // too late for a retry
	}
	for i := range reqs {
		reqs[i].Setup = "uwsgi-ids"
	}
	facts, err := DeriveIncidentFacts(uw, reqs, []IncidentSignal{{Seq: 5, Signal: "SIGUSR2", Sent: 14}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		killed, timedOut string
		retryOf          int
		dump, usr2       bool
	}{
		{"", TimedOutNginx504, 0, true, false},
		{"", TimedOutNginx504, 1, true, false},
		{"", TimedOutNginx504, 0, true, false},
		{KilledByHarakiri, TimedOutNginx504, 0, true, false},
		{KilledByHarakiri, TimedOutKilled502, 0, true, true},
		{"", "", 0, false, false},
		{KilledByHarakiri, TimedOutKilled502, 0, true, false},
		{"", "", 0, true, false},
		{"", "", 0, true, false},
	}
	for i, w := range want {
		f := facts[i]
		if f.Killed != w.killed || f.TimedOut != w.timedOut || f.RetryOf != w.retryOf || f.TimeoutDump != w.dump || (f.SIGUSR2 > 0) != w.usr2 {
			t.Errorf("seq %d %s: %+v, want %+v", f.Request.Seq, f.Request.URI, f, w)
		}
	}
	if !facts[7].ClientAbort || !facts[7].WritesClosed {
		t.Errorf("client abort on a streaming route: %+v", facts[7])
	}
	c := TallyIncidents(facts)[Key{"/reports/:id/export", "GET", ""}]
	if c.Sent != 3 || c.Status504 != 3 || c.TimedOut != 3 || c.Retries != 1 || c.UWSGILines != 3 || c.AppFinished != 3 || c.Killed != 0 {
		t.Errorf("reports: %+v", c)
	}
	if c := TallyIncidents(facts)[Key{"/exports/:id/csv", "GET", ""}]; c.Killed != 1 || c.UWSGILines != 0 || c.TimedOut504 != 1 {
		t.Errorf("exports: %+v", c)
	}

	gu := IncidentSetup{Name: "gunicorn-ids", Kind: IncidentKindGunicorn, IDs: true}
	g := []IncidentRequest{
		row("gunicorn-direct", "GET", "/invoices/2/pdf?regenerate=1", "/invoices/:id/pdf", "", "closed", 0, 0, 5, "a"),
		row("gunicorn", "POST", "/api/v1/payments/1/capture", "/api/v1/payments/:id/capture", "", "response", 502, 0, 8, "a"),
		row("gunicorn", "GET", "/reports/1/export", "/reports/:id/export", "", "response", 504, 9, 10, "a"),
	}
	for i := range g {
		g[i].Setup = "gunicorn-ids"
	}
	gf, err := DeriveIncidentFacts(gu, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := gf[0]; f.Killed != KilledByWorkerTimeout || f.TimedOut != TimedOutCut || !f.AbortDump || f.Count().AppAborted != 1 {
		t.Errorf("direct: %+v", f)
	}
	if f := gf[1]; !f.AbortBlocks || f.TimedOut != TimedOutKilled502 || f.TimeoutDump {
		t.Errorf("payment: %+v", f)
	}
	if f := gf[2]; f.Count().GunicornAccess != 0 || f.Count().AppFinished != 1 {
		t.Errorf("504 through nginx: %+v", f.Count())
	}

	for _, bad := range []IncidentRequest{
		row("uwsgi", "GET", "/invoices/1/pdf?regenerate=1", "/invoices/:id/pdf", "", "response", 200, 0, 12, "a"),
		row("uwsgi", "GET", "/reports/1/export", "/reports/:id/export", "", "response", 200, 0, 2, "a"),
		row("uwsgi", "GET", "/healthz", "/healthz", "", "closed", 0, 0, 1, "a"),
		row("gunicorn", "GET", "/healthz", "/healthz", "", "response", 200, 0, 1, "a"), // gunicorn target in a uWSGI setup
		row("uwsgi", "GET", "/exports/1/csv", "/exports/:id/csv", "", "client_abort", 0, 0, 1, "a"),
	} {
		bad.Setup = "uwsgi-ids"
		if _, err := DeriveIncidentFacts(uw, []IncidentRequest{bad}, nil); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
	if _, err := DeriveIncidentFacts(uw, reqs, []IncidentSignal{{Seq: 6, Signal: "SIGUSR2", Sent: 3}}); err == nil {
		t.Error("no error for SIGUSR2 to a request harakiri does not kill")
	}
}

// TestIncidentPlanMatchesSetup keeps incidents_plan.go in line with the
// files that set up the servers and the app.
func TestIncidentPlanMatchesSetup(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "capture", "incidents")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checks := []struct{ file, text string }{
		{"uwsgi.ini", "\nharakiri = 3\n"},
		{"uwsgi.ini", "\nlisten = 2\n"},
		{"uwsgi.ini", "\nprocesses = 2\n"},
		{"setup.sh", "--workers 2 --worker-class sync --timeout 6 "},
		{"setup.sh", "export INCIDENTS_DUMP_LATER=1\n"},
		{"nginx-uwsgi.conf.in", "location / {\n            include /etc/nginx/uwsgi_params;\n            uwsgi_pass 127.0.0.1:@UWSGI_PORT@;\n            uwsgi_read_timeout 20s;"},
		{"nginx-uwsgi.conf.in", "location ~ ^/reports/ {\n            include /etc/nginx/uwsgi_params;\n            uwsgi_pass 127.0.0.1:@UWSGI_PORT@;\n            uwsgi_read_timeout 1s;"},
		{"nginx-uwsgi.conf.in", "location ~ ^/exports/ {\n            include /etc/nginx/uwsgi_params;\n            uwsgi_pass 127.0.0.1:@UWSGI_PORT@;\n            uwsgi_read_timeout 2s;"},
		{"nginx-gunicorn.conf.in", "location / {\n            proxy_pass http://gunicorn;\n            proxy_read_timeout 20s;"},
		{"nginx-gunicorn.conf.in", "location ~ ^/reports/ {\n            proxy_pass http://gunicorn;\n            proxy_read_timeout 1s;"},
		{"nginx-gunicorn.conf.in", "location ~ ^/exports/ {\n            proxy_pass http://gunicorn;\n            proxy_read_timeout 2s;"},
		{"app/billing/pdf.py", "\nPAGE_SECONDS = 0.5  # 24 pages: 12 s\n"},
		{"app/billing/views.py", `if req.arg("regenerate") == "1":` + "\n        data = pdf.rasterize_pages(int(id), pages=24)"},
		{"app/reports/queries.py", "\nAGGREGATE_SECONDS = 2.0\nCSV_SECONDS = 12.0\nYEARLY_SECONDS = 12.0\n"},
		{"app/media/storage.py", "\nFETCH_SECONDS = 1.5\n"},
		{"app/media/views.py", "\nCHUNK = 256 * 1024\nCHUNKS = 8\n"},
		{"app/accounts/ledger.py", "\nSUM_SECONDS = 0.6\nFULL_SUM_SECONDS = 2.0"},
		{"app/payments/gateway.py", "\nTIMEOUT = 30.0"},
		{"app/api/views.py", "if op == \"SlowReport\":\n        data = queries.build_yearly_report(2024)"},
		{"app/payments/views.py", "req.abort_hooks.append(lambda: gateway.release_idempotency_key(payment_id))"},
	}
	for _, c := range checks {
		if !strings.Contains(read(c.file), c.text) {
			t.Errorf("%s no longer contains %q; update incidents_plan.go", c.file, c.text)
		}
	}
	for _, h := range IncidentHandlers() {
		for _, f := range h.AppFrames {
			if !strings.Contains(read(filepath.Join("app", f.File)), "def "+f.Function+"(") {
				t.Errorf("app/%s has no function %s", f.File, f.Function)
			}
		}
	}
}
