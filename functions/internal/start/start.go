// Package start wires a slowroutes Lambda function together from its
// environment: the DogStatsD client, the log-group tag cache and the shared
// handler. It is main's code, shared by the functions.
package start

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
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
	f := setup(fam)
	opt := lambdahandler.Options{Pipeline: f.cfg.Pipeline, Emitter: f.cfg.Emitter}
	if len(f.cfg.LogGroupTagKeys) > 0 {
		awsCfg := f.awsConfig()
		tags, err := loggrouptags.New(cloudwatchlogs.NewFromConfig(awsCfg), awsCfg.Region,
			loggrouptags.WithKeys(f.cfg.LogGroupTagKeys...), loggrouptags.WithTTL(f.cfg.LogGroupTagsTTL))
		if err != nil {
			f.fatal("bad configuration", "var", "SLOWROUTES_LOG_GROUP_TAGS", "err", err)
		}
		opt.LogGroupTags = tags
	}
	opt.OnInvocation = func(_ context.Context, s lambdahandler.Summary) {
		if n := f.dropped.Swap(0); n > 0 || s.Err != nil || s.Rejected > 0 || s.Duplicates > 0 || s.Retried > 0 {
			f.log.Warn("invocation", "request_id", s.RequestID, "input", s.Input, "batches", s.Batches,
				"rejected", s.Rejected, "duplicates", s.Duplicates, "retried", s.Retried,
				"datagrams", s.Datagrams, "payloads_not_sent", n, "err", s.Err)
		}
	}
	f.start(lambdahandler.New(f.client, opt))
}

// function is what every function builds from its environment at cold
// start, before its own handler.
type function struct {
	log    *slog.Logger
	cfg    settings.Config
	client *statsd.Client
	// dropped counts the payloads the client could not send since the last
	// invocation logged them.
	dropped atomic.Int64
}

// setup reads the configuration for the metric families fam and makes the
// DogStatsD client, or exits.
func setup(fam dogstatsd.Family) *function {
	f := &function{log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	cfg, err := settings.FromEnv(os.Getenv)
	if err != nil {
		f.fatal("bad configuration", "err", err)
	}
	cfg.Emitter.Families = fam
	cfg.Client.OnError = func(error) { f.dropped.Add(1) }
	if f.client, err = dogstatsd.NewClient(cfg.Client); err != nil {
		f.fatal("DogStatsD client", "addr", cfg.Client.Addr, "err", err)
	}
	f.cfg = cfg
	return f
}

func (f *function) fatal(msg string, args ...any) {
	f.log.Error(msg, args...)
	os.Exit(1)
}

// awsConfig is the function's AWS configuration (its role, its region), or
// it exits.
func (f *function) awsConfig() aws.Config {
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		f.fatal("AWS configuration", "err", err)
	}
	return awsCfg
}

// start runs the Lambda runtime loop; the client sends what it holds when
// the sandbox shuts down.
func (f *function) start(handler any) {
	lambda.StartWithOptions(handler, lambda.WithEnableSIGTERM(func() { _ = f.client.Close() }))
}
