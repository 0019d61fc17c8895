package parse

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/internal/capture"
)

func incidentsDir() string { return capture.IncidentsDir("..") }

type stuckSeen struct {
	timeout               bool
	method, uri           string
	frame, waiting, wchan string
	pid                   int
}

func readStuck(t *testing.T, path string) (stuck []stuckSeen, malformed int) {
	t.Helper()
	s := NewStream(Config{}, filepath.Base(path))
	emit := func(r *Record) {
		if r.Kind == KindStuck {
			stuck = append(stuck, stuckSeen{r.Timeout != TimeoutNone, string(r.Method), string(r.URI),
				string(r.Stuck.Frame), string(r.Stuck.WaitingIn), string(r.Stuck.Wchan), r.PID})
		}
	}
	for _, l := range readLines(t, path) {
		if p, o, _ := s.Line(l, 0, emit); o == Malformed && p == ParserDump {
			malformed++
		}
	}
	s.Close(emit)
	return stuck, malformed
}

type incidentSetup struct {
	capture.IncidentSetup
	dir   string
	facts []capture.IncidentFact
}

func incidentSetups(t *testing.T) []incidentSetup {
	t.Helper()
	var out []incidentSetup
	for _, s := range capture.IncidentSetups() {
		dir := filepath.Join(incidentsDir(), s.Name)
		facts, err := capture.LoadIncidentFacts(dir, s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, incidentSetup{s, dir, facts})
	}
	return out
}

// TestStuckFramesOfHarakiri: every request harakiri killed has its frame,
// from the py-tracebacker output of its kill, and the harakiri-verbose
// wchan; the watchdog (dump_traceback_later) and SIGSYS dumps give theirs,
// on the request's route when only that request was in flight.
func TestStuckFramesOfHarakiri(t *testing.T) {
	for _, c := range incidentSetups(t) {
		if c.Kind != capture.IncidentKindUWSGI {
			continue
		}
		for _, target := range []string{capture.IncidentTargetUWSGI, capture.IncidentTargetUWSGIThreads} {
			t.Run(c.Name+"/"+target, func(t *testing.T) {
				stuck, malformed := readStuck(t, filepath.Join(c.dir, target+".log"))
				if malformed != 0 {
					t.Errorf("%d dump lines malformed: no two processes dump at once here", malformed)
				}
				var killed, dumped []capture.IncidentFact
				for _, f := range c.facts {
					if f.Request.Target != target {
						continue
					}
					if f.Killed != "" {
						killed = append(killed, f)
					}
					for range b2i(f.TimeoutDump) + b2i(f.SIGSYS) {
						dumped = append(dumped, f)
					}
				}
				var slow []stuckSeen
				for _, s := range stuck {
					if !s.timeout {
						slow = append(slow, s)
						continue
					}
					i := slices.IndexFunc(killed, func(f capture.IncidentFact) bool {
						return f.Request.Method == s.method && f.Request.URI == s.uri
					})
					if i < 0 {
						t.Errorf("timeout frame %+v of no killed request", s)
						continue
					}
					app, inner, _ := killed[i].Stuck()
					if s.frame != app.String() || s.waiting != inner.String() || s.wchan == "" {
						t.Errorf("%s %s: frame %s waiting %s wchan %q, want %s, %s and a wchan", s.method, s.uri, s.frame, s.waiting, s.wchan, app, inner)
					}
					killed = slices.Delete(killed, i, i+1)
				}
				for _, f := range killed {
					t.Errorf("killed %s %s has no frame", f.Request.Method, f.Request.URI)
				}
				checkSlow(t, slow, dumped)
			})
		}
	}
}

