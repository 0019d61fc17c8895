package s3logs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/slowroutes/slowroutes/internal/motoserver"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
)

var moto motoserver.Shared

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

// albKey is the key Elastic Load Balancing gives an object (its user
// guide, "Access log file"), under prefix.
func albKey(prefix string, end time.Time) string {
	return fmt.Sprintf("%sAWSLogs/123456789012/elasticloadbalancing/eu-west-1/%s/123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_%s_203.0.113.9_2pbo0xzn.log.gz",
		prefix, end.UTC().Format("2006/01/02"), end.UTC().Format("20060102T1504Z"))
}

func gz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// albLog is testdata/formats/alb/access.log: entries hand-written in the
// documented layout (testdata/formats/README.md).
func albLog(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("../../testdata/formats/alb/access.log")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestKeyTimeAndURL(t *testing.T) {
	// The key of the user guide's example.
	end, ok := KeyTime("my-bucket/my-prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz")
	if !ok || !end.Equal(time.Date(2022, 2, 15, 23, 40, 0, 0, time.UTC)) {
		t.Errorf("KeyTime = %v, %v", end, ok)
	}
	if _, ok := KeyTime("AWSLogs/123456789012/ELBAccessLogTestFile"); ok {
		t.Errorf("the test file ELB writes has no time")
	}
	for u, want := range map[string][2]string{
		"s3://logs":                      {"logs", ""},
		"s3://logs/alb/AWSLogs/":         {"logs", "alb/AWSLogs/"},
		"s3://logs/a b/AWSLogs/x.log.gz": {"logs", "a b/AWSLogs/x.log.gz"},
	} {
		if b, p, err := ParseURL(u); err != nil || b != want[0] || p != want[1] {
			t.Errorf("ParseURL(%q) = %q %q %v", u, b, p, err)
		}
	}
	for _, u := range []string{"logs/alb", "s3:///alb", "https://logs.s3.amazonaws.com/alb"} {
		if _, _, err := ParseURL(u); err == nil {
			t.Errorf("ParseURL(%q): no error", u)
		}
	}
}

// TestReadPrefix reads ALB objects from moto_server: gzip and plain, the
// ones whose key time is in [Since, Until] only, streamed into one pipeline.
func TestReadPrefix(t *testing.T) {
	srv := moto.Server(t)
	srv.CreateBucket(t, "shop-alb-logs")
	log := albLog(t)
	base := time.Date(2026, 11, 22, 22, 45, 0, 0, time.UTC)
	// One object every 5 minutes for two days, and one a day later still.
	var keys []string
	for i := range 12 {
		end := base.Add(time.Duration(i) * 4 * time.Hour)
		keys = append(keys, albKey("prod/", end))
		body := gz(t, log)
		if i == 3 {
			body = log // an object stored uncompressed is read all the same
		}
		srv.PutObject(t, "shop-alb-logs", keys[i], body)
	}
	srv.PutObject(t, "shop-alb-logs", "prod/AWSLogs/123456789012/ELBAccessLogTestFile", []byte("Enable AccessLog for ELB: shop-prod at 2026-11-22T22:40:00.000Z"))
	for _, c := range []struct {
		name         string
		prefix       string
		since, until time.Time
		alb          int // ALB objects read
		other        int // objects without a key time read
	}{
		{"all", "prod/", time.Time{}, time.Time{}, 12, 1},
		{"a range", "prod/", base.Add(4 * time.Hour), base.Add(20 * time.Hour), 5, 1},
		// the region-level prefix: listing starts near Since and stops after Until
		{"a range from the region prefix", "prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/", base.Add(40 * time.Hour), base.Add(44 * time.Hour), 2, 0},
		{"since only", "prod/", base.Add(40 * time.Hour), time.Time{}, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := pipeline.New(pipeline.Config{})
			var calls int
			r := &Reader{S3: srv.S3(), Pipeline: p, Since: c.since, Until: c.until, OnProgress: func(Progress) { calls++ }}
			if err := r.URL(context.Background(), "s3://shop-alb-logs/"+c.prefix); err != nil {
				t.Fatal(err)
			}
			pr := r.Progress()
			agg := p.Aggregates()
			// each ALB object: 7 entries; the test file is one line of no format
			wantALB := int64(7 * c.alb)
			if pr.Read != c.alb+c.other || calls < pr.Read || agg.Lines.By[parse.ParserALB][parse.Matched] != wantALB ||
				agg.Lines.By[parse.ParserNone][parse.Ignored] != int64(c.other) {
				t.Errorf("read %d objects (progress %+v, %d calls), lines %v; want %d + %d objects, %d ALB lines",
					pr.Read, pr, calls, agg.Lines.By, c.alb, c.other, wantALB)
			}
			if pr.Read+pr.Skipped > pr.Listed || pr.Bytes == 0 {
				t.Errorf("progress %+v", pr)
			}
			if c.other == 0 && pr.Listed >= 12 {
				t.Errorf("listed %d objects: the listing of a region prefix starts at the day before Since", pr.Listed)
			}
			var timeouts int64
			for _, row := range agg.Rows() {
				timeouts += row.Timeouts[parse.TimeoutALB504]
			}
			if timeouts != int64(c.alb) {
				t.Errorf("%d alb_504 timeouts, want one per ALB object", timeouts)
			}
		})
	}
	// A missing object is an error naming it.
	r := &Reader{S3: srv.S3(), Pipeline: pipeline.New(pipeline.Config{})}
	if err := r.Object(context.Background(), "shop-alb-logs", "prod/nope.log.gz"); err == nil || !bytes.Contains([]byte(err.Error()), []byte("s3://shop-alb-logs/prod/nope.log.gz")) {
		t.Errorf("missing object: %v", err)
	}
}

// TestLinesBrokenGzip: an object cut short is an error, not a silent half.
func TestLinesBrokenGzip(t *testing.T) {
	b := gz(t, albLog(t))
	var l Lines
	n := 0
	err := l.Read(bytes.NewReader(b[:len(b)-10]), func([]byte) { n++ }, func() {})
	if err == nil {
		t.Errorf("a truncated gzip stream read without error (%d lines)", n)
	}
	n = 0
	if err := l.Read(bytes.NewReader(b), func([]byte) { n++ }, func() {}); err != nil || n != 7 {
		t.Errorf("the whole stream after a broken one: %d lines, %v", n, err)
	}
}
