package main

import (
	"context"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/slowroutes/slowroutes/internal/awslogs"
	"github.com/slowroutes/slowroutes/internal/s3logs"
	"github.com/slowroutes/slowroutes/pipeline"
)

// s3Inputs reads report's s3://bucket/prefix inputs, with one S3 client
// made on first use from the standard AWS chain.
type s3Inputs struct {
	region       string
	since, until time.Time
	progress     bool
	stderr       io.Writer
	p            *pipeline.Pipeline

	r     *s3logs.Reader
	meter *s3Meter
}

func (in *s3Inputs) read(ctx context.Context, url string) error {
	if in.r == nil {
		cfg, err := awslogs.LoadConfig(ctx, in.region)
		if err != nil {
			return err
		}
		client := s3.NewFromConfig(cfg, s3logs.ClientOptions(cfg))
		in.r = &s3logs.Reader{S3: client, Pipeline: in.p, Since: in.since, Until: in.until}
		if in.progress {
			in.meter = &s3Meter{statusLine{w: in.stderr, start: time.Now()}}
			in.r.OnProgress = in.meter.show
		}
	}
	err := in.r.URL(ctx, url)
	in.meter.finish(in.r.Progress())
	return err
}

// s3Meter shows how far the s3:// inputs have come.
type s3Meter struct{ statusLine }

func (m *s3Meter) show(pr s3logs.Progress) {
	if now := time.Now(); m.due(now) {
		m.print(pr, now)
	}
}

func (m *s3Meter) print(pr s3logs.Progress, now time.Time) {
	upTo := "-"
	if !pr.Latest.IsZero() {
		upTo = pr.Latest.UTC().Format("2006-01-02 15:04")
	}
	m.printf("%d objects read (%d listed, %d out of range), %.1f MB, %d lines, up to %s, %.0f lines/s",
		pr.Read, pr.Listed, pr.Skipped, float64(pr.Bytes)/1e6, pr.Lines, upTo, m.perSecond(pr.Lines, now))
}

func (m *s3Meter) finish(pr s3logs.Progress) {
	if m == nil || pr.Listed == 0 {
		return
	}
	m.print(pr, time.Now())
	m.end()
}
