package dogstatsd

import (
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// Precomputed tags of the closed value sets.
var (
	serverTag    [parse.NumSources]string
	timeoutTag   [parse.NumTimeouts]string
	failureTag   [metrics.NumFailures]string
	parserTag    [parse.NumParsers]string
	resultTag    [parse.NumOutcomes]string
	reasonTag    [parse.NumMalformations]string
	classTag     [metrics.NumClasses]string
	inputTag     [event.NumInputs]string
	envelopeTag  [metrics.NumEnvelopeResults]string
	envReasonTag [event.NumReasons]string
	capTag       = [...]string{TagCap + ":" + capRoute, TagCap + ":" + capOperation, TagCap + ":" + capContexts}
)

func init() {
	for s := parse.FirstSource; s < parse.NumSources; s++ {
		serverTag[s] = TagSource + ":" + s.String()
	}
	for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
		timeoutTag[t] = TagSource + ":" + t.String()
	}
	for f := metrics.Failure(0); f < metrics.NumFailures; f++ {
		failureTag[f] = TagSource + ":" + f.String()
	}
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		parserTag[p] = TagParser + ":" + p.String()
	}
	for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
		resultTag[o] = TagResult + ":" + o.String()
	}
	for m := parse.NotMalformed + 1; m < parse.NumMalformations; m++ {
		reasonTag[m] = TagReason + ":" + m.String()
	}
	for c := metrics.Class(0); c < metrics.NumClasses; c++ {
		classTag[c] = TagStatusClass + ":" + c.String()
	}
	for in := event.Input(1); in < event.NumInputs; in++ {
		inputTag[in] = TagInput + ":" + in.String()
	}
	for r := metrics.EnvelopeResult(0); r < metrics.NumEnvelopeResults; r++ {
		envelopeTag[r] = TagResult + ":" + r.String()
	}
	for r := event.ReasonNone + 1; r < event.NumReasons; r++ {
		envReasonTag[r] = TagReason + ":" + r.String()
	}
}
