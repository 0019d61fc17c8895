package capture

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lines gunicorn 20.1.0 wrote in the incident capture: the access log
// ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s', plus
// ' %({x-request-id}i)s' in the ids setups; %(h)s is empty on the unix
// socket) and the arbiter's and workers' lines in the error log. These may
// start mid-line: a line written while a worker's faulthandler dump is under
// way lands inside it, e.g.
//
//	File [2026-12-01 07:19:32 +0000] [20851] [CRITICAL] WORKER TIMEOUT (pid:21289)
var (
	gunicornAccessRe   = regexp.MustCompile(`^(\S*) - \S+ \[[^\]]+\] "(\S+) (\S+) HTTP/[0-9.]+" (\d{3}) (?:\d+|-) "[^"]*" "[^"]*" (\d+)(?: (\S+))?$`)
	gunicornTimeoutRe  = regexp.MustCompile(`\[20[^\]]+\] \[\d+\] \[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)$`)
	gunicornExitingRe  = regexp.MustCompile(`\[20[^\]]+\] \[(\d+)\] \[INFO\] Worker exiting \(pid: (\d+)\)$`)
	gunicornSignalRe   = regexp.MustCompile(`\[20[^\]]+\] \[\d+\] \[WARNING\] Worker with pid (\d+) was terminated due to signal (\d+)$`)
	gunicornBootingRe  = regexp.MustCompile(`\[20[^\]]+\] \[(\d+)\] \[INFO\] Booting worker with pid: (\d+)$`)
	gunicornTimeoutSec = regexp.MustCompile(`\[(20[^\]]+)\] \[\d+\] \[CRITICAL\] WORKER TIMEOUT`)
)

func forEachGunicorn(t *testing.T, fn func(t *testing.T, c incidentCase)) {
	for _, c := range loadIncidents(t) {
		if c.setup.Kind == IncidentKindGunicorn {
			t.Run(c.setup.Name, func(t *testing.T) { fn(t, c) })
		}
	}
}

// TestIncidentGunicornAccess: gunicorn writes an access line only for a
// response it wrote completely; through nginx's unix socket %(h)s is empty.
func TestIncidentGunicornAccess(t *testing.T) {
	forEachGunicorn(t, func(t *testing.T, c incidentCase) {
		want := map[string]bool{} // request ids of the requests that get a line
		direct := map[string]string{}
		for _, f := range c.facts {
			if f.Count().GunicornAccess == 1 {
				want[f.Request.RequestID] = true
			}
			if !f.Request.ViaNginx() {
				direct[f.Request.URI] = f.Request.ClientAddr
			}
		}
		got := map[rm]int{}
		var viaNginx, viaTCP int
		for _, l := range c.lines(t, "gunicorn-access.log") {
			m := gunicornAccessRe.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("unparsed access line %q", l)
			}
			got[rm{c.route(t, m[3]), m[2]}]++
			if m[1] == "" {
				viaNginx++
				if !strings.HasPrefix(l, " - - [") {
					t.Errorf("empty %%(h)s but line %q", l)
				}
			} else {
				viaTCP++
				if direct[m[3]] != m[1] {
					t.Errorf("direct line from %s for %s, the client used %q", m[1], m[3], direct[m[3]])
				}
			}
			if m[4] != "200" {
				t.Errorf("status %s in %q", m[4], l)
			}
			if c.setup.IDs != (m[6] != "") || (c.setup.IDs && !want[m[6]]) {
				t.Errorf("request id %q in %q", m[6], l)
			}
		}
		compare(t, "access lines", byRM(c.tally, func(n IncidentCounts) int { return n.GunicornAccess }), got)
		var wantNginx, wantTCP int
		for _, f := range c.facts {
			if f.Count().GunicornAccess == 1 {
				if f.Request.ViaNginx() {
					wantNginx++
				} else {
					wantTCP++
				}
			}
		}
		if viaNginx != wantNginx || viaTCP != wantTCP {
			t.Errorf("%d unix-socket and %d TCP lines, expected %d and %d", viaNginx, viaTCP, wantNginx, wantTCP)
		}
	})
}

