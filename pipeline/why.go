package pipeline

import (
	"github.com/slowroutes/slowroutes/findings"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
	"github.com/slowroutes/slowroutes/workers"
)

// why is what the pipeline keeps to tell why routes time out: the cap on
// stuck frames, the findings, and the stream whose line is being read
// (whose workers a record is about).
type why struct {
	frames    *route.Limiter
	find      *findings.Tracker
	cur       *Stream
	streamSeq uint64
}

func newWhy(cfg Config) why {
	return why{frames: route.NewLimiter(cfg.MaxFrames), find: findings.New()}
}

// frameOf is a stuck record's frame under the cardinality cap.
func (p *Pipeline) frameOf(rec *parse.Record) []byte {
	f := p.frames.Admit(rec.Stuck.Frame)
	if string(f) == route.Overflow {
		p.agg.Events.FrameOverflow++
	}
	return f
}

// observe feeds a record to the findings and to its stream's workers.
func (p *Pipeline) observe(rec *parse.Record, row *metrics.Row) {
	s := p.cur
	if s == nil {
		return
	}
	if row != nil && findings.Wants(rec) {
		p.find.Observe(rec, row, s.id)
	}
	if !workers.Wants(rec) {
		return
	}
	if s.workers == nil {
		if !workers.IsServer(rec) {
			return
		}
		s.workers = &workers.Tracker{}
	}
	if s.sw == nil {
		s.sw = p.agg.StreamWorkers(s.name)
	} else {
		p.agg.Keep(s.sw)
	}
	s.workers.Observe(rec, row, s.sw)
}

// settleWorkers settles the busy windows of a stream that is closed.
func (p *Pipeline) settleWorkers(s *Stream) {
	if s.workers == nil {
		return
	}
	if s.sw == nil {
		s.sw = p.agg.StreamWorkers(s.name)
	} else {
		p.agg.Keep(s.sw)
	}
	s.workers.Close(s.sw)
}

// conclude writes the findings of everything read into the Aggregates.
func (p *Pipeline) conclude() { p.Conclude(p.agg) }

// Conclude writes the findings of everything the pipeline has read into
// agg, which must hold all its facts: the pipeline's own Aggregates, or,
// when they were emitted and reset batch by batch, their sum.
func (p *Pipeline) Conclude(agg *metrics.Aggregates) {
	agg.Findings = p.find.Findings(agg, agg.Findings[:0])
}
