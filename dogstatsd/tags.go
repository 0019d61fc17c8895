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
	capTag       = [...]string{TagCap + ":" + capRoute, TagCap + ":" + capOperation, TagCap + ":" + capFrame}
	foldedTag    [numFoldLevels]string
)

func init() {
	tagsOf(serverTag[:], TagSource, parse.FirstSource, parse.NumSources)
	tagsOf(timeoutTag[:], TagSource, parse.TimeoutHarakiri, parse.NumTimeouts)
	tagsOf(failureTag[:], TagSource, metrics.Failure(0), metrics.NumFailures)
	tagsOf(parserTag[:], TagParser, parse.Parser(0), parse.NumParsers)
	tagsOf(resultTag[:], TagResult, parse.Outcome(0), parse.NumOutcomes)
	tagsOf(reasonTag[:], TagReason, parse.NotMalformed+1, parse.NumMalformations)
	tagsOf(classTag[:], TagStatusClass, metrics.Class(0), metrics.NumClasses)
	tagsOf(inputTag[:], TagInput, event.InputCloudWatch, event.NumInputs)
	tagsOf(envelopeTag[:], TagResult, metrics.EnvelopeResult(0), metrics.NumEnvelopeResults)
	tagsOf(envReasonTag[:], TagReason, event.ReasonNone+1, event.NumReasons)
	for k := 1; k < numFoldLevels; k++ {
		foldedTag[k] = TagFolded + ":" + foldOrder[k-1]
	}
}

// tagsOf fills dst[v] with the tag key:name of each value v of an
// enumeration from first to just before end; the others stay "".
func tagsOf[E interface {
	~uint8
	String() string
}](dst []string, key string, first, end E) {
	for v := first; v < end; v++ {
		dst[v] = key + ":" + v.String()
	}
}
