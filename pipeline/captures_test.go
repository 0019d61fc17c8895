package pipeline_test

// Helpers for the tests that run whole real-server captures through the
// pipeline. SLOWROUTES_CAPTURE_DIR and SLOWROUTES_INCIDENTS_DIR name fresh
// captures (make e2e); by default the committed ones are read.

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

func captureDir() string {
	if d := os.Getenv("SLOWROUTES_CAPTURE_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "testdata", "captures")
}

func incidentsDir() string { return capture.IncidentsDir("..") }

// captureSet is the logs of one capture setup: each file is one stream.
type captureSet struct {
	name    string
	dir     string
	streams []captureStream
}

type captureStream struct {
	name  string
	lines [][]byte
}

func readSet(tb testing.TB, name, dir string) captureSet {
	tb.Helper()
	set := captureSet{name: name, dir: dir}
	for _, g := range []string{"*.log", "*.json"} {
		files, err := filepath.Glob(filepath.Join(dir, g))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
			set.streams = append(set.streams, captureStream{name: filepath.Base(f), lines: lines})
		}
	}
	if len(set.streams) < 3 {
		tb.Fatalf("%s: only %d log files in %s", name, len(set.streams), dir)
	}
	return set
}

// allCaptureSets is the default capture and every incident setup.
func allCaptureSets(tb testing.TB) []captureSet {
	tb.Helper()
	sets := []captureSet{readSet(tb, "default", captureDir())}
	for _, s := range capture.IncidentSetups() {
		sets = append(sets, readSet(tb, s.Name, filepath.Join(incidentsDir(), s.Name)))
	}
	return sets
}

// eventMS is the log event time a line gets: CloudWatch Logs keeps a
// stream's events in time order.
func eventMS(i int) int64 { return 1_796_100_000_000 + int64(i) }

// wholeRun reads every stream of a set whole, in one pipeline.
func wholeRun(set captureSet) report.Document {
	p := pipeline.New(pipeline.Config{})
	for _, st := range set.streams {
		s := p.Stream([]byte("/captures/"+set.name), []byte(st.name))
		for i, l := range st.lines {
			p.Line(s, l, eventMS(i))
		}
	}
	p.Close()
	return report.Build(p.Aggregates())
}

// tally sums a document's timeouts by kind and row, and its client aborts
// by source and row.
type tally struct {
	Timeouts map[string]map[capture.Key]int64 // by timeout kind
	Aborts   map[string]map[capture.Key]int64 // by source
	Idle     int64
	Banners  int64
}

func newTally() tally {
	return tally{Timeouts: map[string]map[capture.Key]int64{}, Aborts: map[string]map[capture.Key]int64{}}
}

func (t *tally) add(d report.Document) {
	for _, r := range d.Routes {
		k := capture.Key{Route: r.Route, Method: r.Method, GraphQLOperation: r.GraphQLOperation}
		for kind, n := range r.Timeouts {
			addTo(t.Timeouts, kind, k, n)
		}
		for src, n := range r.ClientAbortsBy {
			addTo(t.Aborts, src, k, n)
		}
	}
	t.Idle += d.Events.HarakiriIdle
	t.Banners += d.Events.HarakiriBanners
}

func addTo(m map[string]map[capture.Key]int64, k1 string, k capture.Key, n int64) {
	if n == 0 {
		return
	}
	if m[k1] == nil {
		m[k1] = map[capture.Key]int64{}
	}
	m[k1][k] += n
}

func sum(m map[capture.Key]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// byRouteMethod folds the GraphQL operation away.
func byRouteMethod(m map[capture.Key]int64) map[capture.Key]int64 {
	out := map[capture.Key]int64{}
	for k, v := range m {
		out[capture.Key{Route: k.Route, Method: k.Method}] += v
	}
	return out
}
