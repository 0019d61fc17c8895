package event

import (
	"bytes"
	"fmt"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// Kind is the shape of a Lambda event.
type Kind uint8

const (
	KindUnknown    Kind = iota
	KindCloudWatch      // {"awslogs":{"data":"..."}}: a CloudWatch Logs subscription
	KindKinesis         // {"Records":[{"kinesis":{"data":"..."}}]}: a Kinesis stream fed by a subscription
)

// KindOf tells a CloudWatch Logs event from a Kinesis event by its first
// top-level key that is either; it does not validate the event.
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

// KinesisRecord is one record of a Lambda Kinesis event. Its slices alias
// the event.
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
func KinesisRecords(dst []KinesisRecord, event []byte) ([]KinesisRecord, error) {
	dst = dst[:0]
	var (
		o, rec, kin jsonscan.Object
		a           jsonscan.Array
		m           jsonscan.Member
		records     []byte
		found       bool
	)
	if !o.Start(event) {
		return dst, ErrNotEvent
	}
	for {
		more, err := o.Next(&m)
		if err != nil {
			return dst, fmt.Errorf("%w: %v", ErrNotEvent, err)
		}
		if !more {
			break
		}
		if string(m.Key) == "Records" {
			records, found = m.Raw, true
		}
	}
	if !found || !a.Start(records) {
		return dst, fmt.Errorf("%w: no Records array", ErrNotEvent)
	}
	for {
		more, err := a.NextObject(&rec)
		if err != nil {
			return dst[:0], fmt.Errorf("%w: Records: %v", ErrNotEvent, err)
		}
		if !more {
			return dst, nil
		}
		var r KinesisRecord
		for {
			more, err := rec.Next(&m)
			if err != nil {
				return dst[:0], fmt.Errorf("%w: record: %v", ErrNotEvent, err)
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
					return dst[:0], fmt.Errorf("%w: record: %v", ErrNotEvent, err)
				}
				if !more {
					break
				}
				switch {
				case string(m.Key) == "data" && m.IsString:
					r.Data = m.Raw
					if m.Escaped {
						r.Data = bytes.ReplaceAll(m.Raw, []byte(`\/`), []byte(`/`))
					}
				case string(m.Key) == "sequenceNumber" && m.IsString:
					r.SequenceNumber = m.Raw
				}
			}
		}
		a.Done(&rec)
		if r.Data == nil || len(r.SequenceNumber) == 0 {
			return dst[:0], fmt.Errorf("%w: record without kinesis.data or kinesis.sequenceNumber", ErrNotEvent)
		}
		dst = append(dst, r)
	}
}