// TestIncidentGunicornTimeouts ties every WORKER TIMEOUT (pid:N) to the
// route of the app's request_aborted line from pid N, and checks the order
// WORKER TIMEOUT < request_aborted < Worker exiting, the SIGKILLs, the
// faulthandler dumps and the respawns.
func TestIncidentGunicornTimeouts(t *testing.T) {
	forEachGunicorn(t, func(t *testing.T, c incidentCase) {
		srv := IncidentServersFor(IncidentKindGunicorn)
		lo, hi := srv.KillWindow()
		lines := c.lines(t, "gunicorn-error.log")
		type worker struct {
			timeout, aborted, exiting int // line indexes, -1 when absent
			key                       Key
			blocks                    bool
			signal                    string
		}
		workers := map[string]*worker{}
		var order []string
		blocks := map[Key]bool{}
		for _, f := range c.facts {
			if f.AbortBlocks {
				blocks[f.Request.Key()] = true
			}
		}
		finished, aborted := map[Key]int{}, map[Key]int{}
		var started, booting int
		for i, l := range lines {
			if m := gunicornTimeoutRe.FindStringSubmatch(l); m != nil {
				if workers[m[1]] != nil {
					t.Fatalf("two WORKER TIMEOUT lines for pid %s", m[1])
				}
				workers[m[1]] = &worker{timeout: i, aborted: -1, exiting: -1}
				order = append(order, m[1])
			}
			if m := gunicornExitingRe.FindStringSubmatch(l); m != nil && workers[m[2]] != nil {
				if m[1] != m[2] {
					t.Errorf("Worker exiting logged by %s for %s", m[1], m[2])
				}
				workers[m[2]].exiting = i
			}
			if m := gunicornSignalRe.FindStringSubmatch(l); m != nil {
				w := workers[m[1]]
				if w == nil {
					t.Errorf("%q: a worker without WORKER TIMEOUT", l)
					continue
				}
				w.signal = m[2]
			}
			if m := gunicornBootingRe.FindStringSubmatch(l); m != nil && m[1] == m[2] {
				booting++
			}
			switch {
			case strings.Contains(l, `"event":"request_started"`):
				started++
			case strings.Contains(l, `"event":"request_finished"`):
				finished[appKey(t, c, l)]++
			case strings.Contains(l, `"event":"request_aborted"`):
				k := appKey(t, c, l)
				aborted[k]++
				var e struct {
					PID        int     `json:"pid"`
					Status     int     `json:"status"`
					DurationMS float64 `json:"duration_ms"`
				}
				if err := json.Unmarshal([]byte(appJSON(l)), &e); err != nil {
					t.Fatal(err)
				}
				w := workers[strconv.Itoa(e.PID)]
				if w == nil || w.aborted >= 0 {
					t.Fatalf("request_aborted of pid %d without a WORKER TIMEOUT before it: %q", e.PID, l)
				}
				w.aborted, w.key, w.blocks = i, k, blocks[k]
				d := time.Duration(e.DurationMS * float64(time.Millisecond))
				if e.Status != 500 || d <= lo || d > hi+stallSlack {
					t.Errorf("status %d after %s, kill window (%s, %s]: %q", e.Status, d, lo, hi, l)
				}
			}
		}
		total := c.tally.Total()
		perKey := map[Key]int{}
		var exiting, sig9 int
		for _, pid := range order {
			w := workers[pid]
			if w.aborted < 0 {
				t.Errorf("WORKER TIMEOUT (pid:%s) without the app's request_aborted line", pid)
				continue
			}
			perKey[w.key]++
			if w.exiting >= 0 {
				exiting++
				if w.exiting < w.aborted {
					t.Errorf("pid %s: Worker exiting before request_aborted", pid)
				}
			}
			if w.signal != "" && w.signal != "9" {
				t.Errorf("pid %s terminated by signal %s", pid, w.signal)
			}
			if w.signal == "9" {
				sig9++
			}
			// A worker whose abort hook blocks never gets to "Worker
			// exiting"; the arbiter SIGKILLs it at its next pass.
			if w.blocks && (w.exiting >= 0 || w.signal != "9") {
				t.Errorf("pid %s (%v) blocks in its abort hook: exiting line %d, signal %q", pid, w.key, w.exiting+1, w.signal)
			}
			if !w.blocks && w.exiting < 0 {
				t.Errorf("pid %s (%v): no Worker exiting line", pid, w.key)
			}
		}
		compare(t, "WORKER TIMEOUT by request_aborted", byKey(c.tally, func(n IncidentCounts) int { return n.Killed }), perKey)
		compare(t, "request_aborted", byKey(c.tally, func(n IncidentCounts) int { return n.AppAborted }), aborted)
		compare(t, "request_finished", byKey(c.tally, func(n IncidentCounts) int { return n.AppFinished }), finished)
		if len(order) != total.Killed || exiting != total.Killed-total.AbortBlocks {
			t.Errorf("%d WORKER TIMEOUT, %d Worker exiting for them; %d killed, %d blocking", len(order), exiting, total.Killed, total.AbortBlocks)
		}
		// Workers aborted in one pass race: the first to exit wakes the
		// arbiter, which SIGKILLs the other if it is still finalizing.
		if sig9 < total.AbortBlocks || sig9 > total.Killed {
			t.Errorf("%d workers terminated by signal 9; %d block, %d killed", sig9, total.AbortBlocks, total.Killed)
		}
		t.Logf("%d WORKER TIMEOUT, %d terminated due to signal 9 (%d of them blocked)", len(order), sig9, total.AbortBlocks)
		if started != total.Sent || booting != 2+total.Killed {
			t.Errorf("%d request_started, %d Booting; %d requests, %d killed", started, booting, total.Sent, total.Killed)
		}
	})
}

