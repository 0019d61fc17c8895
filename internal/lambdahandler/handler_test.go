package lambdahandler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/pipeline"
)

// TestGolden runs the real-capture deliveries through each function's
// handler and compares every datagram with the golden files.
func TestGolden(t *testing.T) {
	names, evs := fixtureEvents(t)
	for _, tc := range []struct {
		name string
		fam  dogstatsd.Family
	}{
		{"harakiri", dogstatsd.FamilyTimeouts},
		{"slowlog", dogstatsd.FamilyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, cp := testHandler(t, tc.fam, Options{})
			for _, n := range names {
				if _, err := invoke(t, h, evs[n]); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
			}
			got := cp.take()
			checkDatagrams(t, dogstatsd.DefaultNamespace, got)
			golden(t, "lambda-"+tc.name+".datagrams", got)
		})
	}
}

// sum adds the values of the datagrams of metric name (without namespace)
// that carry every tag in want.
func sum(t *testing.T, lines []string, name string, want ...string) float64 {
	t.Helper()
	var n float64
	for _, l := range lines {
		d, err := dogstatsd.ParseDatagram(l)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != dogstatsd.DefaultNamespace+"."+name {
			continue
		}
		ok := true
		for _, w := range want {
			if !slices.Contains(d.Tags, w) {
				ok = false
			}
		}
		if ok {
			n += d.Value
		}
	}
	return n
}

// TestCaptureCounts checks the golden path against what the captures are
// known to hold, so that a golden file cannot silently bless a wrong count.
func TestCaptureCounts(t *testing.T) {
	names, evs := fixtureEvents(t)
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	for _, n := range names {
		if _, err := invoke(t, h, evs[n]); err != nil {
			t.Fatal(err)
		}
	}
	got := cp.take()
	// uWSGI killed 3 requests to /slow/:id and 3 to /graphql (harakiri 3s).
	if n := sum(t, got, "timeouts", "source:uwsgi_harakiri", "route:/slow/:id"); n != 3 {
		t.Errorf("harakiri timeouts on /slow/:id = %v, want 3", n)
	}
	if n := sum(t, got, "timeouts", "source:uwsgi_harakiri", "log_group:/web/uwsgi"); n != 6 {
		t.Errorf("harakiri timeouts in /web/uwsgi = %v, want 6", n)
	}
	// Every line is counted once, by parser and result.
	if lines := sum(t, got, "pipeline.lines"); lines != float64(fixtureLines(t)) {
		t.Errorf("pipeline.lines = %v, want %d", lines, fixtureLines(t))
	}
	if n := sum(t, got, "pipeline.envelopes", "result:accepted"); n != float64(len(names)) {
		t.Errorf("accepted envelopes = %v, want %d", n, len(names))
	}
	// Requests (each counted once, by one server) add up by status class.
	all := sum(t, got, "requests")
	var byClass float64
	for _, c := range []string{"1xx", "2xx", "3xx", "4xx", "5xx", "unknown"} {
		byClass += sum(t, got, "requests", "status_class:"+c)
	}
	if all == 0 || all != byClass {
		t.Errorf("%v requests, %v by status class", all, byClass)
	}
	// The lag is the hour between the first stamped event and the clock.
	if lag := sum(t, got, "pipeline.lag_ms", "log_group:/web/uwsgi"); lag <= 0 {
		t.Errorf("no lag for /web/uwsgi")
	}
}

func fixtureLines(t *testing.T) int {
	_, gz := capturePayloads(t)
	n := 0
	for _, g := range gz {
		zr, err := gzip.NewReader(bytes.NewReader(g))
		if err != nil {
			t.Fatal(err)
		}
		p, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var pj payloadJSON
		if err := json.Unmarshal(p, &pj); err != nil {
			t.Fatal(err)
		}
		n += len(pj.LogEvents)
	}
	return n
}

