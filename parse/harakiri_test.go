package parse

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// One SIGUSR2-driven harakiri of uWSGI 2.0.21, lines as written in
// testdata/captures/incidents/uwsgi-noids/uwsgi.log (C backtraces and the
// py-tracebacker output between them left out): the worker's answers to
// SIGUSR2 before and after the deadline, then the master's kill.
var (
	realManaging   = `SIGUSR2: --- uWSGI worker 2 (pid: 471) is managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`
	realWAS        = `HARAKIRI: --- uWSGI worker 2 (pid: 471) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`
	realKillBanner = `Tue Dec  1 07:25:33 2026 - *** HARAKIRI ON WORKER 2 (pid: 471, try: 1) ***`
	realKillBlock  = []string{
		`HARAKIRI: -- syscall> 230 0x1 0x1 0x7ffd09393790 0x0 0x0 0x0 0x7ffd09393750 0x7fdbb5341545`,
		`HARAKIRI: -- wchan> hrtimer_nanosleep`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI !!! worker 2 status !!!`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI [core 0] 127.0.0.2 - GET /invoices/4242/pdf?regenerate=1 since 1796109929`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI !!! end of worker 2 status !!!`,
		`{"event":"request_started","pid":509,"method":"POST","path":"/api/v1/payments/981/capture"}`,
		`DAMN ! worker 2 (pid: 471) died, killed by signal 9 :( trying respawn ...`,
		`Respawned uWSGI worker 2 (new pid: 571)`,
	}
	// The same with --threads 2 (uwsgi-noids/uwsgi-threads.log): "worker N core N".
	realThreadsKill = []string{
		`SIGUSR2: --- uWSGI worker 1 core 0 (pid: 32672) is managing request /invoices/4343/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`,
		`HARAKIRI: --- uWSGI worker 1 core 0 (pid: 32672) WAS managing request /invoices/4343/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`,
		`HARAKIRI: --- uWSGI worker 1 core 0 (pid: 32672) WAS managing request /invoices/4343/pdf?regenerate=1 since Tue Dec  1 07:25:29 2026 ---`,
		`Tue Dec  1 07:25:33 2026 - *** HARAKIRI ON WORKER 1 (pid: 32672, try: 1) ***`,
		`HARAKIRI: -- syscall> 230 0x1 0x1 0x7ffc84e405d0 0x0 0x3 0x0 0x7ffc84e40590 0x7f96e10ed545`,
		`HARAKIRI: -- wchan> hrtimer_nanosleep`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI !!! worker 1 status !!!`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI [core 0] 127.0.0.3 - GET /invoices/4343/pdf?regenerate=1 since 1796109929`,
		`Tue Dec  1 07:25:33 2026 - HARAKIRI !!! end of worker 1 status !!!`,
		`DAMN ! worker 1 (pid: 32672) died, killed by signal 9 :( trying respawn ...`,
		`Respawned uWSGI worker 1 (new pid: 570)`,
	}
)

func realSIGUSR2Kill() []string {
	lines := []string{realManaging, realManaging, realWAS, realWAS, realWAS, realWAS, realKillBanner}
	return append(lines, realKillBlock...)
}

// streamsOf runs each part as its own stream (a delivery in a fresh
// container) and returns every record of all of them.
func streamsOf(t *testing.T, parts ...[]string) []got {
	t.Helper()
	var all []got
	for _, p := range parts {
		recs, _ := collect(t, Config{}, "uwsgi.log", p...)
		all = append(all, recs...)
	}
	return all
}

func TestHarakiriWASBeforeBanner(t *testing.T) {
	one := []string{"uwsgi_harakiri GET /invoices/4242/pdf?regenerate=1"}
	for _, tt := range []struct {
		name  string
		parts [][]string
		want  []string
	}{
		{"real: SIGUSR2 before and after the deadline, then the kill", [][]string{realSIGUSR2Kill()}, one},
		{"real threads: worker N core N", [][]string{realThreadsKill}, []string{"uwsgi_harakiri GET /invoices/4343/pdf?regenerate=1"}},
		{"real: SIGUSR2 before the deadline only is no timeout", [][]string{{realManaging, realManaging}}, nil},
		{"real: WAS lines without their kill are no timeout", [][]string{{realManaging, realWAS, realWAS}}, nil},
		{"real: cut between the WAS lines and the banner", [][]string{{realManaging, realWAS}, append([]string{realWAS, realKillBanner}, realKillBlock...)}, one},
		{"real, reordered by hand: the WAS line after the status block", [][]string{append(append([]string{realKillBanner}, realKillBlock[:5]...), realWAS, realKillBlock[6])}, one},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs := streamsOf(t, tt.parts...)
			if diff := cmp.Diff(tt.want, timeouts(recs)); diff != "" {
				t.Errorf("timeouts (-want +got):\n%s", diff)
			}
			if n := kinds(recs, KindHarakiriIdle); n != 0 {
				t.Errorf("%d idle-worker kills", n)
			}
		})
	}
	// SIGUSR2 answers are uWSGI lines, recognized.
	if _, outs := collect(t, Config{}, "uwsgi.log", realManaging, realWAS); outs[0] != Matched || outs[1] != Matched {
		t.Errorf("outcomes %v", outs)
	}
}

// TestHarakiriBlockCut: a status block cut anywhere, each part in a fresh
// stream, is one timeout and never an idle-worker kill.
func TestHarakiriBlockCut(t *testing.T) {
	kill := append([]string{realKillBanner}, realKillBlock...)
	for cut := 1; cut < len(kill); cut++ {
		recs := streamsOf(t, kill[:cut], kill[cut:])
		if got := timeouts(recs); len(got) != 1 || got[0] != "uwsgi_harakiri GET /invoices/4242/pdf?regenerate=1" {
			t.Errorf("cut before line %d: timeouts %q", cut, got)
		}
		if n := kinds(recs, KindHarakiriIdle); n != 0 {
			t.Errorf("cut before line %d: %d idle-worker kills", cut, n)
		}
	}
	// The status line on its own still counts.
	if got := timeouts(streamsOf(t, []string{realKillBlock[3]})); len(got) != 1 {
		t.Errorf("a status line on its own: %q", got)
	}
	// A block begun and ended with no request in it (hand-written: the real
	// block without its core line) is an idle-worker kill.
	idle := []string{realKillBanner, realKillBlock[2], realKillBlock[4], realKillBlock[6]}
	if recs := streamsOf(t, idle); kinds(recs, KindHarakiriIdle) != 1 || len(timeouts(recs)) != 0 {
		t.Errorf("empty block: %d idle, timeouts %q", kinds(recs, KindHarakiriIdle), timeouts(recs))
	}
	// A banner alone, or a block's start alone, is not.
	for _, part := range [][]string{{realKillBanner}, {realKillBanner, realKillBlock[2]}} {
		if recs := streamsOf(t, part); kinds(recs, KindHarakiriIdle) != 0 {
			t.Errorf("%q: idle-worker kill", part)
		}
	}
}

// realKillStatus is the real banner and status block of the SIGUSR2 kill.
func realKillStatus() []string {
	return append([]string{realKillBanner}, realKillBlock[2:5]...)
}

// rewritten returns lines with old/new string pairs replaced: the real
// lines of one kill as another try or another zone would have written them.
func rewritten(lines []string, oldnew ...string) []string {
	r := strings.NewReplacer(oldnew...)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = r.Replace(l)
	}
	return out
}

// TestHarakiriRetryBlock: a try 2 banner's block names the request of try 1
// again (the real block rewritten as a second later, try 2; uWSGI 2.0.21
// retries a worker that did not die).
func TestHarakiriRetryBlock(t *testing.T) {
	retry := rewritten(realKillStatus(), "07:25:33", "07:25:34", "try: 1", "try: 2")
	first := append([]string{realKillBanner}, realKillBlock[:5]...)
	for name, parts := range map[string][][]string{
		"one stream":     {append(append([]string{}, first...), retry...)},
		"two deliveries": {first, retry},
	} {
		recs := streamsOf(t, parts...)
		if got := timeouts(recs); len(got) != 1 {
			t.Errorf("%s: timeouts %q", name, got)
		}
		if n := kinds(recs, KindHarakiri); n != 2 {
			t.Errorf("%s: %d banners", name, n)
		}
	}
}

// TestHarakiriZoneOffset: a WAS line's ctime is local time; against the
// status line's epoch it may be a zone offset apart, and is still the same
// request (the real lines rewritten as a server 1 h east of UTC writes
// them: its ctimes an hour later, the epoch the same).
func TestHarakiriZoneOffset(t *testing.T) {
	lines := rewritten(append(realKillStatus(), realWAS), " 07:25:", " 08:25:")
	if got := timeouts(streamsOf(t, lines)); len(got) != 1 {
		t.Errorf("timeouts %q", got)
	}
}
