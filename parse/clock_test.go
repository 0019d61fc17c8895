package parse

import (
	"testing"
	"time"
)

// Times as the real servers of testdata/capture wrote them, and as Go's
// time package reads them.
func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		layout TimeLayout
		text   string
		goFmt  string
	}{
		{TimeCtime, "Sun Nov 22 23:30:33 2026", time.ANSIC},                   // uWSGI request log and master prefix
		{TimeCtime, "Mon Feb  2 03:04:05 2026", time.ANSIC},                   // hand-written: a one-digit day is space-padded
		{TimeCLF, "22/Nov/2026:23:30:34 +0000", "02/Jan/2006:15:04:05 -0700"}, // nginx $time_local
		{TimeCLF, "22/Nov/2026:23:30:49 +0100", "02/Jan/2006:15:04:05 -0700"}, // hand-written: another zone
		{TimeYMD, "2026/11/22 23:30:34", "2006/01/02 15:04:05"},               // nginx error log
		{TimeYMD, "2026-11-22 23:31:08 +0000", "2006-01-02 15:04:05 -0700"},   // gunicorn error log
		{TimeYMD, "2026-11-22 23:31:02", "2006-01-02 15:04:05"},               // uWSGI --logdate
		{TimeYMD, "2026-11-22 23:31:02,125", "2006-01-02 15:04:05,000"},       // hand-written: Python logging's asctime
		{TimeRFC3339, "2026-11-22T23:30:33+00:00", time.RFC3339},              // nginx $time_iso8601
		{TimeRFC3339, "2026-11-22T23:30:33.123456Z", time.RFC3339Nano},        // hand-written: a JSON logger
		{TimeRFC3339, "2026-11-22T23:30:33-05:00", time.RFC3339},              // hand-written
	} {
		want, err := time.Parse(tc.goFmt, tc.text)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := ParseTime(tc.layout, []byte(tc.text))
		if !ok || got != want.UnixMicro() {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", tc.text, got, ok, want.UnixMicro())
		}
		if l := LayoutOf([]byte(tc.text)); l != tc.layout && !(l == TimeYMD && tc.layout == TimeRFC3339) {
			t.Errorf("LayoutOf(%q) = %d, want %d", tc.text, l, tc.layout)
		}
	}
	for _, tc := range []struct {
		text string
		us   int64
	}{
		{"1795390233", 1795390233_000000},     // uWSGI "since" of a harakiri status line
		{"1795390233.664", 1795390233_664000}, // nginx $msec
		{"1795390233664", 1795390233_664000},  // hand-written: epoch milliseconds
	} {
		got, ok := ParseTime(LayoutOf([]byte(tc.text)), []byte(tc.text))
		if !ok || got != tc.us {
			t.Errorf("%s: %d, %v; want %d", tc.text, got, ok, tc.us)
		}
	}
	for _, bad := range []string{"", "Sun Xyz 22 23:30:33 2026", "22/Nov/2026:25:30:34 +0000", "2026-13-22 23:30:34", "2026-11-22 23:30:34 +99", "1969-12-31 23:59:59", "abc"} {
		if us, ok := ParseTime(LayoutOf([]byte(bad)), []byte(bad)); ok {
			t.Errorf("%q read as %d", bad, us)
		}
	}
	if n := testing.AllocsPerRun(100, func() { ParseTime(TimeCLF, []byte("22/Nov/2026:23:30:34 +0100")) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// TestRecordTimes: the stream gives real lines their end and start times.
func TestRecordTimes(t *testing.T) {
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMicro()
	}
	for _, tc := range []struct {
		name       string
		lines      []string
		start, end string
	}{
		{"real uWSGI request log: the date is the start", []string{
			`[pid: 6843|app: 0|req: 2/3] 127.0.0.1 () {34 vars in 441 bytes} [Sun Nov 22 23:30:33 2026] GET /invoices/1/pdf => generated 48 bytes in 27 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)`,
		}, "2026-11-22T23:30:33Z", "2026-11-22T23:30:33.027Z"},
		{"real nginx access log: the date is the end", []string{
			`127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "slowroutes-capture/1.0" 1.001 1.000`,
		}, "2026-11-22T23:30:32.999Z", "2026-11-22T23:30:34Z"},
		{"real harakiri status line: since is the start, the prefix the kill", []string{
			`Sun Nov 22 23:30:41 2026 - *** HARAKIRI ON WORKER 2 (pid: 6844, try: 1) ***`,
			`Sun Nov 22 23:30:41 2026 - HARAKIRI !!! worker 2 status !!!`,
			`Sun Nov 22 23:30:41 2026 - HARAKIRI [core 0] 127.0.0.1 - GET /slow/7?page=2 since 1795390237`,
		}, "2026-11-22T23:30:37Z", "2026-11-22T23:30:41Z"},
		{"real gunicorn worker timeout", []string{
			`[2026-11-22 23:31:08 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6847)`,
		}, "", "2026-11-22T23:31:08Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStream(Config{}, "x")
			var got *Record
			keep := func(r *Record) {
				if r.Kind == KindRequest || r.Kind == KindTimeout {
					c := *r
					got = &c
				}
			}
			for _, l := range tc.lines {
				s.Line([]byte(l), 0, keep)
			}
			s.Close(keep) // a gunicorn timeout waits for its worker's last lines

			if got == nil {
				t.Fatal("no record")
			}
			wantStart := int64(0)
			if tc.start != "" {
				wantStart = at(tc.start)
			}
			if got.StartUS != wantStart || got.TimeUS != at(tc.end) {
				t.Errorf("start %d end %d, want %d %d", got.StartUS, got.TimeUS, wantStart, at(tc.end))
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"Sun Nov 22 23:30:33 2026", "22/Nov/2026:23:30:34 +0000", "2026-11-22 23:31:08 +0000", "2026-11-22T23:30:33.5Z", "1795390233.664"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := LayoutOf([]byte(s))
		us, ok := ParseTime(l, []byte(s))
		if !ok {
			return
		}
		// Whatever is accepted is a time between 1970 and 10000.
		if us < 0 || us > 253402300800*1e6 {
			t.Fatalf("%q read as %d", s, us)
		}
		var c timeCache
		if again, ok2 := c.parse(l, []byte(s)); !ok2 || again != us {
			t.Fatalf("cache: %d, want %d", again, us)
		}
		if again, _ := c.parse(l, []byte(s)); again != us {
			t.Fatalf("cached: %d, want %d", again, us)
		}
	})
}
