package event

import (
	"bytes"
	"fmt"
	"iter"

	"github.com/klauspost/compress/gzip"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// Message types of a payload.
const (
	DataMessage    = "DATA_MESSAGE"
	ControlMessage = "CONTROL_MESSAGE"
)

// Decoder splits and decodes deliveries, reusing its buffers from one to
// the next, so that in steady state it allocates nothing. The zero Decoder
// is ready to use; it is not safe for concurrent use.
type Decoder struct {
	dels    []Delivery
	data    []byte // base64 texts of the last Split that had JSON escapes
	gz      []byte // the gzip bytes of the delivery being decoded
	payload []byte // the inflated payload JSON of the last Decode
	// klauspost/compress inflates these payloads about a sixth faster than
	// compress/gzip, with the same checks (header, CRC-32, size) and errors.
	zr       *gzip.Reader
	br       bytes.Reader
	inflated int // bytes read from the inflater by the last Decode

	batch  Batch
	text   []byte // the unescaped strings of the batch
	key    []byte // an escaped member name, unescaped
	events eventList
}

// Decode decodes one delivery: base64 (the standard alphabet, padded),
// gunzip (bounded by MaxPayload), then one strict pass over the payload
// JSON that reads its header and locates its log events. The Batch is
// valid until the next Decode. Nothing of a delivery that fails is
// returned, so that a caller can reject a bad envelope before counting any
// of its lines: the error wraps ErrBase64, ErrGzip, ErrTooLarge or
// ErrPayload.
func (d *Decoder) Decode(del *Delivery) (*Batch, error) {
	payload := del.Payload
	if del.Input != InputPayload {
		var err error
		if payload, err = d.decodeData(del.Data); err != nil {
			return nil, err
		}
	}
	if err := d.scan(payload); err != nil {
		return nil, err
	}
	return &d.batch, nil
}

// Batch is a decoded delivery: the log events of one log stream. Its slices
// alias the payload or the Decoder's buffers, until the next Decode.
type Batch struct {
	// MessageType is DATA_MESSAGE, or CONTROL_MESSAGE for the message
	// CloudWatch Logs sends to check that it can reach the destination.
	MessageType []byte
	Owner       []byte // the AWS account ID of the log group
	LogGroup    []byte // JSON-unescaped
	LogStream   []byte // JSON-unescaped

	payload, text []byte
	events        *eventList
	// where the header members lie, unescaped
	val [numHeader]span
}

// The header members a Batch keeps.
const (
	hdrMessageType = iota
	hdrOwner
	hdrLogGroup
	hdrLogStream
	numHeader
)

// span is where a string lies: in the payload, or in the Decoder's text
// when it had to be unescaped (textBit set in off). Offsets are 31 bits (a
// payload is bounded far below 2 GiB) to keep a log event's record at 24
// bytes: a payload of MaxPayload bytes can hold 400,000 tiny events.
type span struct{ off, end uint32 }

const textBit = 1 << 31

func inPayload(off, end int) span { return span{uint32(off), uint32(end)} }
func inText(off, end int) span    { return span{uint32(off) | textBit, uint32(end)} }

func (b *Batch) bytes(s span) []byte {
	if s.off&textBit != 0 {
		return b.text[s.off&^textBit : s.end : s.end]
	}
	return b.payload[s.off:s.end:s.end]
}

// rawEvent is where one log event lies.
type rawEvent struct {
	ts  int64
	msg span
}

// Control reports a CONTROL_MESSAGE, whose log events are not delivered.
func (b *Batch) Control() bool { return string(b.MessageType) == ControlMessage }

// Len is the number of log events Events yields.
func (b *Batch) Len() int {
	if b.events == nil || b.Control() {
		return 0
	}
	return b.events.n
}

// Events yields each log event in order: its timestamp (milliseconds since
// the epoch) and its message, JSON-unescaped, valid during the iteration
// step only.
func (b *Batch) Events() iter.Seq2[int64, []byte] {
	return func(yield func(int64, []byte) bool) {
		if b.events == nil || b.Control() {
			return
		}
		for _, c := range b.events.chunks[:b.events.used] {
			for i := range c {
				if !yield(c[i].ts, b.bytes(c[i].msg)) {
					return
				}
			}
		}
	}
}

func syntaxError(what string, off int) error {
	return fmt.Errorf("%w: %s at offset %d", ErrPayload, what, off)
}

// scan reads the payload JSON b into d.batch. CloudWatch Logs writes it
// compact, members in this order, as in the payload of aws-lambda-go's
// fixture (testdata/cloudwatch-logs-event.json):
//
//	{"messageType":"DATA_MESSAGE","owner":"123456789123","logGroup":"testLogGroup","logStream":"testLogStream","subscriptionFilters":["testFilter"],"logEvents":[{"id":"eventId1","timestamp":1440442987000,"message":"[ERROR] First test message"},...]}
//
// Any order and white space are read too. A member that occurs twice
// counts for its last value, and null leaves a member as it was, as
// encoding/json reads them; other members are skipped, but their syntax is
// checked too.
func (d *Decoder) scan(b []byte) error {
	if len(b) >= textBit {
		return fmt.Errorf("%w: %d bytes of payload", ErrTooLarge, len(b))
	}
	d.text = d.text[:0]
	d.events.reset()
	bt := &d.batch
	*bt = Batch{payload: b}
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%w: not an object", ErrPayload)
	}
	var (
		hasEvents, ok bool
		err           error
		key           []byte
	)
	i = jsonscan.SkipSpace(b, i+1)
	for i < len(b) && b[i] != '}' {
		if key, i, err = d.member(b, i); err != nil {
			return err
		}
		h := -1
		switch string(key) {
		case "logEvents":
			d.events.reset()
			if i, err = d.logEvents(b, i); err != nil {
				return err
			}
			hasEvents = true
		case "messageType":
			h = hdrMessageType
		case "owner":
			h = hdrOwner
		case "logGroup":
			h = hdrLogGroup
		case "logStream":
			h = hdrLogStream
		case "subscriptionFilters":
			if i, err = stringArray(b, i); err != nil {
				return err
			}
		default:
			if i, ok = jsonscan.Skip(b, i); !ok {
				return syntaxError("bad value of "+string(key), i)
			}
		}
		if h >= 0 {
			if i, err = d.stringOrNull(b, i, &bt.val[h]); err != nil {
				return err
			}
		}
		if i, err = nextMember(b, i, ""); err != nil {
			return err
		}
	}
	if i >= len(b) {
		return syntaxError("unterminated object", i)
	}
	if i = jsonscan.SkipSpace(b, i+1); i != len(b) {
		return syntaxError("data after the payload", i)
	}
	bt.text, bt.events = d.text, &d.events
	bt.MessageType = bt.bytes(bt.val[hdrMessageType])
	bt.Owner = bt.bytes(bt.val[hdrOwner])
	bt.LogGroup = bt.bytes(bt.val[hdrLogGroup])
	bt.LogStream = bt.bytes(bt.val[hdrLogStream])
	switch {
	case len(bt.MessageType) == 0:
		return fmt.Errorf("%w: no messageType", ErrPayload)
	case !hasEvents && !bt.Control():
		return fmt.Errorf("%w: no logEvents", ErrPayload)
	}
	return nil
}

