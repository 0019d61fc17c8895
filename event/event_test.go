package event

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"slices"
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

// decodePayload decodes a payload JSON as read from a file.
func decodePayload(d *Decoder, payload string) (*Batch, error) {
	return d.Decode(&Delivery{Input: InputPayload, Payload: []byte(payload)})
}

type gotEvent struct {
	ts  int64
	msg string
}

func collect(b *Batch) []gotEvent {
	var got []gotEvent
	for ts, msg := range b.Events() {
		got = append(got, gotEvent{ts, string(msg)})
	}
	return got
}

func TestShapeOf(t *testing.T) {
	for in, want := range map[string]Shape{
		`{"awslogs":{"data":"x"}}`:             ShapeCloudWatch,
		" \n{\n  \"awslogs\": {":               ShapeCloudWatch,
		` {"Records":[]}`:                      ShapeKinesis,
		`{"messageType":"DATA_MESSAGE"}`:       ShapePayload,
		`{ "logEvents":[],"messageType":"x"}`:  ShapePayload,
		`{"owner":"1"}`:                        ShapePayload,
		`{"subscriptionFilters":[]}`:           ShapePayload,
		`{"logGroup":"g"}`:                     ShapePayload,
		`{"logStream":"s"}`:                    ShapePayload,
		`{"version":"0","Records":[{"a":1}]}`:  ShapeNone, // only the first key counts
		`{"awslogsX":1}`:                       ShapeNone,
		`{"msec":1795390233.664,"status":200}`: ShapeNone, // an nginx escape=json line
		`{"detail":{}}`:                        ShapeNone,
		`[]`:                                   ShapeNone,
		``:                                     ShapeNone,
		`{`:                                    ShapeNone,
		`"awslogs"`:                            ShapeNone,
	} {
		if got := ShapeOf([]byte(in)); got != want {
			t.Errorf("ShapeOf(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestReasonOf(t *testing.T) {
	for err, want := range map[error]Reason{
		nil: ReasonNone, ErrNotEvent: ReasonNotEvent, ErrBase64: ReasonBase64, ErrGzip: ReasonGzip,
		ErrPayload: ReasonJSON, ErrTooLarge: ReasonTooLarge, errors.New("other"): ReasonNotEvent,
	} {
		if got := ReasonOf(err); got != want {
			t.Errorf("ReasonOf(%v) = %v, want %v", err, got, want)
		}
		if err != nil {
			if got := ReasonOf(errors.Join(errors.New("context"), err)); got != want {
				t.Errorf("ReasonOf(wrapped %v) = %v, want %v", err, got, want)
			}
		}
	}
	names := map[string]bool{}
	for r := range NumReasons {
		names[r.String()] = true
	}
	for _, n := range []string{"", "not_event", "base64", "gzip", "json", "too_large"} {
		if !names[n] {
			t.Errorf("no Reason is %q", n)
		}
	}
	if InputCloudWatch.String() != "cloudwatch" || InputKinesis.String() != "kinesis" || InputPayload.String() != "file" || NumInputs != 3 {
		t.Errorf("inputs %v %v %v", InputCloudWatch, InputKinesis, InputPayload)
	}
}

// TestSplitCloudWatch: the data of a Lambda event, with its "\/" escapes
// resolved; a broken envelope is ErrNotEvent.
func TestSplitCloudWatch(t *testing.T) {
	data := base64.StdEncoding.EncodeToString(gz(`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[]}`))
	if !strings.Contains(data, "/") {
		t.Fatalf("fixture has no '/' to escape: %s", data)
	}
	var d Decoder
	for _, ev := range []string{
		`{"awslogs":{"data":"` + data + `"}}`,
		`{"awslogs": {"data": "` + strings.ReplaceAll(data, "/", `\/`) + `"}}`,
		`{"awslogs":{"other":1,"data":"` + strings.ReplaceAll(data, "H", `\u0048`) + `"}}`,
	} {
		dels, err := d.Split([]byte(ev))
		if err != nil || len(dels) != 1 {
			t.Fatalf("%s: %v, %d deliveries", ev, err, len(dels))
		}
		if dels[0].Input != InputCloudWatch || string(dels[0].Data) != data || dels[0].Payload != nil {
			t.Errorf("%s: %+v", ev, dels[0])
		}
		b, err := d.Decode(&dels[0])
		if err != nil || string(b.LogGroup) != "g" {
			t.Errorf("%s: %v", ev, err)
		}
	}
	for _, bad := range []string{``, `hello`, `{}`, `{"detail":{}}`, `{"awslogs":1}`, `{"awslogs":{}}`, `{"awslogs":{"data":1}}`, `{"awslogs":{"data":"x"`} {
		if dels, err := d.Split([]byte(bad)); !errors.Is(err, ErrNotEvent) || len(dels) != 0 {
			t.Errorf("%q: %d deliveries, %v", bad, len(dels), err)
		}
	}
	p := `{"messageType":"DATA_MESSAGE","logEvents":[]}`
	dels, err := d.Split([]byte(p))
	if err != nil || len(dels) != 1 || dels[0].Input != InputPayload || string(dels[0].Payload) != p || dels[0].Data != nil {
		t.Errorf("payload: %v %+v", err, dels)
	}
}

// TestDecodeAllOrNothing: a payload broken after its first events yields
// none of them; a good one yields every event.
func TestDecodeAllOrNothing(t *testing.T) {
	var d Decoder
	broken := `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":"a"},{"id":"2","timestamp":2,"message":"b"},{"id":"3","timestamp":"x","message":"c"}]}`
	if b, err := decodePayload(&d, broken); !errors.Is(err, ErrPayload) || b != nil {
		t.Errorf("broken payload: %v, %v", err, b)
	}
	good := `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1795387200000,"message":"GET \"/a\"\n\u00e9"},{"message":"plain","timestamp":-5,"id":"2"}]}`
	b, err := decodePayload(&d, good)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotEvent{{1795387200000, "GET \"/a\"\né"}, {-5, "plain"}}
	if got := collect(b); !slices.Equal(got, want) || b.Len() != 2 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// The iteration stops when asked to.
	n := 0
	for range b.Events() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d events after break", n)
	}
}

func TestDecodeHeader(t *testing.T) {
	var d Decoder
	p := `{"owner":"1","extra":{"a":[1,{"b":"]}\""}]},"subscriptionFilters":["f1","f]2",null],"logEvents":[{"id":"1","timestamp":1,"message":"x"}],"messageType":"DATA_MESSAGE","logGroup":"\/g\u00e9","logStream":"s\\t","n":-1.5e3,"logGroup2":null}`
	b, err := decodePayload(&d, p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b.MessageType) != DataMessage || string(b.LogGroup) != "/gé" || string(b.LogStream) != `s\t` || string(b.Owner) != "1" || b.Control() {
		t.Errorf("header %q %q %q %q", b.MessageType, b.LogGroup, b.LogStream, b.Owner)
	}
	if got := collect(b); len(got) != 1 || got[0].msg != "x" {
		t.Errorf("events %+v", got)
	}
	ctl := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1432826855000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}`
	if b, err = decodePayload(&d, ctl); err != nil || !b.Control() || b.Len() != 0 || len(collect(b)) != 0 {
		t.Errorf("control message: %v, %d events", err, b.Len())
	}
	for _, bad := range []string{
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}] "x":1}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}{"message":"y"}]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}]`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}]} x`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}],}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"},]}`,
		`{"messageType":"DATA_MESSAGE","extra":[1,2,"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","extra":[1,,2],"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","extra":tru,"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","extra":01,"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","extra":"\x","logEvents":[]}`,
		"{\"messageType\":\"DATA_MESSAGE\",\"extra\":\"a\tb\",\"logEvents\":[]}",
		`{"messageType":"DATA_MESSAGE","logGroup":5,"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","subscriptionFilters":"f","logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","subscriptionFilters":[1],"logEvents":[]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[1]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":{}}`,
		`{"messageType":"DATA_MESSAGE"}`,
		`{"messageType":"","logEvents":[]}`,
		`{"logEvents":[]}`,
		`[1,2,3]`,
		``,
	} {
		if b, err := decodePayload(&d, bad); !errors.Is(err, ErrPayload) || b != nil {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestDecodeLayouts: log events written as CloudWatch Logs writes them and
// written any other way read the same.
func TestDecodeLayouts(t *testing.T) {
	for _, tc := range []struct {
		name, events string
		want         []gotEvent
	}{
		{"compact", `{"id":"1","timestamp":2,"message":"a"},{"id":"3","timestamp":4,"message":"b c"}`,
			[]gotEvent{{2, "a"}, {4, "b c"}}},
		{"escapes", `{"id":"1","timestamp":2,"message":"GET \"/a\"\tx\\"},{"id":"2","timestamp":3,"message":"\u00e9\\\"\ud83d\ude00\/\b\f\r"}`,
			[]gotEvent{{2, "GET \"/a\"\tx\\"}, {3, "é\\\"😀/\b\f\r"}}},
		{"lone surrogate", `{"id":"1","timestamp":2,"message":"a\ud83db\udc00"}`, []gotEvent{{2, "a\uFFFDb\uFFFD"}}},
		{"white space", `{ "id": "1", "timestamp": 2, "message": "a" } ,{"id":"3","timestamp":4,"message":"b"}`,
			[]gotEvent{{2, "a"}, {4, "b"}}},
		{"other order", `{"message":"a","timestamp":2,"id":"1"},{"timestamp":4,"id":"3","message":"b"}`,
			[]gotEvent{{2, "a"}, {4, "b"}}},
		{"more members", `{"id":"1","timestamp":2,"message":"a","x":[1]},{"id":"3","timestamp":4,"ingestionTime":5,"message":"b"}`,
			[]gotEvent{{2, "a"}, {4, "b"}}},
		{"repeated message", `{"id":"1","timestamp":2,"message":"a","message":"b"}`, []gotEvent{{2, "b"}}},
		{"null members", `{"id":null,"timestamp":null,"message":"a","message":null}`, []gotEvent{{0, "a"}}},
		{"negative timestamp", `{"id":"1","timestamp":-2,"message":"a"}`, []gotEvent{{-2, "a"}}},
		{"escaped id", `{"id":"1\/2","timestamp":2,"message":"a"}`, []gotEvent{{2, "a"}}},
		{"escaped key", `{"id":"1","timestamp":2,"mess\u0061ge":"a"}`, []gotEvent{{2, "a"}}},
		{"empty", `{"id":"","timestamp":0,"message":""}`, []gotEvent{{0, ""}}},
		{"no id", `{"timestamp":7,"message":"a"}`, []gotEvent{{7, "a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			b, err := decodePayload(&d, `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[`+tc.events+`]}`)
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(b); !slices.Equal(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
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
		`{"id":"1","timestamp":2,"message":null}`,
		`{"id":1,"timestamp":2,"message":"a"}`,
		`{"id":"1","timestamp":2,"message":"a\x"}`,
		`{"id":"1","timestamp":2,"message":"a\u12"}`,
		"{\"id\":\"1\",\"timestamp\":2,\"message\":\"a\nb\"}",
		"{\"id\":\"1\x01\",\"timestamp\":2,\"message\":\"a\"}",
		`{"id":"1","timestamp":1.5,"message":"a"}`,
		`{"id":"1","timestamp":1e3,"message":"a"}`,
		`{"id":"1","timestamp":01,"message":"a"}`,
		`{"id":"1","timestamp":9223372036854775808,"message":"a"}`,
		// encoding/json (aws-lambda-go) refuses a string for the int64 timestamp.
		`{"id":"1","timestamp":"2","message":"a"}`,
		`null`,
	} {
		var d Decoder
		if b, err := decodePayload(&d, `{"messageType":"DATA_MESSAGE","logEvents":[`+bad+`]}`); !errors.Is(err, ErrPayload) || b != nil {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
