package capture

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func incidentsDir() string { return IncidentsDir(filepath.Join("..", "..")) }

func committedIncidents() bool { return os.Getenv("SLOWROUTES_INCIDENTS_DIR") == "" }

// stallSlack is how much later than planned a kill may show up in the logs:
// the capture machine is shared, and a loaded run showed nginx answering a
// 502 2 s after the worker died. Lower bounds get no slack.
const stallSlack = 3 * time.Second

// incidentCase is one setup of a capture with its derived truths.
type incidentCase struct {
	setup IncidentSetup
	dir   string
	reqs  []IncidentRequest
	sigs  []IncidentSignal
	facts []IncidentFact
	tally IncidentTally
	// nginx is the tally of the requests that went through nginx.
	nginx IncidentTally
	// byURI maps every URI and every path the client sent to its route.
	byURI, byPath map[string]string
}

func loadIncidents(t *testing.T) []incidentCase {
	t.Helper()
	return loadIncidentsFrom(t, incidentsDir())
}

func loadIncidentsFrom(t *testing.T, dir string) []incidentCase {
	t.Helper()
	var out []incidentCase
	for _, s := range IncidentSetups() {
		c := incidentCase{setup: s, dir: filepath.Join(dir, s.Name)}
		var err error
		if c.reqs, err = ReadIncidentRecord(filepath.Join(c.dir, "client.tsv")); err != nil {
			t.Fatal(err)
		}
		if c.sigs, err = ReadIncidentSignals(filepath.Join(c.dir, "signals.tsv")); err != nil {
			t.Fatal(err)
		}
		if c.facts, err = DeriveIncidentFacts(s, c.reqs, c.sigs); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		c.tally = TallyIncidents(c.facts)
		var via []IncidentFact
		for _, f := range c.facts {
			if f.Request.ViaNginx() {
				via = append(via, f)
			}
		}
		c.nginx = TallyIncidents(via)
		c.byURI, c.byPath = map[string]string{}, map[string]string{}
		for _, r := range c.reqs {
			addRoute(t, c.byURI, r.URI, r.Route)
			addRoute(t, c.byPath, r.Path(), r.Route)
		}
		out = append(out, c)
	}
	return out
}

func addRoute(t *testing.T, m map[string]string, k, route string) {
	t.Helper()
	if old, ok := m[k]; ok && old != route {
		t.Fatalf("%q maps to both %q and %q", k, old, route)
	}
	m[k] = route
}

func (c incidentCase) file(name string) string { return filepath.Join(c.dir, name) }

// fileLines reads the lines of a file a server wrote.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func (c incidentCase) lines(t *testing.T, name string) []string {
	t.Helper()
	return fileLines(t, c.file(name))
}

func (c incidentCase) route(t *testing.T, uri string) string {
	t.Helper()
	if r, ok := c.byURI[uri]; ok {
		return r
	}
	t.Fatalf("%s: URI %q in the logs is not in the client record", c.setup.Name, uri)
	return ""
}

func (c incidentCase) routeOfPath(t *testing.T, path string) string {
	t.Helper()
	if r, ok := c.byPath[path]; ok {
		return r
	}
	t.Fatalf("%s: path %q in the logs is not in the client record", c.setup.Name, path)
	return ""
}

// factsOf returns the facts of the requests sent to one target.
func (c incidentCase) factsOf(target string) []IncidentFact {
	var out []IncidentFact
	for _, f := range c.facts {
		if f.Request.Target == target {
			out = append(out, f)
		}
	}
	return out
}

// byRM projects per-key counts onto (route, method): most log lines do not
// name the GraphQL operation of a POST.
func byRM(t IncidentTally, field func(IncidentCounts) int) map[rm]int {
	out := map[rm]int{}
	for k, c := range t {
		if v := field(c); v != 0 {
			out[rm{k.Route, k.Method}] += v
		}
	}
	return out
}

func byKey(t IncidentTally, field func(IncidentCounts) int) map[Key]int {
	out := map[Key]int{}
	for k, c := range t {
		if v := field(c); v != 0 {
			out[k] = v
		}
	}
	return out
}

// stackDump is one faulthandler dump (CPython 3.11 Modules/faulthandler.c,
// Python/traceback.c), as written into a uWSGI log:
//
//	Timeout (0:00:01)!
//	Thread 0x00007fb54fbca6c0 (most recent call first):
//	  <no Python frame>
//
//	Thread 0x00007fb5534b3440 (most recent call first):
//	  File "/.../app/reports/queries.py", line 11 in run_aggregate
//
// Header is the first line ("Timeout (0:00:01)!", "Fatal Python error:
// Aborted") or "" for a registered-signal dump, which has none.
type stackDump struct {
	line    int
	header  string
	threads [][]dumpFrame // innermost frame first, as written
	current int           // index of the "Current thread", -1 when none
}

type dumpFrame struct{ path, function string }

// innermostWithFrames is the first frame of the first thread that has any.
func (d stackDump) innermostWithFrames() (dumpFrame, bool) {
	for _, th := range d.threads {
		if len(th) > 0 {
			return th[0], true
		}
	}
	return dumpFrame{}, false
}

// parseDumps finds faulthandler dumps in a log. A dump ends at the first
// line that is not one of its own (blank lines, thread headers, frames).
func parseDumps(lines []string) []stackDump {
	var out []stackDump
	var cur *stackDump
	for i, l := range lines {
		isThread := strings.HasPrefix(l, "Thread 0x") || strings.HasPrefix(l, "Current thread 0x")
		switch {
		case strings.HasPrefix(l, "Timeout (") && strings.HasSuffix(l, ")!"),
			strings.HasPrefix(l, "Fatal Python error: "):
			out = append(out, stackDump{line: i, header: l, current: -1})
			cur = &out[len(out)-1]
		case isThread:
			if cur == nil {
				out = append(out, stackDump{line: i, current: -1})
				cur = &out[len(out)-1]
			}
			if strings.HasPrefix(l, "Current thread") {
				cur.current = len(cur.threads)
			}
			cur.threads = append(cur.threads, nil)
		case cur != nil && l == "", cur != nil && l == "  <no Python frame>":
		case cur != nil && strings.HasPrefix(l, "  File \""):
			f, ok := parseDumpFrame(l)
			if !ok || len(cur.threads) == 0 {
				cur = nil
				continue
			}
			n := len(cur.threads) - 1
			cur.threads[n] = append(cur.threads[n], f)
		default:
			cur = nil
		}
	}
	return out
}

// parseDumpFrame parses `  File "/usr/lib/python3.11/socket.py", line 706 in readinto`
// (faulthandler: no comma before "in").
func parseDumpFrame(l string) (dumpFrame, bool) {
	rest, ok := strings.CutPrefix(l, "  File \"")
	if !ok {
		return dumpFrame{}, false
	}
	path, rest, ok := strings.Cut(rest, "\", line ")
	if !ok {
		return dumpFrame{}, false
	}
	_, fn, ok := strings.Cut(rest, " in ")
	if !ok || fn == "" || strings.ContainsAny(fn, " \"") {
		return dumpFrame{}, false
	}
	return dumpFrame{path, fn}, true
}

// takeFrame removes one frame matching (path, function) from want and
// reports whether there was one.
func takeFrame(want []Frame, path, function string) ([]Frame, bool) {
	for i, f := range want {
		if f.Matches(path, function) {
			return append(want[:i:i], want[i+1:]...), true
		}
	}
	return want, false
}
