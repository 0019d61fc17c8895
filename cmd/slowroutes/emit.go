package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/slowroutes/slowroutes/lambdahandler"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/source"
)

const emitSynopsis = `Usage: slowroutes emit [--dry-run] [--statsd ADDR] [--metrics harakiri|slowlog|all] PATH...

Sends the DogStatsD datagrams the Lambda functions would send for the same
inputs (docs/metrics.md describes them). Each Lambda event — a CloudWatch
Logs event {"awslogs":...} or a Kinesis event {"Records":...}, one per file
or one per line — goes through the functions' handler, duplicates and bad
envelopes included; other inputs (log files, .gz files, decoded payloads,
- for stdin) are read as by 'report' and emitted once at the end, without a
log_group tag. Every metric is a distribution; query counters with sum.`

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
	var pf pipelineFlags
	pf.register(fs)
	dryRun := fs.Bool("dry-run", false, "print the datagrams to stdout, one per line, and send nothing")
	addr := fs.String("statsd", lambdahandler.ExtensionAddr, "DogStatsD `ADDR`ess: host:port (UDP) or unix:///path/to/socket")
	which := fs.String("metrics", "all", "metric `families`: harakiri (timeouts), slowlog (requests and latency) or all; pipeline health is always sent")
	namespace := fs.String("namespace", metrics.DefaultNamespace, "metric name `prefix`")
	tags := fs.String("tags", "", "comma-separated static `tags` put on every datagram, e.g. team:web,tier:1")
	maxContexts := fs.Int("max-contexts", metrics.DefaultMaxContexts, "at most `N` distinct contexts per batch; the least bad rows past it go to route:overflow")
	paths, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slowroutes emit: "+format+"\n", a...)
		return 2
	}
	if len(paths) == 0 {
		fs.Usage()
		return fail("no PATH given (use - for stdin)")
	}
	fam, ok := map[string]metrics.Family{"harakiri": metrics.FamilyTimeouts, "slowlog": metrics.FamilyRequests, "all": metrics.FamilyAll}[*which]
	if !ok {
		return fail("--metrics: want harakiri, slowlog or all, got %q", *which)
	}
	if *maxContexts < 1 || *maxContexts > 10000 {
		return fail("--max-contexts: want 1 to 10000, got %d", *maxContexts)
	}
	pcfg, err := pf.config()
	if err != nil {
		return fail("%v", err)
	}
	cc := metrics.ClientConfig{Addr: *addr, Namespace: *namespace}
	for _, t := range strings.Split(*tags, ",") {
		if strings.TrimSpace(t) == "" {
			continue
		}
		s, err := metrics.SanitizeTag(t)
		if err != nil {
			return fail("--tags: %v", err)
		}
		cc.Tags = append(cc.Tags, s)
	}
	var out *bufio.Writer
	if *dryRun {
		out = bufio.NewWriterSize(stdout, 64<<10)
		cc.Writer = &metrics.DatagramWriter{W: out}
	}
	var notSent atomic.Int64
	cc.OnError = func(error) { notSent.Add(1) }
	client, err := metrics.NewClient(cc)
	if err != nil {
		return fail("%v", err)
	}
	h := lambdahandler.New(client, lambdahandler.Options{
		Pipeline: pcfg,
		Emitter:  metrics.EmitterConfig{Families: fam, MaxContexts: *maxContexts},
	})
	rd := &source.Reader{P: h.Pipeline(), Stdin: stdin}
	status := 0
	var bufs pathBuffers
	for _, path := range paths {
		if err := emitPath(h, rd, &bufs, path); err != nil {
			fmt.Fprintf(stderr, "slowroutes emit: %v\n", err)
			if !source.IsEnvelopeError(err) && !errors.Is(err, errRejected) {
				status = 1
			}
		}
	}
	// Settle the local files' streams, as report does; event streams stay
	// open, as in the functions.
	streams := append([]string{"stdin"}, paths...)
	if err := h.Finish(streams, rd.Envelopes, rd.Rejected); err != nil {
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
	return status
}

var errRejected = errors.New("event rejected")

// pathBuffers are emitPath's read buffers, reused from one path to the next:
// a run over many files of one event each would otherwise allocate and
// clear them for every file.
type pathBuffers struct {
	br *bufio.Reader
	lr pipeline.LineReader
}

// emitPath feeds one input. Files of Lambda events go through the handler,
// one event at a time; anything else goes to the source reader.
func emitPath(h *lambdahandler.Handler, rd *source.Reader, bufs *pathBuffers, path string) error {
	if path == "-" {
		return rd.Path(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if bufs.br == nil {
		bufs.br = bufio.NewReaderSize(f, 64<<10)
	} else {
		bufs.br.Reset(f)
	}
	br := bufs.br
	var in io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
		in = br
	}
	head, _ := br.Peek(4096)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if !isLambdaEvent(trimmed) {
		f.Close()
		return rd.Path(path)
	}
	ctx := context.Background()
	var firstErr error
	invoke := func(ev []byte) {
		if _, err := h.Invoke(ctx, ev); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w: %w", path, errRejected, err)
		}
	}
	if nl := bytes.IndexByte(trimmed, '\n'); nl >= 0 && len(bytes.TrimSpace(trimmed[:nl])) == 1 {
		// One pretty-printed event.
		b, err := io.ReadAll(io.LimitReader(in, 256<<20))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		invoke(bytes.TrimSpace(b))
		return firstErr
	}
	p := h.Pipeline()
	stream := p.Stream([]byte(path))
	err = bufs.lr.Each(in, func(line []byte) {
		if isLambdaEvent(line) {
			invoke(line)
			return
		}
		p.Line(stream, line)
	}, p.LineTooLong)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return firstErr
}

// isLambdaEvent reports whether b starts like a Lambda event of a
// subscription: {"awslogs": ...} or {"Records": ...}.
func isLambdaEvent(b []byte) bool {
	if len(b) < 10 || b[0] != '{' {
		return false
	}
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	return bytes.HasPrefix(rest, []byte(`"awslogs"`)) || bytes.HasPrefix(rest, []byte(`"Records"`))
}