func TestKinesisMatchesCloudWatch(t *testing.T) {
	names, gz := capturePayloads(t)
	hc, cc := testHandler(t, dogstatsd.FamilyAll, Options{})
	hk, ck := testHandler(t, dogstatsd.FamilyAll, Options{})
	var recs [][]byte
	for _, n := range names {
		if _, err := invoke(t, hc, cloudWatchEvent(gz[n])); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, gz[n])
	}
	resp, err := invoke(t, hk, kinesisEvent(recs...))
	if err != nil {
		t.Fatal(err)
	}
	var r events.KinesisEventResponse
	if err := json.Unmarshal(resp, &r); err != nil || len(r.BatchItemFailures) != 0 {
		t.Fatalf("response %s: %v", resp, err)
	}
	norm := func(lines []string) []string {
		for i, l := range lines {
			lines[i] = strings.Replace(l, "input:kinesis", "input:cloudwatch", 1)
		}
		slices.Sort(lines)
		return lines
	}
	want, got := norm(cc.take()), norm(ck.take())
	if !slices.Equal(want, got) {
		t.Errorf("Kinesis and CloudWatch Logs deliveries differ (-cloudwatch +kinesis):\n%s", lineDiff(want, got))
	}
}

func TestKinesisPartialFailure(t *testing.T) {
	names, gz := capturePayloads(t)
	a, b := gz[names[0]], gz[names[1]]
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	resp, err := invoke(t, h, kinesisEvent(a, []byte("not gzip"), b))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"batchItemFailures":[{"itemIdentifier":"495900000000000000000001"}]}`
	if string(resp) != want {
		t.Errorf("response %s, want %s", resp, want)
	}
	got := cp.take()
	if n := sum(t, got, "pipeline.envelopes", "result:accepted"); n != 1 {
		t.Errorf("accepted %v, want 1 (nothing after the bad record)", n)
	}
	if n := sum(t, got, "pipeline.envelopes", "result:rejected", "reason:gzip"); n != 1 {
		t.Errorf("rejected %v, want 1", n)
	}
	// Lambda retries from the failed record; the first is not redelivered.
	resp, err = invoke(t, h, kinesisEvent(a, b))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp) != `{"batchItemFailures":[]}` {
		t.Errorf("retry response %s", resp)
	}
	got = cp.take()
	if n := sum(t, got, "pipeline.envelopes", "result:duplicate"); n != 1 {
		t.Errorf("duplicates %v, want 1", n)
	}
	if n := sum(t, got, "pipeline.envelopes", "result:accepted"); n != 1 {
		t.Errorf("accepted %v, want 1", n)
	}
}

func TestDuplicateCountedOnce(t *testing.T) {
	names, evs := fixtureEvents(t)
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	ev := evs[names[0]]
	if _, err := invoke(t, h, ev); err != nil {
		t.Fatal(err)
	}
	first := cp.take()
	if _, err := invoke(t, h, ev); err != nil {
		t.Fatal(err)
	}
	second := cp.take()
	if len(first) < 10 {
		t.Fatalf("first delivery sent only %d datagrams", len(first))
	}
	want := []string{"slowroutes.pipeline.envelopes:1|d|#team:web,input:cloudwatch,result:duplicate"}
	if !slices.Equal(second, want) {
		t.Errorf("second delivery sent %q, want %q", second, want)
	}
}

func TestBadEnvelopes(t *testing.T) {
	names, gz := capturePayloads(t)
	good := cloudWatchEvent(gz[names[0]])
	b64 := func(b []byte) []byte { return cloudWatchEvent(b) }
	zipped := func(s string) []byte { return gzipBytes([]byte(s)) }
	for _, tc := range []struct {
		name, reason string
		ev           []byte
		sentinel     error
	}{
		{"empty", "not_event", nil, event.ErrNotEvent},
		{"not JSON", "not_event", []byte("hello"), event.ErrNotEvent},
		{"no awslogs", "not_event", []byte(`{"detail":{}}`), event.ErrNotEvent},
		{"bad base64", "base64", []byte(`{"awslogs":{"data":"%%%not base64"}}`), event.ErrBase64},
		{"bad gzip", "gzip", b64([]byte("plain text, no gzip")), event.ErrGzip},
		{"truncated gzip", "gzip", b64(gz[names[0]][:len(gz[names[0]])/2]), event.ErrGzip},
		{"bad payload JSON", "json", b64(zipped(`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"x"`)), event.ErrPayload},
		{"payload not an object", "json", b64(zipped(`[1,2,3]`)), event.ErrPayload},
		{"event without message", "json", b64(zipped(`{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1}]}`)), event.ErrPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
			_, err := invoke(t, h, tc.ev)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v, want %v", err, tc.sentinel)
			}
			want := []string{"slowroutes.pipeline.envelopes:1|d|#team:web,input:cloudwatch,result:rejected,reason:" + tc.reason}
			if got := cp.take(); !slices.Equal(got, want) {
				t.Errorf("sent %q, want only %q", got, want)
			}
			// The handler goes on: the next good delivery is counted in full.
			if _, err := invoke(t, h, good); err != nil {
				t.Fatal(err)
			}
			if n := sum(t, cp.take(), "pipeline.lines"); n != fixtureBatch {
				t.Errorf("next delivery: %v lines, want %d", n, fixtureBatch)
			}
		})
	}
}

func TestControlMessage(t *testing.T) {
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	ev := cloudWatchEvent(gzipBytes([]byte(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1795387200000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`)))
	resp, err := invoke(t, h, ev)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp) != "null" {
		t.Errorf("response %s", resp)
	}
	want := []string{"slowroutes.pipeline.envelopes:1|d|#team:web,input:cloudwatch,result:control"}
	if got := cp.take(); !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

