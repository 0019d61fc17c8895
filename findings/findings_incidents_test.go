package findings_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

func incidentsDir() string { return capture.IncidentsDir("..") }

// serverLogs are the files of a setup one report reads: the servers' logs
// and one nginx access log with $request_time (the others hold the same
// requests again). In the ids setups it is the JSON one: the text one
// quotes the request id after the timings, which the combined parser does
// not read a duration from.
func serverLogs(s capture.IncidentSetup) []string {
	access := "nginx-access.log"
	if s.IDs {
		access = "nginx-access.json"
	}
	if s.Kind == capture.IncidentKindGunicorn {
		return []string{"gunicorn-error.log", "gunicorn-access.log", access, "nginx-error.log"}
	}
	return []string{"uwsgi.log", "uwsgi-threads.log", access, "nginx-error.log"}
}

// reportOf reads files of dir as report does, side by side in log time
// order, each a stream named by its base name, and builds the document.
func reportOf(t *testing.T, dir string, files []string) report.Document {
	t.Helper()
	p := pipeline.New(pipeline.Config{})
	var inputs []pipeline.Input
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		inputs = append(inputs, pipeline.Input{Name: name, R: f})
	}
	if err := p.Interleave(inputs); err != nil {
		t.Fatal(err)
	}
	p.Close()
	return report.Build(p.Aggregates())
}

type setupCase struct {
	capture.IncidentSetup
	dir   string
	facts []capture.IncidentFact
	srv   capture.IncidentServers
}

func setups(t *testing.T) []setupCase {
	t.Helper()
	var out []setupCase
	for _, s := range capture.IncidentSetups() {
		dir := filepath.Join(incidentsDir(), s.Name)
		facts, err := capture.LoadIncidentFacts(dir, s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, setupCase{s, dir, facts, capture.IncidentServersFor(s.Kind)})
	}
	return out
}

func within(got float64, want time.Duration, share float64) bool {
	w := float64(want.Milliseconds())
	return math.Abs(got-w) <= share*w
}

// TestProxyTimeoutFirst: found exactly on the routes whose nginx read
// timeout is below the worker's (harakiri, gunicorn --timeout), with both
// timeouts within 10% of the configured ones, the 504s counted, and the
// worker time spent after nginx gave up within the bounds the plan allows.
func TestProxyTimeoutFirst(t *testing.T) {
	for _, c := range setups(t) {
		t.Run(c.Name, func(t *testing.T) {
			d := reportOf(t, c.dir, serverLogs(c.IncidentSetup))
			worker := c.srv.Harakiri
			if c.Kind == capture.IncidentKindGunicorn {
				worker = c.srv.WorkerTimeout
			}
			lo, hi := c.srv.KillWindow()
			type want struct {
				requests         int64
				readTimeout      time.Duration
				afterLo, afterHi float64 // seconds
			}
			wants := map[capture.Key]*want{}
			for _, f := range c.facts {
				if f.TimedOut != capture.TimedOutNginx504 || f.ReadTimeout >= worker {
					continue
				}
				k := f.Request.Key()
				w := wants[k]
				if w == nil {
					w = &want{readTimeout: f.ReadTimeout}
					wants[k] = w
				}
				w.requests++
				// The worker ran until the view returned or the kill came.
				run := f.Handler.Time
				runLo, runHi := run, run
				if f.Killed != "" {
					runLo, runHi = lo, hi
				}
				w.afterLo += (runLo - f.ReadTimeout).Seconds()
				w.afterHi += (runHi - f.ReadTimeout).Seconds()
			}
			if len(wants) == 0 {
				t.Fatal("the plan has no route whose proxy times out first: the test checks nothing")
			}
			found := map[capture.Key]bool{}
			for _, f := range d.Findings {
				if f.Kind != "proxy_timeout_first" {
					continue
				}
				k := capture.Key{Route: f.Route, Method: f.Method, GraphQLOperation: f.GraphQLOperation}
				found[k] = true
				w := wants[k]
				if w == nil {
					t.Errorf("proxy_timeout_first on %v, whose nginx timeout is not below the worker's", k)
					continue
				}
				if f.Requests != w.requests {
					t.Errorf("%v: %d requests, want %d 504s", k, f.Requests, w.requests)
				}
				if !within(f.ProxyTimeoutMS, w.readTimeout, 0.1) || !within(f.WorkerTimeoutMS, worker, 0.1) {
					t.Errorf("%v: proxy %.0f ms, worker %.0f ms; configured %s and %s", k, f.ProxyTimeoutMS, f.WorkerTimeoutMS, w.readTimeout, worker)
				}
				if f.WorkerSAfterProxy < 0.9*w.afterLo || f.WorkerSAfterProxy > 1.1*w.afterHi {
					t.Errorf("%v: %.3f worker-seconds after the proxy gave up, want %.1f to %.1f", k, f.WorkerSAfterProxy, w.afterLo, w.afterHi)
				}
				if f.Advice == "" {
					t.Errorf("%v: no advice", k)
				}
			}
			for k := range wants {
				if !found[k] {
					t.Errorf("no proxy_timeout_first on %v", k)
				}
			}
		})
	}
}

