package metrics

import (
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/parse"
)

// Lines counts lines by parser and outcome, and malformed lines by reason.
type Lines struct {
	By        [parse.NumParsers][parse.NumOutcomes]int64
	Malformed [parse.NumParsers][parse.NumMalformations]int64
}

// Add counts one line.
func (l *Lines) Add(p parse.Parser, o parse.Outcome, m parse.Malformation) {
	l.By[p][o]++
	if o == parse.Malformed {
		l.Malformed[p][m]++
	}
}

// Total is the number of lines counted.
func (l *Lines) Total() int64 {
	var n int64
	for p := range l.By {
		n += sum(l.By[p][:])
	}
	return n
}

// ByOutcome sums lines of one outcome over every parser.
func (l *Lines) ByOutcome(o parse.Outcome) int64 {
	var n int64
	for p := range l.By {
		n += l.By[p][o]
	}
	return n
}

// Events counts facts that belong to no route.
type Events struct {
	HarakiriBanners int64 // "*** HARAKIRI ON WORKER" lines, every try
	HarakiriRetries int64 // banners with try >= 2: the same timeout again
	HarakiriIdle    int64 // harakiri status blocks, begun and ended in a stream, that named no request
	WorkerKills     [parse.NumSources]int64
	ListenQueueFull int64
	// GunicornTimeoutsAttributed counts the gunicorn worker timeouts that
	// got a route (the rest are on route "unknown").
	GunicornTimeoutsAttributed int64
	RouteOverflow              int64 // records whose route the cardinality cap turned into "overflow"
	OperationOverflow          int64
	FrameOverflow              int64 // stuck facts whose frame the cardinality cap turned into "overflow"
	// LogGroupTagFailures counts failed reads of a log group's AWS tags.
	LogGroupTagFailures int64
}

// add adds the counts of o to e.
func (e *Events) add(o *Events) {
	e.HarakiriBanners += o.HarakiriBanners
	e.HarakiriRetries += o.HarakiriRetries
	e.HarakiriIdle += o.HarakiriIdle
	for s, n := range o.WorkerKills {
		e.WorkerKills[s] += n
	}
	e.ListenQueueFull += o.ListenQueueFull
	e.GunicornTimeoutsAttributed += o.GunicornTimeoutsAttributed
	e.RouteOverflow += o.RouteOverflow
	e.OperationOverflow += o.OperationOverflow
	e.FrameOverflow += o.FrameOverflow
	e.LogGroupTagFailures += o.LogGroupTagFailures
}

// EnvelopeResult is what became of one delivery.
type EnvelopeResult uint8

const (
	EnvelopeAccepted  EnvelopeResult = iota // its log events were read
	EnvelopeControl                         // a CONTROL_MESSAGE, acknowledged
	EnvelopeDuplicate                       // seen before by this process, skipped
	EnvelopeRejected                        // it did not decode
	NumEnvelopeResults
)

var envelopeResultNames = [NumEnvelopeResults]string{"accepted", "control", "duplicate", "rejected"}

func (r EnvelopeResult) String() string { return envelopeResultNames[r] }

// Envelopes counts deliveries by how they arrived, what became of them and,
// for rejected ones, why.
type Envelopes [event.NumInputs][NumEnvelopeResults][event.NumReasons]int64

// Add counts one delivery.
func (e *Envelopes) Add(in event.Input, res EnvelopeResult, why event.Reason) { e[in][res][why]++ }

// Count sums the deliveries of one result over every input and reason.
func (e *Envelopes) Count(res EnvelopeResult) int64 {
	var n int64
	for in := range e {
		n += sum(e[in][res][:])
	}
	return n
}

// Total is the number of deliveries counted.
func (e *Envelopes) Total() int64 {
	var n int64
	for res := EnvelopeResult(0); res < NumEnvelopeResults; res++ {
		n += e.Count(res)
	}
	return n
}
