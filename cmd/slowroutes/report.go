package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/lambdahandler"
	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/internal/source"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/report"
)

const reportSynopsis = `Usage: slowroutes report [--format table|json|html] [--slow DURATION] [--routes FILE] [--owners FILE] [--baseline OLD.json] PATH...

Ranks the worst routes (timeouts, then p99 latency) of uWSGI, nginx, gunicorn
and JSON app logs. Each PATH is a log file, a .gz log file, a CloudWatch Logs
subscription event file (the Lambda event {"awslogs":...}, a Kinesis event,
a JSON-lines file of such events, or the decoded DATA_MESSAGE JSON), or - for
stdin. Formats are detected line by line; one report covers every input.
With --baseline, rows are ranked by how much worse they got than in an
earlier report --format json.`

const reportExamples = `  slowroutes report /var/log/uwsgi/app.log /var/log/nginx/access.log.1.gz
  slowroutes report --format json --slow 500ms events/*.json > report.json
  slowroutes report --owners owners.txt --group-by team access.log
  slowroutes report --baseline last-week.json --format html access.log > report.html
  zcat error.log.gz | slowroutes report --routes routes.txt -
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
	doc, status := buildReport(cfg, paths, stdin, stderr)
	if err := out.write(doc, stdout); err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		return 1
	}
	return status
}

// buildReport reads the inputs through the Lambda functions' handler, as
// emit does, so that the report's cost is what emit would send: each batch
// the handler emits (counting contexts, sending nothing) is added to the
// report before the handler forgets it.
func buildReport(cfg settings.Config, paths []string, stdin io.Reader, stderr io.Writer) (report.Document, int) {
	pc := cfg.Pipeline
	pc.Timeline = true
	acc := metrics.New(metrics.Config{SlowUS: pc.SlowUS, RequestSource: pc.RequestSource, Timeline: true})
	var cost dogstatsd.Cost
	// The handler's rows live on from batch to batch (they learn which
	// server is outermost): each batch is copied into the report; the last
	// one, once every input is in, is taken as it is.
	last := false
	ec := cfg.Emitter
	ec.Families, ec.Cost, ec.CountOnly = dogstatsd.FamilyAll, &cost, true
	ec.Observe = func(a *metrics.Aggregates) {
		if last {
			acc.Absorb(a)
			return
		}
		acc.Merge(a)
	}
	h := lambdahandler.New(dogstatsd.Discard{}, lambdahandler.Options{Pipeline: pc, Emitter: ec})
	rd := &source.Reader{P: h.Pipeline(), Stdin: stdin, Event: func(ev []byte) error {
		_, err := h.Invoke(context.Background(), ev)
		return err
	}}
	status := 0
	for _, path := range paths {
		if err := rd.Path(path); err != nil {
			fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
			if !source.IsEnvelopeError(err) {
				status = 1
			}
		}
	}
	last = true
	if err := h.Finish(); err != nil {
		fmt.Fprintf(stderr, "slowroutes report: %v\n", err)
		status = 1
	}
	// The streams of Lambda events stay open in the functions (and in
	// emit); what settling them yields belongs in the report, not the cost.
	p := h.Pipeline()
	p.Close()
	acc.Absorb(p.Aggregates())
	doc := report.Build(acc)
	doc.Cost = &report.Cost{Contexts: cost.Contexts, CustomMetrics: cost.CustomMetrics}
	return doc, status
}
