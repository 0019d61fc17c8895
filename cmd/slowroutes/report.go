package main

import (
	"fmt"
	"io"

	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/internal/source"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

const reportSynopsis = `Usage: slowroutes report [--format table|json] [--slow DURATION] [--routes FILE] PATH...

Ranks the worst routes (timeouts, then p99 latency) of uWSGI, nginx, gunicorn
and JSON app logs. Each PATH is a log file, a .gz log file, a CloudWatch Logs
subscription event file (the Lambda event {"awslogs":{"data":...}}, a
JSON-lines file of such events, or the decoded DATA_MESSAGE JSON), or - for
stdin. Formats are detected line by line; one report covers every input.`

const reportExamples = `  slowroutes report /var/log/uwsgi/app.log /var/log/nginx/access.log.1.gz
  slowroutes report --format json --slow 500ms events/*.json > report.json
  zcat error.log.gz | slowroutes report --routes routes.txt -
`

func runReport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", reportSynopsis, reportExamples, stderr)
	sf := settings.Register(fs, settings.ScopePipeline)
	format := fs.String("format", "table", "output `format`: table or json")
	top := fs.Int("top", 25, "table: show the worst `N` rows (0: all)")
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
	status := 0
	// Log files are read side by side, in log time order, for the join;
	// event files and stdin after them.
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
		if err := rd.Path(path); err != nil {
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
