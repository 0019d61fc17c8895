// Command harakiri is the Lambda function that turns CloudWatch Logs
// subscription deliveries of uWSGI, nginx and gunicorn logs into timeout
// metrics: timeouts by source, client aborts, upstream failures, worker
// kills and full listen queues, sent to the Datadog Lambda Extension.
package main

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slowroutes/slowroutes/lambdahandler"
	"github.com/slowroutes/slowroutes/metrics"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := lambdahandler.ConfigFromEnv(os.Getenv, metrics.FamilyTimeouts)
	if err != nil {
		log.Error("bad configuration", "err", err)
		os.Exit(1)
	}
	var dropped atomic.Int64
	cfg.Client.OnError = func(error) { dropped.Add(1) }
	client, err := metrics.NewClient(cfg.Client)
	if err != nil {
		log.Error("DogStatsD client", "addr", cfg.Client.Addr, "err", err)
		os.Exit(1)
	}
	cfg.Options.OnInvocation = func(_ context.Context, s lambdahandler.Summary) {
		if n := dropped.Swap(0); n > 0 || s.Err != nil || s.Rejected > 0 || s.Duplicates > 0 || s.Retried > 0 {
			log.Warn("invocation", "request_id", s.RequestID, "input", s.Input, "batches", s.Batches,
				"rejected", s.Rejected, "duplicates", s.Duplicates, "retried", s.Retried,
				"datagrams", s.Datagrams, "payloads_not_sent", n, "err", s.Err)
		}
	}
	h := lambdahandler.New(client, cfg.Options)
	lambda.StartWithOptions(h, lambda.WithEnableSIGTERM(func() { _ = client.Close() }))
}
