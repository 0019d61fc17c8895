package capture

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nginx 1.22.1 access lines of the incident capture: "timed" (combined +
// $request_time $upstream_response_time), "timed_ids" (the same +
// "$http_x_request_id" $request_id) and plain combined.
var (
	nginxTimedRe    = regexp.MustCompile(`^(\S+) - \S+ \[([^\]]+)\] "(\S+) (\S+) HTTP/[0-9.]+" (\d{3}) \d+ "[^"]*" "([^"]*)" ([0-9.]+) (\S+)$`)
	nginxTimedIDsRe = regexp.MustCompile(`^(\S+) - \S+ \[([^\]]+)\] "(\S+) (\S+) HTTP/[0-9.]+" (\d{3}) \d+ "[^"]*" "([^"]*)" ([0-9.]+) (\S+) "([^"]*)" ([0-9a-f]{32})$`)
	nginxCombinedRe = regexp.MustCompile(`^(\S+) - \S+ \[([^\]]+)\] "(\S+) (\S+) HTTP/[0-9.]+" (\d{3}) \d+ "[^"]*" "([^"]*)"$`)
	nginxErrRe      = regexp.MustCompile(`, client: (\S+), server: \S+, request: "(\S+) (\S+) HTTP/[0-9.]+"`)
)

type nginxLine struct {
	addr, method, uri, agent string
	end                      time.Time
	status                   int
	requestTime              float64 // -1 when the format has none
	requestID                string  // $http_x_request_id, "" when not logged
}

func parseNginxLines(t *testing.T, c incidentCase, name string, re *regexp.Regexp) []nginxLine {
	t.Helper()
	var out []nginxLine
	for _, l := range c.lines(t, name) {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("%s/%s: unparsed line %q", c.setup.Name, name, l)
		}
		end, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
		if err != nil {
			t.Fatal(err)
		}
		st, _ := strconv.Atoi(m[5])
		nl := nginxLine{addr: m[1], method: m[3], uri: m[4], agent: m[6], end: end, status: st, requestTime: -1}
		if len(m) > 7 {
			if nl.requestTime, err = strconv.ParseFloat(m[7], 64); err != nil {
				t.Fatal(err)
			}
		}
		if len(m) > 9 {
			nl.requestID = m[9]
		}
		out = append(out, nl)
	}
	return out
}

// TestIncidentNginxAccess holds every nginx access log of every setup to the
// derived counts: lines, statuses and retries per route, read timeouts.
func TestIncidentNginxAccess(t *testing.T) {
	for _, c := range loadIncidents(t) {
		t.Run(c.setup.Name, func(t *testing.T) {
			logs := map[string]*regexp.Regexp{"nginx-access.log": nginxTimedRe, "nginx-access-combined.log": nginxCombinedRe}
			if c.setup.IDs {
				logs = map[string]*regexp.Regexp{"nginx-access.log": nginxTimedIDsRe}
			}
			for name, re := range logs {
				lines := parseNginxLines(t, c, name, re)
				checkNginxLines(t, c, name, lines)
			}
		})
	}
}

func checkNginxLines(t *testing.T, c incidentCase, name string, lines []nginxLine) {
	srv := IncidentServersFor(c.setup.Kind)
	lo, hi := srv.KillWindow()
	got := map[string]map[rm]int{}
	add := func(what string, k rm) {
		if got[what] == nil {
			got[what] = map[rm]int{}
		}
		got[what][k]++
	}
	type client struct {
		addr, agent string
		k           rm
	}
	last := map[client]nginxLine{}
	ids := map[string]bool{}
	for _, l := range lines {
		k := rm{c.route(t, l.uri), l.method}
		add("lines", k)
		switch l.status {
		case 200, 502, 504, 499:
			add(strconv.Itoa(l.status), k)
		default:
			t.Errorf("%s: status %d for %s %s", name, l.status, l.method, l.uri)
		}
		cl := client{l.addr, l.agent, k}
		if p, ok := last[cl]; ok && (p.status == 504 || p.status == 499) && l.end.Sub(p.end) <= RetryWindow {
			add("retries", k)
		}
		last[cl] = l
		if l.requestTime >= 0 {
			rt := time.Duration(l.requestTime * float64(time.Second))
			switch want := srv.ReadTimeoutFor(k.route); {
			case l.status == 504 && (rt < want*9/10 || rt > want*11/10):
				t.Errorf("%s: 504 after %s on %s, read timeout %s", name, rt, l.uri, want)
			case l.status == 502 && (rt <= lo || rt > hi+time.Second+stallSlack):
				// +1s: a worker whose abort hook blocks is SIGKILLed at the
				// arbiter's next pass.
				t.Errorf("%s: 502 after %s on %s, outside the kill window (%s, %s]", name, rt, l.uri, lo, hi+time.Second+stallSlack)
			}
		}
		if l.requestID != "" {
			ids[l.requestID] = true
		}
	}
	prefix := c.setup.Name + "/" + name + " "
	compare(t, prefix+"lines", byRM(c.nginx, func(n IncidentCounts) int { return n.NginxLines }), got["lines"])
	compare(t, prefix+"200", byRM(c.nginx, func(n IncidentCounts) int { return n.Status200 }), got["200"])
	compare(t, prefix+"502", byRM(c.nginx, func(n IncidentCounts) int { return n.Status502 }), got["502"])
	compare(t, prefix+"504", byRM(c.nginx, func(n IncidentCounts) int { return n.Status504 }), got["504"])
	compare(t, prefix+"499", byRM(c.nginx, func(n IncidentCounts) int { return n.ClientAborts }), got["499"])
	compare(t, prefix+"retries", byRM(c.nginx, func(n IncidentCounts) int { return n.Retries }), got["retries"])
	if c.setup.IDs {
		for _, r := range c.reqs {
			if r.ViaNginx() && !ids[r.RequestID] {
				t.Errorf("%s: no line with X-Request-ID %s (seq %d)", prefix, r.RequestID, r.Seq)
			}
		}
		if len(ids) != c.nginx.Total().NginxLines {
			t.Errorf("%s: %d distinct request ids, %d requests", prefix, len(ids), c.nginx.Total().NginxLines)
		}
	}
}

