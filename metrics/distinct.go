package metrics

import (
	"strings"

	"github.com/slowroutes/slowroutes/parse"
)

// Evidence is the set of timeout mechanisms that saw one timed-out request:
// bit t-1 stands for parse.Timeout t. An nginx 504 whose worker harakiri
// later killed is EvidenceOf(TimeoutNginx504) | EvidenceOf(TimeoutHarakiri).
type Evidence uint16

// NumEvidence is the number of Evidence sets, the empty one included.
const NumEvidence = 1 << (parse.NumTimeouts - 1)

// A Timeout must fit a bit of Evidence.
var _ = [16 - (parse.NumTimeouts - 1)]struct{}{}

// EvidenceOf is the set holding one mechanism.
func EvidenceOf(t parse.Timeout) Evidence {
	if t == parse.TimeoutNone || t >= parse.NumTimeouts {
		return 0
	}
	return 1 << (t - 1)
}

// String names the mechanisms joined by "+", in the order of parse.Timeout:
// "uwsgi_harakiri+nginx_504".
func (e Evidence) String() string {
	var b strings.Builder
	for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
		if e&EvidenceOf(t) != 0 {
			if b.Len() > 0 {
				b.WriteByte('+')
			}
			b.WriteString(t.String())
		}
	}
	return b.String()
}

// Distinct counts the requests of a row once each, after the records of
// every server about one request were joined into one outcome (package
// join). The per-source counts of the Row stay as each server saw them.
type Distinct struct {
	// Requests counts outcomes: a request nginx and uWSGI both logged is one.
	Requests int64
	// TimedOut counts outcomes with any timeout evidence; Evidence counts
	// them by the set of mechanisms that saw them, the few sets a row sees
	// in the order it first saw them.
	TimedOut int64
	Evidence []EvidenceCount
}

// EvidenceCount is the number of timed-out requests seen by one set of mechanisms.
type EvidenceCount struct {
	Set Evidence
	N   int64
}

// AddEvidence counts n timed-out requests seen by the mechanisms e.
func (d *Distinct) AddEvidence(e Evidence, n int64) {
	for i := range d.Evidence {
		if d.Evidence[i].Set == e {
			d.Evidence[i].N += n
			return
		}
	}
	d.Evidence = append(d.Evidence, EvidenceCount{e, n})
}

// EvidenceOf returns the timed-out requests seen by the mechanisms e.
func (d *Distinct) EvidenceOf(e Evidence) int64 {
	for _, c := range d.Evidence {
		if c.Set == e {
			return c.N
		}
	}
	return 0
}

func (d *Distinct) merge(o *Distinct) {
	d.Requests += o.Requests
	d.TimedOut += o.TimedOut
	for _, c := range o.Evidence {
		d.AddEvidence(c.Set, c.N)
	}
}

// reset clears d and keeps its memory.
func (d *Distinct) reset() {
	d.Requests, d.TimedOut, d.Evidence = 0, 0, d.Evidence[:0]
}

// JoinCounts says how the outcomes of the Distinct counts were formed.
// Every outcome is counted once: ByRequestID when a record of it was joined
// by request id, else ByTime when it holds several records, else Unmatched
// (one server's record alone). Their sum is the sum of Distinct.Requests.
type JoinCounts struct {
	// Enabled says a join ran: without one, Distinct counts nothing.
	Enabled                        bool
	ByRequestID, ByTime, Unmatched int64
	// Early counts outcomes settled before their window had passed, to stay
	// within the join's bound on outcomes held at once.
	Early int64
}

// add adds the counts of o to j.
func (j *JoinCounts) add(o *JoinCounts) {
	j.Enabled = j.Enabled || o.Enabled
	j.ByRequestID += o.ByRequestID
	j.ByTime += o.ByTime
	j.Unmatched += o.Unmatched
	j.Early += o.Early
}
