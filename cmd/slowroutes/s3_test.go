package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/slowroutes/slowroutes/internal/motoserver"
	"github.com/slowroutes/slowroutes/report"
)

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

func reportDocument(t *testing.T, args ...string) (report.Document, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"report", "--format", "json", "--progress", "never"}, args...), nil, &out, &errb)
	var d report.Document
	if code == 0 {
		if err := json.Unmarshal(out.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
	}
	return d, code, errb.String()
}

// TestReportS3 reads ALB access logs from s3://bucket/prefix on moto_server
// (reached through AWS_ENDPOINT_URL, as a user's shell would), only the
// objects of --since/--until by their key time, and counts what the same
// objects give as local .log.gz files.
func TestReportS3(t *testing.T) {
	srv := motoserver.StartTB(t)
	srv.SetEnv(t)
	srv.CreateBucket(t, "shop-alb-logs")
	// testdata/formats/alb/access.log: entries hand-written in the documented layout
	log, err := os.ReadFile("../../testdata/formats/alb/access.log")
	if err != nil {
		t.Fatal(err)
	}
	const region = "prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/"
	base := time.Date(2026, 11, 22, 22, 45, 0, 0, time.UTC)
	dir := t.TempDir()
	var inRange []string
	for i := range 6 {
		end := base.Add(time.Duration(i) * time.Hour)
		name := fmt.Sprintf("123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_%s_203.0.113.9_2pbo0xzn.log.gz", end.Format("20060102T1504Z"))
		srv.PutObject(t, "shop-alb-logs", region+end.Format("2006/01/02/")+name, gzipped(t, log))
		if i >= 2 && i <= 4 {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, gzipped(t, log), 0o644); err != nil {
				t.Fatal(err)
			}
			inRange = append(inRange, path)
		}
	}
	since, until := base.Add(2*time.Hour).Format(time.RFC3339), base.Add(4*time.Hour).Format(time.RFC3339)
	fromS3, code, stderr := reportDocument(t, "--since", since, "--until", until, "s3://shop-alb-logs/"+region)
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	fromFiles, code, stderr := reportDocument(t, inRange...)
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	// Findings are per stream: an s3:// URL is one stream, so the same
	// hand-written entries in three objects read as a client's retries
	// there, and as three clients in three files — and the findings metric
	// adds its contexts to the cost.
	if diff := cmp.Diff(fromFiles, fromS3, cmpopts.IgnoreFields(report.Document{}, "Findings", "Cost")); diff != "" {
		t.Errorf("s3:// and the same objects as files differ (-files +s3):\n%s", diff)
	}
	if fromS3.Cost == nil || fromFiles.Cost == nil || fromS3.Cost.Contexts < fromFiles.Cost.Contexts {
		t.Errorf("cost: s3:// %+v, files %+v", fromS3.Cost, fromFiles.Cost)
	}
	var requests, timeouts, aborts int64
	for _, r := range fromS3.Routes {
		requests += r.Requests["alb"]
		timeouts += r.Timeouts["alb_504"]
		aborts += r.ClientAborts
	}
	// Each object: 6 requests (the 7th entry names none), one 504 the load
	// balancer answered, one 460.
	if requests != 18 || timeouts != 3 || aborts != 3 || fromS3.Lines.ByParser["alb"]["matched"] != 21 {
		t.Errorf("%d alb requests, %d alb_504, %d client aborts, lines %v; want 18, 3, 3 and 21 ALB lines", requests, timeouts, aborts, fromS3.Lines)
	}
	// A bucket that is not there: exit status 1, the error names it.
	if _, code, stderr := reportDocument(t, "s3://no-such-bucket/x/"); code != 1 || !strings.Contains(stderr, "no-such-bucket") {
		t.Errorf("missing bucket: exit %d, %q", code, stderr)
	}
	if _, code, stderr := reportDocument(t, "--since", "soon", "s3://shop-alb-logs/"); code != 2 || !strings.Contains(stderr, "--since") {
		t.Errorf("bad --since: exit %d, %q", code, stderr)
	}
}
