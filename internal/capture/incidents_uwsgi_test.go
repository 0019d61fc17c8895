package capture

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lines uWSGI 2.0.21 wrote in the incident capture. The request log is the
// default format, or in the ids setups the same shape rebuilt with
// log-format ("app: -|req: -/-") and " request_id=... worker=N start_ms=..."
// appended:
//
//	[pid: 31728|app: -|req: -/-] 127.0.0.2 (-) {36 vars in 522 bytes} [Tue Dec  1 07:24:21 2026] GET / => generated 13 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0) request_id=5368a62d-e91f-4ddc-a5fc-7bad1a4485c6 worker=2 start_ms=1796109861406
//
// Lines are matched anywhere in a line: one written while a worker's
// faulthandler dump is under way lands inside the dump's line.
var (
	uwsgiReqLineRe  = regexp.MustCompile(`\[pid: (\d+)\|app: \S+\|req: \S+\] (\S+) \([^)]*\) \{\d+ vars in \d+ bytes\} \[[^\]]+\] (\S+) (\S+) => generated \d+ bytes in \d+ msecs \(HTTP/[0-9.]+ (\d{3})\) \d+ headers in \d+ bytes \(\d+ switches on core \d+\)(?: request_id=(\S+) worker=\d+ start_ms=\d+)?$`)
	uwsgiBannerRe   = regexp.MustCompile(`(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) - \*\*\* HARAKIRI ON WORKER (\d+) \(pid: (\d+), try: 1\) \*\*\*$`)
	uwsgiCoreRe     = regexp.MustCompile(`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - HARAKIRI \[core \d+\] (\S+) - (\S+) (\S+) since (\d+)$`)
	uwsgiManagingRe = regexp.MustCompile(`(?:SIGUSR2|HARAKIRI): --- uWSGI worker \d+( core \d+)? \(pid: (\d+)\) (is|WAS) managing request (\S+) since \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} ---$`)
	uwsgiTBFrameRe  = regexp.MustCompile(`^thread_id = \S+ filename = (\S+) lineno = \d+ function = (\S+)(?: line = .*)?$`)
	uwsgiSIGPIPERe  = regexp.MustCompile(`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - SIGPIPE: writing to a closed pipe/socket/fd \(probably the client disconnected\) on request (\S+) \(ip (\S+)\) !!!$`)
	uwsgiEPIPERe    = regexp.MustCompile(`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - uwsgi_response_write_body_do\(\): Broken pipe \[core/writer\.c line \d+\] during (\S+) (\S+) \((\S+)\)$`)
	uwsgiListenRe   = regexp.MustCompile(`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - \*\*\* uWSGI listen queue of socket "127\.0\.0\.1:\d+" \(fd: \d+\) full !!! \((\d+)/(\d+)\) \*\*\*$`)
)

type uwsgiInstance struct {
	target, log string
}

var uwsgiInstances = []uwsgiInstance{
	{IncidentTargetUWSGI, "uwsgi.log"},
	{IncidentTargetUWSGIThreads, "uwsgi-threads.log"},
}

func forEachUWSGI(t *testing.T, fn func(t *testing.T, c incidentCase, in uwsgiInstance, facts []IncidentFact, lines []string)) {
	for _, c := range loadIncidents(t) {
		if c.setup.Kind != IncidentKindUWSGI {
			continue
		}
		for _, in := range uwsgiInstances {
			t.Run(c.setup.Name+"/"+in.log, func(t *testing.T) {
				fn(t, c, in, c.factsOf(in.target), c.lines(t, in.log))
			})
		}
	}
}

