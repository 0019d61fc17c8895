// Package metrics aggregates records into per-route facts (requests,
// timeouts by source, client aborts, upstream failures, slow requests,
// latency) and pipeline health counters.
package metrics

import (
	"sort"

	"github.com/slowroutes/slowroutes/parse"
)

// Key identifies a row: one route, method and GraphQL operation.
type Key struct {
	Route     string
	Method    string // "" when the log line did not say
	Operation string // GraphQL operation name, "" when none
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
	Requests         [parse.NumSources]int64
	Timeouts         [parse.NumTimeouts]int64
	ClientAborts     int64
	UpstreamFailures [NumFailures]int64
	Slow             int64
	Latency          Latency

	// samples is what the Emitter observing this row kept of its requests
	// until its next Emit: a field rather than a map of the Emitter, as
	// every request of a batch looks it up.
	samples *rowSamples
}

// TimeoutTotal is the number of timeouts of every source.
func (r *Row) TimeoutTotal() int64 {
	var n int64
	for _, v := range r.Timeouts {
		n += v
	}
	return n
}

// FailureTotal is the number of upstream failures of every source.
func (r *Row) FailureTotal() int64 {
	var n int64
	for _, v := range r.UpstreamFailures {
		n += v
	}
	return n
}

// Merge adds the facts of o to r, whatever their keys.
func (r *Row) Merge(o *Row) {
	for i := range o.Requests {
		r.Requests[i] += o.Requests[i]
	}
	for i := range o.Timeouts {
		r.Timeouts[i] += o.Timeouts[i]
	}
	for i := range o.UpstreamFailures {
		r.UpstreamFailures[i] += o.UpstreamFailures[i]
	}
	r.ClientAborts += o.ClientAborts
	r.Slow += o.Slow
	r.Latency.Merge(&o.Latency)
}

// Events counts facts that belong to no route.
type Events struct {
	HarakiriBanners   int64 // "*** HARAKIRI ON WORKER" lines, every try
	HarakiriRetries   int64 // banners with try >= 2: the same timeout again
	HarakiriIdle      int64 // harakiri episodes that named no request
	WorkerKills       [parse.NumSources]int64
	ListenQueueFull   int64
	RouteOverflow     int64 // records whose route the cardinality cap turned into "overflow"
	OperationOverflow int64
}

// Lines counts lines by parser and outcome.
type Lines [parse.NumParsers][parse.NumOutcomes]int64

// Total is the number of lines counted.
func (l *Lines) Total() int64 {
	var n int64
	for p := range l {
		for o := range l[p] {
			n += l[p][o]
		}
	}
	return n
}

// ByOutcome sums lines of one outcome over every parser.
func (l *Lines) ByOutcome(o parse.Outcome) int64 {
	var n int64
	for p := range l {
		n += l[p][o]
	}
	return n
}

// Aggregates accumulates rows. It is not safe for concurrent use.
type Aggregates struct {
	rows   map[string]*Row
	keyBuf []byte
	// SlowUS is the duration at or above which a request counts as slow.
	SlowUS int64
	Lines  Lines
	Events Events
}

// DefaultSlowUS is the default slow-request threshold: one second.
const DefaultSlowUS = 1_000_000

// New returns empty Aggregates with the given slow threshold in microseconds.
func New(slowUS int64) *Aggregates {
	return &Aggregates{rows: map[string]*Row{}, SlowUS: slowUS}
}

// Lookup returns the row of (route, method, op), or nil. It does not allocate.
func (a *Aggregates) Lookup(route, method, op []byte) *Row {
	b := append(a.keyBuf[:0], route...)
	b = append(b, 0)
	b = append(b, method...)
	b = append(b, 0)
	b = append(b, op...)
	a.keyBuf = b
	return a.rows[string(b)]
}

// Row returns the row of (route, method, op), creating it on first use. Only
// creation allocates.
func (a *Aggregates) Row(route, method, op []byte) *Row {
	if r := a.Lookup(route, method, op); r != nil {
		return r
	}
	r := &Row{Key: Key{Route: string(route), Method: string(method), Operation: string(op)}}
	a.rows[string(a.keyBuf)] = r
	return r
}

// Add counts a record of a request or timeout on row.
func (a *Aggregates) Add(row *Row, rec *parse.Record) {
	switch rec.Kind {
	case parse.KindRequest:
		row.Requests[rec.Source]++
		switch rec.Status {
		case 504:
			if rec.Source == parse.SourceNginx {
				row.Timeouts[parse.TimeoutNginx504]++
			}
		case 499:
			row.ClientAborts++
		case 502:
			if rec.Source == parse.SourceNginx {
				row.UpstreamFailures[FailureNginx502]++
			}
		}
		if rec.HasDuration {
			row.Latency.Add(rec.DurationUS)
			if rec.DurationUS >= a.SlowUS {
				row.Slow++
			}
		}
	case parse.KindTimeout:
		row.Timeouts[rec.Timeout]++
	case parse.KindUpstreamFailure:
		if rec.Failure == parse.NginxUpstreamClosed {
			row.UpstreamFailures[FailureUpstreamClosed]++
		} else {
			row.UpstreamFailures[FailureUpstreamConnect]++
		}
	}
}

// Rows returns every row, worst first: most timeouts, then highest p99, then
// most requests, then by key.
func (a *Aggregates) Rows() []*Row {
	out := make([]*Row, 0, len(a.rows))
	for _, r := range a.rows {
		out = append(out, r)
	}
	p99 := make(map[*Row]float64, len(out))
	for _, r := range out {
		p99[r] = r.Latency.QuantileUS(0.99)
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if tx, ty := x.TimeoutTotal(), y.TimeoutTotal(); tx != ty {
			return tx > ty
		}
		if p99[x] != p99[y] {
			return p99[x] > p99[y]
		}
		if nx, ny := x.Latency.Count, y.Latency.Count; nx != ny {
			return nx > ny
		}
		if x.Route != y.Route {
			return x.Route < y.Route
		}
		if x.Method != y.Method {
			return x.Method < y.Method
		}
		return x.Operation < y.Operation
	})
	return out
}

// EachRow calls fn for every row, in no particular order: cheaper than
// Rows when the order does not matter.
func (a *Aggregates) EachRow(fn func(*Row)) {
	for _, r := range a.rows {
		fn(r)
	}
}

// Len is the number of rows.
func (a *Aggregates) Len() int { return len(a.rows) }
