// Package event decodes CloudWatch Logs subscription deliveries — the Lambda
// event {"awslogs":{"data":"<base64 gzip JSON>"}} and Kinesis records carrying
// the same gzip payload — into the log events they hold.
package event

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// Errors a caller branches on: every one means the envelope is bad, not a line.
var (
	ErrNotEvent = errors.New("not a CloudWatch Logs subscription event")
	ErrBase64   = errors.New("bad base64 in awslogs.data")
	ErrGzip     = errors.New("bad gzip in awslogs.data")
	ErrPayload  = errors.New("bad CloudWatch Logs payload JSON")
	ErrTooLarge = errors.New("payload larger than the limit")
)

// MaxPayload bounds a decompressed payload. CloudWatch Logs sends at most
// 1 MB of log data per batch (as JSON, a little more); anything far larger is
// not a delivery but a gzip bomb.
const MaxPayload = 64 << 20

// Message types of a payload.
const (
	DataMessage    = "DATA_MESSAGE"
	ControlMessage = "CONTROL_MESSAGE"
)

// Header is the part of a payload that is not log events. Its slices alias
// the decoded payload.
type Header struct {
	MessageType []byte
	Owner       []byte
	LogGroup    []byte
	LogStream   []byte
}

// LogEvent is one log event. Message is unescaped into a reused buffer and is
// valid only during the callback.
type LogEvent struct {
	ID        []byte
	Timestamp int64 // milliseconds since the epoch
	Message   []byte
}

// Decoder decodes envelopes, reusing its buffers across calls. It is not safe
// for concurrent use.
type Decoder struct {
	data    []byte
	payload []byte
	msg     []byte
	// klauspost/compress inflates these payloads about a sixth faster than
	// compress/gzip, with the same checks (header, CRC-32, size) and errors.
	zr     *gzip.Reader
	br     bytes.Reader
	events []rawEvent
}

// LambdaData returns the base64 text of awslogs.data in a Lambda event
// ({"awslogs":{"data":"..."}}). It aliases event.
func LambdaData(event []byte) ([]byte, error) {
	var (
		o, inner jsonscan.Object
		m        jsonscan.Member
	)
	if !o.Start(event) {
		return nil, ErrNotEvent
	}
	for {
		more, err := o.Next(&m)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotEvent, err)
		}
		if !more {
			return nil, ErrNotEvent
		}
		if string(m.Key) != "awslogs" {
			continue
		}
		if !inner.Start(m.Raw) {
			return nil, ErrNotEvent
		}
		for {
			more, err := inner.Next(&m)
			if err != nil || !more {
				return nil, ErrNotEvent
			}
			if string(m.Key) == "data" && m.IsString {
				if m.Escaped {
					// base64 has no character JSON must escape but '/', which may be written "\/".
					return bytes.ReplaceAll(m.Raw, []byte(`\/`), []byte(`/`)), nil
				}
				return m.Raw, nil
			}
		}
	}
}

// DecodeData decodes base64 (standard alphabet, padded) gzip data into the
// payload JSON. The result is valid until the next call.
func (d *Decoder) DecodeData(b64 []byte) ([]byte, error) {
	n := base64.StdEncoding.DecodedLen(len(b64))
	if cap(d.data) < n {
		d.data = make([]byte, n)
	}
	m, err := base64.StdEncoding.Decode(d.data[:n], b64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	return d.Gunzip(d.data[:m])
}

// Gunzip decompresses a gzip payload (a Kinesis record's data). The result is
// valid until the next call.
func (d *Decoder) Gunzip(gz []byte) ([]byte, error) {
	d.br.Reset(gz)
	var err error
	if d.zr == nil {
		d.zr, err = gzip.NewReader(&d.br)
	} else {
		err = d.zr.Reset(&d.br)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGzip, err)
	}
	// CloudWatch payloads compress about 10:1; start there.
	if cap(d.payload) < 8*len(gz) {
		d.payload = make([]byte, 0, min(16*len(gz)+4096, MaxPayload))
	}
	buf := d.payload[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= MaxPayload {
				return nil, ErrTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := d.zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			d.payload = buf[:0]
			return nil, fmt.Errorf("%w: %v", ErrGzip, err)
		}
	}
	d.payload = buf
	return buf, nil
}

