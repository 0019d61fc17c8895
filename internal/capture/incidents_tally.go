package capture

// Per-route tallies of incident facts: the exact counts a capture's logs
// must yield, per (route, method, GraphQL operation).

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// IncidentCounts is what one setup's logs must show for one Key.
type IncidentCounts struct {
	Sent int // requests the client sent

	// What the client got back: a response by status, a deliberate give-up
	// (nginx logs 499), or a connection closed without a response.
	Status200, Status502, Status504 int
	ClientAborts                    int
	Closed                          int

	// Timed out = TimedOut504 + TimedOutKilled502 + TimedOutCut: a 504 (nginx's
	// read timeout fired; the worker may still finish or be killed later), a
	// 502 because the worker was killed under nginx, or a direct connection
	// cut by the kill. Each request counts once.
	TimedOut                                    int
	TimedOut504, TimedOutKilled502, TimedOutCut int

	Killed        int // killed by harakiri or by gunicorn's worker timeout
	SIGUSR2Driven int // killed requests whose worker got SIGUSR2 across the deadline
	SIGSYSDumps   int // faulthandler registered-signal dumps
	TimeoutDumps  int // faulthandler.dump_traceback_later dumps
	AbortDumps    int // faulthandler "Fatal Python error: Aborted" dumps
	AbortBlocks   int // aborted workers SIGKILLed because the abort hook blocks
	Retries       int // requests that repeat a 504/499 of the same client
	WritesClosed  int // uWSGI writes into a connection nginx closed

	// Lines the logs must hold for these requests.
	NginxLines     int // in each nginx access log
	UWSGILines     int // uWSGI request-log lines (status 200 even for 504 and 499)
	GunicornAccess int // gunicorn access-log lines
	AppFinished    int // app "request_finished" lines
	AppAborted     int // app "request_aborted" lines (status 500)
}

// Add returns the field-by-field sum of c and d.
func (c IncidentCounts) Add(d IncidentCounts) IncidentCounts {
	c.Sent += d.Sent
	c.Status200 += d.Status200
	c.Status502 += d.Status502
	c.Status504 += d.Status504
	c.ClientAborts += d.ClientAborts
	c.Closed += d.Closed
	c.TimedOut += d.TimedOut
	c.TimedOut504 += d.TimedOut504
	c.TimedOutKilled502 += d.TimedOutKilled502
	c.TimedOutCut += d.TimedOutCut
	c.Killed += d.Killed
	c.SIGUSR2Driven += d.SIGUSR2Driven
	c.SIGSYSDumps += d.SIGSYSDumps
	c.TimeoutDumps += d.TimeoutDumps
	c.AbortDumps += d.AbortDumps
	c.AbortBlocks += d.AbortBlocks
	c.Retries += d.Retries
	c.WritesClosed += d.WritesClosed
	c.NginxLines += d.NginxLines
	c.UWSGILines += d.UWSGILines
	c.GunicornAccess += d.GunicornAccess
	c.AppFinished += d.AppFinished
	c.AppAborted += d.AppAborted
	return c
}

