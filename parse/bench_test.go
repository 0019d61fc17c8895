package parse

import (
	"bytes"
	"testing"
)

// realCaptureLines reads captures written by real servers (testdata/capture).
func realCaptureLines(tb testing.TB, names ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range names {
		out = append(out, readLines(tb, "../testdata/captures/"+n)...)
	}
	return out
}

// BenchmarkParsers runs each parser over the lines of the real captures it
// recognizes, as Loki's Benchmark_Parser does: one sub-benchmark per
// parser, bytes and allocations reported.
func BenchmarkParsers(b *testing.B) {
	all := realCaptureLines(b, "uwsgi.log", "uwsgi-logdate.log", "nginx-access.log", "nginx-access-combined.log",
		"nginx-access.json", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log")
	var (
		rec     Record
		uev     UWSGIEvent
		gev     GunicornEvent
		scratch []byte
		fields  = DefaultJSONFields()
	)
	for _, p := range []struct {
		name  string
		parse func(line []byte) bool
	}{
		{"uwsgi_request", func(l []byte) bool { ok, _ := ParseUWSGIRequest(l, &rec); return ok }},
		{"uwsgi_event", func(l []byte) bool { ok, _ := ParseUWSGIEvent(l, &uev); return ok }},
		{"combined", func(l []byte) bool { ok, _ := ParseCombined(l, 1, &rec); return ok }},
		{"nginx_error", func(l []byte) bool { ok, _ := ParseNginxError(l, &rec); return ok }},
		{"gunicorn", func(l []byte) bool { ok, _ := ParseGunicorn(l, &gev); return ok }},
		{"json", func(l []byte) bool { ok, _ := ParseJSON(l, fields, &rec, &scratch); return ok }},
	} {
		var lines [][]byte
		for _, l := range all {
			rec.Reset()
			if p.parse(l) {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			b.Fatalf("%s recognizes no captured line", p.name)
		}
		b.Run(p.name, func(b *testing.B) {
			benchmarkBatch(b, lines, func(l []byte) {
				rec.Reset()
				p.parse(l)
			})
		})
	}
	// The stream: detection and the multi-line state over every line.
	b.Run("stream", func(b *testing.B) {
		s := NewStream(Config{}, "mixed")
		emit := func(*Record) {}
		benchmarkBatch(b, all, func(l []byte) { s.Line(l, 0, emit) })
	})
}

// benchmarkBatch reads all of lines with parse in each iteration, and
// reports the time per line.
func benchmarkBatch(b *testing.B, lines [][]byte, parse func(line []byte)) {
	b.Helper()
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			parse(l)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}

// benchmarkLines reads one of lines with parse in each iteration, in turn;
// the bytes reported are the mean line's.
func benchmarkLines(b *testing.B, lines [][]byte, parse func(line []byte)) {
	b.Helper()
	b.SetBytes(int64(len(bytes.Join(lines, nil)) / len(lines)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		parse(lines[i%len(lines)])
	}
}

// noAllocs fails t when reading lines with parse allocates.
func noAllocs(t *testing.T, lines [][]byte, parse func(line []byte)) {
	t.Helper()
	if n := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			parse(l)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
