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
	// Alone, and beside another input: one input is read straight through,
	// several by turns.
	for _, others := range [][]Input{nil, {{Name: "empty.log", R: strings.NewReader("")}}} {
		p := New(Config{})
		if err := p.Interleave(append([]Input{{Name: "nginx-access.log", R: strings.NewReader(in)}}, others...)); err != nil {
			t.Fatal(err)
		}
		l := p.Aggregates().Lines
		if got := l.ByOutcome(1); got != 2 {
			t.Errorf("%d other inputs: %d lines matched, want 2 (%+v)", len(others), got, l)
		}
		if got := l.ByOutcome(2); got != 1 {
			t.Errorf("%d other inputs: %d lines malformed, want the one too long (%+v)", len(others), got, l)
		}
	}
}

// TestNoAllocsPerLineJoined: the join keeps the hot path free of allocations.
func TestNoAllocsPerLineJoined(t *testing.T) {
	lines := mixedLines(t, serverCaptures...)
	if n := allocsPerPass(New(Config{Join: &join.Config{}}), "mixed", lines, 3); n != 0 {
		t.Errorf("%v allocations per pass of %d real lines in steady state", n, len(lines))
	}
}

func BenchmarkPipelineRealLinesJoined(b *testing.B) {
	benchLines(b, New(Config{Join: &join.Config{}}), mixedLines(b, benchCaptures...))
}
