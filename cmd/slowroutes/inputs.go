package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/internal/source"
	"github.com/slowroutes/slowroutes/pipeline"
)

// readInputs feeds every path to the pipeline, as report and emit both
// read them: the log files side by side in log time order, then event
// files, stdin and (with s3 set) s3:// URLs in the order given. Errors go
// to stderr; the status is 0, 1 when an input could not be read (an
// envelope that does not decode is counted, not a failure), or 130 when
// ctx was cancelled — what was read so far still counts.
func readInputs(ctx context.Context, p *pipeline.Pipeline, rd *source.Reader, s3 func(context.Context, string) error,
	paths []string, stderr io.Writer, cmd string) int {
	status := 0
	logs, rest, closeLogs, failed := logFiles(paths, stderr, cmd)
	if failed {
		status = 1
	}
	if err := p.Interleave(logs); err != nil {
		fmt.Fprintf(stderr, "slowroutes %s: %v\n", cmd, err)
		status = 1
	}
	closeLogs()
	for _, path := range rest {
		var err error
		if s3 != nil && strings.HasPrefix(path, "s3://") {
			err = s3(ctx, path)
		} else {
			err = rd.Path(path)
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "slowroutes %s: interrupted: what was read so far counts\n", cmd)
			return 130
		}
		if err != nil {
			fmt.Fprintf(stderr, "slowroutes %s: %v\n", cmd, err)
			if !source.IsEnvelopeError(err) {
				status = 1
			}
		}
	}
	return status
}

// logFiles opens the paths that are log files (plain or gzip), for
// pipeline.Interleave to read side by side in log time order, so that the
// join sees every server's records of one moment together. The others
// (stdin, CloudWatch Logs or Kinesis event files, decoded payloads) are
// returned in rest, in order, for source.Reader. close closes what was
// opened. A path that cannot be opened is reported on stderr; failed says so.
func logFiles(paths []string, stderr io.Writer, cmd string) (logs []pipeline.Input, rest []string, close func(), failed bool) {
	var closers []io.Closer
	close = func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for _, path := range paths {
		if path == "-" || strings.HasPrefix(path, "s3://") {
			rest = append(rest, path)
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "slowroutes %s: %v\n", cmd, err)
			failed = true
			continue
		}
		br := bufio.NewReaderSize(f, 64<<10)
		var r io.Reader = br
		if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				fmt.Fprintf(stderr, "slowroutes %s: %s: %v\n", cmd, path, err)
				failed = true
				f.Close()
				continue
			}
			closers = append(closers, zr)
			zbr := bufio.NewReaderSize(zr, 64<<10)
			br, r = zbr, zbr
		}
		if isEventInput(br) {
			f.Close()
			rest = append(rest, path)
			continue
		}
		closers = append(closers, f)
		logs = append(logs, pipeline.Input{Name: path, R: r})
	}
	return logs, rest, close, failed
}

// isEventInput says whether a file holds events rather than log lines: its
// first object (on one line, or pretty-printed) starts with a member only
// a Lambda event or a decoded payload starts with.
func isEventInput(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	return event.ShapeOf(head) != event.ShapeNone
}
