package metrics

import "github.com/slowroutes/slowroutes/parse"

// Key identifies a row: one route, method and GraphQL operation.
type Key struct {
	Route     string
	Method    string // "" when the log line did not say
	Operation string // GraphQL operation name, "" when none
}

// Class is the status class of a finished request.
type Class uint8

const (
	Class1xx Class = iota
	Class2xx
	Class3xx
	Class4xx
	Class5xx
	ClassUnknown // a status outside 100-599
	NumClasses
)

var classNames = [NumClasses]string{"1xx", "2xx", "3xx", "4xx", "5xx", "unknown"}

func (c Class) String() string { return classNames[c] }

// ClassOf returns the class of an HTTP status.
func ClassOf(status int) Class {
	if c := status / 100; c >= 1 && c <= 5 {
		return Class(c - 1)
	}
	return ClassUnknown
}

// Failure names where an upstream failure was seen.
type Failure uint8

const (
	FailureNginx502        Failure = iota // access log, status 502
	FailureUpstreamClosed                 // error log: upstream prematurely closed connection
	FailureUpstreamConnect                // error log: connect() failed / no live upstreams
	FailureTraefik502                     // Traefik access log, status 502 (backend reset, EOF, refused)
	FailureTraefik503                     // Traefik access log, status 503 (no server available)
	FailureApache502                      // Apache access log, status 502 (backend error; also its backend timeouts)
	FailureApache503                      // Apache access log, status 503 (no connection to the backend)
	FailureApacheProxy                    // Apache error log: AH00898 without a timeout before it (a reset)
	FailureALB502                         // ALB entry with a 502 the load balancer answered (target reset, malformed answer)
	FailureALB503                         // ALB entry with a 503 the load balancer answered (no registered targets)
	FailureApp502                         // status 502 logged by uWSGI, gunicorn or an app
	NumFailures
)

var failureNames = [NumFailures]string{"nginx_502", "nginx_upstream_closed", "nginx_upstream_connect",
	"traefik_502", "traefik_503", "apache_502", "apache_503", "apache_proxy_error", "alb_502", "alb_503", "app_502"}

func (f Failure) String() string { return failureNames[f] }

// AccessFailure is the failure an access line of source s and status 502
// or 503 whose outcome is an upstream failure counts as; the application
// servers and apps count as FailureApp502.
func AccessFailure(s parse.Source, status int) Failure {
	is503 := status == 503
	switch s {
	case parse.SourceNginx:
		return FailureNginx502
	case parse.SourceTraefik:
		return pick(is503, FailureTraefik503, FailureTraefik502)
	case parse.SourceApache:
		return pick(is503, FailureApache503, FailureApache502)
	case parse.SourceALB:
		return pick(is503, FailureALB503, FailureALB502)
	}
	return FailureApp502
}

func pick(c bool, a, b Failure) Failure {
	if c {
		return a
	}
	return b
}

// Row holds the facts of one Key.
type Row struct {
	Key
	// The fields every request updates come first, side by side: a row is
	// touched once per request, and each cache line it spans costs.

	live bool // the row has facts since the last Reset
	// Outer is the outermost server (a load balancer, then a proxy, then
	// gunicorn, then uWSGI, then the app) that has logged a request of this
	// row since the row was created: it outlives Reset, because a Lambda
	// container learns the layout of a deployment batch after batch.
	Outer parse.Source
	// fixed is the server whose requests count (Config.RequestSource),
	// SourceUnknown for Outer.
	fixed parse.Source
	// Latency holds the durations of every source — unless the Aggregates
	// keep each duration (Config.KeepDurations): then Durations hold them,
	// and Latency is empty until merged into Aggregates that do not.
	Latency Latency
	// Timed counts the requests with a duration, by source.
	Timed [parse.NumSources]int64
	// Slow counts finished requests at least as long as the slow threshold,
	// by the server that logged them.
	Slow [parse.NumSources]int64
	// Requests counts finished requests by the server that logged them and
	// their status class.
	Requests [parse.NumSources][NumClasses]int64
	Timeouts [parse.NumTimeouts]int64
	// AbortsBy counts client aborts by the server that saw them (an
	// access-log 499 or 460, a uWSGI write into the closed connection), so
	// that metrics count each once per deployment.
	AbortsBy         [parse.NumSources]int64
	UpstreamFailures [NumFailures]int64
	// Durations holds each request's duration in microseconds, by source,
	// when the Aggregates keep them (Config.KeepDurations): DogStatsD
	// distributions take one value per request.
	Durations [parse.NumSources][]int64
	// Team owns the row's route (owners.Routes), "" when nobody does. It
	// is set when the row is created and lives with it.
	Team string
	// TimeoutMinutes counts timeouts by the minute they happened (Unix
	// minutes), when the Aggregates keep a timeline.
	TimeoutMinutes map[int64]int64
	// Stuck counts the stack dumps of the row's requests by where they were
	// stuck; Findings the requests that show each finding (stuck.go, why.go).
	Stuck    []Stuck
	Findings [NumFindingKinds]int64
	// Distinct counts each request once, when a join ran (Aggregates.Join).
	Distinct Distinct
}

