package pipeline

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/join"
)

// incidentFiles are one incident setup's nginx and uWSGI logs: about a
// minute of log each.
var incidentFiles = []string{"nginx-access.log", "nginx-error.log", "uwsgi.log", "uwsgi-threads.log"}

func incidentInputs(t *testing.T) []Input {
	t.Helper()
	var in []Input
	for _, f := range incidentFiles {
		b, err := os.ReadFile("../testdata/captures/incidents/uwsgi-noids/" + f)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Input{Name: f, R: bytes.NewReader(b)})
	}
	return in
}

// TestInterleaveFeedsTheJoinInTimeOrder: with a join window shorter than
// each file, reading the files one after the other joins (almost) nothing,
// reading them interleaved joins every request nginx and uWSGI both logged.
func TestInterleaveFeedsTheJoinInTimeOrder(t *testing.T) {
	// Each file holds about 80 s of log.
	cfg := Config{Join: &join.Config{Horizon: 10 * time.Second}}
	one := New(cfg)
	for _, in := range incidentInputs(t) {
		b := new(bytes.Buffer)
		b.ReadFrom(in.R)
		feed(one, in.Name, strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")...)
	}
	one.Close()
	side := New(cfg)
	if err := side.Interleave(incidentInputs(t)); err != nil {
		t.Fatal(err)
	}
	side.Close()
	if one.Aggregates().Lines != side.Aggregates().Lines {
		t.Errorf("lines differ:\n%+v\n%+v", one.Aggregates().Lines, side.Aggregates().Lines)
	}
	a, b := one.Aggregates().Join, side.Aggregates().Join
	// 47 requests: uwsgi-noids in the incident README; "by time" includes
	// the app lines joined to their uWSGI lines, in one file.
	if b.ByTime != 47 || b.Unmatched != 0 {
		t.Errorf("interleaved: %+v, want 47 requests joined by time", b)
	}
	if a.ByTime+a.Unmatched < 47+25 {
		t.Errorf("one file after the other: %+v, want most of nginx's requests apart from uWSGI's", a)
	}
}

// TestInterleaveLongLines: lines longer than the reader's buffer are read
// whole; lines over MaxLineLen are counted and skipped (hand-written).
func TestInterleaveLongLines(t *testing.T) {
	long := `127.0.0.1 - - [22/Nov/2026:23:31:06 +0000] "GET /` + strings.Repeat("a", 300<<10) + ` HTTP/1.1" 200 27 "-" "curl/7.88.1" 0.001 0.001`
	huge := strings.Repeat("x", MaxLineLen+10)
	in := long + "\n" + huge + "\n" + `127.0.0.1 - - [22/Nov/2026:23:31:07 +0000] "GET / HTTP/1.1" 200 27 "-" "curl/7.88.1" 0.001 0.001`
	p := New(Config{})
	if err := p.Interleave([]Input{{Name: "nginx-access.log", R: strings.NewReader(in)}}); err != nil {
		t.Fatal(err)
	}
	l := p.Aggregates().Lines
	if got := l.ByOutcome(1); got != 2 {
		t.Errorf("%d lines matched, want 2 (%+v)", got, l)
	}
	if got := l.ByOutcome(2); got != 1 {
		t.Errorf("%d lines malformed, want the one too long (%+v)", got, l)
	}
}

// TestNoAllocsPerLineJoined: the join keeps the hot path free of allocations.
func TestNoAllocsPerLineJoined(t *testing.T) {
	var lines [][]byte
	for _, f := range []string{"uwsgi.log", "uwsgi-logdate.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"} {
		lines = append(lines, realLines(t, f)...)
	}
	p := New(Config{Join: &join.Config{}})
	s := p.Stream(nil, []byte("mixed"))
	for range 3 { // warm up
		for _, l := range lines {
			p.Line(s, l, 0)
		}
	}
	n := testing.AllocsPerRun(20, func() {
		for _, l := range lines {
			p.Line(s, l, 0)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per pass of %d real lines in steady state", n, len(lines))
	}
}

func BenchmarkPipelineRealLinesJoined(b *testing.B) {
	var lines [][]byte
	var size int
	for _, f := range []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"} {
		for _, l := range realLines(b, f) {
			lines = append(lines, l)
			size += len(l) + 1
		}
	}
	p := New(Config{Join: &join.Config{}})
	s := p.Stream(nil, []byte("mixed"))
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			p.Line(s, l, 0)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}
