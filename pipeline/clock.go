package pipeline

import "github.com/slowroutes/slowroutes/parse"

// tick advances the log time of the stream being read with a record's own
// time: the join takes it for the time of a line that has none, and
// Interleave reads next the input that is furthest behind.
func (p *Pipeline) tick(rec *parse.Record) {
	t := rec.TimeUS
	if t == 0 {
		t = rec.StartUS
	}
	if s := p.cur; s != nil && t > s.clock {
		s.clock = t
	}
}
