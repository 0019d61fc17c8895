package start

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/albhandler"
	"github.com/slowroutes/slowroutes/internal/s3logs"
	"github.com/slowroutes/slowroutes/internal/settings"
)

// ALBAccess reads the environment once, builds the handler of S3
// ObjectCreated events of load balancer access logs, with every metric
// family, and starts the Lambda runtime loop. It exits on a bad
// configuration.
func ALBAccess() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fatal := func(msg string, args ...any) {
		log.Error(msg, args...)
		os.Exit(1)
	}
	cfg, err := settings.FromEnv(os.Getenv)
	if err != nil {
		fatal("bad configuration", "err", err)
	}
	cfg.Emitter.Families = dogstatsd.FamilyAll
	var dropped atomic.Int64
	cfg.Client.OnError = func(error) { dropped.Add(1) }
	client, err := dogstatsd.NewClient(cfg.Client)
	if err != nil {
		fatal("DogStatsD client", "addr", cfg.Client.Addr, "err", err)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fatal("AWS configuration", "err", err)
	}
	opt := albhandler.Options{Pipeline: cfg.Pipeline, Emitter: cfg.Emitter, S3: s3.NewFromConfig(awsCfg, s3logs.ClientOptions(awsCfg))}
	opt.OnInvocation = func(_ context.Context, s albhandler.Summary) {
		if n := dropped.Swap(0); n > 0 || s.Err != nil || s.Duplicates > 0 || s.Ignored > 0 {
			log.Warn("invocation", "request_id", s.RequestID, "objects", s.Objects, "duplicates", s.Duplicates,
				"ignored", s.Ignored, "lines", s.Lines, "datagrams", s.Datagrams, "payloads_not_sent", n, "err", s.Err)
		}
	}
	h := albhandler.New(client, opt)
	lambda.StartWithOptions(h.Handle, lambda.WithEnableSIGTERM(func() { _ = client.Close() }))
}
