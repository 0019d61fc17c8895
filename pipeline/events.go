package pipeline

import (
	"bytes"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/parse"
)

// Payload feeds the log events of a decoded CloudWatch Logs payload, each to
// the stream of its log group and log stream. A log event holding several
// lines (a shipper that joined them) is split. It returns the payload's
// header; a CONTROL_MESSAGE feeds nothing. Nothing is fed from a payload
// that does not decode.
func (p *Pipeline) Payload(dec *event.Decoder, payload []byte) (event.Header, error) {
	var h event.Header
	var s *parse.Stream
	first := true
	err := dec.Events(payload, &h, func(ev *event.LogEvent) {
		if first {
			p.nameBuf = append(append(append(p.nameBuf[:0], h.LogGroup...), '/'), h.LogStream...)
			s = p.Stream(p.nameBuf)
			first = false
		}
		p.eventMS = ev.Timestamp
		msg := ev.Message
		for {
			i := bytes.IndexByte(msg, '\n')
			if i < 0 {
				break
			}
			p.Line(s, msg[:i])
			msg = msg[i+1:]
		}
		if len(msg) > 0 || len(ev.Message) == 0 {
			p.Line(s, msg)
		}
	})
	p.eventMS = 0
	if err != nil {
		return h, err
	}
	return h, nil
}

// EventTimeMS is the timestamp of the log event being fed (milliseconds
// since the epoch), or 0 outside of Payload. OnRecord may use it.
func (p *Pipeline) EventTimeMS() int64 { return p.eventMS }
