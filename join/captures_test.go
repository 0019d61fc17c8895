package join_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

func incidentsDir() string { return capture.IncidentsDir("..") }

// layout is one way of shipping an incident setup's logs: the files a user
// would point `slowroutes report` at.
type layout struct {
	name  string
	setup capture.IncidentSetup
	files []string
	exact bool // request ids are logged on both sides of every join
}

func incidentLayouts() []layout {
	var out []layout
	for _, s := range capture.IncidentSetups() {
		var worker []string
		if s.Kind == capture.IncidentKindUWSGI {
			worker = []string{"uwsgi.log", "uwsgi-threads.log"}
		} else {
			worker = []string{"gunicorn-error.log", "gunicorn-access.log"}
		}
		if s.IDs {
			out = append(out,
				layout{s.Name + " with nginx's JSON log", s, append([]string{"nginx-access.json", "nginx-error.log"}, worker...), true},
				layout{s.Name + " with nginx's text log", s, append([]string{"nginx-access.log", "nginx-error.log"}, worker...), true})
			continue
		}
		out = append(out, layout{s.Name, s, append([]string{"nginx-access.log", "nginx-error.log"}, worker...), false})
	}
	return out
}

// runLayout reports a layout's files as `slowroutes report` reads them:
// side by side in log time order, one stream per file named by its base name.
func runLayout(t *testing.T, dir string, files []string, cfg join.Config) *metrics.Aggregates {
	t.Helper()
	p := pipeline.New(pipeline.Config{Join: &cfg})
	var inputs []pipeline.Input
	for _, f := range files {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		inputs = append(inputs, pipeline.Input{Name: f, R: fh})
	}
	if err := p.Interleave(inputs); err != nil {
		t.Fatal(err)
	}
	p.Close()
	return p.Aggregates()
}

// rm is a (route, method) pair: the key every log format can be held to
// (only some name the GraphQL operation of a POST).
type rm struct{ Route, Method string }

// placeholder matches a route parameter: the app's route templates name
// them (/media/:sha/download); the client record writes every one ":id".
var placeholder = regexp.MustCompile(`:[a-z_][a-z0-9_]*`)

type distinct struct{ TimedOut, Requests int64 }

func reported(a *metrics.Aggregates) map[rm]distinct {
	out := map[rm]distinct{}
	a.EachRow(func(r *metrics.Row) {
		k := rm{placeholder.ReplaceAllString(r.Route, ":id"), r.Method}
		d := out[k]
		d.TimedOut += r.Distinct.TimedOut
		d.Requests += r.Distinct.Requests
		out[k] = d
	})
	return out
}

// truth is the client's count of timed-out requests (a 504, a 502 of a
// killed worker, a direct connection cut by the kill) and of requests.
func truth(t *testing.T, dir string, setup capture.IncidentSetup) map[rm]distinct {
	t.Helper()
	facts, err := capture.LoadIncidentFacts(dir, setup)
	if err != nil {
		t.Fatal(err)
	}
	out := map[rm]distinct{}
	for k, c := range capture.TallyIncidents(facts) {
		d := out[rm{k.Route, k.Method}]
		d.TimedOut += int64(c.TimedOut)
		d.Requests += int64(c.Sent)
		out[rm{k.Route, k.Method}] = d
	}
	return out
}

func keys(a, b map[rm]distinct) []rm {
	seen := map[rm]bool{}
	var ks []rm
	for _, m := range []map[rm]distinct{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].Route+ks[i].Method < ks[j].Route+ks[j].Method })
	return ks
}

// TestTimedOutRequestsMatchTheClient holds timed_out_requests to the
// client's own record on every incident setup: exactly where the servers
// log request ids, within 2% (per route and in total) where they do not.
func TestTimedOutRequestsMatchTheClient(t *testing.T) {
	for _, l := range incidentLayouts() {
		t.Run(l.name, func(t *testing.T) {
			dir := filepath.Join(incidentsDir(), l.setup.Name)
			a := runLayout(t, dir, l.files, join.Config{})
			got, want := reported(a), truth(t, dir, l.setup)
			var gotTotal, wantTotal, reqs int64
			for _, k := range keys(got, want) {
				g, w := got[k].TimedOut, want[k].TimedOut
				gotTotal, wantTotal = gotTotal+g, wantTotal+w
				reqs += got[k].Requests
				if g != w && (l.exact || float64(abs(g-w)) > 0.02*float64(w)) {
					t.Errorf("%s %s: %d timed-out requests, the client saw %d", k.Method, k.Route, g, w)
				}
				if got[k].TimedOut > got[k].Requests {
					t.Errorf("%s %s: %d timed-out requests of %d requests", k.Method, k.Route, got[k].TimedOut, got[k].Requests)
				}
			}
			if wantTotal == 0 || float64(abs(gotTotal-wantTotal)) > 0.02*float64(wantTotal) {
				t.Errorf("%d timed-out requests in all, the client saw %d", gotTotal, wantTotal)
			}
			j := a.Join
			if j.ByRequestID+j.ByTime+j.Unmatched != reqs {
				t.Errorf("join %+v does not add up to %d requests", j, reqs)
			}
			if l.exact && j.ByRequestID == 0 || !l.exact && j.ByRequestID != 0 {
				t.Errorf("join %+v with request ids logged: %v", j, l.exact)
			}
			t.Logf("join: %d by request id, %d by time, %d unmatched; %d timed-out requests", j.ByRequestID, j.ByTime, j.Unmatched, gotTotal)
		})
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
