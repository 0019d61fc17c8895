package parse

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allCaptureFiles lists every log written by a real server in testdata:
// the default capture, the incident setups and the format captures.
func allCaptureFiles(tb testing.TB) []string {
	tb.Helper()
	var files []string
	for _, g := range []string{"*.log", "*.json", "incidents/*/*.log", "incidents/*/*.json", "formats/*.log", "formats/*.json"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", "captures", g))
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		tb.Fatalf("found only %d capture files", len(files))
	}
	return files
}

// collectorPrefixes are the prefixes of SkipCollectorPrefix's doc comment,
// hand-written in the shapes those tools document (see prefix.go).
var collectorPrefixes = []string{
	"web-1  | ",
	"shop_web_1 | ",
	"Nov 22 23:07:20 ip-10-0-1-7 uwsgi[123]: ",
	"Dec  1 07:25:29 web01 gunicorn: ",
	"2026-11-22T23:07:20.123456+00:00 ip-10-0-1-7 uwsgi[123]: ",
	"2026-11-22T23:07:20+0000 web01 nginx[812]: ",
	"2026-11-22T23:07:20.677020+00:00 app[web.1]: ",
	"2026-11-22T23:07:20.333333333Z stdout F ",
	"2026-11-22T23:07:20.333333333Z stderr P ",
	"2016-03-30T16:37:06.39+0200 [App/0] OUT ",
}

func TestSkipCollectorPrefix(t *testing.T) {
	const msg = "[pid: 6843|app: 0|req: 2/3] 127.0.0.1 () {34 vars in 441 bytes} [Sun Nov 22 23:30:33 2026] GET /invoices/1/pdf => generated 48 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)"
	for _, p := range collectorPrefixes {
		if got := SkipCollectorPrefix([]byte(p + msg)); string(got) != msg {
			t.Errorf("%q: left %q", p, got)
		}
	}
	// Lines that start like a prefix but are not one stay whole. Hand-written.
	for _, line := range []string{
		"2026-11-22T23:07:20+00:00 127.0.0.1 - - [22/Nov/2026:23:07:20 +0000] \"GET / HTTP/1.1\" 200 1", // log_format starting with $time_iso8601
		"2026-11-22T23:07:20Z INFO request done: 200",
		"Nov 22 23:07:20 2026 x",
		"Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 1 (pid: 6843, try: 1) ***",
		"2026-11-22 23:31:02 - *** HARAKIRI ON WORKER 1 (pid: 6845, try: 1) ***",
		"web-1 |x",
		" - - [01/Dec/2026:07:25:17 +0000] \"GET /healthz HTTP/1.0\" 200 3",
		"Nov",
		"",
	} {
		if got := SkipCollectorPrefix([]byte(line)); string(got) != line {
			t.Errorf("%q became %q", line, got)
		}
	}
}

// TestCapturedLinesHaveNoCollectorPrefix: no line any real server wrote in
// testdata loses a byte to the skipper.
func TestCapturedLinesHaveNoCollectorPrefix(t *testing.T) {
	n := 0
	for _, f := range allCaptureFiles(t) {
		for i, l := range readLines(t, f) {
			if got := SkipCollectorPrefix(l); len(got) != len(l) {
				t.Errorf("%s:%d: %q lost %q", f, i+1, l, l[:len(l)-len(got)])
			}
			n++
		}
	}
	if n < 5000 {
		t.Errorf("checked only %d lines", n)
	}
}

// TestCollectorPrefixSameRecords feeds every captured line with each
// collector prefix in front, and checks that every parser reads it as it
// reads the bare line: same outcomes, same records, same times.
func TestCollectorPrefixSameRecords(t *testing.T) {
	type full struct {
		Rec             got
		TimeUS, StartUS int64
	}
	run := func(lines [][]byte, prefix string) ([]full, []Outcome) {
		s := NewStream(Config{}, "prefixed")
		var recs []full
		var outs []Outcome
		emit := func(r *Record) { recs = append(recs, full{view(r), r.TimeUS, r.StartUS}) }
		var buf []byte
		for _, l := range lines {
			buf = append(append(buf[:0], prefix...), l...)
			_, o, _ := s.Line(buf, 0, emit)
			outs = append(outs, o)
		}
		s.Close(emit)
		return recs, outs
	}
	for _, f := range allCaptureFiles(t) {
		lines := readLines(t, f)
		wantRecs, wantOuts := run(lines, "")
		for _, p := range collectorPrefixes {
			gotRecs, gotOuts := run(lines, p)
			if diff := cmp.Diff(wantOuts, gotOuts); diff != "" {
				t.Errorf("%s behind %q: outcomes differ (-bare +prefixed):\n%s", f, p, diff)
			}
			if diff := cmp.Diff(wantRecs, gotRecs); diff != "" {
				t.Errorf("%s behind %q: records differ (-bare +prefixed):\n%s", f, p, diff)
			}
		}
	}
}

func TestSkipCollectorPrefixNoAllocs(t *testing.T) {
	lines := prefixBenchLines(t)
	n := testing.AllocsPerRun(10, func() {
		for _, l := range lines {
			SkipCollectorPrefix(l)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per pass", n)
	}
}

// prefixBenchLines is the default capture's lines, bare and behind every
// collector prefix.
func prefixBenchLines(tb testing.TB) [][]byte {
	bare := realCaptureLines(tb, "uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "nginx-access.json")
	out := append([][]byte(nil), bare...)
	for i, l := range bare {
		p := collectorPrefixes[i%len(collectorPrefixes)]
		out = append(out, append([]byte(p), l...))
	}
	return out
}

// BenchmarkSkipCollectorPrefix: "bare" is the cost every line pays (real
// lines without a prefix), "prefixed" the cost of removing one.
func BenchmarkSkipCollectorPrefix(b *testing.B) {
	all := prefixBenchLines(b)
	half := len(all) / 2
	for _, c := range []struct {
		name  string
		lines [][]byte
	}{{"bare", all[:half]}, {"prefixed", all[half:]}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for _, l := range c.lines {
				size += len(l)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, l := range c.lines {
					SkipCollectorPrefix(l)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(c.lines)), "ns/line")
		})
	}
}

// FuzzSkipCollectorPrefix: the result is always a suffix of the line, and
// whatever was cut ends like one of the prefixes.
func FuzzSkipCollectorPrefix(f *testing.F) {
	for _, p := range collectorPrefixes {
		f.Add([]byte(p + "GET /x"))
	}
	seedLines(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		got := SkipCollectorPrefix(line)
		if !bytes.HasSuffix(line, got) {
			t.Fatalf("%q: result %q is not a suffix", line, got)
		}
		cut := line[:len(line)-len(got)]
		if len(cut) == 0 {
			return
		}
		ok := false
		for _, end := range []string{": ", "| ", " F ", " P ", " OUT ", " ERR "} {
			ok = ok || bytes.HasSuffix(cut, []byte(end))
		}
		if !ok {
			t.Fatalf("%q: cut %q", line, cut)
		}
	})
}
