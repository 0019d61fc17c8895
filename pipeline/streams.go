package pipeline

import (
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/workers"
)

// Stream is one log stream fed to a Pipeline: a local file, or a
// CloudWatch Logs log stream of a log group.
type Stream struct {
	s     *parse.Stream
	name  string
	group string
	last  uint64 // the pipeline's clock at its last use
	id    uint64 // tells streams apart for as long as the pipeline lives
	clock int64  // the latest log time (µs) of a record of this stream

	// workers follows a server stream's workers, writing into sw (why.go);
	// nil for a stream no server wrote.
	workers *workers.Tracker
	sw      *metrics.StreamWorkers
}

// Group is the log group of the stream, "" for a local file.
func (s *Stream) Group() string { return s.group }

// Stream returns the stream called name in log group group ("" for a local
// file, whose name is its path), creating it on first use, and marks it
// used. Only creation allocates.
func (p *Pipeline) Stream(group, name []byte) *Stream {
	b := p.nameBuf[:0]
	if len(group) > 0 {
		b = append(append(b, group...), '/')
	}
	b = append(b, name...)
	p.nameBuf = b
	p.clock++
	if s, ok := p.streams[string(b)]; ok {
		s.last = p.clock
		return s
	}
	full := string(b)
	p.streamSeq++
	s := &Stream{s: parse.NewStream(p.cfg.Parse, full), name: full, group: string(group), last: p.clock, id: p.streamSeq}
	p.streams[full] = s
	return s
}

// Streams is the number of streams kept.
func (p *Pipeline) Streams() int { return len(p.streams) }

// Evict settles and forgets the least recently used stream while more than
// Config.MaxStreams are kept, and returns its log group; what settling it
// yields is counted in the Aggregates. ok is false when there is nothing
// to evict.
func (p *Pipeline) Evict() (group string, ok bool) {
	if p.cfg.MaxStreams <= 0 || len(p.streams) <= p.cfg.MaxStreams {
		return "", false
	}
	var oldest *Stream
	for _, s := range p.streams {
		if oldest == nil || s.last < oldest.last {
			oldest = s
		}
	}
	p.close(oldest)
	return oldest.group, true
}

// Close settles the multi-line state of every stream (harakiri episodes
// that named no request), and the join. Call it once all lines are in.
func (p *Pipeline) Close() {
	for _, s := range p.streams {
		p.close(s)
	}
	p.conclude()
	if p.join != nil {
		p.join.Flush()
	}
}

// CloseGroup settles and forgets the streams of one log group; "" closes
// the local files.
func (p *Pipeline) CloseGroup(group string) {
	for _, s := range p.streams {
		if s.group == group {
			p.close(s)
		}
	}
}

func (p *Pipeline) close(s *Stream) {
	p.cur = s
	s.s.Close(p.emit)
	p.settleWorkers(s)
	p.cur = nil
	delete(p.streams, s.name)
}