// Count turns one fact into counts.
func (f IncidentFact) Count() IncidentCounts {
	r := f.Request
	c := IncidentCounts{Sent: 1}
	switch {
	case r.Outcome == OutcomeClientAbort:
		c.ClientAborts = 1
	case r.Outcome == OutcomeClosed:
		c.Closed = 1
	case r.Status == 200:
		c.Status200 = 1
	case r.Status == 502:
		c.Status502 = 1
	case r.Status == 504:
		c.Status504 = 1
	}
	switch f.TimedOut {
	case TimedOutNginx504:
		c.TimedOut, c.TimedOut504 = 1, 1
	case TimedOutKilled502:
		c.TimedOut, c.TimedOutKilled502 = 1, 1
	case TimedOutCut:
		c.TimedOut, c.TimedOutCut = 1, 1
	}
	if f.Killed != "" {
		c.Killed = 1
		if f.SIGUSR2 > 0 {
			c.SIGUSR2Driven = 1
		}
	}
	c.SIGSYSDumps = b2i(f.SIGSYS)
	c.TimeoutDumps = b2i(f.TimeoutDump)
	c.AbortDumps = b2i(f.AbortDump)
	c.AbortBlocks = b2i(f.AbortBlocks)
	c.Retries = b2i(f.RetryOf != 0)
	c.WritesClosed = b2i(f.WritesClosed)
	c.NginxLines = b2i(r.ViaNginx())
	if f.Served() {
		c.AppFinished = 1
		if r.ToUWSGI() {
			c.UWSGILines = 1
		} else if r.Outcome == OutcomeResponse && r.Status == 200 {
			// gunicorn logs a request only once it wrote the whole response:
			// for a 504 or 499, nginx has closed the unix socket and the
			// write fails with EPIPE (logged at debug level only).
			c.GunicornAccess = 1
		}
	} else if f.Killed == KilledByWorkerTimeout {
		c.AppAborted = 1
	}
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// IncidentTally maps each key to its counts.
type IncidentTally map[Key]IncidentCounts

// TallyIncidents adds up the facts per key.
func TallyIncidents(facts []IncidentFact) IncidentTally {
	t := IncidentTally{}
	for _, f := range facts {
		k := f.Request.Key()
		t[k] = t[k].Add(f.Count())
	}
	return t
}

// Keys returns the keys sorted by route, method, then operation.
func (t IncidentTally) Keys() []Key { return SortedKeys(t) }

// Total returns the sum over all keys.
func (t IncidentTally) Total() IncidentCounts { return total(t) }

// incidentColumns are the columns of IncidentTally.String.
var incidentColumns = []struct {
	name  string
	value func(IncidentCounts) int
}{
	{"sent", func(c IncidentCounts) int { return c.Sent }},
	{"200", func(c IncidentCounts) int { return c.Status200 }},
	{"502", func(c IncidentCounts) int { return c.Status502 }},
	{"504", func(c IncidentCounts) int { return c.Status504 }},
	{"499", func(c IncidentCounts) int { return c.ClientAborts }},
	{"closed", func(c IncidentCounts) int { return c.Closed }},
	{"timed out", func(c IncidentCounts) int { return c.TimedOut }},
	{"killed", func(c IncidentCounts) int { return c.Killed }},
	{"SIGUSR2", func(c IncidentCounts) int { return c.SIGUSR2Driven }},
	{"retries", func(c IncidentCounts) int { return c.Retries }},
	{"Timeout dumps", func(c IncidentCounts) int { return c.TimeoutDumps }},
	{"SIGSYS dumps", func(c IncidentCounts) int { return c.SIGSYSDumps }},
	{"Aborted dumps", func(c IncidentCounts) int { return c.AbortDumps }},
	{"broken pipe", func(c IncidentCounts) int { return c.WritesClosed }},
	{"nginx", func(c IncidentCounts) int { return c.NginxLines }},
	{"uwsgi", func(c IncidentCounts) int { return c.UWSGILines }},
	{"gunicorn", func(c IncidentCounts) int { return c.GunicornAccess }},
	{"finished", func(c IncidentCounts) int { return c.AppFinished }},
	{"aborted", func(c IncidentCounts) int { return c.AppAborted }},
}

// String formats t as a Markdown table (the README's), one key per row, then
// the total. Columns that are zero for every key are left out, and so are
// zero counts.
func (t IncidentTally) String() string {
	total := t.Total()
	var cols []int
	for i, col := range incidentColumns {
		if col.value(total) != 0 {
			cols = append(cols, i)
		}
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	head, rule := "| route\t| method\t| op\t", "| ---\t| ---\t| ---\t"
	for _, i := range cols {
		head += "| " + incidentColumns[i].name + "\t"
		rule += "| --:\t"
	}
	fmt.Fprintln(w, head+"|")
	fmt.Fprintln(w, rule+"|")
	row := func(route, method, op string, c IncidentCounts) {
		line := "| " + route + "\t| " + method + "\t| " + op + "\t"
		for _, i := range cols {
			line += "| "
			if v := incidentColumns[i].value(c); v != 0 {
				line += fmt.Sprint(v)
			}
			line += "\t"
		}
		fmt.Fprintln(w, line+"|")
	}
	for _, k := range t.Keys() {
		row("`"+k.Route+"`", k.Method, k.GraphQLOperation, t[k])
	}
	row("**total**", "", "", total)
	w.Flush()
	return b.String()
}
