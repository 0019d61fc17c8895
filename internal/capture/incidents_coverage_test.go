package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncidentTruths derives the facts of every setup (DeriveIncidentFacts
// fails when a request ended differently from the plan) and checks the
// derived retries against the client's own retry_of column.
func TestIncidentTruths(t *testing.T) {
	for _, c := range loadIncidents(t) {
		t.Logf("%s (%s):\n%s", c.setup.Name, c.dir, c.tally)
		for _, f := range c.facts {
			if f.RetryOf != f.Request.RetryOf {
				t.Errorf("%s seq %d: derived retry of %d, the client says %d", c.setup.Name, f.Request.Seq, f.RetryOf, f.Request.RetryOf)
			}
		}
	}
}

// TestIncidentVariantsSameTraffic: the ids and noids variants of a kind got
// the same request list and ended the same way, so their truths are equal.
func TestIncidentVariantsSameTraffic(t *testing.T) {
	cases := map[string]incidentCase{}
	for _, c := range loadIncidents(t) {
		cases[c.setup.Name] = c
	}
	for _, kind := range []string{IncidentKindUWSGI, IncidentKindGunicorn} {
		ids, noids := cases[kind+"-ids"], cases[kind+"-noids"]
		if len(ids.reqs) != len(noids.reqs) {
			t.Fatalf("%s: %d and %d requests", kind, len(ids.reqs), len(noids.reqs))
		}
		for i := range ids.reqs {
			a, b := ids.reqs[i], noids.reqs[i]
			if a.Seq != b.Seq || a.Target != b.Target || a.Method != b.Method || a.URI != b.URI ||
				a.ClientAddr != b.ClientAddr || a.UserAgent != b.UserAgent || a.Outcome != b.Outcome ||
				a.Status != b.Status || a.RetryOf != b.RetryOf {
				t.Errorf("%s seq %d: %+v vs %+v", kind, a.Seq, a, b)
			}
		}
		for k, v := range ids.tally {
			if noids.tally[k] != v {
				t.Errorf("%s %v: ids %+v, noids %+v", kind, k, v, noids.tally[k])
			}
		}
	}
}

// TestIncidentRunsAgree compares a fresh capture (SLOWROUTES_INCIDENTS_DIR)
// with the committed one: every per-route count must be the same.
func TestIncidentRunsAgree(t *testing.T) {
	if committedIncidents() {
		t.Skip("set SLOWROUTES_INCIDENTS_DIR to a fresh capture to compare it with the committed one")
	}
	committed := loadIncidentsFrom(t, filepath.Join("..", "..", "testdata", "captures", "incidents"))
	for i, c := range loadIncidents(t) {
		want := committed[i].tally
		for _, k := range want.Keys() {
			if c.tally[k] != want[k] {
				t.Errorf("%s %v: fresh %+v, committed %+v", c.setup.Name, k, c.tally[k], want[k])
			}
		}
		for k := range c.tally {
			if _, ok := want[k]; !ok {
				t.Errorf("%s %v: only in the fresh capture", c.setup.Name, k)
			}
		}
	}
}

// TestIncidentRequestIDs: in the ids setups every server logged the
// client's X-Request-ID; in the noids setups none did.
func TestIncidentRequestIDs(t *testing.T) {
	for _, c := range loadIncidents(t) {
		entries, err := os.ReadDir(c.dir)
		if err != nil {
			t.Fatal(err)
		}
		text := map[string]string{}
		for _, e := range entries {
			if e.Name() == "client.tsv" || e.Name() == "signals.tsv" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(c.dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			text[e.Name()] = string(b)
		}
		for _, f := range c.facts {
			r := f.Request
			for name, s := range text {
				n := strings.Count(s, r.RequestID)
				if !c.setup.IDs {
					if n != 0 {
						t.Errorf("%s/%s: request id of seq %d logged", c.setup.Name, name, r.Seq)
					}
					continue
				}
				if want := expectedIDCount(name, f); n != want {
					t.Errorf("%s/%s: request id of seq %d (%s %s) %d times, expected %d", c.setup.Name, name, r.Seq, r.Method, r.URI, n, want)
				}
			}
		}
	}
}

// expectedIDCount is how often a log file of an ids setup holds a request's
// id: once per nginx access line, in the uWSGI request-log line, and in
// every app JSON line (started, then finished or aborted).
func expectedIDCount(file string, f IncidentFact) int {
	r := f.Request
	app := 1 + b2i(f.Served()) + b2i(f.Killed == KilledByWorkerTimeout)
	switch file {
	case "nginx-access.log", "nginx-access.json":
		return b2i(r.ViaNginx())
	case "nginx-error.log":
		return 0
	case "uwsgi.log":
		if r.Target != IncidentTargetUWSGI {
			return 0
		}
		return app + b2i(f.Served())
	case "uwsgi-threads.log":
		if r.Target != IncidentTargetUWSGIThreads {
			return 0
		}
		return app + b2i(f.Served())
	case "gunicorn-error.log":
		return app
	case "gunicorn-access.log":
		return f.Count().GunicornAccess
	}
	return -1
}

// TestIncidentCoverage makes sure a capture still shows every incident it
// was made for.
func TestIncidentCoverage(t *testing.T) {
	interleaved := 0
	for _, c := range loadIncidents(t) {
		tot := c.tally.Total()
		check := func(what string, got, min int) {
			t.Helper()
			if got < min {
				t.Errorf("%s: %s %d, want at least %d", c.setup.Name, what, got, min)
			}
		}
		check("504", tot.Status504, 4)
		check("502", tot.Status502, 3)
		check("499", tot.ClientAborts, 2)
		check("retries", tot.Retries, 3)
		check("killed", tot.Killed, 5)
		switch c.setup.Kind {
		case IncidentKindUWSGI:
			check("SIGUSR2-driven", tot.SIGUSR2Driven, 2)
			check("SIGSYS dumps", tot.SIGSYSDumps, 1)
			check("Timeout dumps", tot.TimeoutDumps, 8)
			check("writes into closed connections", tot.WritesClosed, 2)
			threads := false
			for _, f := range c.facts {
				threads = threads || (f.SIGUSR2 > 0 && f.Request.Target == IncidentTargetUWSGIThreads)
			}
			if !threads {
				t.Errorf("%s: no SIGUSR2-driven harakiri on the threaded instance", c.setup.Name)
			}
		case IncidentKindGunicorn:
			lines := c.lines(t, "gunicorn-error.log")
			check("abort dumps", tot.AbortDumps, 8)
			check("blocking abort hooks", tot.AbortBlocks, 1)
			check("closed direct connections", tot.Closed, 1)
			check("seconds with both workers timed out", gunicornSameSecond(lines), 3)
			interleaved += interleavedDumpLines(lines)
		}
	}
	t.Logf("%d lines of interleaved faulthandler dumps", interleaved)
	// Whether two dumps written at once interleave differs from run to run
	// (see the README); the committed capture has them.
	if committedIncidents() && interleaved == 0 {
		t.Error("no interleaved faulthandler dumps in the committed capture")
	}
}
