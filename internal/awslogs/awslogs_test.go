package awslogs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/slowroutes/slowroutes/pipeline"
)

// TestLoadConfigRetriesThrottling checks that the configuration the CLI
// loads reaches AWS_ENDPOINT_URL and waits out a throttled FilterLogEvents
// instead of failing the backfill.
func TestLoadConfigRetriesThrottling(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(r.Header.Get("X-Amz-Target"), "FilterLogEvents") {
			t.Errorf("unexpected call %s: %s", r.Header.Get("X-Amz-Target"), body)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		io.WriteString(w, `{"events":[{"logStreamName":"web","timestamp":1795390234000,"message":"GET /healthz","eventId":"1"}]}`)
	}))
	defer srv.Close()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "eu-west-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	cfg, err := LoadConfig(testContext(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q, want eu-west-1 from AWS_REGION", cfg.Region)
	}
	if got := cfg.Retryer().MaxAttempts(); got != MaxAttempts {
		t.Errorf("retryer makes %d attempts, want %d", got, MaxAttempts)
	}
	b := &Backfill{Logs: cloudwatchlogs.NewFromConfig(cfg), Pipeline: pipeline.New(pipeline.Config{}), Start: time.Now().Add(-time.Hour)}
	if err := b.LogGroup(testContext(t), "/ecs/web"); err != nil {
		t.Fatalf("backfill after one throttled call: %v", err)
	}
	if calls.Load() != 2 || b.Progress().Events != 1 {
		t.Errorf("%d calls, %d events; want the throttled call retried once", calls.Load(), b.Progress().Events)
	}
	if cfg, err = LoadConfig(testContext(t), "ap-south-1"); err != nil || cfg.Region != "ap-south-1" {
		t.Errorf("LoadConfig with a region: %q, %v", cfg.Region, err)
	}
}