// TestIncidentUWSGIRequests: request-log lines, app lines and harakiri kills
// per route, for each uWSGI instance.
func TestIncidentUWSGIRequests(t *testing.T) {
	forEachUWSGI(t, func(t *testing.T, c incidentCase, in uwsgiInstance, facts []IncidentFact, lines []string) {
		tally := TallyIncidents(facts)
		srv := IncidentServersFor(IncidentKindUWSGI)
		used := map[int]bool{}
		ids := map[string]bool{}
		for _, f := range facts {
			if f.Served() {
				ids[f.Request.RequestID] = true
			}
		}
		reqLines, kills, finished, started := map[rm]int{}, map[rm]int{}, map[Key]int{}, 0
		var banner time.Time // of the latest harakiri banner
		var count struct{ banner, damn, respawn, listen int }
		for _, l := range lines {
			if m := uwsgiReqLineRe.FindStringSubmatch(l); m != nil {
				reqLines[rm{c.route(t, m[4]), m[3]}]++
				if m[5] != "200" {
					t.Errorf("status %s in %q: uWSGI logs 200 even when nginx answered 504 or 499", m[5], l)
				}
				if c.setup.IDs && !ids[m[6]] {
					t.Errorf("request id %q of no served request in %q", m[6], l)
				}
			}
			if m := uwsgiBannerRe.FindStringSubmatch(l); m != nil {
				at, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", m[1], time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				banner = at
				count.banner++
			}
			if m := uwsgiCoreRe.FindStringSubmatch(l); m != nil {
				since, _ := strconv.ParseInt(m[4], 10, 64)
				f, ok := killedFact(facts, used, m[2], m[3], since)
				if !ok {
					t.Fatalf("harakiri on %s %s since %d: no such killed request to this instance", m[2], m[3], since)
				}
				kills[rm{f.Request.Route, m[2]}]++
				if m[1] != f.Request.ClientAddr {
					t.Errorf("harakiri names client %s, the client used %s: %q", m[1], f.Request.ClientAddr, l)
				}
				// "since" is the request's start second; the kill comes at the
				// master's first check in the second after the deadline.
				d := banner.Sub(time.Unix(since, 0))
				if d < srv.Harakiri+time.Second || d > srv.Harakiri+2*time.Second+stallSlack {
					t.Errorf("banner %s after the start second, harakiri %s: %q", d, srv.Harakiri, l)
				}
			}
			if strings.Contains(l, `"event":"request_finished"`) {
				finished[appKey(t, c, l)]++
			}
			if strings.Contains(l, `"event":"request_started"`) {
				started++
			}
			if strings.HasPrefix(l, "DAMN ! worker ") && strings.Contains(l, ") died, killed by signal 9 :( trying respawn ...") {
				count.damn++
			}
			if strings.HasPrefix(l, "Respawned uWSGI worker ") {
				count.respawn++
			}
			if m := uwsgiListenRe.FindStringSubmatch(l); m != nil {
				count.listen++
				if m[2] != strconv.Itoa(srv.Listen) {
					t.Errorf("listen queue %s/%s, listen is %d", m[1], m[2], srv.Listen)
				}
			}
		}
		compare(t, "request-log lines", byRM(tally, func(n IncidentCounts) int { return n.UWSGILines }), reqLines)
		compare(t, "HARAKIRI [core N]", byRM(tally, func(n IncidentCounts) int { return n.Killed }), kills)
		compare(t, "request_finished", byKey(tally, func(n IncidentCounts) int { return n.AppFinished }), finished)
		total := tally.Total()
		if started != total.Sent {
			t.Errorf("%d request_started lines, %d requests", started, total.Sent)
		}
		if count.banner != total.Killed || count.damn != total.Killed || count.respawn != total.Killed {
			t.Errorf("banners %d, DAMN %d, respawned %d; %d killed", count.banner, count.damn, count.respawn, total.Killed)
		}
		if in.target == IncidentTargetUWSGI && count.listen == 0 {
			t.Error("no full listen queue, though both workers were busy while 6 requests arrived")
		}
	})
}

// killedFact finds the killed request a "HARAKIRI [core N]" line names:
// same method and URI, started in the second "since" names (or the one
// before, as the client's clock saw it), not yet matched.
func killedFact(facts []IncidentFact, used map[int]bool, method, uri string, since int64) (IncidentFact, bool) {
	for _, f := range facts {
		r := f.Request
		if f.Killed != "" && !used[r.Seq] && r.Method == method && r.URI == uri &&
			since >= r.Start.Unix() && since <= r.Start.Unix()+1 {
			used[r.Seq] = true
			return f, true
		}
	}
	return IncidentFact{}, false
}

// appKey is the key of an app JSON line (request_finished / request_aborted).
func appKey(t *testing.T, c incidentCase, line string) Key {
	t.Helper()
	var e struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Route  string `json:"route"`
		Op     string `json:"graphql_operation"`
	}
	if err := json.Unmarshal([]byte(appJSON(line)), &e); err != nil {
		t.Fatalf("%v in %q", err, line)
	}
	route := djangoParam.ReplaceAllString(e.Route, ":id")
	if r := c.routeOfPath(t, e.Path); r != route {
		t.Errorf("app route %q for path %q, the client record says %q", e.Route, e.Path, r)
	}
	return Key{Route: route, Method: e.Method, GraphQLOperation: e.Op}
}

