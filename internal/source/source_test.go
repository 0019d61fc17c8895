package source

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

func gz(tb testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// payload is the CloudWatch Logs DATA_MESSAGE JSON for lines.
func payload(tb testing.TB, lines []string) []byte {
	type ev struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	var evs []ev
	for i, l := range lines {
		evs = append(evs, ev{fmt.Sprint(i), 1795390233000, l})
	}
	b, _ := json.Marshal(map[string]any{"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/web",
		"logStream": "nginx-1", "subscriptionFilters": []string{"f"}, "logEvents": evs})
	return b
}

func lambdaEvent(tb testing.TB, lines []string) []byte {
	b, _ := json.Marshal(map[string]any{"awslogs": map[string]string{"data": base64.StdEncoding.EncodeToString(gz(tb, payload(tb, lines)))}})
	return b
}

func realLines(tb testing.TB) []string {
	b, err := os.ReadFile("../../testdata/captures/nginx-access.log")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func summary(a *metrics.Aggregates) string {
	var s strings.Builder
	for _, r := range a.Rows() {
		fmt.Fprintf(&s, "%s %s %v %v %d\n", r.Route, r.Method, r.Requests, r.Timeouts, r.Latency.Count)
	}
	return s.String()
}

// TestEveryInputKindCountsTheSame: the real nginx capture as a plain file, a
// gzip file, a Lambda event, a pretty-printed event, a JSON-lines file of
// events, a decoded payload and stdin all give the same rows.
func TestEveryInputKindCountsTheSame(t *testing.T) {
	lines := realLines(t)
	dir := t.TempDir()
	half := len(lines) / 2
	ev1, ev2 := lambdaEvent(t, lines[:half]), lambdaEvent(t, lines[half:])
	var pretty bytes.Buffer
	json.Indent(&pretty, lambdaEvent(t, lines), "", "  ")
	inputs := map[string][]byte{
		"plain.log":    []byte(strings.Join(lines, "\n") + "\n"),
		"crlf.log":     []byte(strings.Join(lines, "\r\n")),
		"plain.log.gz": gz(t, []byte(strings.Join(lines, "\n"))),
		"event.json":   lambdaEvent(t, lines),
		"pretty.json":  pretty.Bytes(),
		"events.jsonl": append(append(append(ev1, '\n'), ev2...), '\n'),
		"payload.json": payload(t, lines),
		"events.gz":    gz(t, append(append(ev1, '\n'), ev2...)),
	}
	var want string
	for _, name := range []string{"plain.log", "crlf.log", "plain.log.gz", "event.json", "pretty.json", "events.jsonl", "payload.json", "events.gz", "-"} {
		p := pipeline.New(pipeline.Config{})
		r := &Reader{P: p}
		path := filepath.Join(dir, name)
		if name == "-" {
			r.Stdin = bytes.NewReader(inputs["plain.log"])
			path = "-"
		} else if err := os.WriteFile(path, inputs[name], 0o644); err != nil {
			t.Fatal(err)
		}
		if err := r.Path(path); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p.Close()
		got := summary(p.Aggregates())
		if want == "" {
			want = got
			if !strings.Contains(want, "/reports/:id/export GET") {
				t.Fatalf("plain file gave no rows:\n%s", want)
			}
			continue
		}
		if got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
		if p.Aggregates().Lines.Total() != int64(len(lines)) {
			t.Errorf("%s: %d lines, want %d", name, p.Aggregates().Lines.Total(), len(lines))
		}
	}
}

func TestBadEnvelopesAreCountedNotFed(t *testing.T) {
	good := lambdaEvent(t, []string{`127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /a HTTP/1.1" 504 167 "-" "x" 1.000 1.001`})
	bad := map[string]string{
		"base64":   `{"awslogs":{"data":"!!!notbase64"}}`,
		"gzip":     `{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString([]byte("plain text")) + `"}}`,
		"json":     `{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz(t, []byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"x"},`))) + `"}}`,
		"no data":  `{"awslogs":{}}`,
		"truncate": string(good[:len(good)/2]),
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			p := pipeline.New(pipeline.Config{})
			r := &Reader{P: p}
			path := filepath.Join(t.TempDir(), "e.jsonl")
			os.WriteFile(path, append(append([]byte(b), '\n'), good...), 0o644)
			err := r.Path(path)
			if err == nil || !IsEnvelopeError(err) {
				t.Fatalf("error %v, want an envelope error", err)
			}
			if env := &p.Aggregates().Envelopes; env.Total() != 2 || env.Count(metrics.EnvelopeRejected) != 1 {
				t.Errorf("envelopes %d rejected %d", env.Total(), env.Count(metrics.EnvelopeRejected))
			}
			if n := p.Aggregates().Lines.Total(); n != 1 {
				t.Errorf("%d lines fed, want only the good event's 1", n)
			}
		})
	}
}