// outerRank orders the servers from the innermost (the app) to the
// outermost (a load balancer): a request proxied by nginx to uWSGI is
// logged by both, and by the app; nginx sees every one of them, client
// aborts included. Proxies of one tier (nginx, Apache) rank alike: the
// first seen stays.
var outerRank = [parse.NumSources]uint8{
	parse.SourceApp: 1, parse.SourceUWSGI: 2, parse.SourceGunicorn: 3,
	parse.SourceNginx: 4, parse.SourceApache: 4, parse.SourceTraefik: 5, parse.SourceALB: 6,
}

// Outermost returns the outer of two servers.
func Outermost(a, b parse.Source) parse.Source {
	if outerRank[b] > outerRank[a] {
		return b
	}
	return a
}

// Counted is the server whose requests, durations, slow requests and
// client aborts are counted for the row, so that a request logged by
// nginx and by uWSGI counts once: the configured one, or the outermost
// seen. SourceUnknown when the row has had no request.
func (r *Row) Counted() parse.Source {
	if r.fixed != parse.SourceUnknown {
		return r.fixed
	}
	return r.Outer
}

// RequestsOf is the number of requests source s logged.
func (r *Row) RequestsOf(s parse.Source) int64 {
	var n int64
	for _, v := range r.Requests[s] {
		n += v
	}
	return n
}

// RequestTotal is the number of requests of every source.
func (r *Row) RequestTotal() int64 {
	var n int64
	for s := range r.Requests {
		n += r.RequestsOf(parse.Source(s))
	}
	return n
}

// SlowTotal is the number of slow requests of every source.
func (r *Row) SlowTotal() int64 { return sum(r.Slow[:]) }

// TimeoutTotal is the number of timeouts of every source.
func (r *Row) TimeoutTotal() int64 { return sum(r.Timeouts[:]) }

// ClientAbortTotal is the number of client aborts of every source.
func (r *Row) ClientAbortTotal() int64 { return sum(r.AbortsBy[:]) }

// FailureTotal is the number of upstream failures of every source.
func (r *Row) FailureTotal() int64 { return sum(r.UpstreamFailures[:]) }

func sum(v []int64) int64 {
	var n int64
	for _, x := range v {
		n += x
	}
	return n
}

// Merge adds the facts of o to r, whatever their keys.
func (r *Row) Merge(o *Row) { r.merge(o, true, false) }

// merge adds the facts of o to r, each request's duration only when
// durations is set; kept says o's Aggregates kept its durations (and so
// its Latency is empty).
func (r *Row) merge(o *Row, durations, kept bool) {
	for s := range o.Requests {
		for c, v := range o.Requests[s] {
			r.Requests[s][c] += v
		}
		r.Slow[s] += o.Slow[s]
		r.Timed[s] += o.Timed[s]
		if durations {
			r.Durations[s] = append(r.Durations[s], o.Durations[s]...)
		}
	}
	for i, v := range o.Timeouts {
		r.Timeouts[i] += v
	}
	for i, v := range o.UpstreamFailures {
		r.UpstreamFailures[i] += v
	}
	for s, v := range o.AbortsBy {
		r.AbortsBy[s] += v
	}
	r.Outer = Outermost(r.Outer, o.Outer)
	for m, n := range o.TimeoutMinutes {
		if r.TimeoutMinutes == nil {
			r.TimeoutMinutes = map[int64]int64{}
		}
		r.TimeoutMinutes[m] += n
	}
	if kept {
		r.Latency.addKept(o) // a few values each: cheaper than merging a sketch
	} else {
		r.Latency.Merge(&o.Latency)
	}
	r.mergeWhy(o)
	r.Distinct.merge(&o.Distinct)
}

// reset clears the facts of r and keeps its memory for the next batch.
func (r *Row) reset() {
	r.Requests = [parse.NumSources][NumClasses]int64{}
	r.Timeouts = [parse.NumTimeouts]int64{}
	r.AbortsBy = [parse.NumSources]int64{}
	clear(r.TimeoutMinutes)
	r.UpstreamFailures = [NumFailures]int64{}
	r.Slow = [parse.NumSources]int64{}
	r.Timed = [parse.NumSources]int64{}
	r.Latency.Reset()
	r.Distinct.reset()
	for s := range r.Durations {
		r.Durations[s] = r.Durations[s][:0]
	}
	r.Stuck, r.Findings = r.Stuck[:0], [NumFindingKinds]int64{}
	r.live = false
}
