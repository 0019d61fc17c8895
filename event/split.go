package event

import (
	"fmt"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// Split reads a Lambda event (CloudWatch Logs or Kinesis) or a decoded
// payload into its deliveries, reusing the Decoder's slice: they are valid
// until the next Split. An event whose envelope is broken fails as a whole
// with ErrNotEvent before any delivery is returned; so does a Kinesis
// record without data or sequenceNumber. A payload's own JSON is checked by
// Decode.
//
// The envelope is walked, not validated: the Lambda runtime hands over what
// the service sent, and a broken base64 text fails its Decode.
func (d *Decoder) Split(b []byte) ([]Delivery, error) {
	d.dels = d.dels[:0]
	d.data = d.data[:0]
	var err error
	switch ShapeOf(b) {
	case ShapeCloudWatch:
		var data []byte
		if data, err = lambdaData(b, &d.data); err == nil {
			d.dels = append(d.dels, Delivery{Input: InputCloudWatch, Data: data})
		}
	case ShapeKinesis:
		d.dels, err = kinesisRecords(d.dels, &d.data, b)
	case ShapePayload:
		d.dels = append(d.dels, Delivery{Input: InputPayload, Payload: b})
	default:
		err = ErrNotEvent
	}
	if err != nil {
		d.dels = d.dels[:0]
		return nil, err
	}
	return d.dels, nil
}

// base64Text returns the base64 text of a JSON string member, appending it
// unescaped to *scratch when it holds escapes: base64 has no character
// JSON must escape, but encoders may write '/' as "\/" (and anything as
// \u00XX).
func base64Text(m *jsonscan.Member, scratch *[]byte) []byte {
	if !m.Escaped {
		return m.Raw
	}
	start := len(*scratch)
	*scratch = jsonscan.AppendUnescaped(*scratch, m.Raw)
	return (*scratch)[start:len(*scratch):len(*scratch)]
}

// lambdaData returns the base64 text of awslogs.data in a Lambda event
// ({"awslogs":{"data":"..."}}), aliasing the event or *scratch.
func lambdaData(event []byte, scratch *[]byte) ([]byte, error) {
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
			return nil, fmt.Errorf("%w: no awslogs.data", ErrNotEvent)
		}
		if string(m.Key) != "awslogs" {
			continue
		}
		if !inner.Start(m.Raw) {
			return nil, fmt.Errorf("%w: awslogs is not an object", ErrNotEvent)
		}
		for {
			more, err := inner.Next(&m)
			if err != nil || !more {
				return nil, fmt.Errorf("%w: no awslogs.data", ErrNotEvent)
			}
			if string(m.Key) == "data" && m.IsString {
				return base64Text(&m, scratch), nil
			}
		}
	}
}

// kinesisRecords appends a delivery for every record of a Lambda Kinesis
// event to dels. As Lambda writes one (events.KinesisEvent in aws-lambda-go):
//
//	{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"p",
//	  "sequenceNumber":"4959...","data":"H4sI...","approximateArrivalTimestamp":1795387200.123},
//	  "eventSource":"aws:kinesis","eventID":"shardId-000000000000:4959...",...}]}
//
// It fails, returning dels as it was, when the event is not a Kinesis event
// or its JSON is broken, or when a record has no data or sequence number.
func kinesisRecords(dels []Delivery, scratch *[]byte, event []byte) ([]Delivery, error) {
	n := len(dels)
	var (
		o, rec, kin jsonscan.Object
		a           jsonscan.Array
		m           jsonscan.Member
		records     []byte
		found       bool
	)
	if !o.Start(event) {
		return dels, ErrNotEvent
	}
	for {
		more, err := o.Next(&m)
		if err != nil {
			return dels, fmt.Errorf("%w: %v", ErrNotEvent, err)
		}
		if !more {
			break
		}
		if string(m.Key) == "Records" {
			records, found = m.Raw, true
		}
	}
	if !found || !a.Start(records) {
		return dels, fmt.Errorf("%w: no Records array", ErrNotEvent)
	}
	for {
		more, err := a.NextObject(&rec)
		if err != nil {
			return dels[:n], fmt.Errorf("%w: Records: %v", ErrNotEvent, err)
		}
		if !more {
			return dels, nil
		}
		r := Delivery{Input: InputKinesis}
		for {
			more, err := rec.Next(&m)
			if err != nil {
				return dels[:n], fmt.Errorf("%w: record: %v", ErrNotEvent, err)
			}
			if !more {
				break
			}
			if string(m.Key) != "kinesis" || !kin.Start(m.Raw) {
				continue
			}
			for {
				more, err := kin.Next(&m)
				if err != nil {
					return dels[:n], fmt.Errorf("%w: record: %v", ErrNotEvent, err)
				}
				if !more {
					break
				}
				switch {
				case string(m.Key) == "data" && m.IsString:
					r.Data = base64Text(&m, scratch)
				case string(m.Key) == "sequenceNumber" && m.IsString:
					r.Seq = m.Raw
				}
			}
		}
		a.Done(&rec)
		if r.Data == nil || len(r.Seq) == 0 {
			return dels[:n], fmt.Errorf("%w: record without kinesis.data or kinesis.sequenceNumber", ErrNotEvent)
		}
		dels = append(dels, r)
	}
}
