package awslogs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

// whyMetrics are the metrics of why routes time out: stuck frames, busy
// workers, findings.
var whyMetrics = []string{"stuck", "workers.busy", "findings"}

// TestWhyFactsReachTheirFunction: stuck frames, busy workers and findings
// need the app's request-start lines (which request a dumped worker was
// serving), every request line (busy workers, retries) and the dying
// worker's own line: no filter picks those out, so the slowlog function,
// whose pattern passes every line, sends them. Through each function's
// pattern, the facts it sends are the same as from every line — on the
// incident captures, with their interleaved dumps.
func TestWhyFactsReachTheirFunction(t *testing.T) {
	for _, name := range whyMetrics {
		spec, ok := dogstatsd.Lookup(name)
		if !ok || spec.Family != dogstatsd.FamilyRequests {
			t.Errorf("%s is not sent by the slowlog function", name)
		}
	}
	for _, setup := range []string{"uwsgi-noids", "gunicorn-ids"} {
		dir := filepath.Join("..", "..", "testdata", "captures", "incidents", setup)
		files, err := filepath.Glob(filepath.Join(dir, "*.log"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no captures in %s: %v", dir, err)
		}
		all := whyFacts(t, files, nil)
		if len(all.Stuck) == 0 || len(all.Findings) == 0 || len(all.Workers) == 0 {
			t.Fatalf("%s: %d stuck, %d findings, %d workers: the test checks nothing", setup, len(all.Stuck), len(all.Findings), len(all.Workers))
		}
		got := whyFacts(t, files, terms(t, Slowlog.DefaultPattern()))
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("%s: why facts through the slowlog pattern (-all lines +filtered):\n%s", setup, diff)
		}
	}
}

type why struct {
	Stuck    []report.Stuck
	Workers  []report.Workers
	Findings []report.Finding
}

// whyFacts runs files through one pipeline, only the lines that match one of
// terms (all lines for none), each file a stream named by its base name.
func whyFacts(t *testing.T, files []string, terms []string) why {
	t.Helper()
	p := pipeline.New(pipeline.Config{})
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		s := p.Stream(nil, []byte(filepath.Base(f)))
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if keep(sc.Text(), terms) {
				p.Line(s, sc.Bytes(), 0)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	d := report.Build(p.Aggregates())
	return why{d.Stuck, d.Workers, d.Findings}
}

func keep(line string, terms []string) bool {
	if len(terms) == 0 {
		return true
	}
	for _, term := range terms {
		if strings.Contains(line, term) {
			return true
		}
	}
	return false
}