// checkSlow holds the watchdog and signal dumps to the requests that
// dumped: as many frames, the same frames, and every route given is right.
func checkSlow(t *testing.T, slow []stuckSeen, dumped []capture.IncidentFact) {
	t.Helper()
	if len(slow) != len(dumped) {
		t.Errorf("%d slow frames, want %d (one per watchdog or signal dump)", len(slow), len(dumped))
	}
	var got, want []string
	for _, s := range slow {
		got = append(got, s.frame+" "+s.waiting)
	}
	for _, f := range dumped {
		app, inner, _ := f.Stuck()
		want = append(want, app.String()+" "+inner.String())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("slow frames\n%q\nwant\n%q", got, want)
	}
	routed := 0
	for _, s := range slow {
		if s.uri == "" {
			continue
		}
		routed++
		i := slices.IndexFunc(dumped, func(f capture.IncidentFact) bool {
			app, _, _ := f.Stuck()
			return f.Request.Method == s.method && f.Request.Path() == strings.SplitN(s.uri, "?", 2)[0] && app.String() == s.frame
		})
		if i < 0 {
			t.Errorf("slow frame %s on %s %s: no such request dumped there", s.frame, s.method, s.uri)
			continue
		}
		dumped = slices.Delete(dumped, i, i+1)
	}
	if routed == 0 && len(slow) > 0 {
		t.Errorf("no slow frame has a route")
	}
}

// A faulthandler thread header and the first frames after it, written
// whole: what an interleaved dump keeps of its stack. The oracle of
// TestStuckFramesOfWorkerTimeouts, by regular expression.
var (
	cleanThread = regexp.MustCompile(`^Current thread 0x[0-9a-f]+ \(most recent call first\):$`)
	cleanFrame  = regexp.MustCompile(`^  File "([^"]+)", line [0-9]+ in ([A-Za-z_][A-Za-z0-9_]*|<module>)$`)
)

// recoverableDumps counts the dumps of a gunicorn log whose thread header
// and frames down to the first application frame were written whole.
func recoverableDumps(t *testing.T, path string) int {
	t.Helper()
	lines := readLines(t, path)
	n := 0
	for i, l := range lines {
		if !cleanThread.Match(l) {
			continue
		}
		for _, f := range lines[i+1:] {
			m := cleanFrame.FindSubmatch(f)
			if m == nil {
				break
			}
			if bytes.Contains(m[1], []byte("/app/")) && !bytes.Contains(m[1], []byte("-packages/")) {
				n++
				break
			}
		}
	}
	return n
}

// TestStuckFramesOfWorkerTimeouts: gunicorn's SIGABRT dumps, two workers
// of which time out in the same second, their dumps interleaved byte by
// byte. Every dump whose stack was written whole down to its first
// application frame gives that frame, on the killed request's route (its
// GraphQL operation from the dying worker's own line); garbage gives none.
func TestStuckFramesOfWorkerTimeouts(t *testing.T) {
	for _, c := range incidentSetups(t) {
		if c.Kind != capture.IncidentKindGunicorn {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(c.dir, "gunicorn-error.log")
			stuck, malformed := readStuck(t, path)
			var killed []capture.IncidentFact
			for _, f := range c.facts {
				if f.Killed == capture.KilledByWorkerTimeout {
					killed = append(killed, f)
				}
			}
			kills := len(killed)
			want := recoverableDumps(t, path)
			if want == 0 || want > len(killed) {
				t.Fatalf("oracle: %d recoverable dumps of %d kills", want, len(killed))
			}
			timeouts := 0
			for _, s := range stuck {
				if !s.timeout {
					t.Errorf("a slow frame %+v: gunicorn has no watchdog here", s)
					continue
				}
				timeouts++
				i := slices.IndexFunc(killed, func(f capture.IncidentFact) bool {
					app, inner, _ := f.Stuck()
					return f.Request.Method == s.method && f.Request.Path() == s.uri && app.String() == s.frame && inner.String() == s.waiting
				})
				if i < 0 {
					t.Errorf("frame %s (%s) on %s %s: no killed request was stuck there", s.frame, s.waiting, s.method, s.uri)
					continue
				}
				killed = slices.Delete(killed, i, i+1)
			}
			if timeouts != want {
				t.Errorf("%d frames of killed requests, want %d (the dumps written whole)", timeouts, want)
			}
			if want < kills && malformed == 0 {
				t.Errorf("dumps interleaved (%d of %d written whole), yet no dump line is malformed", want, kills)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
