package pipeline

import (
	"github.com/slowroutes/slowroutes/event"
)

// Payload feeds the log events of a decoded CloudWatch Logs payload to the
// stream of its log group and log stream. It returns the payload's header;
// a CONTROL_MESSAGE feeds nothing. Nothing is fed from a payload that does
// not decode.
func (p *Pipeline) Payload(dec *event.Decoder, payload []byte) (event.Header, error) {
	var h event.Header
	var s *Stream
	err := dec.Events(payload, &h, func(ev *event.LogEvent) {
		if s == nil {
			s = p.Stream(h.LogGroup, h.LogStream)
		}
		p.Message(s, ev.Message, ev.Timestamp)
	})
	return h, err
}
