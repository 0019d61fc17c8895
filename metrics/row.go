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
	NumFailures
)

var failureNames = [NumFailures]string{"nginx_502", "nginx_upstream_closed", "nginx_upstream_connect"}

func (f Failure) String() string { return failureNames[f] }

// Row holds the facts of one Key.
type Row struct {
	Key
	// The fields every request updates come first, side by side: a row is
	// touched once per request, and each cache line it spans costs.

	live bool // the row has facts since the last Reset
	// Outer is the outermost server (nginx, then gunicorn, then uWSGI, then
	// the app) that has logged a request of this row since the row was
	// created: it outlives Reset, because a Lambda container learns the
	// layout of a deployment batch after batch.
	Outer parse.Source
	// fixed is the server whose requests count (Config.RequestSource),
	// SourceUnknown for Outer.
	fixed parse.Source
	// Latency holds the durations of every source.
	Latency Latency
	// Timed counts the requests with a duration, by source.
	Timed [parse.NumSources]int64
	// Slow counts finished requests at least as long as the slow threshold,
	// by the server that logged them.
	Slow [parse.NumSources]int64
	// Requests counts finished requests by the server that logged them and
	// their status class.
	Requests     [parse.NumSources][NumClasses]int64
	Timeouts     [parse.NumTimeouts]int64
	ClientAborts int64
	// AbortsBy counts the client aborts (status 499) by the server that
	// logged them, so that metrics count each once per deployment.
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
}

// outerRank orders the servers from the innermost (the app) to the
// outermost (nginx): a request proxied by nginx to uWSGI is logged by both,
// and by the app; nginx sees every one of them, client aborts included.
var outerRank = [parse.NumSources]uint8{parse.SourceApp: 1, parse.SourceUWSGI: 2, parse.SourceGunicorn: 3, parse.SourceNginx: 4}

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
func (r *Row) Merge(o *Row) { r.merge(o, true) }

// merge adds the facts of o to r, each request's duration only when
// durations is set.
func (r *Row) merge(o *Row, durations bool) {
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
	r.ClientAborts += o.ClientAborts
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
	r.Latency.Merge(&o.Latency)
}

// reset clears the facts of r and keeps its memory for the next batch.
func (r *Row) reset() {
	r.Requests = [parse.NumSources][NumClasses]int64{}
	r.Timeouts = [parse.NumTimeouts]int64{}
	r.ClientAborts = 0
	r.AbortsBy = [parse.NumSources]int64{}
	clear(r.TimeoutMinutes)
	r.UpstreamFailures = [NumFailures]int64{}
	r.Slow = [parse.NumSources]int64{}
	r.Timed = [parse.NumSources]int64{}
	r.Latency.Reset()
	for s := range r.Durations {
		r.Durations[s] = r.Durations[s][:0]
	}
	r.live = false
}
