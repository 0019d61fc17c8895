package start

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/albhandler"
	"github.com/slowroutes/slowroutes/internal/s3logs"
)

// ALBAccess reads the environment once, builds the handler of S3
// ObjectCreated events of load balancer access logs, with every metric
// family, and starts the Lambda runtime loop. It exits on a bad
// configuration.
func ALBAccess() {
	f := setup(dogstatsd.FamilyAll)
	awsCfg := f.awsConfig()
	opt := albhandler.Options{Pipeline: f.cfg.Pipeline, Emitter: f.cfg.Emitter, S3: s3.NewFromConfig(awsCfg, s3logs.ClientOptions(awsCfg))}
	opt.OnInvocation = func(_ context.Context, s albhandler.Summary) {
		if n := f.dropped.Swap(0); n > 0 || s.Err != nil || s.Duplicates > 0 || s.Ignored > 0 {
			f.log.Warn("invocation", "request_id", s.RequestID, "objects", s.Objects, "duplicates", s.Duplicates,
				"ignored", s.Ignored, "lines", s.Lines, "datagrams", s.Datagrams, "payloads_not_sent", n, "err", s.Err)
		}
	}
	f.start(albhandler.New(f.client, opt).Handle)
}