func TestLargeEvent(t *testing.T) {
	ev, lines := largeEvent(t, 1<<20)
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	if _, err := invoke(t, h, ev); err != nil {
		t.Fatal(err)
	}
	got := cp.take()
	checkDatagrams(t, dogstatsd.DefaultNamespace, got)
	if n := sum(t, got, "pipeline.lines"); n != float64(lines) {
		t.Errorf("%v lines, want %d", n, lines)
	}
	if len(got) < 1000 {
		t.Errorf("only %d datagrams from a 1 MB event", len(got))
	}
}

func TestDeadline(t *testing.T) {
	names, gz := capturePayloads(t)
	h, cp := testHandler(t, dogstatsd.FamilyAll, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := lambdaInvoke(ctx, h, cloudWatchEvent(gz[names[0]]))
	if !errors.Is(err, ErrDeadline) {
		t.Errorf("error %v, want ErrDeadline", err)
	}
	if got := cp.take(); len(got) != 0 {
		t.Errorf("sent %q before failing", got)
	}
	// Kinesis: no record is started that late; the first is left for a retry.
	resp, err := lambdaInvoke(ctx, h, kinesisEvent(gz[names[0]], gz[names[1]]))
	if !errors.Is(err, ErrDeadline) {
		t.Errorf("Kinesis: response %s, error %v, want ErrDeadline", resp, err)
	}
}

func TestStreamEviction(t *testing.T) {
	_, gz := capturePayloads(t)
	h, _ := testHandler(t, dogstatsd.FamilyAll, Options{Pipeline: pipeline.Config{MaxStreams: 2}})
	n := 0
	for _, name := range []string{"cw-uwsgi-00.json", "cw-nginx-access-00.json", "cw-nginx-error-00.json", "cw-gunicorn-error-00.json"} {
		if _, err := invoke(t, h, cloudWatchEvent(gz[name])); err != nil {
			t.Fatal(err)
		}
		n++
		if k := h.Pipeline().Streams(); k > 2 {
			t.Fatalf("after %d streams, %d kept", n, k)
		}
	}
}

func TestBatchResponse(t *testing.T) {
	var r events.KinesisEventResponse
	if err := json.Unmarshal(batchResponse([]byte(`49590338271490256608559692538361571095921575989136588898`)), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.BatchItemFailures) != 1 || r.BatchItemFailures[0].ItemIdentifier != "49590338271490256608559692538361571095921575989136588898" {
		t.Errorf("%+v", r)
	}
	if b := batchResponse(nil); string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("%s", b)
	}
}
