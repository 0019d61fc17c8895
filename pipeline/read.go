package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLineLen is the longest line the reader parses; longer lines are
// counted as malformed and skipped, so one runaway line cannot exhaust memory.
const MaxLineLen = 4 << 20

const readChunk = 256 << 10

// LineReader splits a stream into lines with one reusable buffer.
type LineReader struct {
	buf []byte
}

// Each calls fn for every line of r (without the newline) and tooLong for
// every line over MaxLineLen. The line passed to fn is valid only during the call.
func (lr *LineReader) Each(r io.Reader, fn func(line []byte), tooLong func()) error {
	if cap(lr.buf) < readChunk {
		lr.buf = make([]byte, 0, readChunk)
	}
	buf := lr.buf[:0]
	skipping := false // inside a line over MaxLineLen
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= MaxLineLen {
				if !skipping {
					tooLong()
				}
				skipping, buf = true, buf[:0]
			} else {
				nb := make([]byte, len(buf), 2*cap(buf))
				copy(nb, buf)
				buf = nb
			}
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		start := len(buf)
		buf = buf[:start+n]
		// Only the new bytes can hold a newline not yet seen.
		lineStart := 0
		for i := start; ; {
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 {
				break
			}
			end := i + j
			if skipping {
				skipping = false
			} else {
				fn(buf[lineStart:end])
			}
			lineStart = end + 1
			i = lineStart
		}
		if lineStart > 0 {
			buf = buf[:copy(buf, buf[lineStart:])]
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if len(buf) > 0 && !skipping {
					fn(buf)
				}
				lr.buf = buf[:0]
				return nil
			}
			lr.buf = buf[:0]
			return fmt.Errorf("reading lines: %w", err)
		}
	}
}
