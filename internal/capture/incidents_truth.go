package capture

// The truths of an incident setup, derived from its client record, its
// signals record and the plan (incidents_plan.go) alone — never from the
// servers' logs, so that tests can hold the logs to them.

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kill reasons.
const (
	KilledByHarakiri      = "harakiri"       // uWSGI master, SIGKILL
	KilledByWorkerTimeout = "worker_timeout" // gunicorn arbiter, SIGABRT (then SIGKILL)
)

// Timeout kinds: why a request counts as timed out.
const (
	TimedOutNginx504  = "nginx_504"  // nginx's read timeout fired first: the client saw 504
	TimedOutKilled502 = "killed_502" // the worker was killed under nginx: the client saw 502
	TimedOutCut       = "killed_cut" // the worker was killed under a direct client: connection closed
)

// RetryWindow is how soon after a 504 or 499 the same client must ask for
// the same route again for the request to count as a retry.
const RetryWindow = 60 * time.Second

// IncidentFact is what the plan says happened to one request.
type IncidentFact struct {
	Request IncidentRequest
	Handler *IncidentHandler // nil for a fast view
	// ReadTimeout is nginx's read timeout for the route (0 when direct).
	ReadTimeout time.Duration
	// Killed is KilledByHarakiri, KilledByWorkerTimeout or "": the handler
	// runs past the end of the server's kill window (or blocks).
	Killed string
	// TimedOut is TimedOutNginx504, TimedOutKilled502, TimedOutCut or "".
	TimedOut string
	// ClientAbort: the client gave up first (nginx 499).
	ClientAbort bool
	// RetryOf is the seq of the 504/499 request this one repeats (same
	// client address and user agent, same route, within RetryWindow), 0 if none.
	RetryOf int
	// SIGUSR2 is how many SIGUSR2 the client sent to the worker (uWSGI
	// "is managing" / "WAS managing" lines), SIGSYS whether it sent SIGSYS
	// (a faulthandler registered-signal dump).
	SIGUSR2 int
	SIGSYS  bool
	// TimeoutDump: the app's faulthandler.dump_traceback_later fires
	// ("Timeout (0:00:01)!"); AbortDump: gunicorn's SIGABRT makes
	// faulthandler write "Fatal Python error: Aborted".
	TimeoutDump bool
	AbortDump   bool
	// AbortBlocks: after the SIGABRT the request's abort hook blocks too,
	// so the arbiter SIGKILLs the worker ("terminated due to signal 9").
	AbortBlocks bool
	// WritesClosed: uWSGI writes the body into a connection nginx closed
	// (SIGPIPE and "Broken pipe" lines for the request).
	WritesClosed bool
}

// Stuck is the expected innermost frame of a killed or dumped request.
func (f IncidentFact) Stuck() (app, innermost Frame, ok bool) {
	if f.Handler == nil {
		return Frame{}, Frame{}, false
	}
	return f.Handler.StuckApp(), f.Handler.Stuck(), true
}

// Served reports whether the server ran the request to its end and logged it
// (a uWSGI request-log line, an app request_finished line).
func (f IncidentFact) Served() bool { return f.Killed == "" }

// DeriveIncidentFacts applies the plan to every request of one setup. It
// fails when a request did not end the way the plan predicts (e.g. a handler
// past the kill window that the client saw answered 200), or when the plan
// cannot decide (a handler time inside the kill window).
func DeriveIncidentFacts(setup IncidentSetup, reqs []IncidentRequest, sigs []IncidentSignal) ([]IncidentFact, error) {
	srv := IncidentServersFor(setup.Kind)
	handlers := IncidentHandlers()
	bySeq := map[int]int{}
	facts := make([]IncidentFact, len(reqs))
	var errs []error
	for i, r := range reqs {
		if r.Setup != setup.Name {
			errs = append(errs, fmt.Errorf("seq %d: setup %q in a record of %q", r.Seq, r.Setup, setup.Name))
		}
		if _, dup := bySeq[r.Seq]; dup {
			errs = append(errs, fmt.Errorf("seq %d twice", r.Seq))
		}
		bySeq[r.Seq] = i
		f, err := deriveOne(srv, handlers, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("seq %d %s %s %s: %w", r.Seq, r.Target, r.Method, r.URI, err))
		}
		facts[i] = f
	}
	for _, s := range sigs {
		i, ok := bySeq[s.Seq]
		if !ok {
			errs = append(errs, fmt.Errorf("signals: seq %d is not in the client record", s.Seq))
			continue
		}
		switch s.Signal {
		case "SIGUSR2":
			if facts[i].Killed != KilledByHarakiri {
				errs = append(errs, fmt.Errorf("signals: SIGUSR2 to seq %d, which harakiri does not kill", s.Seq))
			}
			facts[i].SIGUSR2 += s.Sent
		case "SIGSYS":
			facts[i].SIGSYS = true
		}
	}
	markRetries(facts)
	return facts, errors.Join(errs...)
}

