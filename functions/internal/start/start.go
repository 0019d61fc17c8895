// Package start wires a slowroutes Lambda function together from its
// environment: the DogStatsD client, the log-group tag cache and the shared
// handler. It is main's code, shared by the functions.
package start

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/lambdahandler"
	"github.com/slowroutes/slowroutes/internal/loggrouptags"
	"github.com/slowroutes/slowroutes/internal/settings"
)

// Main reads the environment once, builds the handler for the metric
// families fam and starts the Lambda runtime loop. It exits on a bad
// configuration: a function that cannot count must fail loudly at cold start.
func Main(fam dogstatsd.Family) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fatal := func(msg string, args ...any) {
		log.Error(msg, args...)
		os.Exit(1)
	}
	cfg, err := settings.FromEnv(os.Getenv)
	if err != nil {
		fatal("bad configuration", "err", err)
	}
	cfg.Emitter.Families = fam
	opt := lambdahandler.Options{Pipeline: cfg.Pipeline, Emitter: cfg.Emitter}
	var dropped atomic.Int64
	cfg.Client.OnError = func(error) { dropped.Add(1) }
	client, err := dogstatsd.NewClient(cfg.Client)
	if err != nil {
		fatal("DogStatsD client", "addr", cfg.Client.Addr, "err", err)
	}
	if len(cfg.LogGroupTagKeys) > 0 {
		awsCfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			fatal("AWS configuration", "err", err)
		}
		tags, err := loggrouptags.New(cloudwatchlogs.NewFromConfig(awsCfg), awsCfg.Region,
			loggrouptags.WithKeys(cfg.LogGroupTagKeys...), loggrouptags.WithTTL(cfg.LogGroupTagsTTL))
		if err != nil {
			fatal("bad configuration", "var", "SLOWROUTES_LOG_GROUP_TAGS", "err", err)
		}
		opt.LogGroupTags = tags
	}
	opt.OnInvocation = func(_ context.Context, s lambdahandler.Summary) {
		if n := dropped.Swap(0); n > 0 || s.Err != nil || s.Rejected > 0 || s.Duplicates > 0 || s.Retried > 0 {
			log.Warn("invocation", "request_id", s.RequestID, "input", s.Input, "batches", s.Batches,
				"rejected", s.Rejected, "duplicates", s.Duplicates, "retried", s.Retried,
				"datagrams", s.Datagrams, "payloads_not_sent", n, "err", s.Err)
		}
	}
	h := lambdahandler.New(client, opt)
	lambda.StartWithOptions(h, lambda.WithEnableSIGTERM(func() { _ = client.Close() }))
}