// appJSON is the app's JSON object in a log line: the app writes each line
// with one write(), which may land inside a line of a faulthandler dump.
func appJSON(line string) string {
	if i := strings.Index(line, `{"event":`); i > 0 {
		return line[i:]
	}
	return line
}

// pidOfRequest is the pid in the app's request_started line for r (the
// request id in ids setups, else the path: unique for killed requests).
func pidOfRequest(t *testing.T, lines []string, r IncidentRequest) string {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, `"event":"request_started"`) && strings.Contains(l, `"path":"`+r.Path()+`"`) {
			var e struct{ PID int }
			if err := json.Unmarshal([]byte(appJSON(l)), &e); err != nil {
				t.Fatal(err)
			}
			return strconv.Itoa(e.PID)
		}
	}
	t.Fatalf("no request_started line for seq %d %s", r.Seq, r.URI)
	return ""
}

// TestIncidentUWSGISIGUSR2 checks the workers' answers to the client's
// SIGUSR2: one line per signal, "is managing" before the deadline and
// "WAS managing" after it, all before the master's harakiri banner.
func TestIncidentUWSGISIGUSR2(t *testing.T) {
	forEachUWSGI(t, func(t *testing.T, c incidentCase, in uwsgiInstance, facts []IncidentFact, lines []string) {
		driven := map[rm]int{}
		for _, s := range c.sigs {
			if s.Signal != "SIGUSR2" || s.Target != in.target {
				continue
			}
			r := c.reqs[indexOfSeq(t, c.reqs, s.Seq)]
			pid := strconv.Itoa(s.PID)
			if got := pidOfRequest(t, lines, r); got != pid {
				t.Errorf("seq %d: signals went to pid %s, the app logged pid %s", s.Seq, pid, got)
			}
			banner := -1
			var is, was, lastManaging int
			for i, l := range lines {
				if m := uwsgiBannerRe.FindStringSubmatch(l); m != nil && m[3] == pid {
					banner = i
				}
				m := uwsgiManagingRe.FindStringSubmatch(l)
				if m == nil || m[2] != pid {
					continue
				}
				if m[4] != r.URI {
					t.Errorf("pid %s managing %s, the client sent %s", pid, m[4], r.URI)
				}
				if (m[1] != "") != (in.target == IncidentTargetUWSGIThreads) {
					t.Errorf("core form %q in %s: %q", m[1], in.log, l)
				}
				if m[3] == "is" {
					is++
				} else {
					was++
				}
				lastManaging = i
			}
			if is+was != s.Sent || is == 0 || was == 0 {
				t.Errorf("seq %d: %d is / %d WAS managing lines for %d SIGUSR2", s.Seq, is, was, s.Sent)
			}
			if banner < 0 || lastManaging > banner {
				t.Errorf("seq %d: banner at line %d, last managing line at %d", s.Seq, banner+1, lastManaging+1)
			}
			if was > 0 {
				driven[rm{r.Route, r.Method}]++
			}
		}
		compare(t, "SIGUSR2-driven", byRM(TallyIncidents(facts), func(n IncidentCounts) int { return n.SIGUSR2Driven }), driven)
	})
}

func indexOfSeq(t *testing.T, reqs []IncidentRequest, seq int) int {
	t.Helper()
	for i, r := range reqs {
		if r.Seq == seq {
			return i
		}
	}
	t.Fatalf("no seq %d", seq)
	return -1
}

