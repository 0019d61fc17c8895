package event

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

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

// TestEventsAllOrNothing: a payload broken after its first events delivers
// none of them; a good one delivers every event with its fields.
func TestEventsAllOrNothing(t *testing.T) {
	var d Decoder
	var h Header
	n := 0
	broken := `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":"a"},{"id":"2","timestamp":2,"message":"b"},{"id":"3","timestamp":"x","message":"c"}]}`
	if err := d.Events([]byte(broken), &h, func(*LogEvent) { n++ }); !errors.Is(err, ErrPayload) || n != 0 {
		t.Errorf("broken payload: %v, %d events delivered", err, n)
	}
	good := `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1795387200000,"message":"GET \"/a\"\n\u00e9"},{"message":"plain","timestamp":-5,"id":"2"}]}`
	var got []string
	err := d.Events([]byte(good), &h, func(e *LogEvent) {
		got = append(got, string(e.ID)+"|"+string(e.Message)+"|"+strconv.FormatInt(e.Timestamp, 10))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1|GET \"/a\"\né|1795387200000", "2|plain|-5"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseMillis(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1795387200000": 1795387200000, "-12": -12} {
		if got, ok := parseMillis([]byte(in)); !ok || got != want {
			t.Errorf("parseMillis(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-", "1.5", "1e3", "12a", "1234567890123456789"} {
		if _, ok := parseMillis([]byte(in)); ok {
			t.Errorf("parseMillis(%q) accepted", in)
		}
	}
}

func TestEventsSkipsOtherMembers(t *testing.T) {
	var d Decoder
	var h Header
	n := 0
	p := `{"owner":"1","extra":{"a":[1,{"b":"]}\""}]},"subscriptionFilters":["f1","f]2"],"logEvents":[{"id":"1","timestamp":1,"message":"x"}],"messageType":"DATA_MESSAGE","logGroup":"/g","logStream":"s","n":-1.5e3}`
	if err := d.Events([]byte(p), &h, func(*LogEvent) { n++ }); err != nil || n != 1 {
		t.Fatalf("%v, %d events", err, n)
	}
	if string(h.MessageType) != DataMessage || string(h.LogGroup) != "/g" || string(h.LogStream) != "s" || string(h.Owner) != "1" {
		t.Errorf("header %q %q %q %q", h.MessageType, h.LogGroup, h.LogStream, h.Owner)
	}
	ctl := `{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}`
	n = 0
	if err := d.Events([]byte(ctl), &h, func(*LogEvent) { n++ }); err != nil || n != 0 {
		t.Errorf("control message: %v, %d events delivered", err, n)
	}
	for _, bad := range []string{
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}] "x":1}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}{"message":"y"}]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}]`,
		`{"messageType":"DATA_MESSAGE","extra":[1,2,"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[1]}`,
		`{"messageType":"DATA_MESSAGE"}`,
		`{"logEvents":[]}`,
	} {
		if err := d.Events([]byte(bad), &h, func(*LogEvent) { t.Errorf("%q: delivered an event", bad) }); !errors.Is(err, ErrPayload) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestEventsCompactLayout: log events written as CloudWatch Logs writes
// them and written any other way read the same.
func TestEventsCompactLayout(t *testing.T) {
	type got struct {
		id  string
		ts  int64
		msg string
	}
	for _, tc := range []struct {
		name, events string
		want         []got
	}{
		{"compact", `{"id":"1","timestamp":2,"message":"a"},{"id":"3","timestamp":4,"message":"b c"}`,
			[]got{{"1", 2, "a"}, {"3", 4, "b c"}}},
		{"escapes", `{"id":"1","timestamp":2,"message":"GET \"/a\"\tx\\"},{"id":"2","timestamp":3,"message":"\u00e9\\\""}`,
			[]got{{"1", 2, "GET \"/a\"\tx\\"}, {"2", 3, "é\\\""}}},
		{"white space", `{ "id": "1", "timestamp": 2, "message": "a" } ,{"id":"3","timestamp":4,"message":"b"}`,
			[]got{{"1", 2, "a"}, {"3", 4, "b"}}},
		{"other order", `{"message":"a","timestamp":2,"id":"1"},{"timestamp":4,"id":"3","message":"b"}`,
			[]got{{"1", 2, "a"}, {"3", 4, "b"}}},
		{"more members", `{"id":"1","timestamp":2,"message":"a","x":[1]},{"id":"3","timestamp":4,"ingestionTime":5,"message":"b"}`,
			[]got{{"1", 2, "a"}, {"3", 4, "b"}}},
		{"repeated message", `{"id":"1","timestamp":2,"message":"a","message":"b"}`, []got{{"1", 2, "b"}}},
		{"string timestamp", `{"id":"1","timestamp":"2","message":"a"}`, []got{{"1", 2, "a"}}},
		{"negative timestamp", `{"id":"1","timestamp":-2,"message":"a"}`, []got{{"1", -2, "a"}}},
		{"escaped id", `{"id":"1\/2","timestamp":2,"message":"a"}`, []got{{`1\/2`, 2, "a"}}},
		{"empty", `{"id":"","timestamp":0,"message":""}`, []got{{"", 0, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			var h Header
			var gots []got
			p := `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[` + tc.events + `]}`
			err := d.Events([]byte(p), &h, func(ev *LogEvent) {
				gots = append(gots, got{string(ev.ID), ev.Timestamp, string(ev.Message)})
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(gots, tc.want) {
				t.Errorf("got %+v, want %+v", gots, tc.want)
			}
		})
	}
	for _, bad := range []string{
		`{"id":"1","timestamp":2,"message":"a"`,
		`{"id":"1","timestamp":2,"message":"a}]}`,
		`{"id":"1","timestamp":2,"message":"a"]}`,
		`{"id":"1","timestamp":2x,"message":"a"}`,
		`{"id":"1","timestamp":2,"message":1}`,
		`{"id":"1","timestamp":2}`,
	} {
		var d Decoder
		var h Header
		p := `{"messageType":"DATA_MESSAGE","logEvents":[` + bad + `]}`
		if err := d.Events([]byte(p), &h, func(*LogEvent) { t.Errorf("%q: delivered an event", bad) }); !errors.Is(err, ErrPayload) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