// TestRetryAfterTimeout: the same client (address and user agent) asking
// for a route again within 60 s of its 504 or 499 there — carol's curl
// behind alice's address is another client — counted per route as the
// client's own record says.
func TestRetryAfterTimeout(t *testing.T) {
	for _, c := range setups(t) {
		t.Run(c.Name, func(t *testing.T) {
			d := reportOf(t, c.dir, serverLogs(c.IncidentSetup))
			want := map[capture.Key]int64{}
			for _, f := range c.facts {
				if f.RetryOf != 0 && f.Request.ViaNginx() {
					want[f.Request.Key()]++
				}
			}
			if len(want) == 0 {
				t.Fatal("no retries in the record: the test checks nothing")
			}
			got := map[capture.Key]int64{}
			for _, f := range d.Findings {
				if f.Kind == "retry_after_timeout" {
					got[capture.Key{Route: f.Route, Method: f.Method, GraphQLOperation: f.GraphQLOperation}] += f.Requests
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("retries by route (-record +report):\n%s", diff)
			}
		})
	}
}

// TestSaturation: while both uWSGI workers sleep in /exports/, requests
// wait in a full listen queue; the finding names that stream, its full
// queue as grep counts it, and the routes that held the workers.
func TestSaturation(t *testing.T) {
	for _, c := range setups(t) {
		if c.Kind != capture.IncidentKindUWSGI {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			d := reportOf(t, c.dir, serverLogs(c.IncidentSetup))
			queue := grepCount(t, filepath.Join(c.dir, "uwsgi.log"), `*** uWSGI listen queue of socket "`)
			var sat *report.Finding
			for i, f := range d.Findings {
				if f.Kind == "saturation" && f.Stream == "uwsgi.log" {
					sat = &d.Findings[i]
				}
			}
			if sat == nil || queue == 0 {
				t.Fatalf("no saturation finding on uwsgi.log (%d listen queue lines): %+v", queue, d.Findings)
			}
			if sat.ListenQueueFull != queue || sat.SaturatedS <= 0 {
				t.Errorf("saturation: listen queue full %d (grep %d), saturated %.1f s", sat.ListenQueueFull, queue, sat.SaturatedS)
			}
			var held []string
			for _, h := range sat.Holders {
				held = append(held, h.Method+" "+h.Route)
			}
			sort.Strings(held)
			if i := sort.SearchStrings(held, "GET /exports/:id/csv"); i == len(held) || held[i] != "GET /exports/:id/csv" {
				t.Errorf("holders %q lack GET /exports/:id/csv, which held both workers", held)
			}
		})
	}
}

func grepCount(t *testing.T, path, s string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}
