package albhandler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/motoserver"
)

var moto motoserver.Shared

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

// capture keeps every datagram a DogStatsD client writes.
type capture struct {
	mu    sync.Mutex
	lines []string
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range strings.Split(string(p), "\n") {
		if l != "" {
			c.lines = append(c.lines, l)
		}
	}
	return len(p), nil
}

func (c *capture) Close() error { return nil }

func (c *capture) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.lines
	c.lines = nil
	sort.Strings(out)
	return out
}

const (
	bucket = "shop-alb-logs"
	prefix = "prod logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/"
	// The key Elastic Load Balancing gives an object (its user guide,
	// "Access log file"), with a space in the bucket prefix's place to see
	// the event's URL encoding undone.
	key = prefix + "2026/11/22/123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_20261122T2245Z_203.0.113.9_2pbo0xzn.log.gz"
)

// s3Event fills the S3 event of aws-lambda-go's testdata (vendored in
// testdata/, see its README) with an object's bucket, key, size and ETag.
func s3Event(t *testing.T, bucket, key string, size int, etag, sequencer string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/s3-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	rec := ev["Records"].([]any)[0].(map[string]any)
	rec["awsRegion"] = "eu-west-1"
	rec["eventTime"] = "2026-11-22T22:45:12.345Z"
	s := rec["s3"].(map[string]any)
	bk := s["bucket"].(map[string]any)
	bk["name"], bk["arn"] = bucket, "arn:aws:s3:::"+bucket
	obj := s["object"].(map[string]any)
	// S3 writes keys in events form-encoded: "prod+logs/AWSLogs/...".
	obj["key"] = strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
	obj["size"], obj["eTag"], obj["sequencer"] = size, etag, sequencer
	delete(obj, "versionId")
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newHandler returns a Handler reading from srv and its datagrams.
func newHandler(t *testing.T, srv *motoserver.Server) (*Handler, *capture) {
	t.Helper()
	cp := &capture{}
	c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Writer: cp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	now := time.Date(2026, 11, 22, 22, 50, 0, 0, time.UTC)
	return New(c, Options{S3: srv.S3(), Emitter: dogstatsd.EmitterConfig{Now: func() time.Time { return now }}}), cp
}

// TestS3EventEndToEnd: a bucket on moto_server notifies the function of
// the objects an ALB writes; the handler, through aws-lambda-go's own
// decoding of the S3 event, reads the object and emits the contract.
func TestS3EventEndToEnd(t *testing.T) {
	srv := moto.Server(t)
	fn := srv.CreateFunction(t, "slowroutes-albaccess")
	srv.CreateBucket(t, bucket)
	id := srv.NotifyFunction(t, bucket, fn, prefix, ".log.gz")
	// The notification the bucket holds is the one the function needs.
	nc, err := srv.S3().GetBucketNotificationConfiguration(context.Background(), &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(nc.LambdaFunctionConfigurations) != 1 || aws.ToString(nc.LambdaFunctionConfigurations[0].Id) != id ||
		aws.ToString(nc.LambdaFunctionConfigurations[0].LambdaFunctionArn) != fn ||
		!slices.Equal(nc.LambdaFunctionConfigurations[0].Events, []s3types.Event{"s3:ObjectCreated:*"}) {
		t.Fatalf("notification %+v", nc.LambdaFunctionConfigurations)
	}
	// testdata/formats/alb/access.log: entries hand-written in the documented layout.
	log, err := os.ReadFile("../../testdata/formats/alb/access.log")
	if err != nil {
		t.Fatal(err)
	}
	body := gzipped(t, log)
	etag := srv.PutObject(t, bucket, key, body)
	h, cp := newHandler(t, srv)
	var sums []Summary
	h.opt.OnInvocation = func(_ context.Context, s Summary) { sums = append(sums, s) }
	event := s3Event(t, bucket, key, len(body), etag, "0061A1B2C3D4E5F6A7")
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	got := cp.take()
	for _, want := range []string{
		// the 504 the load balancer answered: target_processing_time -1
		"slowroutes.timeouts:1|d|#route:/reports/:id/export,target_group:shop-web,source:alb_504",
		"slowroutes.client_aborts:1|d|#route:/search,target_group:shop-web",
		"slowroutes.upstream_failures:1|d|#route:/graphql,target_group:api-graphql,source:alb_502",
		"slowroutes.upstream_failures:1|d|#route:/api/v1/users/:id,target_group:shop-users,source:alb_503",
		"slowroutes.requests:1|d|#route:/invoices/:id/pdf,target_group:shop-web,status_class:2xx",
		// the 504 the target sent itself: a request, not the load balancer's timeout
		"slowroutes.requests:1|d|#route:/invoices/:id/pdf,target_group:shop-web,status_class:5xx",
		"slowroutes.request.duration_ms:12|d|#route:/invoices/:id/pdf,target_group:shop-web",
		// an entry with no target group: the request the load balancer could not read
		"slowroutes.pipeline.lines:1|d|#parser:alb,result:matched",
		"slowroutes.pipeline.lines:4|d|#target_group:shop-web,parser:alb,result:matched",
		"slowroutes.pipeline.lag_ms:300000|d|#target_group:shop-web",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no datagram %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, d := range got {
		if _, err := dogstatsd.ParseDatagram(d); err != nil || strings.Contains(d, "alb_504") && !strings.Contains(d, "/reports/") {
			t.Errorf("datagram %q: %v", d, err)
		}
	}
	if len(sums) != 1 || sums[0].Objects != 1 || sums[0].Lines != 7 || sums[0].Err != nil {
		t.Errorf("summary %+v", sums)
	}
	// S3 delivers an event twice at times: the object is not counted again.
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	if again := cp.take(); len(again) != 0 || sums[1].Duplicates != 1 {
		t.Errorf("duplicate event: %d datagrams, summary %+v", len(again), sums[1])
	}
	// An object that is not there fails the invocation, and sends nothing:
	// Lambda retries it.
	missing := s3Event(t, bucket, prefix+"2026/11/22/nope.log.gz", 10, "x", "0061A1B2C3D4E5F6A8")
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "nope.log.gz") {
		t.Errorf("missing object: %v", err)
	}
	if sent := cp.take(); len(sent) != 0 {
		t.Errorf("a failed object sent %q", sent)
	}
}

// TestBrokenObjectSendsNothing: an object cut short (a gzip stream without
// its end) fails the invocation, and none of its lines are emitted, then or
// later.
func TestBrokenObjectSendsNothing(t *testing.T) {
	srv := moto.Server(t)
	srv.CreateBucket(t, bucket)
	log, err := os.ReadFile("../../testdata/formats/alb/access.log")
	if err != nil {
		t.Fatal(err)
	}
	body := gzipped(t, log)
	etag := srv.PutObject(t, bucket, key, body[:len(body)-12])
	h, cp := newHandler(t, srv)
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), s3Event(t, bucket, key, len(body)-12, etag, "01")); err == nil {
		t.Fatal("a truncated object read without error")
	}
	if sent := cp.take(); len(sent) != 0 {
		t.Errorf("a broken object sent %q", sent)
	}
	// The retry, once the object is whole, counts it once.
	etag = srv.PutObject(t, bucket, key, body)
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), s3Event(t, bucket, key, len(body), etag, "02")); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range cp.take() {
		if strings.HasPrefix(d, "slowroutes.timeouts:") {
			n++
			if !strings.HasPrefix(d, "slowroutes.timeouts:1|") {
				t.Errorf("%q: counted twice", d)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d timeouts datagrams, want 1", n)
	}
}

// TestNotObjectCreated: records of other events are ignored.
func TestNotObjectCreated(t *testing.T) {
	srv := moto.Server(t)
	h, cp := newHandler(t, srv)
	ev := bytes.Replace(s3Event(t, bucket, key, 1, "x", "03"), []byte("ObjectCreated:Put"), []byte("ObjectRemoved:Delete"), 1)
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if h.sum.Ignored != 1 || len(cp.take()) != 0 {
		t.Errorf("summary %+v", h.sum)
	}
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(`{"Records":[]}`)); err == nil {
		t.Errorf("an event without records: no error")
	}
}