func TestControlMessageFeedsNothing(t *testing.T) {
	ctl := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1795390233000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}`
	p := pipeline.New(pipeline.Config{})
	r := &Reader{P: p, Stdin: strings.NewReader(ctl + "\n")}
	if err := r.Path("-"); err != nil {
		t.Fatal(err)
	}
	if env := &p.Aggregates().Envelopes; env.Total() != 1 || env.Count(metrics.EnvelopeControl) != 1 {
		t.Errorf("envelopes %d control %d", env.Total(), env.Count(metrics.EnvelopeControl))
	}
}

func TestMissingFile(t *testing.T) {
	r := &Reader{P: pipeline.New(pipeline.Config{})}
	if err := r.Path(filepath.Join(t.TempDir(), "nope.log")); err == nil || IsEnvelopeError(err) {
		t.Errorf("missing file: %v", err)
	}
}

func kinesisEvent(tb testing.TB, parts ...[]string) []byte {
	var recs []map[string]any
	for i, lines := range parts {
		recs = append(recs, map[string]any{"kinesis": map[string]string{
			"data": base64.StdEncoding.EncodeToString(gz(tb, payload(tb, lines))), "sequenceNumber": fmt.Sprint(100 + i)}})
	}
	b, _ := json.Marshal(map[string]any{"Records": recs})
	return b
}

// TestKinesisEvent: a Kinesis event carrying the capture in two records
// counts what the plain file counts, one envelope per record.
func TestKinesisEvent(t *testing.T) {
	lines := realLines(t)
	plain := pipeline.New(pipeline.Config{})
	if err := (&Reader{P: plain, Stdin: strings.NewReader(strings.Join(lines, "\n"))}).Path("-"); err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(pipeline.Config{})
	r := &Reader{P: p, Stdin: bytes.NewReader(kinesisEvent(t, lines[:40], lines[40:]))}
	if err := r.Path("-"); err != nil {
		t.Fatal(err)
	}
	if env := &p.Aggregates().Envelopes; env.Total() != 2 || env[event.InputKinesis][metrics.EnvelopeAccepted][event.ReasonNone] != 2 {
		t.Errorf("envelopes %v, want 2 kinesis records accepted", env)
	}
	if got, want := summary(p.Aggregates()), summary(plain.Aggregates()); got != want {
		t.Errorf("kinesis:\n%s\nwant\n%s", got, want)
	}
}

// TestEventHook: with a hook, Lambda events go to it whole and are not
// decoded; decoded payloads and log lines still are.
func TestEventHook(t *testing.T) {
	lines := realLines(t)
	p := pipeline.New(pipeline.Config{})
	var got [][]byte
	r := &Reader{P: p, Event: func(ev []byte) error {
		got = append(got, append([]byte(nil), ev...))
		if len(got) == 2 {
			return fmt.Errorf("boom")
		}
		return nil
	}}
	in := bytes.Join([][]byte{lambdaEvent(t, lines[:2]), kinesisEvent(t, lines[2:4]), payload(t, lines[4:6]), []byte(lines[6])}, []byte("\n"))
	r.Stdin = bytes.NewReader(in)
	err := r.Path("-")
	if !errors.Is(err, ErrEvent) || !IsEnvelopeError(err) {
		t.Errorf("hook error surfaced as %v", err)
	}
	if len(got) != 2 || !bytes.HasPrefix(got[0], []byte(`{"awslogs"`)) || !bytes.HasPrefix(got[1], []byte(`{"Records"`)) {
		t.Errorf("hook saw %d events", len(got))
	}
	if n := p.Aggregates().Envelopes[event.InputPayload][metrics.EnvelopeAccepted][event.ReasonNone]; n != 1 || p.Aggregates().Lines.Total() != 3 {
		t.Errorf("reader decoded %d envelopes and fed %d lines, want 1 payload and 3 lines", n, p.Aggregates().Lines.Total())
	}
}
