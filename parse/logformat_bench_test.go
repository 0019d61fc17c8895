package parse

import (
	"testing"
	"time"
)

// The compiled "combined" against the hand-written ParseCombined, on the
// same real lines (nginx 1.22.1, testdata/captures/formats/nginx-combined.log).
func BenchmarkLogFormatCombined(b *testing.B) {
	f := mustCompile(b, "nginx", "combined")
	var r Record
	var a AccessFields
	benchmarkLines(b, captureLines(b, "nginx-combined.log"), func(l []byte) {
		r.Reset()
		f.Parse(l, &r, &a)
	})
}

func BenchmarkParseCombinedSameLines(b *testing.B) {
	var r Record
	benchmarkLines(b, captureLines(b, "nginx-combined.log"), func(l []byte) {
		r.Reset()
		ParseCombined(l, 1, &r)
	})
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
			var r Record
			var a AccessFields
			benchmarkLines(b, captureLines(b, c.file), func(l []byte) {
				r.Reset()
				f.Parse(l, &r, &a)
			})
		})
	}
}

func TestLogFormatNoAllocs(t *testing.T) {
	for _, c := range captureFormats(t) {
		t.Run(c.file, func(t *testing.T) {
			f := mustCompile(t, c.server, c.format)
			var r Record
			var a AccessFields
			noAllocs(t, captureLines(t, c.file), func(l []byte) {
				r.Reset()
				f.Parse(l, &r, &a)
			})
		})
	}
}
