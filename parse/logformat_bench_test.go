package parse

import (
	"bytes"
	"testing"
	"time"
)

// The compiled "combined" against the hand-written ParseCombined, on the
// same real lines (nginx 1.22.1, testdata/captures/formats/nginx-combined.log).
func BenchmarkLogFormatCombined(b *testing.B) {
	f := mustCompile(b, "nginx", "combined")
	lines := captureLines(b, "nginx-combined.log")
	b.SetBytes(int64(len(bytes.Join(lines, nil)) / len(lines)))
	b.ReportAllocs()
	var r Record
	var a AccessFields
	for i := 0; b.Loop(); i++ {
		r.Reset()
		f.Parse(lines[i%len(lines)], &r, &a)
	}
}

func BenchmarkParseCombinedSameLines(b *testing.B) {
	lines := captureLines(b, "nginx-combined.log")
	b.SetBytes(int64(len(bytes.Join(lines, nil)) / len(lines)))
	b.ReportAllocs()
	var r Record
	for i := 0; b.Loop(); i++ {
		r.Reset()
		ParseCombined(lines[i%len(lines)], 1, &r)
	}
}

// BenchmarkLogFormatVsParseCombined interleaves the two in rounds of the
// same lines and reports the compiled/hand-written time ratio, which the
// other load on a shared machine affects less than two separate runs.
// "record" fills the Record only, as ParseCombined does; "access" fills
// AccessFields too.
func BenchmarkLogFormatVsParseCombined(b *testing.B) {
	f := mustCompile(b, "nginx", "combined")
	lines := captureLines(b, "nginx-combined.log")
	for _, withAccess := range []bool{false, true} {
		name := "record"
		if withAccess {
			name = "access"
		}
		b.Run(name, func(b *testing.B) {
			var r Record
			var fields AccessFields
			a := &fields
			if !withAccess {
				a = nil
			}
			var compiled, hand time.Duration
			for b.Loop() {
				t0 := time.Now()
				for range 20 {
					for _, l := range lines {
						r.Reset()
						f.Parse(l, &r, a)
					}
				}
				t1 := time.Now()
				for range 20 {
					for _, l := range lines {
						r.Reset()
						ParseCombined(l, 1, &r)
					}
				}
				compiled, hand = compiled+t1.Sub(t0), hand+time.Since(t1)
			}
			b.ReportMetric(float64(compiled)/float64(hand), "compiled/hand")
		})
	}
}

// BenchmarkLogFormatCaptures runs every captured format with its own lines.
func BenchmarkLogFormatCaptures(b *testing.B) {
	for _, c := range captureFormats(b) {
		b.Run(c.file, func(b *testing.B) {
			f := mustCompile(b, c.server, c.format)
			lines := captureLines(b, c.file)
			b.SetBytes(int64(len(bytes.Join(lines, nil)) / len(lines)))
			b.ReportAllocs()
			var r Record
			var a AccessFields
			for i := 0; b.Loop(); i++ {
				r.Reset()
				f.Parse(lines[i%len(lines)], &r, &a)
			}
		})
	}
}

func TestLogFormatNoAllocs(t *testing.T) {
	for _, c := range captureFormats(t) {
		f := mustCompile(t, c.server, c.format)
		lines := captureLines(t, c.file)
		var r Record
		var a AccessFields
		if n := testing.AllocsPerRun(50, func() {
			for _, l := range lines {
				r.Reset()
				f.Parse(l, &r, &a)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per run", c.file, n)
		}
	}
}
