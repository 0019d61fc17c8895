package parse

import "testing"

// BenchmarkStreamIncidents runs the Stream over the incident captures,
// whose uWSGI and gunicorn logs hold a third of dump lines (tracebacker
// outputs, faulthandler dumps, interleaved ones) among request lines.
func BenchmarkStreamIncidents(b *testing.B) {
	lines := realCaptureLines(b, "incidents/uwsgi-ids/uwsgi.log", "incidents/gunicorn-ids/gunicorn-error.log",
		"incidents/uwsgi-ids/nginx-access.json", "incidents/gunicorn-noids/nginx-access.log")
	size := 0
	for _, l := range lines {
		size += len(l)
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
