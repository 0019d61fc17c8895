package event

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The tests of the API that callers used before Split and Decode: it must
// keep working, on top of the same code, until they have moved on.

func TestKindOf(t *testing.T) {
	for in, want := range map[string]Kind{
		`{"awslogs":{"data":"x"}}`:            KindCloudWatch,
		` {"Records":[]}`:                     KindKinesis,
		`{"version":"0","Records":[{"a":1}]}`: KindKinesis,
		`{"detail":{}}`:                       KindUnknown,
		`[]`:                                  KindUnknown,
		``:                                    KindUnknown,
		`{"awslogs":`:                         KindUnknown,
	} {
		if got := KindOf([]byte(in)); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestKinesisRecords(t *testing.T) {
	data := base64.StdEncoding.EncodeToString(gz(`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[]}`))
	ev := `{"Records":[
	  {"kinesis":{"partitionKey":"p","sequenceNumber":"1","data":"` + data + `"},"eventID":"shard:1"},
	  {"eventSource":"aws:kinesis","kinesis":{"data":"` + strings.ReplaceAll(data, "/", `\/`) + `","sequenceNumber":"2"}}]}`
	recs, err := KinesisRecords(nil, []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || string(recs[0].SequenceNumber) != "1" || string(recs[1].SequenceNumber) != "2" {
		t.Fatalf("%+v", recs)
	}
	var d Decoder
	for _, r := range recs {
		if string(r.Data) != data {
			t.Errorf("data %q, want %q", r.Data, data)
		}
		p, err := d.DecodeData(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		var h Header
		if err := d.Events(p, &h, func(*LogEvent) {}); err != nil || string(h.LogGroup) != "g" {
			t.Errorf("payload: %v, %q", err, h.LogGroup)
		}
	}
	for _, bad := range []string{
		``, `{}`, `{"Records":{}}`, `{"Records":[{"kinesis":{"sequenceNumber":"1"}}]}`,
		`{"Records":[{"kinesis":{"data":"eA=="}}]}`, `{"Records":[{"kinesis":{"data":"eA==","sequenceNumber":"1"}}`,
	} {
		if recs, err := KinesisRecords(nil, []byte(bad)); !errors.Is(err, ErrNotEvent) || len(recs) != 0 {
			t.Errorf("%q: %d records, %v", bad, len(recs), err)
		}
	}
}

// TestLegacyEvents: LambdaData, DecodeData and Events read a delivery as
// before: the header as written (escapes and all), the id, the message
// unescaped, nothing of a broken payload.
func TestLegacyEvents(t *testing.T) {
	p := `{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"\/g","logStream":"s","logEvents":[{"id":"1\/2","timestamp":2,"message":"a\"b"},{"message":"c","id":"3","timestamp":4}]}`
	data, err := LambdaData([]byte(`{"awslogs":{"data":"` + strings.ReplaceAll(base64.StdEncoding.EncodeToString(gz(p)), "/", `\/`) + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	payload, err := d.DecodeData(data)
	if err != nil || string(payload) != p {
		t.Fatalf("%v: %s", err, payload)
	}
	if g, err := d.Gunzip(gz(p)); err != nil || string(g) != p {
		t.Fatalf("Gunzip: %v: %s", err, g)
	}
	var h Header
	var got []string
	if err := d.Events([]byte(p), &h, func(e *LogEvent) {
		got = append(got, string(e.ID)+"|"+string(e.Message)+"|"+strconv.FormatInt(e.Timestamp, 10))
	}); err != nil {
		t.Fatal(err)
	}
	if string(h.LogGroup) != `\/g` || string(h.LogStream) != "s" || string(h.Owner) != "1" || string(h.MessageType) != DataMessage {
		t.Errorf("header %q %q %q %q", h.MessageType, h.LogGroup, h.LogStream, h.Owner)
	}
	if want := `1\/2|a"b|2,3|c|4`; strings.Join(got, ",") != want {
		t.Errorf("got %q, want %q", strings.Join(got, ","), want)
	}
	n := 0
	if err := d.Events([]byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a"},{"message":1}]}`), &h, func(*LogEvent) { n++ }); !errors.Is(err, ErrPayload) || n != 0 {
		t.Errorf("broken payload: %v, %d events", err, n)
	}
	if err := d.Events([]byte(`{"messageType":"CONTROL_MESSAGE","logEvents":[{"message":"a"}]}`), &h, func(*LogEvent) { n++ }); err != nil || n != 0 {
		t.Errorf("control message: %v, %d events", err, n)
	}
}