func deriveOne(srv IncidentServers, handlers []IncidentHandler, r IncidentRequest) (IncidentFact, error) {
	f := IncidentFact{Request: r}
	for i := range handlers {
		if handlers[i].matches(r) {
			f.Handler = &handlers[i]
			break
		}
	}
	var h time.Duration
	if f.Handler != nil {
		h = f.Handler.Time
	}
	lo, hi := srv.KillWindow()
	killed := f.Handler != nil && (f.Handler.Blocks || h > hi)
	if !killed && h > lo {
		return f, fmt.Errorf("handler time %s is inside the kill window (%s, %s]", h, lo, hi)
	}
	if r.ToUWSGI() != (srv.Kind == IncidentKindUWSGI) {
		return f, fmt.Errorf("target %q in a %s setup", r.Target, srv.Kind)
	}
	if killed {
		f.Killed = KilledByHarakiri
		if srv.Kind == IncidentKindGunicorn {
			f.Killed = KilledByWorkerTimeout
			f.AbortDump = true
			f.AbortBlocks = f.Handler.Blocks
		}
	}
	f.TimeoutDump = srv.DumpLater > 0 && (killed || h > srv.DumpLater)
	if !r.ViaNginx() {
		if killed {
			f.TimedOut = TimedOutCut
			return f, expectOutcome(r, OutcomeClosed, 0)
		}
		return f, expectOutcome(r, OutcomeResponse, 200)
	}
	f.ReadTimeout = srv.ReadTimeoutFor(r.Route)
	if r.Outcome == OutcomeClientAbort {
		f.ClientAbort = true
		f.WritesClosed = srv.Kind == IncidentKindUWSGI && f.Handler != nil && f.Handler.Streams
		if killed {
			return f, fmt.Errorf("a client abort on a request the server kills is not planned")
		}
		return f, nil
	}
	switch {
	case killed && f.ReadTimeout <= lo:
		f.TimedOut = TimedOutNginx504
		return f, expectOutcome(r, OutcomeResponse, 504)
	case killed && f.ReadTimeout > hi+time.Second:
		f.TimedOut = TimedOutKilled502
		return f, expectOutcome(r, OutcomeResponse, 502)
	case killed:
		return f, fmt.Errorf("read timeout %s is inside the kill window (%s, %s]", f.ReadTimeout, lo, hi)
	case h > f.ReadTimeout:
		f.TimedOut = TimedOutNginx504
		return f, expectOutcome(r, OutcomeResponse, 504)
	}
	return f, expectOutcome(r, OutcomeResponse, 200)
}

func expectOutcome(r IncidentRequest, outcome string, status int) error {
	if r.Outcome != outcome || r.Status != status {
		return fmt.Errorf("client saw %s %d, the plan says %s %d", r.Outcome, r.Status, outcome, status)
	}
	return nil
}

// markRetries sets RetryOf: a request is a retry of the latest earlier
// request from the same client address and user agent, on the same route
// (method and GraphQL operation included), that got a 504 or was given up
// (499), when it starts at most RetryWindow after that one ended.
func markRetries(facts []IncidentFact) {
	type client struct {
		addr, agent string
		key         Key
	}
	order := make([]int, len(facts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return facts[order[a]].Request.Start.Before(facts[order[b]].Request.Start)
	})
	last := map[client]int{} // index of the latest earlier request of that client and key
	for _, i := range order {
		r := facts[i].Request
		c := client{r.ClientAddr, r.UserAgent, r.Key()}
		if j, ok := last[c]; ok {
			p := facts[j].Request
			failed := p.Status == 504 || p.Outcome == OutcomeClientAbort
			if failed && !r.Start.Before(p.End) && r.Start.Sub(p.End) <= RetryWindow {
				facts[i].RetryOf = p.Seq
			}
		}
		last[c] = i
	}
}
