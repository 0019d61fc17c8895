package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/lambdahandler"
	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/internal/source"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/report"
)

const reportSynopsis = `Usage: slowroutes report [--format table|json|html] [--slow DURATION] [--routes FILE] [--owners FILE] [--baseline OLD.json] PATH...

Ranks the worst routes (timed-out requests, then p99 latency) of uWSGI, nginx,
gunicorn, Apache, Traefik, AWS load balancer and JSON app logs. Each PATH is
a log file, a .gz log file, a CloudWatch Logs subscription event file (the
Lambda event {"awslogs":{"data":...}}, a Kinesis event, a JSON-lines file of
such events, or the decoded DATA_MESSAGE JSON), - for stdin, or
s3://bucket/prefix: every object under the prefix (load balancer access
logs: .log.gz), streamed, with --since and --until read from their keys.
Formats are detected line by line (see --log-format for your own); log
files are read side by side in log time order, so that the records every
server wrote of one request are joined; one report covers every input.
With --baseline, rows are ranked by how much worse they got than in an
earlier report --format json.

S3 credentials and region come from the standard AWS chain (AWS_PROFILE,
AWS_REGION, ...; AWS_ENDPOINT_URL points it at another endpoint); the
caller needs s3:ListBucket and s3:GetObject. On a terminal, progress goes
to stderr; Ctrl-C prints the report of what was read (exit status 130).`

const reportExamples = `  slowroutes report /var/log/uwsgi/app.log /var/log/nginx/access.log.1.gz
  slowroutes report --format json --slow 500ms events/*.json > report.json
  slowroutes report --owners owners.txt --group-by team access.log
  slowroutes report --baseline last-week.json --format html access.log > report.html
  zcat error.log.gz | slowroutes report --routes routes.txt -
  slowroutes report --log-format 'nginx:$remote_addr [$time_local] "$request" $status $request_time' /var/log/nginx/timed.log
  slowroutes report --since 24h s3://shop-alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/
`

// outputFlags are the flags that shape what report and backfill print.
type outputFlags struct {
	format, groupBy, baseline *string
	top                       *int
	th                        report.Thresholds
}

func addOutputFlags(fs interface {
	String(name, value, usage string) *string
	Int(name string, value int, usage string) *int
	Float64Var(p *float64, name string, value float64, usage string)
	Int64Var(p *int64, name string, value int64, usage string)
}) *outputFlags {
	o := &outputFlags{
		format:   fs.String("format", "table", "output `format`: table, json or html (one self-contained page)"),
		top:      fs.Int("top", 25, "table: show the worst `N` rows (0: all)"),
		groupBy:  fs.String("group-by", "route", "table: one row per `route` or per team (with --owners)"),
		baseline: fs.String("baseline", "", "compare with an earlier `OLD.json` (report --format json) and rank the rows by how much worse they got"),
	}
	d := report.DefaultThresholds
	fs.Float64Var(&o.th.Pct, "regression-pct", d.Pct, "baseline: a p95 at least this many `percent` worse is a regression")
	fs.Float64Var(&o.th.MS, "regression-ms", d.MS, "baseline: ... and at least this many `milliseconds` worse")
	fs.Int64Var(&o.th.MinRequests, "regression-min-requests", d.MinRequests, "baseline: ... with at least `N` requests with a duration in each window")
	return o
}

func (o *outputFlags) check() error {
	switch {
	case *o.format != "table" && *o.format != "json" && *o.format != "html":
		return fmt.Errorf("--format: want table, json or html, got %q", *o.format)
	case *o.groupBy != "route" && *o.groupBy != "team":
		return fmt.Errorf("--group-by: want route or team, got %q", *o.groupBy)
	case o.th.Pct < 0 || o.th.MS < 0 || o.th.MinRequests < 0:
		return fmt.Errorf("--regression-*: want values of at least 0")
	}
	return nil
}