// TestIncidentNginxJSON checks the escape=json access log of the ids setups
// per full key: its request_body names the GraphQL operation of a POST.
func TestIncidentNginxJSON(t *testing.T) {
	for _, c := range loadIncidents(t) {
		if !c.setup.IDs {
			continue
		}
		t.Run(c.setup.Name, func(t *testing.T) {
			got := map[string]map[Key]int{"lines": {}, "504": {}, "502": {}, "499": {}}
			for _, l := range c.lines(t, "nginx-access.json") {
				var e struct {
					Method    string `json:"request_method"`
					URI       string `json:"request_uri"`
					Status    int    `json:"status"`
					Body      string `json:"request_body"`
					RequestID string `json:"http_x_request_id"`
					NginxID   string `json:"request_id"`
				}
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatalf("%v in %q", err, l)
				}
				k := Key{Route: c.route(t, e.URI), Method: e.Method}
				if k.Route == "/graphql" {
					k.GraphQLOperation = graphqlOperation(t, e.URI, e.Body)
				}
				got["lines"][k]++
				if s := strconv.Itoa(e.Status); got[s] != nil {
					got[s][k]++
				}
				if len(e.NginxID) != 32 || e.RequestID == "" || e.RequestID == e.NginxID {
					t.Errorf("request ids %q / %q in %q", e.RequestID, e.NginxID, l)
				}
			}
			compare(t, "lines", byKey(c.nginx, func(n IncidentCounts) int { return n.NginxLines }), got["lines"])
			compare(t, "504", byKey(c.nginx, func(n IncidentCounts) int { return n.Status504 }), got["504"])
			compare(t, "502", byKey(c.nginx, func(n IncidentCounts) int { return n.Status502 }), got["502"])
			compare(t, "499", byKey(c.nginx, func(n IncidentCounts) int { return n.ClientAborts }), got["499"])
		})
	}
}

// TestIncidentNginxErrors checks nginx's error log: one "upstream timed out"
// line per 504, one "upstream prematurely closed connection" per 502, one
// [info] "client prematurely closed connection" per 499, naming the client.
func TestIncidentNginxErrors(t *testing.T) {
	for _, c := range loadIncidents(t) {
		t.Run(c.setup.Name, func(t *testing.T) {
			addrs := map[string]map[string]bool{} // URI -> client addresses
			for _, r := range c.reqs {
				if addrs[r.URI] == nil {
					addrs[r.URI] = map[string]bool{}
				}
				addrs[r.URI][r.ClientAddr] = true
			}
			got := map[string]map[rm]int{"timed out": {}, "closed": {}, "client": {}}
			lines := c.lines(t, "nginx-error.log")
			for _, l := range lines {
				var what string
				switch {
				case strings.Contains(l, " upstream timed out (110: Connection timed out) while reading response header from upstream, "):
					what = "timed out"
				case strings.Contains(l, " upstream prematurely closed connection while reading response header from upstream, "):
					what = "closed"
				case strings.Contains(l, " [info] ") && strings.Contains(l, " client prematurely closed connection, so upstream connection is closed too "):
					what = "client"
				case strings.Contains(l, " [error] ") || strings.Contains(l, " [warn] ") || strings.Contains(l, " [crit] "):
					t.Errorf("unexpected error-log line %q", l)
					continue
				default:
					continue
				}
				m := nginxErrRe.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("no client and request in %q", l)
				}
				if !addrs[m[3]][m[1]] {
					t.Errorf("client %s never sent %s: %q", m[1], m[3], l)
				}
				got[what][rm{c.route(t, m[3]), m[2]}]++
			}
			compare(t, "upstream timed out", byRM(c.nginx, func(n IncidentCounts) int { return n.Status504 }), got["timed out"])
			compare(t, "upstream prematurely closed", byRM(c.nginx, func(n IncidentCounts) int { return n.Status502 }), got["closed"])
			compare(t, "client prematurely closed", byRM(c.nginx, func(n IncidentCounts) int { return n.ClientAborts }), got["client"])
			total := c.nginx.Total()
			for s, want := range map[string]int{"upstream timed out": total.Status504,
				"upstream prematurely closed connection": total.Status502,
				"client prematurely closed connection":   total.ClientAborts} {
				if n := countContaining(lines, s); n != want {
					t.Errorf("%d lines with %q, expected %d", n, s, want)
				}
			}
		})
	}
}
