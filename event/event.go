// Package event reads CloudWatch Logs subscription deliveries — the Lambda
// event {"awslogs":{"data":"<base64 gzip JSON>"}}, the records of a Lambda
// Kinesis event carrying the same gzip payload, and the decoded payload
// JSON {"messageType":...} kept in a file — into the log events they hold,
// for the Lambda functions and the CLI alike.
//
// A Decoder splits an event into Deliveries (Split), then decodes each into
// a Batch (Decode): base64, a gunzip bounded by what CloudWatch Logs can
// send (MaxPayload), and one strict pass over the payload JSON that locates
// every log event in place. Nothing of a delivery that fails is returned,
// and in steady state nothing is allocated.
package event

import (
	"bytes"
	"errors"
)

// Errors a caller branches on: every one means the envelope is bad, not a line.
var (
	ErrNotEvent = errors.New("not a CloudWatch Logs subscription event")
	ErrBase64   = errors.New("bad base64 in awslogs.data")
	ErrGzip     = errors.New("bad gzip in awslogs.data")
	ErrPayload  = errors.New("bad CloudWatch Logs payload JSON")
	ErrTooLarge = errors.New("payload larger than CloudWatch Logs sends")
)

// Input is how a delivery arrived.
type Input uint8

const (
	InputCloudWatch Input = iota // a Lambda event {"awslogs":{"data":"..."}}
	InputKinesis                 // one record of a Lambda Kinesis event
	InputPayload                 // a decoded payload {"messageType":...}, read from a file
	NumInputs
)

var inputNames = [NumInputs]string{"cloudwatch", "kinesis", "file"}

// String is the input's metric tag value.
func (in Input) String() string {
	if in < NumInputs {
		return inputNames[in]
	}
	return "unknown"
}

// Reason names why a delivery was rejected.
type Reason uint8

const (
	ReasonNone     Reason = iota
	ReasonNotEvent        // ErrNotEvent: not an event, or its envelope is broken
	ReasonBase64          // ErrBase64
	ReasonGzip            // ErrGzip
	ReasonJSON            // ErrPayload
	ReasonTooLarge        // ErrTooLarge
	NumReasons
)

var reasonNames = [NumReasons]string{"", "not_event", "base64", "gzip", "json", "too_large"}

// String is the reason's metric tag value ("" for ReasonNone).
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// ReasonOf returns the reason of an error of Split or Decode: ReasonNone
// for nil, and ReasonNotEvent for an error that wraps none of the sentinel
// errors (what is not a delivery is not an event).
func ReasonOf(err error) Reason {
	switch {
	case err == nil:
		return ReasonNone
	case errors.Is(err, ErrBase64):
		return ReasonBase64
	case errors.Is(err, ErrGzip):
		return ReasonGzip
	case errors.Is(err, ErrPayload):
		return ReasonJSON
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	}
	return ReasonNotEvent
}

// Shape is what a JSON object is, as far as this package is concerned.
type Shape uint8

const (
	ShapeNone       Shape = iota // anything else: an app's JSON log line
	ShapeCloudWatch              // {"awslogs":...}
	ShapeKinesis                 // {"Records":...}
	ShapePayload                 // {"messageType":...} or another payload member first
)

// shapeKeys are the members an event or a payload may start with. A Lambda
// event has a single member, so its first key says which it is; encoders
// order a payload's members freely, so any of its keys may come first. No
// log line starts so.
var shapeKeys = [...]struct {
	key   string
	shape Shape
}{
	{`"awslogs"`, ShapeCloudWatch}, {`"Records"`, ShapeKinesis},
	{`"messageType"`, ShapePayload}, {`"logEvents"`, ShapePayload},
	{`"logGroup"`, ShapePayload}, {`"logStream"`, ShapePayload},
	{`"owner"`, ShapePayload}, {`"subscriptionFilters"`, ShapePayload},
}

// ShapeOf tells what the JSON object b starts with (after white space) is
// from its first key. It is cheap and does not validate: Split does.
func ShapeOf(b []byte) Shape {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return ShapeNone
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) < 2 || b[0] != '"' {
		return ShapeNone
	}
	for _, k := range shapeKeys {
		if len(b) >= len(k.key) && string(b[:len(k.key)]) == k.key {
			return k.shape
		}
	}
	return ShapeNone
}

// Delivery is one subscription delivery, not yet decoded. Its slices alias
// the event Split read, or the Decoder's scratch, until the next Split.
type Delivery struct {
	Input Input
	// Data is the base64 text of the gzip payload (InputCloudWatch,
	// InputKinesis) with its JSON escapes ("\/") resolved; nil for
	// InputPayload. Callers hash it to drop a delivery seen twice.
	Data []byte
	// Payload is the payload JSON itself, for InputPayload.
	Payload []byte
	// Seq is the Kinesis sequence number, for a partial batch response.
	Seq []byte
}