// TestIncidentUWSGIStacks checks the stacks the logs show against the app's
// design: the master's py-tracebacker output at every harakiri, and the
// app's faulthandler dumps (dump_traceback_later, SIGSYS).
func TestIncidentUWSGIStacks(t *testing.T) {
	forEachUWSGI(t, func(t *testing.T, c incidentCase, in uwsgiInstance, facts []IncidentFact, lines []string) {
		used := map[int]bool{}
		var wantTimeout, wantSignal []Frame
		for _, f := range facts {
			if _, stuck, ok := f.Stuck(); ok && f.TimeoutDump {
				wantTimeout = append(wantTimeout, stuck)
			}
			if _, stuck, ok := f.Stuck(); ok && f.SIGSYS {
				wantSignal = append(wantSignal, stuck)
			}
		}
		// py-tracebacker: "*** uWSGI Python tracebacker output ***", the
		// frames outermost first, then the status block naming the request.
		blocks := 0
		var frames [][2]string
		inBlock := false
		for _, l := range lines {
			switch {
			case l == "*** uWSGI Python tracebacker output ***":
				blocks++
				inBlock, frames = true, nil
			case inBlock && strings.HasPrefix(l, "thread_id = "):
				m := uwsgiTBFrameRe.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("tracebacker line %q", l)
				}
				frames = append(frames, [2]string{m[1], m[2]})
			case inBlock && uwsgiCoreRe.MatchString(l):
				inBlock = false
				m := uwsgiCoreRe.FindStringSubmatch(l)
				since, _ := strconv.ParseInt(m[4], 10, 64)
				f, ok := killedFact(facts, used, m[2], m[3], since)
				if !ok {
					t.Fatalf("harakiri on %s %s: no such killed request", m[2], m[3])
				}
				app, stuck, _ := f.Stuck()
				if len(frames) == 0 || !stuck.Matches(frames[len(frames)-1][0], frames[len(frames)-1][1]) {
					t.Errorf("tracebacker for %s ends in %v, want %s", m[3], frames, stuck)
				}
				if !hasInnermostApp(frames, app) {
					t.Errorf("tracebacker for %s: innermost app frame is not %s: %v", m[3], app, frames)
				}
			}
		}
		if n := TallyIncidents(facts).Total().Killed; blocks != n {
			t.Errorf("%d tracebacker blocks, %d killed", blocks, n)
		}
		timeoutHeader := fmt.Sprintf("Timeout (0:00:%02d)!", int(IncidentServersFor(IncidentKindUWSGI).DumpLater.Seconds()))
		for _, d := range parseDumps(lines) {
			fr, ok := d.innermostWithFrames()
			if !ok {
				t.Errorf("dump at line %d has no frames", d.line+1)
				continue
			}
			switch d.header {
			case timeoutHeader:
				if d.current >= 0 {
					t.Errorf("line %d: a Timeout dump has a Current thread", d.line+1)
				}
				var found bool
				if wantTimeout, found = takeFrame(wantTimeout, fr.path, fr.function); !found {
					t.Errorf("Timeout dump at line %d stuck in %s:%s, not expected", d.line+1, fr.path, fr.function)
				}
			case "":
				if d.current < 0 {
					t.Errorf("line %d: a SIGSYS dump without Current thread", d.line+1)
				}
				var found bool
				if wantSignal, found = takeFrame(wantSignal, fr.path, fr.function); !found {
					t.Errorf("SIGSYS dump at line %d stuck in %s:%s, not expected", d.line+1, fr.path, fr.function)
				}
			default:
				t.Errorf("dump with header %q at line %d", d.header, d.line+1)
			}
		}
		if len(wantTimeout)+len(wantSignal) > 0 {
			t.Errorf("missing dumps stuck in: Timeout %v, SIGSYS %v", wantTimeout, wantSignal)
		}
	})
}

func hasInnermostApp(frames [][2]string, app Frame) bool {
	for i := len(frames) - 1; i >= 0; i-- {
		if strings.Contains(frames[i][0], "/incidents/app/") {
			return app.Matches(frames[i][0], frames[i][1])
		}
	}
	return false
}

// TestIncidentUWSGIWriteErrors: a client abort on a streaming route makes
// uWSGI write into the connection nginx closed.
func TestIncidentUWSGIWriteErrors(t *testing.T) {
	forEachUWSGI(t, func(t *testing.T, c incidentCase, in uwsgiInstance, facts []IncidentFact, lines []string) {
		addr := map[string]string{}
		for _, f := range facts {
			addr[f.Request.URI] = f.Request.ClientAddr
		}
		sigpipe, epipe := map[rm]int{}, map[rm]int{}
		for _, l := range lines {
			if m := uwsgiSIGPIPERe.FindStringSubmatch(l); m != nil {
				sigpipe[rm{c.route(t, m[1]), "GET"}]++
				if addr[m[1]] != m[2] {
					t.Errorf("ip %s in %q, the client used %s", m[2], l, addr[m[1]])
				}
			}
			if m := uwsgiEPIPERe.FindStringSubmatch(l); m != nil {
				epipe[rm{c.route(t, m[2]), m[1]}]++
				if addr[m[2]] != m[3] {
					t.Errorf("ip %s in %q, the client used %s", m[3], l, addr[m[2]])
				}
			}
		}
		want := byRM(TallyIncidents(facts), func(n IncidentCounts) int { return n.WritesClosed })
		compare(t, "SIGPIPE lines", want, sigpipe)
		compare(t, "Broken pipe lines", want, epipe)
		if n, w := countContaining(lines, "OSError: write error"), TallyIncidents(facts).Total().WritesClosed; n != w {
			t.Errorf("%d OSError: write error lines, expected %d", n, w)
		}
	})
}
