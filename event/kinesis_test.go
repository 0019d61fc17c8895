package event

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// kinesisEvent writes a Lambda Kinesis event whose records carry the given
// base64 data texts as written (escapes and all), in the layout of
// aws-lambda-go's testdata/kinesis-event.json.
func kinesisEvent(datas ...string) []byte {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i, data := range datas {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"p","sequenceNumber":"4959%020d","data":"%s","approximateArrivalTimestamp":1795387200.123},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000000:4959%020d","eventName":"aws:kinesis:record","awsRegion":"eu-west-1","eventSourceARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/logs"}`,
			i, data, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestSplitKinesis: every record of a Kinesis event is a delivery with its
// sequence number; its data is what aws-lambda-go reads (escaped or not),
// and decodes as aws-lambda-go decodes it.
func TestSplitKinesis(t *testing.T) {
	var datas, written []string
	for i, f := range []string{"uwsgi.log", "nginx-access.log", "nginx-access.json"} {
		data := string(b64gz(marshal(t, capturePayload(t, f))))
		datas = append(datas, data)
		if i == 1 {
			data = strings.ReplaceAll(data, "/", `\/`) // as PHP's or Java's encoders write it
		}
		written = append(written, data)
	}
	if !strings.Contains(written[1], `\/`) {
		t.Fatal("no escape in the fixture")
	}
	ev := kinesisEvent(written...)
	var want events.KinesisEvent
	if err := json.Unmarshal(ev, &want); err != nil {
		t.Fatal(err)
	}
	var d Decoder
	dels, err := d.Split(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(dels) != len(datas) {
		t.Fatalf("%d deliveries, want %d", len(dels), len(datas))
	}
	for i := range dels {
		del := &dels[i]
		r := want.Records[i].Kinesis
		if del.Input != InputKinesis || string(del.Seq) != r.SequenceNumber || del.Payload != nil {
			t.Errorf("record %d: %v seq %q, aws-lambda-go %q", i, del.Input, del.Seq, r.SequenceNumber)
		}
		if string(del.Data) != datas[i] || string(del.Data) != base64.StdEncoding.EncodeToString(r.Data) {
			t.Errorf("record %d: data differs from aws-lambda-go's", i)
		}
	}
	for i := range dels {
		agree(t, &d, dels[i].Data)
	}
	if dels, err := d.Split([]byte(`{"Records":[]}`)); err != nil || len(dels) != 0 {
		t.Errorf("no records: %v, %d", err, len(dels))
	}
}

// TestSplitKinesisAWSFixture: aws-lambda-go's own Kinesis event. Its data
// ("Hello World") is no gzip payload, so each delivery fails its Decode,
// alone.
func TestSplitKinesisAWSFixture(t *testing.T) {
	ev, err := os.ReadFile(filepath.Join("testdata", "kinesis-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want events.KinesisEvent
	if err := json.Unmarshal(ev, &want); err != nil {
		t.Fatal(err)
	}
	var d Decoder
	dels, err := d.Split(ev)
	if err != nil || len(dels) != len(want.Records) || len(dels) != 2 {
		t.Fatalf("%v, %d deliveries", err, len(dels))
	}
	for i, r := range want.Records {
		if string(dels[i].Seq) != r.Kinesis.SequenceNumber || string(dels[i].Data) != base64.StdEncoding.EncodeToString(r.Kinesis.Data) {
			t.Errorf("record %d: %q %q", i, dels[i].Seq, dels[i].Data)
		}
		if b, err := d.Decode(&dels[i]); !errors.Is(err, ErrGzip) || b != nil || ReasonOf(err) != ReasonGzip {
			t.Errorf("record %d: %v", i, err)
		}
	}
}

// TestSplitKinesisBroken: one broken record fails the whole event, before
// any delivery is returned.
func TestSplitKinesisBroken(t *testing.T) {
	good := string(b64gz([]byte(`{"messageType":"DATA_MESSAGE","logEvents":[]}`)))
	var d Decoder
	if _, err := d.Split(kinesisEvent(good, good)); err != nil {
		t.Fatal(err)
	}
	record := func(kinesis string) string { return `{"eventSource":"aws:kinesis","kinesis":` + kinesis + `}` }
	okRecord := record(`{"sequenceNumber":"1","data":"` + good + `"}`)
	for name, bad := range map[string]string{
		"no data":            `{"Records":[` + okRecord + `,` + record(`{"sequenceNumber":"2"}`) + `]}`,
		"no sequence number": `{"Records":[` + okRecord + `,` + record(`{"data":"`+good+`"}`) + `]}`,
		"empty sequence":     `{"Records":[` + okRecord + `,` + record(`{"data":"`+good+`","sequenceNumber":""}`) + `]}`,
		"data not a string":  `{"Records":[` + okRecord + `,` + record(`{"data":1,"sequenceNumber":"2"}`) + `]}`,
		"no kinesis":         `{"Records":[` + okRecord + `,{"eventSource":"aws:kinesis"}]}`,
		"record not object":  `{"Records":[` + okRecord + `,"x"]}`,
		"broken JSON":        `{"Records":[` + okRecord + `,` + record(`{"data":"`+good+`","sequenceNumber":"2"`),
		"Records not array":  `{"Records":{}}`,
		"no Records":         `{"records":[]}`,
	} {
		dels, err := d.Split([]byte(bad))
		if !errors.Is(err, ErrNotEvent) || dels != nil || ReasonOf(err) != ReasonNotEvent {
			t.Errorf("%s: %d deliveries, %v", name, len(dels), err)
		}
	}
}
