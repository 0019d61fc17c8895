package pipeline

import (
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
)

// Deliver decodes one subscription delivery, counts it (accepted, control,
// or rejected with its reason) and feeds its log events to the stream of
// its log group and log stream. Nothing of a delivery that does not decode
// is fed. The Batch is valid until the decoder's next Decode.
func (p *Pipeline) Deliver(dec *event.Decoder, d *event.Delivery) (*event.Batch, error) {
	b, err := dec.Decode(d)
	if err != nil {
		p.Envelope(d.Input, metrics.EnvelopeRejected, event.ReasonOf(err))
		return nil, err
	}
	if b.Control() {
		p.Envelope(d.Input, metrics.EnvelopeControl, event.ReasonNone)
		return b, nil
	}
	p.Envelope(d.Input, metrics.EnvelopeAccepted, event.ReasonNone)
	var s *Stream
	for ts, msg := range b.Events() {
		if s == nil {
			s = p.Stream(b.LogGroup, b.LogStream)
		}
		p.Message(s, msg, ts)
	}
	return b, nil
}
