package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/pipeline"
)

// incidentTruth derives, from the client's record and the plan alone
// (internal/capture), what one incident setup's logs must count.
func incidentTruth(t *testing.T, s capture.IncidentSetup) capture.IncidentTally {
	t.Helper()
	dir := filepath.Join(incidentsDir(), s.Name)
	facts, err := capture.LoadIncidentFacts(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return capture.TallyIncidents(facts)
}

func truthBy(tally capture.IncidentTally, withOp bool, n func(capture.IncidentCounts) int) map[capture.Key]int64 {
	out := map[capture.Key]int64{}
	for k, c := range tally {
		if v := n(c); v > 0 {
			if !withOp {
				k.GraphQLOperation = ""
			}
			out[k] += int64(v)
		}
	}
	return out
}

// TestIncidentCountsMatchTruth runs each incident setup's logs whole
// through the pipeline and checks the counts of the real servers' trickiest
// lines against what the client saw: uWSGI kills driven by SIGUSR2 across
// the deadline (WAS managing before the banner), threaded workers, writes
// into closed connections, and gunicorn timeouts at the default log level,
// named by the dying worker's request line.
func TestIncidentCountsMatchTruth(t *testing.T) {
	for _, s := range capture.IncidentSetups() {
		t.Run(s.Name, func(t *testing.T) {
			truth := incidentTruth(t, s)
			got := newTally()
			got.add(wholeRun(readSet(t, s.Name, filepath.Join(incidentsDir(), s.Name))))
			killed := func(c capture.IncidentCounts) int { return c.Killed }
			switch s.Kind {
			case capture.IncidentKindUWSGI:
				// A POST's GraphQL operation is in its body, which uWSGI's
				// lines do not carry: compare by route and method.
				want := truthBy(truth, false, killed)
				if diff := cmp.Diff(want, byRouteMethod(got.Timeouts["uwsgi_harakiri"])); diff != "" {
					t.Errorf("harakiri timeouts (-truth +got):\n%s", diff)
				}
				if n := sum(want); got.Banners != n || n == 0 {
					t.Errorf("%d banners for %d kills", got.Banners, n)
				}
				writes := truthBy(truth, false, func(c capture.IncidentCounts) int { return c.WritesClosed })
				if diff := cmp.Diff(writes, byRouteMethod(got.Aborts["uwsgi"])); diff != "" {
					t.Errorf("uWSGI client aborts (-truth +got):\n%s", diff)
				}
			case capture.IncidentKindGunicorn:
				want := truthBy(truth, true, killed)
				if diff := cmp.Diff(want, got.Timeouts["gunicorn_worker_timeout"]); diff != "" {
					t.Errorf("gunicorn worker timeouts (-truth +got):\n%s", diff)
				}
				if sum(want) == 0 {
					t.Error("the truth has no gunicorn kill: the test checks nothing")
				}
			}
			if got.Idle != 0 {
				t.Errorf("%d idle-worker kills", got.Idle)
			}
		})
	}
}

// TestIncidentGunicornAttributed: at gunicorn's default log level every
// timeout of the incident capture gets its route, and the report says so.
func TestIncidentGunicornAttributed(t *testing.T) {
	for _, s := range capture.IncidentSetups() {
		if s.Kind != capture.IncidentKindGunicorn {
			continue
		}
		d := wholeRun(readSet(t, s.Name, filepath.Join(incidentsDir(), s.Name)))
		var total int64
		for _, r := range d.Routes {
			total += r.Timeouts["gunicorn_worker_timeout"]
		}
		if total == 0 || d.Events.GunicornTimeoutsAttributed != total {
			t.Errorf("%s: %d of %d gunicorn timeouts attributed", s.Name, d.Events.GunicornTimeoutsAttributed, total)
		}
	}
}

// TestNoAllocsPerLineIncidents extends the hot-path guard to the incident
// captures: SIGUSR2 answers, harakiri blocks, write errors, gunicorn
// timeouts with their dying workers, interleaved dumps.
func TestNoAllocsPerLineIncidents(t *testing.T) {
	p := pipeline.New(pipeline.Config{})
	var sets []captureSet
	for _, s := range capture.IncidentSetups() {
		sets = append(sets, readSet(t, s.Name, filepath.Join(incidentsDir(), s.Name)))
	}
	pass := func() {
		for _, set := range sets {
			for _, st := range set.streams {
				s := p.Stream([]byte(set.name), []byte(st.name))
				for _, l := range st.lines {
					p.Line(s, l, 0)
				}
			}
		}
	}
	pass() // warm up: rows, streams, buffers
	if n := testing.AllocsPerRun(5, pass); n != 0 {
		t.Errorf("%v allocations per pass over the incident captures", n)
	}
}
