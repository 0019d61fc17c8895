package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/slowroutes/slowroutes/parse"
)

// Input is one log stream for Interleave: a file, say, with its name.
type Input struct {
	Name string
	R    io.Reader
}

// cursor is where Interleave is in one input.
type cursor struct {
	in   Input
	s    *Stream
	lr   LineReader
	done bool
}

// Interleave feeds the lines of several inputs, one stream each, reading
// next from the input whose records are furthest behind in log time (the
// latest time of a record it yielded; lines without one, such as an app's
// JSON lines or a traceback, are read along with the lines around them).
// So every server's records of one moment reach the join together, and its
// window holds minutes of log, not whole files: the join's clock is the log
// time every input has been read up to. Lines over MaxLineLen are
// counted and skipped, as by LineReader. An input that fails to read is
// given up; the others go on, and the errors are returned together.
func (p *Pipeline) Interleave(inputs []Input) error {
	if len(inputs) == 1 {
		// Nothing to interleave: the records' own times are the join's clock.
		in := inputs[0]
		s := p.Stream(nil, []byte(in.Name))
		var lr LineReader
		if err := lr.Each(in.R, func(line []byte) { p.Line(s, line, 0) }, p.LineTooLong); err != nil {
			return fmt.Errorf("%s: %w", in.Name, err)
		}
		return nil
	}
	cs := make([]cursor, len(inputs))
	for i, in := range inputs {
		cs[i] = cursor{in: in, s: p.Stream(nil, []byte(in.Name))}
		cs[i].lr.reset(in.R)
		cs[i].s.clock = p.firstTime(cs[i].lr.br, in.Name)
	}
	for {
		i, limit := behind(cs)
		if i < 0 {
			break
		}
		c := &cs[i]
		for !c.done && c.s.clock <= limit {
			if line, ok := c.lr.next(p.LineTooLong); ok {
				p.Line(c.s, line, 0)
			} else {
				c.done = true
			}
			if p.join != nil {
				// Every input is read up to the one furthest behind.
				p.join.SetClock(min(c.s.clock, limit))
			}
		}
	}
	if p.join != nil {
		p.join.ReleaseClock()
	}
	var errs []error
	for i := range cs {
		if err := cs[i].lr.err; !errors.Is(err, io.EOF) {
			errs = append(errs, fmt.Errorf("%s: %w", cs[i].in.Name, err))
		}
	}
	return errors.Join(errs...)
}

// behind returns the input furthest behind and the log time of the next
// furthest: the first reads on until it passes it. i is -1 when all are done.
func behind(cs []cursor) (i int, limit int64) {
	i = -1
	for k := range cs {
		if !cs[k].done && (i < 0 || cs[k].s.clock < cs[i].s.clock) {
			i = k
		}
	}
	if i < 0 {
		return -1, 0
	}
	limit = int64(^uint64(0) >> 1)
	for k := range cs {
		if k != i && !cs[k].done && cs[k].s.clock < limit {
			limit = cs[k].s.clock
		}
	}
	return i, limit
}

// firstTime is the log time of the first record in the buffered head of an
// input, read by a throwaway parser and left unread: an input whose log
// begins later than the others' is then read once they have caught up with
// it, not its first record long before its time. 0 when the head has none.
func (p *Pipeline) firstTime(br *bufio.Reader, name string) int64 {
	head, _ := br.Peek(readChunk)
	s := parse.NewStream(p.cfg.Parse, name)
	var t int64
	for len(head) > 0 && t == 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		s.Line(line, 0, func(r *parse.Record) { t = max(r.TimeUS, r.StartUS) })
	}
	return t
}
