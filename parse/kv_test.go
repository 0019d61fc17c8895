package parse

import (
	"bytes"
	"testing"
)

func TestParseTimingFields(t *testing.T) {
	type want struct {
		n                            int
		dur                          int64
		hasDur                       bool
		upStatus, upLast, attempts   int
		upTime, upTotal, conn, hdr   int64
		hasUp, hasConn, hasHdr, fail bool
		rid                          string
	}
	for _, c := range []struct {
		name, rest string
		want       want
	}{
		// real: nginx 1.22.1, testdata/captures/formats/nginx-perf.log
		{"perf", ` rt=0.001 uct="-, 0.000" uht="-, 0.000" urt="0.000, 0.000"`,
			want{n: 4, dur: 1000, hasDur: true, attempts: 2, hasUp: true, hasConn: true, hasHdr: true}},
		{"perf 504", ` rt=1.000 uct="0.000" uht="-" urt="1.000"`,
			want{n: 4, dur: 1000000, hasDur: true, attempts: 1, upTime: 1000000, upTotal: 1000000, hasUp: true, hasConn: true}},
		// real: nginx-perf-named.log
		{"named list", ` request_time=0.001 upstream_response_time=0.000, 0.000 us=502, 200`,
			want{n: 3, dur: 1000, hasDur: true, upStatus: 502, upLast: 200, attempts: 2, hasUp: true}},
		// hand-written: an unquoted list whose times differ
		{"named list sum", ` request_time=0.013 upstream_response_time=0.000, 0.012 us=502, 200`,
			want{n: 3, dur: 13000, hasDur: true, upStatus: 502, upLast: 200, attempts: 2, upTotal: 12000, hasUp: true}},
		{"named 499", ` request_time=0.301 upstream_response_time=0.300 us=-`,
			want{n: 3, dur: 301000, hasDur: true, attempts: 1, upTime: 300000, upTotal: 300000, hasUp: true}},
		// hand-written edge cases
		{"msecs and micros: micros win", ` msecs=27 micros=27412 rt=0.028`, want{n: 3, dur: 27412, hasDur: true}},
		{"redirect groups", ` urt="0.100, 0.200 : 0.300" us="502, 504 : 200"`,
			want{n: 2, upStatus: 502, upLast: 200, attempts: 3, upTime: 100000, upTotal: 600000, hasUp: true}},
		{"unknown keys and words skipped", ` host=example.com 17 "quoted thing" rid=abc123 duration=1.5`,
			want{n: 2, dur: 1500000, hasDur: true, rid: "abc123"}},
		{"dash", ` rt=- urt=-`, want{n: 2}},
		{"an attempt without a time last", ` urt="0.010, -"`,
			want{n: 1, attempts: 2, upTime: 10000, upTotal: 10000, hasUp: true}},
		{"connect and header: the first attempt's", ` uct="0.001, 0.002" uht="-, 0.004"`,
			want{n: 2, conn: 1000, hasConn: true, hasHdr: true}},
		{"bad list", ` urt="0.1, x"`, want{n: 1, fail: true}},
		{"bad value", ` rt=fast`, want{n: 1, fail: true}},
		{"nothing", ``, want{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Record
			var a AccessFields
			n, err := ParseTimingFields([]byte(c.rest), &r, &a)
			got := want{n, r.DurationUS, r.HasDuration, a.UpstreamStatus, a.UpstreamStatusLast, a.UpstreamAttempts,
				a.UpstreamTimeUS, a.UpstreamTotalUS, a.UpstreamConnectUS, a.UpstreamHeaderUS,
				a.HasUpstreamTime, a.HasUpstreamConnect, a.HasUpstreamHeader, err != nil, string(r.RequestID)}
			if got != c.want {
				t.Errorf("%q\n got %+v\nwant %+v", c.rest, got, c.want)
			}
		})
	}
}

// TestParseCombinedTimedCaptures reads both captured key=value logs and
// checks each line against the client's record.
func TestParseCombinedTimedCaptures(t *testing.T) {
	rows := clientRows(t, "nginx")
	for _, file := range []string{"nginx-perf.log", "nginx-perf-named.log"} {
		lines := captureLines(t, file)
		if len(lines) != len(rows) {
			t.Fatalf("%s: %d lines, %d client rows", file, len(lines), len(rows))
		}
		for i, l := range lines {
			var r Record
			var a AccessFields
			ok, err := ParseCombinedTimed(l, &r, &a)
			if !ok || err != nil || !r.HasDuration || !a.HasUpstreamTime && rows[i].uri[:5] != "/down" && rows[i].outcome != "client_abort" {
				t.Fatalf("%s: %q: ok=%v err=%v %+v %+v", file, l, ok, err, r, a)
			}
			checkAccess(t, l, &r, &a)
			if float64(r.DurationUS)/1000 > rows[i].elapsedMS+1 {
				t.Errorf("%s: %q: %d µs, the client waited %.1f ms", file, l, r.DurationUS, rows[i].elapsedMS)
			}
			if rows[i].outcome == "client_abort" && r.RequestOutcome() != OutcomeClientAbort || rows[i].st == "504" && r.RequestOutcome() != OutcomeTimeout {
				t.Errorf("%s: %q: outcome %v", file, l, r.RequestOutcome())
			}
		}
	}
}

func TestParseTimingFieldsNoAllocs(t *testing.T) {
	var r Record
	var a AccessFields
	noAllocs(t, captureLines(t, "nginx-perf-named.log"), func(l []byte) {
		r.Reset()
		a.Reset()
		ParseCombinedTimed(l, &r, &a)
	})
}

func BenchmarkParseCombinedTimed(b *testing.B) {
	var r Record
	var a AccessFields
	benchmarkLines(b, captureLines(b, "nginx-perf.log"), func(l []byte) {
		r.Reset()
		a.Reset()
		ParseCombinedTimed(l, &r, &a)
	})
}

func FuzzParseTimingFields(f *testing.F) {
	for _, file := range []string{"nginx-perf.log", "nginx-perf-named.log"} {
		for _, l := range captureLines(f, file) {
			f.Add(l)
		}
	}
	f.Add([]byte(` urt="0.100, 0.200 : 0.300" us="502, 504 : 200" rt=`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		var a AccessFields
		n, _ := ParseTimingFields(line, &r, &a)
		if n < 0 || n > bytes.Count(line, []byte("=")) {
			t.Fatalf("%q: %d fields", line, n)
		}
		checkAccess(t, line, &r, &a)
		r.Reset()
		a.Reset()
		if ok, err := ParseCombinedTimed(line, &r, &a); ok && err == nil {
			checkAccess(t, line, &r, &a)
		}
	})
}
