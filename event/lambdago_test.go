package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// The decoder is checked against aws-lambda-go's own decoder of the same
// deliveries (events.CloudwatchLogsRawData.Parse: base64, compress/gzip,
// encoding/json), the one a Go Lambda function would otherwise use.

// agree decodes base64 data with Decode and with Parse and reports any
// difference in the header or in any log event; it returns the batch.
func agree(tb testing.TB, d *Decoder, data []byte) *Batch {
	tb.Helper()
	want, err := events.CloudwatchLogsRawData{Data: string(data)}.Parse()
	if err != nil {
		tb.Fatalf("aws-lambda-go: %v", err)
	}
	b, err := d.Decode(&Delivery{Input: InputCloudWatch, Data: data})
	if err != nil {
		tb.Fatalf("Decode: %v", err)
	}
	if diff := compareBatch(b, &want); diff != "" {
		tb.Fatal(diff)
	}
	return b
}

// compareBatch returns what differs between a batch and aws-lambda-go's
// reading of the same payload, or "". A CONTROL_MESSAGE yields no events.
func compareBatch(b *Batch, want *events.CloudwatchLogsData) string {
	for _, f := range []struct {
		name      string
		got, want string
	}{
		{"messageType", jsonUTF8(b.MessageType), want.MessageType},
		{"owner", jsonUTF8(b.Owner), want.Owner},
		{"logGroup", jsonUTF8(b.LogGroup), want.LogGroup},
		{"logStream", jsonUTF8(b.LogStream), want.LogStream},
	} {
		if f.got != f.want {
			return fmt.Sprintf("%s = %q, aws-lambda-go %q", f.name, f.got, f.want)
		}
	}
	wantEvents := want.LogEvents
	if want.MessageType == ControlMessage {
		wantEvents = nil
	}
	i := 0
	for ts, msg := range b.Events() {
		if i >= len(wantEvents) {
			return fmt.Sprintf("more than the %d events of aws-lambda-go", len(wantEvents))
		}
		w := wantEvents[i]
		if ts != w.Timestamp || jsonUTF8(msg) != w.Message {
			return fmt.Sprintf("event %d = %d %q, aws-lambda-go %d %q", i, ts, msg, w.Timestamp, w.Message)
		}
		i++
	}
	if i != len(wantEvents) || b.Len() != i {
		return fmt.Sprintf("%d events (Len %d), aws-lambda-go %d", i, b.Len(), len(wantEvents))
	}
	return ""
}

// jsonUTF8 is s as encoding/json hands over a string it read: each byte
// that is not part of valid UTF-8 becomes U+FFFD. The decoder passes
// message bytes through as they are (CloudWatch Logs only stores UTF-8).
func jsonUTF8(s []byte) string {
	if utf8.Valid(s) {
		return string(s)
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		b.WriteRune(r) // RuneError for a bad byte, n == 1
		s = s[n:]
	}
	return b.String()
}

func b64gz(payload []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(gzipBytes(payload)))
}

// capturePayload is one capture file as a payload, one event per line.
func capturePayload(tb testing.TB, file string) testPayload {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "captures", file))
	if err != nil {
		tb.Fatal(err)
	}
	p := testPayload{MessageType: DataMessage, Owner: "123456789012", LogGroup: "/web/" + file, LogStream: "web-1/" + file, SubscriptionFilters: []string{"slowroutes"}}
	for i, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		p.LogEvents = append(p.LogEvents, testLogEvent{ID: fmt.Sprintf("%056d", i), Timestamp: testBaseMS + int64(i)*100, Message: l})
	}
	return p
}

