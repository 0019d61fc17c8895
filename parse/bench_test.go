package parse

import (
	"bytes"
	"os"
	"testing"
)

// realCaptureLines reads captures written by real servers (testdata/capture).
func realCaptureLines(tb testing.TB, names ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile("../testdata/captures/" + n)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))...)
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
		size := 0
		for _, l := range all {
			rec.Reset()
			if p.parse(l) {
				lines = append(lines, l)
				size += len(l)
			}
		}
		if len(lines) == 0 {
			b.Fatalf("%s recognizes no captured line", p.name)
		}
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, l := range lines {
					rec.Reset()
					p.parse(l)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
		})
	}
	// The stream: detection and the multi-line state over every line.
	b.Run("stream", func(b *testing.B) {
		size := 0
		for _, l := range all {
			size += len(l)
		}
		s := NewStream(Config{}, "mixed")
		emit := func(*Record) {}
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, l := range all {
				s.Line(l, 0, emit)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(all)), "ns/line")
	})
}
