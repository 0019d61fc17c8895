package join_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// fed is one record as the pipeline hands it to the join.
type fed struct {
	row    *metrics.Row
	rec    parse.Record
	stream uint32
	clock  int64
}

// captureRecords parses the real captures (every incident setup and the
// default capture) into the records the join gets, in log time order, with
// their rows in agg. It returns them and the log time they span.
func captureRecords(tb testing.TB, agg *metrics.Aggregates) ([]fed, int64) {
	tb.Helper()
	var files []string
	for _, l := range incidentLayouts() {
		for _, f := range l.files {
			files = append(files, filepath.Join(incidentsDir(), l.setup.Name, f))
		}
	}
	for _, f := range []string{"uwsgi.log", "uwsgi-logdate.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"} {
		files = append(files, filepath.Join("..", "testdata", "captures", f))
	}
	var out []fed
	for i, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		s := parse.NewStream(parse.Config{}, filepath.Base(path))
		var clock int64
		for _, line := range bytes.Split(b, []byte("\n")) {
			s.Line(line, 0, func(r *parse.Record) {
				clock = max(clock, r.TimeUS, r.StartUS)
				switch r.Kind {
				case parse.KindRequest, parse.KindTimeout, parse.KindUpstreamFailure:
				default:
					return
				}
				rt := []byte(route.Unknown)
				if len(r.URI) > 0 {
					rt = route.Normalize(nil, r.URI)
				}
				row := agg.Row(rt, route.Method(r.Method), nil)
				agg.Add(row, r)
				out = append(out, fed{row, own(*r), uint32(i + 1), clock})
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].clock < out[j].clock })
	lo, hi := out[0].clock, out[len(out)-1].clock
	return out, hi - lo
}

// own copies the bytes a record aliases.
func own(r parse.Record) parse.Record {
	for _, b := range []*[]byte{&r.Method, &r.URI, &r.Route, &r.Operation, &r.Body, &r.RequestID, &r.TimeText, &r.StartText} {
		*b = bytes.Clone(*b)
	}
	return r
}

// pass feeds the records once, their times moved by shift.
func pass(j *join.Joiner, recs []fed, shift int64) {
	for i := range recs {
		f := &recs[i]
		r := f.rec
		if r.TimeUS != 0 {
			r.TimeUS += shift
		}
		if r.StartUS != 0 {
			r.StartUS += shift
		}
		j.Add(f.row, &r, f.stream, f.clock+shift)
	}
}

// steadyPasses returns a pass over the real captures for a join whose
// window and indexes are at full size, each pass later in log time than the
// one before, and the number of records a pass feeds.
func steadyPasses(tb testing.TB) (next func(), records int) {
	tb.Helper()
	agg := metrics.New(metrics.Config{})
	recs, span := captureRecords(tb, agg)
	j := join.New(join.Config{}, agg)
	step := span + 2*join.DefaultHorizon.Microseconds()
	var shift int64
	next = func() {
		pass(j, recs, shift)
		shift += step
	}
	for range 3 {
		next()
	}
	return next, len(recs)
}

// TestJoinNoAllocs: in steady state, joining a record allocates nothing.
func TestJoinNoAllocs(t *testing.T) {
	next, n := steadyPasses(t)
	if a := testing.AllocsPerRun(10, next); a != 0 {
		t.Errorf("%v allocations per pass of %d records", a, n)
	}
}

func BenchmarkJoinCaptures(b *testing.B) {
	next, n := steadyPasses(b)
	b.ReportAllocs()
	for b.Loop() {
		next()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