// TestAgreesOnCaptures: every capture file, as encoding/json writes the
// payload (compact, with and without its HTML escapes \u003c \u0026), and
// pretty-printed.
func TestAgreesOnCaptures(t *testing.T) {
	var d Decoder
	for _, f := range []string{"uwsgi.log", "uwsgi-logdate.log", "nginx-access.log", "nginx-access.json", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"} {
		p := capturePayload(t, f)
		html, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		pretty, err := json.MarshalIndent(p, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		for name, payload := range map[string][]byte{"compact": marshal(t, p), "html escapes": html, "indented": pretty} {
			t.Run(f+"/"+name, func(t *testing.T) {
				if b := agree(t, &d, b64gz(payload)); b.Len() != len(p.LogEvents) {
					t.Errorf("%d events, want %d", b.Len(), len(p.LogEvents))
				}
			})
		}
	}
}

// reordered writes p with its members in another order, white space, and
// members aws-lambda-go does not know, as another encoder might.
func reordered(p testPayload) []byte {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var b strings.Builder
	b.WriteString("\n{ \"logEvents\" : [\n")
	for i, e := range p.LogEvents {
		if i > 0 {
			b.WriteString(" ,\n")
		}
		fmt.Fprintf(&b, "\t{\"message\": %s, \"ingestionTime\": %d,\"extra\":{\"a\":[1,-2.5e+3,true,false,null,\"]}\"]},\r\n \"timestamp\":%d , \"id\" :%s}",
			q(e.Message), e.Timestamp+1, e.Timestamp, q(e.ID))
	}
	fmt.Fprintf(&b, "\n],\"subscriptionFilters\":[%s,null],\"policyLevel\":\"ACCOUNT_LEVEL_POLICY\",\"logStream\":%s,\t\"logGroup\":%s,\"owner\":%s, \"messageType\":%s}\n",
		q(p.SubscriptionFilters[0]), q(p.LogStream), q(p.LogGroup), q(p.Owner), q(p.MessageType))
	return []byte(b.String())
}

func TestAgreesOnOtherLayouts(t *testing.T) {
	var d Decoder
	p := capturePayload(t, "nginx-access.json")
	agree(t, &d, b64gz(reordered(p)))
	// The example of the Lambda Developer Guide ("Using Lambda with
	// CloudWatch Logs"), as printed there: spaces after colons and commas.
	// Hand-written from the page.
	doc := `{ "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/echo-nodejs", "logStream": "2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7", "subscriptionFilters": [ "LambdaStream_cloudwatchlogs-node" ], "logEvents": [ { "id": "34622316099697884706540976068822859012661220141643892546", "timestamp": 1552518348220, "message": "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \tMemory Size: 192 MB\tMax Memory Used: 72 MB\t\n" } ] }`
	if b := agree(t, &d, b64gz([]byte(doc))); b.Len() != 1 || string(b.LogStream) != "2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7" {
		t.Errorf("doc example: %d events, stream %q", b.Len(), b.LogStream)
	}
}

// escapeAll writes s as a JSON string with every character but letters
// and digits escaped as \uXXXX (surrogate pairs past U+FFFF) and '/' as
// "\/", as the most escaping encoders do.
func escapeAll(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04X`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestAgreesOnEscapes: strings escaped in every way JSON allows.
func TestAgreesOnEscapes(t *testing.T) {
	// Hand-written edge cases, beside real lines.
	msgs := []string{
		`GET /a\/b "quoted" back\slash`, "tab\tnew\nline\r\x00\x01\x1f\x7f", "café é ü ß", "emoji 😀 𝄞 done",
		`{"msec":1795390233.664,"request_uri":"/invoices/1/pdf"}`, `\\\"`, `"`, `\`, "", "<script>&amp;</script>",
	}
	var d Decoder
	for _, m := range msgs {
		// encoding/json's own escapes, and every character escaped.
		p := testPayload{MessageType: DataMessage, Owner: "1", LogGroup: "/aws/lambda/é", LogStream: "2026/11/22/[$LATEST]\"x\"", LogEvents: []testLogEvent{{ID: "1", Timestamp: 1, Message: m}}}
		agree(t, &d, b64gz(marshal(t, p)))
		all := fmt.Sprintf(`{"messageType":%s,"owner":%s,"logGroup":%s,"logStream":%s,"subscriptionFilters":[%s],"logEvents":[{"id":%s,"timestamp":1,"message":%s}]}`,
			escapeAll(p.MessageType), escapeAll(p.Owner), escapeAll(p.LogGroup), escapeAll(p.LogStream), escapeAll("f"), escapeAll("1"), escapeAll(m))
		b := agree(t, &d, b64gz([]byte(all)))
		if got := collect(b); len(got) != 1 || got[0].msg != m {
			t.Errorf("%s: %+v", all, got)
		}
	}
	// Escapes aws-lambda-go reads as U+FFFD: lone surrogates.
	lone := `{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"\ud83d \ude00 \ud83d\u0041 \udbff\udfff"}]}`
	agree(t, &d, b64gz([]byte(lone)))
}

// TestAgreesOnLargePayloads: CloudWatch Logs' largest batches, 10,000
// events of 1,048,576 bytes, and one of long lines.
func TestAgreesOnLargePayloads(t *testing.T) {
	var d Decoder
	src := captureLines(t)
	p := testPayload{MessageType: DataMessage, Owner: "123456789012", LogGroup: "/web/all", LogStream: "web-1", SubscriptionFilters: []string{"slowroutes"}}
	quota := 1_048_576
	for i := 0; i < 10_000; i++ {
		m := src[i%len(src)]
		m = m[:min(len(m), quota/10_000-26)]
		p.LogEvents = append(p.LogEvents, testLogEvent{ID: fmt.Sprintf("%056d", i), Timestamp: testBaseMS + int64(i), Message: m})
	}
	if b := agree(t, &d, b64gz(marshal(t, p))); b.Len() != 10_000 {
		t.Errorf("%d events", b.Len())
	}
	big := largePayload(t, 1<<20, 10_000)
	payload := marshal(t, big)
	if len(payload) < 1<<20-4096 {
		t.Fatalf("payload of %d bytes", len(payload))
	}
	if b := agree(t, &d, b64gz(payload)); b.Len() != len(big.LogEvents) {
		t.Errorf("%d events, want %d", b.Len(), len(big.LogEvents))
	}
}

// TestAgreesOnAWSFixture: aws-lambda-go's own CloudWatch Logs event
// (testdata/README.md), split and decoded.
func TestAgreesOnAWSFixture(t *testing.T) {
	ev, err := os.ReadFile(filepath.Join("testdata", "cloudwatch-logs-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cw events.CloudwatchLogsEvent
	if err := json.Unmarshal(ev, &cw); err != nil {
		t.Fatal(err)
	}
	var d Decoder
	dels, err := d.Split(ev)
	if err != nil || len(dels) != 1 {
		t.Fatalf("%v, %d deliveries", err, len(dels))
	}
	if string(dels[0].Data) != cw.AWSLogs.Data {
		t.Errorf("data %q, aws-lambda-go %q", dels[0].Data, cw.AWSLogs.Data)
	}
	b := agree(t, &d, bytes.Clone(dels[0].Data))
	if b.Len() != 2 || string(b.LogGroup) != "testLogGroup" {
		t.Errorf("%d events of %q", b.Len(), b.LogGroup)
	}
}
