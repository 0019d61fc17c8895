// Package event decodes CloudWatch Logs subscription deliveries — the Lambda
// event {"awslogs":{"data":"<base64 gzip JSON>"}} and Kinesis records carrying
// the same gzip payload — into the log events they hold.
package event

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"

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
	zr      *gzip.Reader
	br      bytes.Reader
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
// anything from it.
func (d *Decoder) Events(payload []byte, h *Header, fn func(*LogEvent)) error {
	*h = Header{}
	var (
		o     jsonscan.Object
		m     jsonscan.Member
		evRaw []byte
		found bool
	)
	if !o.Start(payload) {
		return fmt.Errorf("%w: not an object", ErrPayload)
	}
	for {
		more, err := o.Next(&m)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPayload, err)
		}
		if !more {
			break
		}
		switch string(m.Key) {
		case "messageType":
			h.MessageType = m.Raw
		case "owner":
			h.Owner = m.Raw
		case "logGroup":
			h.LogGroup = m.Raw
		case "logStream":
			h.LogStream = m.Raw
		case "logEvents":
			evRaw, found = m.Raw, true
		}
	}
	if len(h.MessageType) == 0 {
		return fmt.Errorf("%w: no messageType", ErrPayload)
	}
	if !found {
		if string(h.MessageType) == ControlMessage {
			return nil
		}
		return fmt.Errorf("%w: no logEvents", ErrPayload)
	}
	// Scan once to validate, then deliver: nothing is counted from a payload
	// that turns out broken halfway.
	if err := d.walk(evRaw, nil); err != nil {
		return err
	}
	return d.walk(evRaw, fn)
}

func (d *Decoder) walk(raw []byte, fn func(*LogEvent)) error {
	var (
		a  jsonscan.Array
		o  jsonscan.Object
		m  jsonscan.Member
		ev LogEvent
	)
	if !a.Start(raw) {
		return fmt.Errorf("%w: logEvents is not an array", ErrPayload)
	}
	for {
		more, err := a.NextObject(&o)
		if err != nil {
			return fmt.Errorf("%w: logEvents: %v", ErrPayload, err)
		}
		if !more {
			return nil
		}
		ev = LogEvent{}
		hasMsg := false
		for {
			more, err := o.Next(&m)
			if err != nil {
				return fmt.Errorf("%w: log event: %v", ErrPayload, err)
			}
			if !more {
				break
			}
			switch string(m.Key) {
			case "id":
				ev.ID = m.Raw
			case "timestamp":
				ts, err := strconv.ParseInt(string(m.Raw), 10, 64)
				if err != nil {
					return fmt.Errorf("%w: log event timestamp %q", ErrPayload, m.Raw)
				}
				ev.Timestamp = ts
			case "message":
				if !m.IsString {
					return fmt.Errorf("%w: log event message is not a string", ErrPayload)
				}
				hasMsg = true
				if fn == nil {
					continue
				}
				if m.Escaped {
					d.msg = jsonscan.AppendUnescaped(d.msg[:0], m.Raw)
					ev.Message = d.msg
				} else {
					ev.Message = m.Raw
				}
			}
		}
		a.Done(&o)
		if !hasMsg {
			return fmt.Errorf("%w: log event without message", ErrPayload)
		}
		if fn != nil {
			fn(&ev)
		}
	}
}
