package join_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

// FuzzJoin feeds arbitrary lines to three streams of a joining pipeline
// and checks what holds whatever the input: every outcome is counted once,
// on one row, and no row has more timed-out requests than requests.
func FuzzJoin(f *testing.F) {
	dir := filepath.Join("..", "testdata", "captures", "incidents", "uwsgi-ids")
	for _, name := range []string{"nginx-access.log", "nginx-error.log", "uwsgi.log", "nginx-access.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.Split(b, []byte("\n"))
		for i := 0; i+6 < len(lines); i += 97 {
			f.Add(bytes.Join(lines[i:i+6], []byte("\n")))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := pipeline.New(pipeline.Config{Join: &join.Config{MaxOutcomes: 64}})
		streams := []*pipeline.Stream{p.Stream(nil, []byte("nginx-access.log")), p.Stream(nil, []byte("nginx-error.log")), p.Stream(nil, []byte("uwsgi.log"))}
		for i, line := range bytes.Split(in, []byte("\n")) {
			p.Line(streams[i%len(streams)], line, 0)
		}
		p.Close()
		a := p.Aggregates()
		var requests int64
		a.EachRow(func(r *metrics.Row) {
			d := r.Distinct
			if d.TimedOut > d.Requests || d.TimedOut < 0 {
				t.Fatalf("row %+v: %d timed out of %d", r.Key, d.TimedOut, d.Requests)
			}
			var byEvidence int64
			for _, c := range d.Evidence {
				if c.Set == 0 && c.N != 0 {
					t.Fatalf("row %+v: %d timed out with no evidence", r.Key, c.N)
				}
				byEvidence += c.N
			}
			if byEvidence != d.TimedOut {
				t.Fatalf("row %+v: evidence %d, timed out %d", r.Key, byEvidence, d.TimedOut)
			}
			requests += d.Requests
		})
		if j := a.Join; j.ByRequestID+j.ByTime+j.Unmatched != requests {
			t.Fatalf("join %+v, %d requests", j, requests)
		}
	})
}
