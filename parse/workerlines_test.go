package parse

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// workerStartLine is the oracle of TestUWSGIWorkerStartsOfCaptures: uWSGI
// 2.0.21's "spawned uWSGI worker 1 (pid: 6845, cores: 1)" and "Respawned
// uWSGI worker 1 (new pid: 7347)" (core/master_utils.c uwsgi_respawn_worker),
// anywhere in the line, so whatever prefix --log-date puts before them.
var workerStartLine = regexp.MustCompile(`spawned uWSGI worker ([0-9]+) \((?:new )?pid: ([0-9]+)[,)]`)

// TestUWSGIWorkerStartsOfCaptures: every worker start and respawn of the
// real uWSGI captures, with and without --log-date's prefix, is one
// KindWorkerStart of that worker and pid, timed when the line is.
func TestUWSGIWorkerStartsOfCaptures(t *testing.T) {
	for _, name := range []string{"uwsgi.log", "uwsgi-logdate.log"} {
		t.Run(name, func(t *testing.T) {
			lines := realCaptureLines(t, name)
			var want []string
			for _, l := range lines {
				if m := workerStartLine.FindSubmatch(l); m != nil {
					want = append(want, fmt.Sprintf("worker %s pid %s timed %t", m[1], m[2], !bytes.HasPrefix(l, []byte("spawned")) && !bytes.HasPrefix(l, []byte("Respawned"))))
				}
			}
			if len(want) < 4 {
				t.Fatalf("%d worker start lines in the capture, want at least 4", len(want))
			}
			var got []string
			s := NewStream(Config{}, name)
			emit := func(r *Record) {
				if r.Kind == KindWorkerStart {
					got = append(got, fmt.Sprintf("worker %d pid %d timed %t", r.Worker, r.PID, r.TimeUS > 0))
				}
			}
			for _, l := range lines {
				s.Line(l, 0, emit)
			}
			s.Close(emit)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("worker starts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseUWSGIWorkerStart: the worker start lines, with either date
// prefix uwsgi_log_verbose writes, and the lines that share their words.
func TestParseUWSGIWorkerStart(t *testing.T) {
	type want struct {
		Ok          bool
		Err         error
		Kind        UWSGIEventKind
		Worker, PID int
		Time        string
	}
	for _, c := range []struct {
		name, line string
		want       want
	}{
		{"real, no prefix (uwsgi.log)", `spawned uWSGI worker 1 (pid: 6843, cores: 1)`,
			want{true, nil, UWSGISpawned, 1, 6843, ""}},
		{"real, --log-date prefix (uwsgi-logdate.log)", `2026-11-22 23:30:33 - spawned uWSGI worker 2 (pid: 6846, cores: 1)`,
			want{true, nil, UWSGISpawned, 2, 6846, "2026-11-22 23:30:33"}},
		{"real respawn, --log-date prefix (uwsgi-logdate.log)", `2026-11-22 23:31:03 - Respawned uWSGI worker 1 (new pid: 7347)`,
			want{true, nil, UWSGIRespawned, 1, 7347, "2026-11-22 23:31:03"}},
		{"real respawn, no prefix (uwsgi.log)", `Respawned uWSGI worker 2 (new pid: 6988)`,
			want{true, nil, UWSGIRespawned, 2, 6988, ""}},
		{"hand-written, ctime prefix", `Sun Nov 22 23:30:33 2026 - spawned uWSGI worker 3 (pid: 77, cores: 4)`,
			want{true, nil, UWSGISpawned, 3, 77, "Sun Nov 22 23:30:33 2026"}},
		{"real master start: not a worker", `2026-11-22 23:30:33 - spawned uWSGI master process (pid: 6833)`,
			want{}},
		{"real SIGUSR2 report: the same words, another line (incidents/uwsgi-noids/uwsgi.log)",
			`SIGUSR2: --- uWSGI worker 2 (pid: 471) is managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`,
			want{true, nil, UWSGIManaging, 0, 0, ""}},
		{"hand-written, cut off", `spawned uWSGI worker 1 (pid: 6843`, want{true, BadNumber, UWSGINone, 1, 6843, ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ev UWSGIEvent
			ok, err := ParseUWSGIEvent([]byte(c.line), &ev)
			got := want{ok, err, ev.Kind, ev.Worker, ev.PID, string(ev.Time)}
			if diff := cmp.Diff(c.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.line, diff)
			}
		})
	}
}
