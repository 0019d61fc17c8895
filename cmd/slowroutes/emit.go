package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/lambdahandler"
	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/internal/source"
)

const emitSynopsis = `Usage: slowroutes emit [--dry-run] [--statsd ADDR] [--metrics harakiri|slowlog|all] PATH...

Sends the DogStatsD datagrams the Lambda functions would send for the same
inputs (docs/metrics.md describes them). Each Lambda event — a CloudWatch
Logs event {"awslogs":...} or a Kinesis event {"Records":...}, one per file
or one per line — goes through the functions' handler, duplicates and bad
envelopes included; other inputs (log files, .gz files, decoded payloads,
- for stdin) are read as by 'report' and emitted once at the end, without a
log_group tag. Every metric is a distribution; query counters with sum.
At the end, stderr says how many distinct contexts were sent and about how
many custom metrics Datadog bills for them.`

const emitExamples = `  # print what the functions would send, one datagram per line, sending nothing
  slowroutes emit --dry-run events/*.json
  # send to a local Datadog Agent, as the timeout function (harakiri) would
  slowroutes emit --statsd 127.0.0.1:8125 --metrics harakiri /var/log/uwsgi/app.log
  # namespace and static tags as SLOWROUTES_NAMESPACE and SLOWROUTES_TAGS set them
  slowroutes emit --dry-run --namespace web.slowroutes --tags team:web,tier:1 access.log.gz
  # pipeline settings as in report, and a tighter context budget
  slowroutes emit --dry-run --slow 500ms --routes routes.txt --graphql-path /api/graphql --max-contexts 500 -
`

func runEmit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("emit", emitSynopsis, emitExamples, stderr)
	sf := settings.Register(fs, settings.ScopePipeline|settings.ScopeEmit)
	dryRun := fs.Bool("dry-run", false, "print the datagrams to stdout, one per line, and send nothing")
	addr := fs.String("statsd", settings.ExtensionAddr, "DogStatsD `ADDR`ess: host:port (UDP) or unix:///path/to/socket")
	which := fs.String("metrics", "all", "metric `families`: harakiri (timeouts), slowlog (requests and latency) or all; pipeline health is always sent")
	paths, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	fail := usageError(stderr, "emit")
	if len(paths) == 0 {
		fs.Usage()
		return fail("no PATH given (use - for stdin)")
	}
	fam, ok := map[string]dogstatsd.Family{"harakiri": dogstatsd.FamilyTimeouts, "slowlog": dogstatsd.FamilyRequests, "all": dogstatsd.FamilyAll}[*which]
	if !ok {
		return fail("--metrics: want harakiri, slowlog or all, got %q", *which)
	}
	cfg, err := sf.Config()
	if err != nil {
		return fail("%v", err)
	}
	cc := cfg.Client
	cc.Addr = *addr
	var out *bufio.Writer
	if *dryRun {
		out = bufio.NewWriterSize(stdout, 64<<10)
		cc.Writer = &dogstatsd.DatagramWriter{W: out}
	}
	var notSent atomic.Int64
	cc.OnError = func(error) { notSent.Add(1) }
	client, err := dogstatsd.NewClient(cc)
	if err != nil {
		return fail("%v", err)
	}
	cfg.Emitter.Families = fam
	var cost dogstatsd.Cost
	cfg.Emitter.Cost = &cost
	h := lambdahandler.New(client, lambdahandler.Options{Pipeline: cfg.Pipeline, Emitter: cfg.Emitter})
	// Lambda events go through the functions' handler, one at a time, as in
	// AWS; log lines and decoded payloads are fed as report feeds them.
	rd := &source.Reader{P: h.Pipeline(), Stdin: stdin, Event: func(ev []byte) error {
		_, err := h.Invoke(context.Background(), ev)
		return err
	}}
	// Log files are read side by side in log time order, as report reads
	// them: which server is outermost is learnt in that order.
	status := readInputs(context.Background(), h.Pipeline(), rd, nil, paths, stderr, "emit")
	// Settle the local files' streams, as report does; event streams stay
	// open, as in the functions.
	if err := h.Finish(); err != nil {
		fmt.Fprintf(stderr, "slowroutes emit: %v\n", err)
		status = 1
	}
	sent := h.Sent()
	if err := client.Close(); err != nil {
		fmt.Fprintf(stderr, "slowroutes emit: %v\n", err)
		status = 1
	}
	if out != nil {
		if err := out.Flush(); err != nil {
			fmt.Fprintf(stderr, "slowroutes emit: %v\n", err)
			return 1
		}
	}
	if n := notSent.Load(); n > 0 {
		fmt.Fprintf(stderr, "slowroutes emit: %d payloads could not be sent to %s\n", n, *addr)
		status = 1
	}
	if !*dryRun {
		fmt.Fprintf(stderr, "slowroutes emit: %d datagrams sent to %s\n", sent, *addr)
	}
	fmt.Fprintf(stderr, "slowroutes emit: %d contexts, about %d custom metrics in Datadog (5 per distribution context, 10 with percentiles)\n",
		cost.Contexts, cost.CustomMetrics)
	return status
}
