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
	"github.com/slowroutes/slowroutes/pipeline"
)

// Reader feeds inputs into one Pipeline, reusing its buffers.
type Reader struct {
	P     *pipeline.Pipeline
	lines pipeline.LineReader
	dec   event.Decoder
	Stdin io.Reader
	// Envelopes counts event envelopes read, and Rejected those that did not decode.
	Envelopes, Rejected int64
}

// maxEventFile bounds a whole-file (pretty-printed) event JSON.
const maxEventFile = 256 << 20

// Path feeds one input: "-" is stdin. The kind of input is detected from its
// content: gzip by its magic bytes; a file that is one pretty-printed JSON
// event is decoded whole; otherwise it is read line by line, and a line that
// is a Lambda event ({"awslogs":...}) or a decoded payload
// ({"messageType":...}) is decoded in place, any other line is a log line.
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
	br := bufio.NewReaderSize(in, 64<<10)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if r.isPrettyEvent(br) {
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
	s := []byte(name)
	stream := r.P.Stream(s)
	var envErr error
	err := r.lines.Each(br, func(line []byte) {
		if isEnvelopeLine(line) {
			if err := r.envelope(line); err != nil && envErr == nil {
				envErr = err
			}
			return
		}
		r.P.Line(stream, line)
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
// its first line is a lone "{" (or "{" then a key on the next line).
func (r *Reader) isPrettyEvent(br *bufio.Reader) bool {
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return false
	}
	if len(bytes.TrimSpace(head[:nl])) != 1 {
		return false
	}
	return startsWithEnvelopeKey(head[nl:])
}

func isEnvelopeLine(line []byte) bool {
	if len(line) < 12 || line[0] != '{' {
		return false
	}
	return startsWithEnvelopeKey(line[1:])
}

// envelopeKeys are the members a Lambda event or a CloudWatch Logs payload
// may start with (encoders order them freely); no log line starts so.
var envelopeKeys = [][]byte{[]byte(`"awslogs"`), []byte(`"messageType"`), []byte(`"logEvents"`),
	[]byte(`"logGroup"`), []byte(`"logStream"`), []byte(`"owner"`), []byte(`"subscriptionFilters"`)}

func startsWithEnvelopeKey(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) < 2 || b[0] != '"' {
		return false
	}
	for _, k := range envelopeKeys {
		if bytes.HasPrefix(b, k) {
			return true
		}
	}
	return false
}

// envelope decodes one Lambda event or payload and feeds its log events.
// A bad envelope is counted and reported, never half-fed.
func (r *Reader) envelope(b []byte) error {
	r.Envelopes++
	payload := b
	if !bytes.Contains(b, []byte(`"messageType"`)) {
		data, err := event.LambdaData(b)
		if err != nil {
			r.Rejected++
			return err
		}
		if payload, err = r.dec.DecodeData(data); err != nil {
			r.Rejected++
			return err
		}
	}
	if _, err := r.P.Payload(&r.dec, payload); err != nil {
		r.Rejected++
		return err
	}
	return nil
}

// IsEnvelopeError reports whether err is a bad event envelope (as opposed to an I/O error).
func IsEnvelopeError(err error) bool {
	for _, e := range []error{event.ErrNotEvent, event.ErrBase64, event.ErrGzip, event.ErrPayload, event.ErrTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
