package event

import (
	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// The API below is what callers used before Split, Decode and Batch. It is
// kept, as thin wrappers over the same code, until they have moved on.

// Header is the part of a payload that is not log events. Its slices alias
// the decoded payload and are as written, JSON escapes and all.
//
// Deprecated: use Batch.
type Header struct {
	MessageType []byte
	Owner       []byte
	LogGroup    []byte
	LogStream   []byte
}

// LogEvent is one log event. Message is unescaped and valid only during the
// callback; ID is as written.
//
// Deprecated: use Batch.Events.
type LogEvent struct {
	ID        []byte
	Timestamp int64 // milliseconds since the epoch
	Message   []byte
}

// LambdaData returns the base64 text of awslogs.data in a Lambda event
// ({"awslogs":{"data":"..."}}). It aliases event unless the text holds
// JSON escapes.
//
// Deprecated: use Decoder.Split.
func LambdaData(event []byte) ([]byte, error) {
	var scratch []byte
	return lambdaData(event, &scratch)
}

// DecodeData decodes base64 (standard alphabet, padded) gzip data into the
// payload JSON. The result is valid until the next call.
//
// Deprecated: use Decoder.Decode.
func (d *Decoder) DecodeData(b64 []byte) ([]byte, error) { return d.decodeData(b64) }

// Gunzip decompresses a gzip payload. The result is valid until the next
// call.
//
// Deprecated: use Decoder.Decode.
func (d *Decoder) Gunzip(gz []byte) ([]byte, error) { return d.gunzip(gz) }

// Events reads a decoded payload, fills h and calls fn for each log event in
// order. A payload that does not decode fails with ErrPayload before fn is
// called. The log events of a CONTROL_MESSAGE are not delivered.
//
// Deprecated: use Decoder.Decode and Batch.Events.
func (d *Decoder) Events(payload []byte, h *Header, fn func(*LogEvent)) error {
	*h = Header{}
	if err := d.scan(payload); err != nil {
		return err
	}
	b := &d.batch
	*h = Header{
		MessageType: b.bytes(b.raw[hdrMessageType]), Owner: b.bytes(b.raw[hdrOwner]),
		LogGroup: b.bytes(b.raw[hdrLogGroup]), LogStream: b.bytes(b.raw[hdrLogStream]),
	}
	if b.Control() {
		return nil
	}
	var ev LogEvent
	for _, c := range b.events.chunks[:b.events.used] {
		for i := range c {
			ev = LogEvent{ID: b.bytes(c[i].id), Timestamp: c[i].ts, Message: b.bytes(c[i].msg)}
			fn(&ev)
		}
	}
	return nil
}

// Kind is the shape of a Lambda event.
//
// Deprecated: use Shape.
type Kind uint8

const (
	KindUnknown    Kind = iota
	KindCloudWatch      // {"awslogs":{"data":"..."}}: a CloudWatch Logs subscription
	KindKinesis         // {"Records":[{"kinesis":{"data":"..."}}]}: a Kinesis stream fed by a subscription
)

// KindOf tells a CloudWatch Logs event from a Kinesis event by its first
// top-level key that is either; it does not validate the event.
//
// Deprecated: use ShapeOf.
func KindOf(event []byte) Kind {
	var (
		o jsonscan.Object
		m jsonscan.Member
	)
	if !o.Start(event) {
		return KindUnknown
	}
	for {
		more, err := o.Next(&m)
		if err != nil || !more {
			return KindUnknown
		}
		switch string(m.Key) {
		case "awslogs":
			return KindCloudWatch
		case "Records":
			return KindKinesis
		}
	}
}

// KinesisRecord is one record of a Lambda Kinesis event.
//
// Deprecated: use Delivery.
type KinesisRecord struct {
	// Data is the base64 text of the record's data: for a CloudWatch Logs
	// subscription, the same gzip payload as awslogs.data.
	Data []byte
	// SequenceNumber identifies the record in a partial batch response.
	SequenceNumber []byte
}

// KinesisRecords reads every record of a Lambda Kinesis event into dst
// (reusing it) and returns it. It fails with ErrNotEvent, before returning
// any record, when the event is not a Kinesis event or its JSON is broken;
// a record without data or sequence number fails it too.
//
// Deprecated: use Decoder.Split.
func KinesisRecords(dst []KinesisRecord, event []byte) ([]KinesisRecord, error) {
	var scratch []byte
	dels, err := kinesisRecords(nil, &scratch, event)
	dst = dst[:0]
	if err != nil {
		return dst, err
	}
	for _, r := range dels {
		dst = append(dst, KinesisRecord{Data: r.Data, SequenceNumber: r.Seq})
	}
	return dst, nil
}
