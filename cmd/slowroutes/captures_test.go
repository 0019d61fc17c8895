package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/report"
)

// rm is a (route, method) pair: the key every source can be held to, since
// only some log formats carry the GraphQL operation of a POST.
type rm struct{ Route, Method string }

// facts is what the report says about one rm, in the units of capture.Counts.
type facts struct {
	UWSGI, Nginx, Gunicorn, App                          int64
	Harakiri, Nginx504, UpstreamTimeout, GunicornTimeout int64
	ClientAborts, Nginx502, UpstreamClosed               int64
}

func expectedFacts(e capture.Expected) map[rm]facts {
	out := map[rm]facts{}
	for k, c := range e {
		f := out[rm{k.Route, k.Method}]
		f.UWSGI += int64(c.Requests.UWSGI)
		f.Nginx += int64(c.Requests.Nginx)
		f.Gunicorn += int64(c.Requests.Gunicorn)
		f.App += int64(c.Requests.App)
		f.Harakiri += int64(c.Timeouts.UWSGIHarakiri)
		f.Nginx504 += int64(c.Timeouts.Nginx504)
		f.UpstreamTimeout += int64(c.Timeouts.NginxUpstreamTimeout)
		f.GunicornTimeout += int64(c.Timeouts.GunicornWorkerTimeout)
		f.ClientAborts += int64(c.ClientAborts)
		f.Nginx502 += int64(c.UpstreamFailures)
		// nginx writes one "upstream prematurely closed connection" error line
		// for every 502 the client saw: the uWSGI worker died under it.
		f.UpstreamClosed += int64(c.UpstreamFailures)
		out[rm{k.Route, k.Method}] = f
	}
	return out
}

// placeholder matches a route parameter: an app that logs its route template
// names them (/media/:sha/original); the client record writes every one ":id".
var placeholder = regexp.MustCompile(`:[a-z_][a-z0-9_]*`)

func canonical(route string) string { return placeholder.ReplaceAllString(route, ":id") }

func reportedFacts(d report.Document) map[rm]facts {
	out := map[rm]facts{}
	for _, r := range d.Routes {
		r.Route = canonical(r.Route)
		f := out[rm{r.Route, r.Method}]
		f.UWSGI += r.Requests["uwsgi"]
		f.Nginx += r.Requests["nginx"]
		f.Gunicorn += r.Requests["gunicorn"]
		f.App += r.Requests["app"]
		f.Harakiri += r.Timeouts["uwsgi_harakiri"]
		f.Nginx504 += r.Timeouts["nginx_504"]
		f.UpstreamTimeout += r.Timeouts["nginx_upstream_timeout"]
		f.GunicornTimeout += r.Timeouts["gunicorn_worker_timeout"]
		f.ClientAborts += r.ClientAborts
		f.Nginx502 += r.FailuresBySource["nginx_502"]
		f.UpstreamClosed += r.FailuresBySource["nginx_upstream_closed"]
		if f.UpstreamClosed+f.Nginx502 != 0 && r.UpstreamFailures != r.FailuresBySource["nginx_502"]+r.FailuresBySource["nginx_upstream_closed"]+r.FailuresBySource["nginx_upstream_connect"] {
			f.UpstreamClosed = -1 // the total must be the sum of its sources
		}
		out[rm{r.Route, r.Method}] = f
	}
	return out
}

// operations counts requests per (route, method, operation) for the sources
// whose lines name the operation of every GraphQL request: the app's JSON
// log, and the nginx JSON log (request body or query string).
func operations(d report.Document, source string) map[capture.Key]int64 {
	out := map[capture.Key]int64{}
	for _, r := range d.Routes {
		if r.Route == "/graphql" && r.Requests[source] > 0 {
			out[capture.Key{Route: r.Route, Method: r.Method, GraphQLOperation: r.GraphQLOperation}] += r.Requests[source]
		}
	}
	return out
}

func expectedOperations(e capture.Expected, count func(capture.Counts) int) map[capture.Key]int64 {
	out := map[capture.Key]int64{}
	for k, c := range e {
		if k.Route == "/graphql" && count(c) > 0 {
			out[k] += int64(count(c))
		}
	}
	return out
}

// checkCapture runs report over one capture directory with each nginx
// access-log format and holds it to the counts derived from the client's
// own record of what it sent and got back.
func checkCapture(t *testing.T, dir string, runReport func(t *testing.T, paths []string) report.Document) {
	reqs, err := capture.ReadClientRecord(filepath.Join(dir, "client.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := capture.Expect(reqs, capture.DefaultScenario())
	if err != nil {
		t.Fatal(err)
	}
	for _, access := range []string{"nginx-access.log", "nginx-access-combined.log", "nginx-access.json"} {
		t.Run(access, func(t *testing.T) {
			var paths []string
			for _, f := range []string{"uwsgi.log", "uwsgi-logdate.log", access, "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"} {
				paths = append(paths, filepath.Join(dir, f))
			}
			d := runReport(t, paths)
			if diff := cmp.Diff(expectedFacts(want), reportedFacts(d)); diff != "" {
				t.Errorf("per-route facts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(expectedOperations(want, func(c capture.Counts) int { return c.Requests.App }), operations(d, "app")); diff != "" {
				t.Errorf("app requests per GraphQL operation (-want +got):\n%s", diff)
			}
			if access == "nginx-access.json" {
				if diff := cmp.Diff(expectedOperations(want, func(c capture.Counts) int { return c.Requests.Nginx }), operations(d, "nginx")); diff != "" {
					t.Errorf("nginx requests per GraphQL operation (-want +got):\n%s", diff)
				}
			}
			if d.Lines.Total != d.Lines.Matched+d.Lines.Ignored+d.Lines.Malformed {
				t.Errorf("lines: %+v do not add up", d.Lines)
			}
			if d.Lines.Malformed != 0 {
				t.Errorf("%d real lines read as malformed: %v", d.Lines.Malformed, d.Lines.ByParser)
			}
			// Every harakiri of the capture killed a request: none is an idle kill,
			// and every banner is a first try.
			var harakiri int64
			for _, f := range expectedFacts(want) {
				harakiri += f.Harakiri
			}
			if d.Events.HarakiriBanners != harakiri || d.Events.HarakiriIdle != 0 || d.Events.WorkerKills["uwsgi"] != harakiri {
				t.Errorf("events %+v, want %d banners, %d uwsgi kills, 0 idle", d.Events, harakiri, harakiri)
			}
		})
	}
}

func inProcess(t *testing.T, paths []string) report.Document {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"report", "--format", "json"}, paths...), nil, &out, &errb); code != 0 {
		t.Fatalf("report exited %d: %s", code, errb.String())
	}
	var d report.Document
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCaptures checks report on the committed real-server captures.
func TestCaptures(t *testing.T) {
	checkCapture(t, "../../testdata/captures", inProcess)
}

// TestE2E checks a freshly built binary on a fresh capture (make e2e sets the
// variables after running testdata/capture/capture.sh).
func TestE2E(t *testing.T) {
	dir, bin := os.Getenv("SLOWROUTES_E2E_DIR"), os.Getenv("SLOWROUTES_E2E_BIN")
	if dir == "" || bin == "" {
		t.Skip("SLOWROUTES_E2E_DIR and SLOWROUTES_E2E_BIN are not set: run `make e2e`")
	}
	checkCapture(t, dir, func(t *testing.T, paths []string) report.Document {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"report", "--format", "json"}, paths...)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v: %s", bin, err, errb.String())
		}
		var d report.Document
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatal(err)
		}
		return d
	})
}
