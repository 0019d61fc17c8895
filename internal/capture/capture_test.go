package capture

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// captureDir is the committed capture, or another run of capture.sh named by
// SLOWROUTES_CAPTURE_DIR.
func captureDir() string {
	if d := os.Getenv("SLOWROUTES_CAPTURE_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "testdata", "captures")
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	return fileLines(t, filepath.Join(captureDir(), name))
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

func countMatching(lines []string, re *regexp.Regexp) int {
	n := 0
	for _, l := range lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

func loadExpected(t *testing.T) ([]Request, Expected) {
	t.Helper()
	reqs, err := ReadClientRecord(filepath.Join(captureDir(), "client.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := Expect(reqs, DefaultScenario())
	if err != nil {
		t.Fatal(err)
	}
	return reqs, exp
}

// rm is a route and method: what most log lines can tell without the
// GraphQL operation.
type rm struct{ route, method string }

type routeMap struct {
	byURI  map[string]string
	byPath map[string]string
}

func newRouteMap(t *testing.T, reqs []Request) routeMap {
	t.Helper()
	m := routeMap{byURI: map[string]string{}, byPath: map[string]string{}}
	for _, r := range reqs {
		p, _, _ := strings.Cut(r.URI, "?")
		for _, kv := range [][2]string{{r.URI, "uri"}, {p, "path"}} {
			mm := m.byURI
			if kv[1] == "path" {
				mm = m.byPath
			}
			if old, ok := mm[kv[0]]; ok && old != r.Route {
				t.Fatalf("%s %q maps to both %q and %q", kv[1], kv[0], old, r.Route)
			}
			mm[kv[0]] = r.Route
		}
	}
	return m
}

func (m routeMap) uri(t *testing.T, uri string) string {
	t.Helper()
	r, ok := m.byURI[uri]
	if !ok {
		t.Fatalf("URI %q in the logs is not in the client record", uri)
	}
	return r
}

func (m routeMap) path(t *testing.T, path string) string {
	t.Helper()
	r, ok := m.byPath[path]
	if !ok {
		t.Fatalf("path %q in the logs is not in the client record", path)
	}
	return r
}

func byRouteMethod(e Expected) map[rm]Counts {
	out := map[rm]Counts{}
	for k, c := range e {
		x := rm{k.Route, k.Method}
		out[x] = out[x].Add(c)
	}
	return out
}

func compare[K comparable](t *testing.T, what string, want, got map[K]int) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s %v: logs have %d, expected %d", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			t.Errorf("%s %v: logs have %d, expected 0", what, k, g)
		}
	}
}

func project[K comparable](m map[K]Counts, f func(Counts) int) map[K]int {
	out := map[K]int{}
	for k, c := range m {
		if v := f(c); v != 0 {
			out[k] = v
		}
	}
	return out
}

var (
	accessLineRe  = regexp.MustCompile(`^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) HTTP/[0-9.]+" (\d{3}) `)
	uwsgiReqRe    = regexp.MustCompile(`^\[pid: \d+\|app: -?\d+\|req: -?\d+/\d+\] \S+ \([^)]*\) \{\d+ vars in \d+ bytes\} \[[^\]]+\] (\S+) (\S+) => generated \d+ bytes in \d+ (msecs|micros) `)
	harakiriCore  = regexp.MustCompile(`HARAKIRI \[core \d+\] \S+ - (\S+) (\S+) since \d+$`)
	timedOutReqRe = regexp.MustCompile(`upstream timed out .*, request: "(\S+) (\S+) HTTP/[0-9.]+"`)
	gunicornDebug = regexp.MustCompile(`^\[[^\]]+\] \[(\d+)\] \[DEBUG\] ([A-Z]+) (/\S*)$`)
	workerTimeout = regexp.MustCompile(`\[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)`)
	djangoParam   = regexp.MustCompile(`<[^>]+>`)
	status504Re   = regexp.MustCompile(`" 504 `)
	status499Re   = regexp.MustCompile(`" 499 `)
	status502Re   = regexp.MustCompile(`" 502 `)
)

// TestCaptureCounts checks every count Expect derives from client.tsv
// against an independent count over the raw log files.
func TestCaptureCounts(t *testing.T) {
	reqs, exp := loadExpected(t)
	t.Logf("expected counts of %s:\n%s", captureDir(), exp)
	routes := newRouteMap(t, reqs)
	want := byRouteMethod(exp)
	total := exp.Total()

	// nginx: the two text access logs, by route and method.
	for _, name := range []string{"nginx-access.log", "nginx-access-combined.log"} {
		lines := readLines(t, name)
		got := map[rm]Counts{}
		for _, l := range lines {
			m := accessLineRe.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("%s: unparsed line %q", name, l)
			}
			k := rm{routes.uri(t, m[2]), m[1]}
			c := got[k]
			c.Requests.Nginx++
			switch m[3] {
			case "504":
				c.Timeouts.Nginx504++
			case "499":
				c.ClientAborts++
			case "502":
				c.UpstreamFailures++
			}
			got[k] = c
		}
		compare(t, name+" requests", project(want, func(c Counts) int { return c.Requests.Nginx }), project(got, func(c Counts) int { return c.Requests.Nginx }))
		compare(t, name+" 504", project(want, func(c Counts) int { return c.Timeouts.Nginx504 }), project(got, func(c Counts) int { return c.Timeouts.Nginx504 }))
		compare(t, name+" 499", project(want, func(c Counts) int { return c.ClientAborts }), project(got, func(c Counts) int { return c.ClientAborts }))
		compare(t, name+" 502", project(want, func(c Counts) int { return c.UpstreamFailures }), project(got, func(c Counts) int { return c.UpstreamFailures }))
		// grep -c style totals
		if n := len(lines); n != total.Requests.Nginx {
			t.Errorf("%s: %d lines, expected %d", name, n, total.Requests.Nginx)
		}
		if n := countMatching(lines, status504Re); n != total.Timeouts.Nginx504 {
			t.Errorf("%s: %d lines with 504, expected %d", name, n, total.Timeouts.Nginx504)
		}
		if n := countMatching(lines, status499Re); n != total.ClientAborts {
			t.Errorf("%s: %d lines with 499, expected %d", name, n, total.ClientAborts)
		}
		if n := countMatching(lines, status502Re); n != total.UpstreamFailures {
			t.Errorf("%s: %d lines with 502, expected %d", name, n, total.UpstreamFailures)
		}
	}

	// nginx JSON access log: the request body names the GraphQL operation,
	// so this one is checked per full key.
	{
		got := map[Key]Counts{}
		for _, l := range readLines(t, "nginx-access.json") {
			var e struct {
				Method string `json:"request_method"`
				URI    string `json:"request_uri"`
				Status int    `json:"status"`
				Body   string `json:"request_body"`
			}
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatalf("nginx-access.json: %v in %q", err, l)
			}
			k := Key{Route: routes.uri(t, e.URI), Method: e.Method}
			if k.Route == "/graphql" {
				k.GraphQLOperation = graphqlOperation(t, e.URI, e.Body)
			}
			c := got[k]
			c.Requests.Nginx++
			switch e.Status {
			case 504:
				c.Timeouts.Nginx504++
			case 499:
				c.ClientAborts++
			case 502:
				c.UpstreamFailures++
			}
			got[k] = c
		}
		compare(t, "nginx-access.json requests", project(exp, func(c Counts) int { return c.Requests.Nginx }), project(got, func(c Counts) int { return c.Requests.Nginx }))
		compare(t, "nginx-access.json 504", project(exp, func(c Counts) int { return c.Timeouts.Nginx504 }), project(got, func(c Counts) int { return c.Timeouts.Nginx504 }))
		compare(t, "nginx-access.json 499", project(exp, func(c Counts) int { return c.ClientAborts }), project(got, func(c Counts) int { return c.ClientAborts }))
		compare(t, "nginx-access.json 502", project(exp, func(c Counts) int { return c.UpstreamFailures }), project(got, func(c Counts) int { return c.UpstreamFailures }))
	}

	// nginx error log: "upstream timed out" lines.
	{
		lines := readLines(t, "nginx-error.log")
		got := map[rm]int{}
		for _, l := range lines {
			if !strings.Contains(l, "upstream timed out") {
				continue
			}
			m := timedOutReqRe.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("nginx-error.log: no request in %q", l)
			}
			got[rm{routes.uri(t, m[2]), m[1]}]++
		}
		compare(t, "nginx-error.log upstream timed out", project(want, func(c Counts) int { return c.Timeouts.NginxUpstreamTimeout }), got)
		if n := countContaining(lines, "upstream timed out"); n != total.Timeouts.NginxUpstreamTimeout {
			t.Errorf("nginx-error.log: %d upstream timed out lines, expected %d", n, total.Timeouts.NginxUpstreamTimeout)
		}
	}

	// uWSGI: request-log lines and harakiri, summed over both instances,
	// and each instance on its own against its own requests.
	uwsgiReqs, harakiris := map[rm]int{}, map[rm]int{}
	for _, f := range []struct{ name, target string }{
		{"uwsgi.log", TargetUWSGI},
		{"uwsgi-logdate.log", TargetUWSGILogdate},
	} {
		lines := readLines(t, f.name)
		own, err := Expect(FilterTarget(reqs, f.target), DefaultScenario())
		if err != nil {
			t.Fatal(err)
		}
		ownTotal := own.Total()
		nreq := 0
		for _, l := range lines {
			if m := uwsgiReqRe.FindStringSubmatch(l); m != nil {
				uwsgiReqs[rm{routes.uri(t, m[2]), m[1]}]++
				nreq++
			}
			if m := harakiriCore.FindStringSubmatch(l); m != nil {
				harakiris[rm{routes.uri(t, m[2]), m[1]}]++
			}
		}
		if nreq != ownTotal.Requests.UWSGI {
			t.Errorf("%s: %d request-log lines, expected %d", f.name, nreq, ownTotal.Requests.UWSGI)
		}
		if n := countContaining(lines, "HARAKIRI ON WORKER"); n != ownTotal.Timeouts.UWSGIHarakiri {
			t.Errorf("%s: %d HARAKIRI ON WORKER lines, expected %d", f.name, n, ownTotal.Timeouts.UWSGIHarakiri)
		}
		if n := countContaining(lines, "HARAKIRI [core "); n != ownTotal.Timeouts.UWSGIHarakiri {
			t.Errorf("%s: %d HARAKIRI [core lines, expected %d", f.name, n, ownTotal.Timeouts.UWSGIHarakiri)
		}
		if n := countContaining(lines, "DAMN ! worker"); n != ownTotal.Timeouts.UWSGIHarakiri {
			t.Errorf("%s: %d DAMN ! worker lines, expected %d", f.name, n, ownTotal.Timeouts.UWSGIHarakiri)
		}
	}
	compare(t, "uwsgi request-log lines", project(want, func(c Counts) int { return c.Requests.UWSGI }), uwsgiReqs)
	compare(t, "uwsgi harakiri", project(want, func(c Counts) int { return c.Timeouts.UWSGIHarakiri }), harakiris)

	// gunicorn: access lines, and WORKER TIMEOUT tied to the last
	// "[DEBUG] METHOD /path" of that worker pid.
	{
		lines := readLines(t, "gunicorn-access.log")
		got := map[rm]int{}
		for _, l := range lines {
			m := accessLineRe.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("gunicorn-access.log: unparsed line %q", l)
			}
			got[rm{routes.uri(t, m[2]), m[1]}]++
		}
		compare(t, "gunicorn-access.log", project(want, func(c Counts) int { return c.Requests.Gunicorn }), got)

		errLines := readLines(t, "gunicorn-error.log")
		last := map[string]rm{}
		timeouts := map[rm]int{}
		for _, l := range errLines {
			if m := gunicornDebug.FindStringSubmatch(l); m != nil {
				last[m[1]] = rm{routes.path(t, m[3]), m[2]}
			}
			if m := workerTimeout.FindStringSubmatch(l); m != nil {
				k, ok := last[m[1]]
				if !ok {
					t.Fatalf("gunicorn-error.log: no request seen for worker %s before %q", m[1], l)
				}
				timeouts[k]++
			}
		}
		compare(t, "gunicorn WORKER TIMEOUT", project(want, func(c Counts) int { return c.Timeouts.GunicornWorkerTimeout }), timeouts)
		if n := countContaining(errLines, "WORKER TIMEOUT"); n != total.Timeouts.GunicornWorkerTimeout {
			t.Errorf("gunicorn-error.log: %d WORKER TIMEOUT lines, expected %d", n, total.Timeouts.GunicornWorkerTimeout)
		}
	}

	// app: "request_finished" JSON lines in every log the app writes to.
	{
		got := map[Key]int{}
		n := 0
		for _, name := range []string{"uwsgi.log", "uwsgi-logdate.log", "gunicorn-error.log"} {
			for _, l := range readLines(t, name) {
				if !strings.Contains(l, `"event":"request_finished"`) {
					continue
				}
				n++
				var e struct {
					Method string `json:"method"`
					Path   string `json:"path"`
					Route  string `json:"route"`
					Op     string `json:"graphql_operation"`
				}
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatalf("%s: %v in %q", name, err, l)
				}
				route := djangoParam.ReplaceAllString(e.Route, ":id")
				if r := routes.path(t, e.Path); r != route {
					t.Errorf("%s: app route %q for path %q, client record says %q", name, e.Route, e.Path, r)
				}
				got[Key{Route: route, Method: e.Method, GraphQLOperation: e.Op}]++
			}
		}
		compare(t, "app request_finished", project(exp, func(c Counts) int { return c.Requests.App }), got)
		if n != total.Requests.App {
			t.Errorf("%d request_finished lines, expected %d", n, total.Requests.App)
		}
	}
}

func graphqlOperation(t *testing.T, uri, body string) string {
	t.Helper()
	if body != "" {
		var b struct {
			Op string `json:"operationName"`
		}
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatalf("GraphQL body %q: %v", body, err)
		}
		return b.Op
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("operationName")
}