// TestIncidentGunicornDumps checks faulthandler's "Fatal Python error:
// Aborted" dumps: one per aborted worker, and every dump that is not
// interleaved with another stuck where the app's design says.
func TestIncidentGunicornDumps(t *testing.T) {
	forEachGunicorn(t, func(t *testing.T, c incidentCase) {
		lines := c.lines(t, "gunicorn-error.log")
		var want []Frame
		for _, f := range c.facts {
			if _, stuck, ok := f.Stuck(); ok && f.AbortDump {
				want = append(want, stuck)
			}
		}
		n := 0
		for _, l := range lines {
			n += strings.Count(l, "Fatal Python error: ")
		}
		if n != c.tally.Total().AbortDumps {
			t.Errorf("%d Fatal Python error, %d aborted workers", n, c.tally.Total().AbortDumps)
		}
		clean := 0
		for _, d := range parseDumps(lines) {
			if d.header != "Fatal Python error: Aborted" || d.current != 0 || len(d.threads) != 1 {
				continue
			}
			fr := d.threads[0]
			if len(fr) == 0 || !strings.HasSuffix(fr[len(fr)-1].path, "/gunicorn") {
				continue // cut short by another dump
			}
			clean++
			var found bool
			if want, found = takeFrame(want, fr[0].path, fr[0].function); !found {
				t.Errorf("dump at line %d stuck in %s:%s, not expected", d.line+1, fr[0].path, fr[0].function)
			}
		}
		t.Logf("%d aborted workers, %d dumps not interleaved", n, clean)
	})
}

// gunicornSameSecond counts the seconds with WORKER TIMEOUT lines for both
// workers.
func gunicornSameSecond(lines []string) int {
	per := map[string]int{}
	for _, l := range lines {
		if m := gunicornTimeoutSec.FindStringSubmatch(l); m != nil {
			per[m[1]]++
		}
	}
	n := 0
	for _, v := range per {
		if v >= 2 {
			n++
		}
	}
	return n
}

// interleavedDumpLines counts the lines of gunicorn-error.log that are
// neither gunicorn's, the app's, nor a well-formed dump line: the
// byte-by-byte mix of two dumps written at once.
func interleavedDumpLines(lines []string) int {
	n := 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "[20"), strings.HasPrefix(l, `{"event":`), l == "",
			l == "Fatal Python error: Aborted",
			strings.HasPrefix(l, "Current thread 0x") && strings.HasSuffix(l, " (most recent call first):"):
			continue
		}
		if f, ok := parseDumpFrame(l); ok && !strings.Contains(f.path, "\"") && strings.Count(l, "File") == 1 {
			continue
		}
		n++
	}
	return n
}
