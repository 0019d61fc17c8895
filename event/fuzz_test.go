package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzDecode holds Decode to aws-lambda-go's decoder. The input is a
// payload JSON, gzipped and base64-encoded into a delivery, or (raw) the
// gzip bytes themselves. Decode must never panic; what it accepts,
// aws-lambda-go's Parse must accept and read alike (same header, same
// events); the same payload read from a file (InputPayload) must decode
// the same.
//
// Where encoding/json's semantics legitimately differ, the input is left
// out, narrowly (see sameSemantics): member names matched regardless of
// case, and logEvents given twice. Bytes that are not UTF-8 are compared
// as encoding/json hands them over (U+FFFD), see jsonUTF8.
func FuzzDecode(f *testing.F) {
	for _, file := range []string{"uwsgi.log", "nginx-access.json", "nginx-error.log"} {
		p := capturePayload(f, file)
		p.LogEvents = p.LogEvents[:min(3, len(p.LogEvents))]
		f.Add(marshal(f, p), false)
		f.Add(reordered(p), false)
		f.Add(gzipBytes(marshal(f, p)), true)
	}
	for _, s := range []string{
		`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1432826855000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}`,
		`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"\/g\u00e9","logStream":"s\\t","logEvents":[{"id":"1","timestamp":-2,"message":"GET \"/a\"\n\ud83d\ude00\ud83d"},{"message":null,"message":"b","timestamp":null,"id":null,"x":[1,{"y":-1.5e+3}]}]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":"2","message":"a"}]}`,
		`{"messageType":"DATA_MESSAGE","Message":1,"logEvents":[{"message":"a","MESSAGE":"b"}]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a"}],"logEvents":[{"timestamp":1}]}`,
		"{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"message\":\"a\xffb\xc3\"}]}",
	} {
		f.Add([]byte(s), false)
	}
	if ev, err := os.ReadFile(filepath.Join("testdata", "cloudwatch-logs-event.json")); err == nil {
		var cw events.CloudwatchLogsEvent
		if json.Unmarshal(ev, &cw) == nil {
			gz, _ := base64.StdEncoding.DecodeString(cw.AWSLogs.Data)
			f.Add(gz, true)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, raw bool) {
		gz := in
		if !raw {
			gz = gzipBytes(in)
		}
		data := []byte(base64.StdEncoding.EncodeToString(gz))
		var d Decoder
		b, err := d.Decode(&Delivery{Input: InputCloudWatch, Data: data})
		if err != nil {
			if b != nil {
				t.Fatalf("a batch with error %v", err)
			}
			if r := ReasonOf(err); r == ReasonNone || r == ReasonNotEvent {
				t.Fatalf("Decode error %v has reason %v", err, r)
			}
		}
		if !raw {
			var d2 Decoder
			b2, err2 := d2.Decode(&Delivery{Input: InputPayload, Payload: in})
			if (err == nil) != (err2 == nil) || err == nil && !slices.Equal(collect(b), collect(b2)) {
				t.Fatalf("as a delivery: %v; as a payload: %v", err, err2)
			}
		}
		if err != nil {
			return
		}
		if !sameSemantics(b.payload) {
			return
		}
		want, perr := events.CloudwatchLogsRawData{Data: string(data)}.Parse()
		if perr != nil {
			t.Fatalf("Decode accepts what aws-lambda-go refuses (%v): %q", perr, b.payload)
		}
		if diff := compareBatch(b, &want); diff != "" {
			t.Fatalf("%s: %q", diff, b.payload)
		}
	})
}

var (
	payloadFields  = []string{"messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents"}
	logEventFields = []string{"id", "timestamp", "message"}
)

// sameSemantics reports whether encoding/json reads the valid payload p as
// Decode does. It does not when a member name equals a field name only
// regardless of case ("Message", "LOGGROUP", "meſſage": encoding/json
// folds case, Decode does not, as no encoder writes them), or when
// logEvents is given twice (encoding/json decodes the second array into
// the elements of the first, merging their members; Decode keeps the
// last).
func sameSemantics(p []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(p))
	if _, err := dec.Token(); err != nil {
		return false
	}
	logEvents := 0
	for dec.More() {
		tok, err := dec.Token()
		key, _ := tok.(string)
		if err != nil || folded(key, payloadFields) {
			return false
		}
		if key != "logEvents" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return false
			}
			continue
		}
		if logEvents++; logEvents > 1 {
			return false
		}
		var evs []map[string]json.RawMessage
		if dec.Decode(&evs) != nil {
			return false
		}
		for _, ev := range evs {
			for k := range ev {
				if folded(k, logEventFields) {
					return false
				}
			}
		}
	}
	return true
}

// folded reports whether key matches one of names regardless of case but
// is not one of them.
func folded(key string, names []string) bool {
	for _, n := range names {
		if key != n && bytes.EqualFold([]byte(key), []byte(n)) {
			return true
		}
	}
	return false
}