// Events reads a decoded payload, fills h and calls fn for each log event in
// order. A payload whose JSON does not scan fails with ErrPayload before fn
// is called, so that a caller can reject a bad envelope before counting
// anything from it. The log events of a CONTROL_MESSAGE are not delivered.
//
// The payload is read once: the members before and after logEvents are
// skipped, and logEvents is scanned in place, keeping where each event lies.
func (d *Decoder) Events(payload []byte, h *Header, fn func(*LogEvent)) error {
	*h = Header{}
	b := payload
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%w: not an object", ErrPayload)
	}
	i++
	found := false
	d.events = d.events[:0]
	for first := true; ; first = false {
		i = jsonscan.SkipSpace(b, i)
		if i >= len(b) {
			return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		if b[i] == '}' {
			break
		}
		if !first {
			if b[i] != ',' {
				return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
			}
			i = jsonscan.SkipSpace(b, i+1)
		}
		if i >= len(b) || b[i] != '"' {
			return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		end, _, ok := jsonscan.StringEnd(b, i+1)
		if !ok {
			return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		key := b[i+1 : end]
		i = jsonscan.SkipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		i = jsonscan.SkipSpace(b, i+1)
		if string(key) == "logEvents" {
			n, err := d.scan(b[i:])
			if err != nil {
				return err
			}
			i += n
			found = true
			continue
		}
		start := i
		if i, ok = jsonscan.SkipValue(b, i); !ok {
			return fmt.Errorf("%w: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		raw := b[start:i]
		if len(raw) >= 2 && raw[0] == '"' {
			raw = raw[1 : len(raw)-1]
		}
		switch string(key) {
		case "messageType":
			h.MessageType = raw
		case "owner":
			h.Owner = raw
		case "logGroup":
			h.LogGroup = raw
		case "logStream":
			h.LogStream = raw
		}
	}
	if len(h.MessageType) == 0 {
		return fmt.Errorf("%w: no messageType", ErrPayload)
	}
	if string(h.MessageType) == ControlMessage {
		return nil
	}
	if !found {
		return fmt.Errorf("%w: no logEvents", ErrPayload)
	}
	var ev LogEvent
	for i := range d.events {
		r := &d.events[i]
		ev.ID, ev.Timestamp, ev.Message = r.id, r.ts, r.msg
		if r.escaped {
			d.msg = jsonscan.AppendUnescaped(d.msg[:0], r.msg)
			ev.Message = d.msg
		}
		fn(&ev)
	}
	return nil
}

// rawEvent is where one log event lies in a payload.
type rawEvent struct {
	id      []byte
	msg     []byte // still escaped when escaped is set
	ts      int64
	escaped bool
}

// scan validates the logEvents array that b starts with, records its events
// in d.events and returns the length of the array.
func (d *Decoder) scan(b []byte) (int, error) {
	var (
		o jsonscan.Object
		m jsonscan.Member
	)
	if len(b) == 0 || b[0] != '[' {
		return 0, fmt.Errorf("%w: logEvents is not an array", ErrPayload)
	}
	i := 1
	for first := true; ; first = false {
		i = jsonscan.SkipSpace(b, i)
		if i >= len(b) {
			return 0, fmt.Errorf("%w: logEvents: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		if b[i] == ']' {
			return i + 1, nil
		}
		if !first {
			if b[i] != ',' {
				return 0, fmt.Errorf("%w: logEvents: %v", ErrPayload, jsonscan.ErrSyntax)
			}
			i = jsonscan.SkipSpace(b, i+1)
		}
		if n, ok := d.scanCompact(b[i:]); ok {
			i += n
			continue
		}
		if !o.Start(b[i:]) {
			return 0, fmt.Errorf("%w: logEvents: %v", ErrPayload, jsonscan.ErrSyntax)
		}
		var ev rawEvent
		hasMsg := false
		for {
			more, err := o.Next(&m)
			if err != nil {
				return 0, fmt.Errorf("%w: log event: %v", ErrPayload, err)
			}
			if !more {
				break
			}
			switch string(m.Key) {
			case "id":
				ev.id = m.Raw
			case "timestamp":
				ts, ok := parseMillis(m.Raw)
				if !ok {
					return 0, fmt.Errorf("%w: log event timestamp %q", ErrPayload, m.Raw)
				}
				ev.ts = ts
			case "message":
				if !m.IsString {
					return 0, fmt.Errorf("%w: log event message is not a string", ErrPayload)
				}
				hasMsg = true
				ev.msg, ev.escaped = m.Raw, m.Escaped
			}
		}
		i += o.Pos()
		if !hasMsg {
			return 0, fmt.Errorf("%w: log event without message", ErrPayload)
		}
		d.events = append(d.events, ev)
	}
}

// The members of a log event as CloudWatch Logs writes them, in its order
// and without white space:
// {"id":"3799...","timestamp":1795341623130,"message":"[pid: 1306|app: 0|..."}
var (
	compactID        = []byte(`{"id":"`)
	compactTimestamp = []byte(`","timestamp":`)
	compactMessage   = []byte(`,"message":"`)
)

// scanCompact records the log event that b starts with if it is written
// exactly as CloudWatch Logs writes one, and returns its length. Knowing the
// keys, it skips scanning them and the general member loop, which costs as
// much as the message itself. Anything else (other members, another order,
// white space, an escaped id, a timestamp that is not plain digits, broken
// JSON) returns false, for the general scan to read or reject.
func (d *Decoder) scanCompact(b []byte) (int, bool) {
	if !bytes.HasPrefix(b, compactID) {
		return 0, false
	}
	i := len(compactID)
	q := bytes.IndexByte(b[i:], '"')
	if q < 0 {
		return 0, false
	}
	id := b[i : i+q]
	if bytes.IndexByte(id, '\\') >= 0 {
		return 0, false
	}
	i += q
	if !bytes.HasPrefix(b[i:], compactTimestamp) {
		return 0, false
	}
	i += len(compactTimestamp)
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	ts, ok := parseMillis(b[start:i])
	if !ok || !bytes.HasPrefix(b[i:], compactMessage) {
		return 0, false
	}
	i += len(compactMessage)
	end, escaped, ok := jsonscan.StringEnd(b, i)
	if !ok || end+1 >= len(b) || b[end+1] != '}' {
		return 0, false
	}
	d.events = append(d.events, rawEvent{id: id, msg: b[i:end], ts: ts, escaped: escaped})
	return end + 2, true
}

// parseMillis reads a JSON integer timestamp without allocating.
func parseMillis(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