// member reads the name of the member at b[i] and the colon after it, and
// returns the name (unescaped) and the offset of the value.
func (d *Decoder) member(b []byte, i int) (key []byte, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, syntaxError("expected a member name", i)
	}
	end := jsonscan.PlainEnd(b, i+1)
	switch {
	case end < len(b) && b[end] == '"':
		key = b[i+1 : end]
	case end < len(b) && b[end] == '\\':
		var ok bool
		// Rare: a name such as "mess\u0061ge" is "message" to encoding/json too.
		if d.key, end, ok = jsonscan.AppendString(append(d.key[:0], b[i+1:end]...), b, end); !ok {
			return nil, i, syntaxError("bad member name", i)
		}
		key = d.key
	default:
		return nil, i, syntaxError("bad member name", i)
	}
	i = jsonscan.SkipSpace(b, end+1)
	if i >= len(b) || b[i] != ':' {
		return nil, i, syntaxError("expected :", i)
	}
	return key, jsonscan.SkipSpace(b, i+1), nil
}

// nextMember moves past the value of a member that ends at b[i] and the
// comma after it, to the next member's name or the closing brace. what
// names the object in an error.
func nextMember(b []byte, i int, what string) (int, error) {
	if i = jsonscan.SkipSpace(b, i); i < len(b) && b[i] == ',' {
		if i = jsonscan.SkipSpace(b, i+1); i < len(b) && b[i] == '}' {
			return i, syntaxError("trailing comma", i)
		}
	} else if i >= len(b) || b[i] != '}' {
		return i, syntaxError(what+"expected , or }", i)
	}
	return i, nil
}

// str reads the JSON string whose opening quote is at b[i], unescaping it
// into d.text when it must, and returns where it lies and the offset past
// it.
func (d *Decoder) str(b []byte, i int) (s span, next int, ok bool) {
	start := i + 1
	end := jsonscan.PlainEnd(b, start)
	if end < len(b) && b[end] == '"' {
		return inPayload(start, end), end + 1, true
	}
	if end >= len(b) || b[end] != '\\' {
		return span{}, i, false
	}
	off := len(d.text)
	text, q, ok := jsonscan.AppendString(append(d.text, b[start:end]...), b, end)
	if !ok {
		return span{}, i, false
	}
	d.text = text
	return inText(off, len(text)), q + 1, true
}

// stringOrNull reads a string member, unescaped, into *val; null leaves it
// as it was.
func (d *Decoder) stringOrNull(b []byte, i int, val *span) (next int, err error) {
	if isNull(b, i) {
		return i + 4, nil
	}
	if i >= len(b) || b[i] != '"' {
		return i, syntaxError("expected a string", i)
	}
	s, next, ok := d.str(b, i)
	if !ok {
		return i, syntaxError("bad string", i)
	}
	*val = s
	return next, nil
}

func isNull(b []byte, i int) bool { return len(b)-i >= 4 && string(b[i:i+4]) == "null" }

// stringArray skips subscriptionFilters, an array of strings (or null),
// checking that it is one: encoding/json refuses anything else there.
func stringArray(b []byte, i int) (int, error) {
	if isNull(b, i) {
		return i + 4, nil
	}
	if i >= len(b) || b[i] != '[' {
		return i, syntaxError("subscriptionFilters is not an array", i)
	}
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		end, ok := jsonscan.Skip(b, i)
		if !ok || b[i] != '"' && string(b[i:end]) != "null" {
			return i, syntaxError("subscriptionFilters holds a value that is not a string", i)
		}
		i = jsonscan.SkipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ',':
			i = jsonscan.SkipSpace(b, i+1)
		case i < len(b) && b[i] == ']':
			return i + 1, nil
		default:
			return i, syntaxError("expected , or ]", i)
		}
	}
}
