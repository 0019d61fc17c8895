package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxLineLen is the longest line the reader parses; longer lines are
// counted as malformed and skipped, so one runaway line cannot exhaust memory.
const MaxLineLen = 4 << 20

const readChunk = 256 << 10

// LineReader splits a stream into lines with reusable buffers.
type LineReader struct {
	br   *bufio.Reader
	long []byte // a line longer than br's buffer, being assembled
	skip bool   // inside a line over MaxLineLen
	err  error  // io.EOF or the read error that ended the input
}

// Each calls fn for every line of r (without the newline) and tooLong for
// every line over MaxLineLen. The line passed to fn is valid only during the call.
func (lr *LineReader) Each(r io.Reader, fn func(line []byte), tooLong func()) error {
	lr.reset(r)
	for {
		line, ok := lr.next(tooLong)
		if !ok {
			break
		}
		fn(line)
	}
	if errors.Is(lr.err, io.EOF) {
		return nil
	}
	return fmt.Errorf("reading lines: %w", lr.err)
}

// reset makes lr read r from its start.
func (lr *LineReader) reset(r io.Reader) {
	if lr.br == nil {
		lr.br = bufio.NewReaderSize(r, readChunk)
	} else {
		lr.br.Reset(r)
	}
	lr.long, lr.skip, lr.err = lr.long[:0], false, nil
}

// next returns the next line, valid until the next call, and calls tooLong
// for each line over MaxLineLen it skips. ok is false at the end of the
// input; lr.err then says why.
func (lr *LineReader) next(tooLong func()) (line []byte, ok bool) {
	for lr.err == nil {
		b, err := lr.br.ReadSlice('\n')
		switch {
		case err == nil:
			b = b[:len(b)-1]
		case errors.Is(err, bufio.ErrBufferFull):
			if !lr.skip {
				if len(lr.long)+len(b) > MaxLineLen {
					tooLong()
					lr.skip, lr.long = true, lr.long[:0]
				} else {
					lr.long = append(lr.long, b...)
				}
			}
			continue
		case errors.Is(err, io.EOF):
			// The last line has no newline, or there is none.
			lr.err = err
			if len(b) == 0 && len(lr.long) == 0 {
				return nil, false
			}
		default:
			lr.err = err
			return nil, false
		}
		if lr.skip {
			lr.skip = false
			continue
		}
		if len(lr.long) > 0 {
			if len(lr.long)+len(b) > MaxLineLen {
				tooLong()
				lr.long = lr.long[:0]
				continue
			}
			b = append(lr.long, b...)
			lr.long = b[:0]
		}
		return b, true
	}
	return nil, false
}
