package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/internal/source"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

const reportSynopsis = `Usage: slowroutes report [--format table|json] [--slow DURATION] [--routes FILE] PATH...

Ranks the worst routes (timeouts, then p99 latency) of uWSGI, nginx, gunicorn,
Apache, Traefik, AWS load balancer and JSON app logs. Each PATH is a log file,
a .gz log file, a CloudWatch Logs subscription event file (the Lambda event
{"awslogs":{"data":...}}, a JSON-lines file of such events, or the decoded
DATA_MESSAGE JSON), - for stdin, or s3://bucket/prefix: every object under
the prefix (load balancer access logs: .log.gz), streamed, with --since and
--until read from their keys. Formats are detected line by line (see
--log-format for your own); one report covers every input.

S3 credentials and region come from the standard AWS chain (AWS_PROFILE,
AWS_REGION, ...; AWS_ENDPOINT_URL points it at another endpoint); the
caller needs s3:ListBucket and s3:GetObject. On a terminal, progress goes
to stderr; Ctrl-C prints the report of what was read (exit status 130).`

const reportExamples = `  slowroutes report /var/log/uwsgi/app.log /var/log/nginx/access.log.1.gz
  slowroutes report --format json --slow 500ms events/*.json > report.json
  zcat error.log.gz | slowroutes report --routes routes.txt -
  slowroutes report --log-format 'nginx:$remote_addr [$time_local] "$request" $status $request_time' /var/log/nginx/timed.log
  slowroutes report --since 24h s3://shop-alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/
`

func runReport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", reportSynopsis, reportExamples, stderr)
	sf := settings.Register(fs, settings.ScopePipeline)
	format := fs.String("format", "table", "output `format`: table or json")
	top := fs.Int("top", 25, "table: show the worst `N` rows (0: all)")
	since := fs.String("since", "", "s3:// inputs: read the objects whose key time is `WHEN` or later: a duration ago (24h, 30d) or an RFC 3339 time")
	until := fs.String("until", "", "s3:// inputs: read the objects whose key time is `WHEN` or earlier")
	region := fs.String("region", "", "AWS `REGION` of s3:// inputs (default: the configured region)")
	progress := fs.String("progress", "auto", "`MODE` of the s3:// progress line on stderr: auto (when stderr is a terminal), always or never")
	paths, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	usageErr := usageError(stderr, "report")
	if *format != "table" && *format != "json" {
		return usageErr("--format: want table or json, got %q", *format)
	}
	if len(paths) == 0 {
		fs.Usage()
		return usageErr("no PATH given (use - for stdin)")
	}
	cfg, err := sf.Config()
	if err != nil {
		return usageErr("%v", err)
	}
	cfg.Pipeline.Join = &join.Config{}
	p := pipeline.New(cfg.Pipeline)
	s3in := &s3Inputs{region: *region, stderr: stderr, p: p}
	now := time.Now()
	for _, w := range []struct {
		flag, v string
		t       *time.Time
	}{{"--since", *since, &s3in.since}, {"--until", *until, &s3in.until}} {
		if w.v != "" {
			if *w.t, err = parseWhen(w.v, now); err != nil {
				return usageErr("%s: %v", w.flag, err)
			}
		}
	}
	if !s3in.since.IsZero() && !s3in.until.IsZero() && !s3in.since.Before(s3in.until) {
		return usageErr("--since (%s) must be before --until (%s)", s3in.since.Format(time.RFC3339), s3in.until.Format(time.RFC3339))
	}
	switch *progress {
	case "auto":
		s3in.progress = isTerminal(stderr)
	case "always":
		s3in.progress = true
	case "never":
	default:
		return usageErr("--progress: want auto, always or never, got %q", *progress)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	status := 0
	// Log files are read side by side, in log time order, for the join;
	// event files, s3:// URLs and stdin after them.
	logs, rest, closeLogs, failed := logFiles(paths, stderr, "report")
	if failed {
		status = 1
	}
	if err := p.Interleave(logs); err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		status = 1
	}
	closeLogs()
	rd := &source.Reader{P: p, Stdin: stdin}
	for _, path := range rest {
		if strings.HasPrefix(path, "s3://") {
			err = s3in.read(ctx, path)
		} else {
			err = rd.Path(path)
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "slowroutes report: interrupted: the report covers what was read so far\n")
			status = 130
			break
		}
		if err != nil {
			fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
			if !source.IsEnvelopeError(err) {
				status = 1
			}
		}
	}
	p.Close()
	doc := report.Build(p.Aggregates())
	if *format == "json" {
		err = report.WriteJSON(stdout, doc)
	} else {
		err = report.WriteTable(stdout, doc, *top)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		return 1
	}
	return status
}