// write compares doc with the baseline, if any, and prints it.
func (o *outputFlags) write(doc report.Document, stdout io.Writer) error {
	if *o.baseline != "" {
		f, err := os.Open(*o.baseline)
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		old, err := report.ReadDocument(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--baseline %s: %w", *o.baseline, err)
		}
		report.CompareBaseline(&doc, old, o.th)
	}
	switch {
	case *o.format == "json":
		return report.WriteJSON(stdout, doc)
	case *o.format == "html":
		return report.WriteHTML(stdout, doc)
	case *o.groupBy == "team":
		return report.WriteTeamTable(stdout, doc)
	}
	return report.WriteTable(stdout, doc, *o.top)
}

func runReport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", reportSynopsis, reportExamples, stderr)
	sf := settings.Register(fs, settings.ScopePipeline|settings.ScopeEmit)
	out := addOutputFlags(fs)
	since := fs.String("since", "", "s3:// inputs: read the objects whose key time is `WHEN` or later: a duration ago (24h, 30d) or an RFC 3339 time")
	until := fs.String("until", "", "s3:// inputs: read the objects whose key time is `WHEN` or earlier")
	region := fs.String("region", "", "AWS `REGION` of s3:// inputs (default: the configured region)")
	progress := fs.String("progress", "auto", "`MODE` of the s3:// progress line on stderr: auto (when stderr is a terminal), always or never")
	paths, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	usageErr := usageError(stderr, "report")
	if err := out.check(); err != nil {
		return usageErr("%v", err)
	}
	if len(paths) == 0 {
		fs.Usage()
		return usageErr("no PATH given (use - for stdin)")
	}
	cfg, err := sf.Config()
	if err != nil {
		return usageErr("%v", err)
	}
	s3in := &s3Inputs{region: *region, stderr: stderr}
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
	if s3in.progress, err = parseProgress(*progress, stderr); err != nil {
		return usageErr("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	doc, status := buildReport(ctx, cfg, paths, s3in, stdin, stderr)
	if err := out.write(doc, stdout); err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		return 1
	}
	return status
}

// buildReport reads the inputs through the Lambda functions' handler, as
// emit does, so that the report's cost is what emit would send: each batch
// the handler emits (counting contexts, sending nothing) is added to the
// report before the handler forgets it. Log files are read side by side in
// log time order, for the join; event files, s3:// URLs and stdin after them.
func buildReport(ctx context.Context, cfg settings.Config, paths []string, s3in *s3Inputs, stdin io.Reader, stderr io.Writer) (report.Document, int) {
	pc := cfg.Pipeline
	pc.Timeline = true
	pc.Join = &join.Config{}
	acc := metrics.New(metrics.Config{SlowUS: pc.SlowUS, RequestSource: pc.RequestSource, Timeline: true})
	var cost dogstatsd.Cost
	// The handler's rows live on from batch to batch (they learn which
	// server is outermost, and the join settles outcomes into them after
	// their other facts were emitted): each batch is copied into the report.
	ec := cfg.Emitter
	ec.Families, ec.Cost, ec.CountOnly = dogstatsd.FamilyAll, &cost, true
	ec.Observe = acc.Merge
	h := lambdahandler.New(dogstatsd.Discard{}, lambdahandler.Options{Pipeline: pc, Emitter: ec})
	p := h.Pipeline()
	s3in.p = p
	rd := &source.Reader{P: p, Stdin: stdin, Event: func(ev []byte) error {
		_, err := h.Invoke(context.Background(), ev)
		return err
	}}
	status := readInputs(ctx, p, rd, s3in.read, paths, stderr, "report")
	if err := h.Finish(); err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		status = 1
	}
	// The streams of Lambda events stay open in the functions (and in
	// emit); what settling them yields, and the join's last outcomes,
	// belong in the report, not the cost.
	p.Close()
	acc.Merge(p.Aggregates())
	p.Conclude(acc) // over every batch's rows and workers, not the last one's
	doc := report.Build(acc)
	doc.Cost = &report.Cost{Contexts: cost.Contexts, CustomMetrics: cost.CustomMetrics}
	return doc, status
}
