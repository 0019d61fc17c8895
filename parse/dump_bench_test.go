package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkStreamIncidents runs the Stream over the incident captures,
// whose uWSGI and gunicorn logs hold a third of dump lines (tracebacker
// outputs, faulthandler dumps, interleaved ones) among request lines.
func BenchmarkStreamIncidents(b *testing.B) {
	var lines [][]byte
	size := 0
	for _, name := range []string{"uwsgi-ids/uwsgi.log", "gunicorn-ids/gunicorn-error.log", "uwsgi-ids/nginx-access.json", "gunicorn-noids/nginx-access.log"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "captures", "incidents", name))
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			lines = append(lines, l)
			size += len(l)
		}
	}
	s := NewStream(Config{}, "incidents")
	emit := func(*Record) {}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			s.Line(l, 0, emit)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
}
