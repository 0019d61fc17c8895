// Package source reads what a user points the CLI at — plain log files, gzip
// files, CloudWatch Logs subscription event files, stdin — into a Pipeline.
package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

// Reader feeds inputs into one Pipeline, reusing its buffers from one input
// to the next.
type Reader struct {
	P     *pipeline.Pipeline
	Stdin io.Reader
	// Event, if set, takes every Lambda event (CloudWatch Logs
	// {"awslogs":...} or Kinesis {"Records":...}) instead of the Reader
	// decoding it: `emit` hands them to the functions' handler. An error it
	// returns is reported as an envelope error. The deliveries the Reader
	// decodes itself are counted in the pipeline's Aggregates.
	Event func(ev []byte) error

	lines pipeline.LineReader
	dec   event.Decoder
	br    *bufio.Reader
}

// maxEventFile bounds a whole-file (pretty-printed) event JSON.
const maxEventFile = 256 << 20

// ErrEvent wraps the error of the Event hook.
var ErrEvent = errors.New("event rejected")

// Path feeds one input: "-" is stdin. The kind of input is detected from its
// content: gzip by its magic bytes; a file that is one pretty-printed JSON
// event is decoded whole; otherwise it is read line by line, and a line that
// is a Lambda event or a decoded payload ({"messageType":...}) is decoded in
// place, any other line is a log line.
func (r *Reader) Path(path string) error {
	var in io.Reader
	name := path
	if path == "-" {
		in, name = r.Stdin, "stdin"
		if in == nil {
			in = os.Stdin
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if r.br == nil {
		r.br = bufio.NewReaderSize(in, 64<<10)
	} else {
		r.br.Reset(in)
	}
	br := r.br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if isPrettyEvent(br) {
		b, err := io.ReadAll(io.LimitReader(br, maxEventFile+1))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(b) > maxEventFile {
			return fmt.Errorf("%s: event file larger than %d bytes", path, maxEventFile)
		}
		if err := r.envelope(bytes.TrimSpace(b)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	stream := r.P.Stream(nil, []byte(name))
	var envErr error
	err := r.lines.Each(br, func(line []byte) {
		if len(line) < 12 || line[0] != '{' || event.ShapeOf(line) == event.ShapeNone {
			r.P.Line(stream, line, 0)
			return
		}
		if err := r.envelope(line); err != nil && envErr == nil {
			envErr = err
		}
	}, r.P.LineTooLong)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if envErr != nil {
		return fmt.Errorf("%s: %w", path, envErr)
	}
	return nil
}

// isPrettyEvent tells a JSON event spread over several lines from a log:
// its first line is a lone "{", the next starts with an envelope key.
func isPrettyEvent(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 || len(bytes.TrimSpace(head[:nl])) != 1 {
		return false
	}
	return event.ShapeOf(head) != event.ShapeNone
}

// envelope splits one Lambda event or payload into its deliveries and
// feeds each, or hands a Lambda event to the Event hook. A bad delivery is
// counted and reported, never half-fed.
func (r *Reader) envelope(b []byte) error {
	shape := event.ShapeOf(b)
	if r.Event != nil && (shape == event.ShapeCloudWatch || shape == event.ShapeKinesis) {
		if err := r.Event(b); err != nil {
			return fmt.Errorf("%w: %w", ErrEvent, err)
		}
		return nil
	}
	dels, err := r.dec.Split(b)
	if err != nil {
		in := event.InputCloudWatch
		if shape == event.ShapeKinesis {
			in = event.InputKinesis
		}
		r.P.Envelope(in, metrics.EnvelopeRejected, event.ReasonOf(err))
		return err
	}
	var first error
	for i := range dels {
		if _, err := r.P.Deliver(&r.dec, &dels[i]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// IsEnvelopeError reports whether err is a bad event envelope (as opposed to an I/O error).
func IsEnvelopeError(err error) bool {
	for _, e := range []error{event.ErrNotEvent, event.ErrBase64, event.ErrGzip, event.ErrPayload, event.ErrTooLarge, ErrEvent} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
