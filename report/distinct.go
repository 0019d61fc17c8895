package report

import (
	"sort"

	"github.com/slowroutes/slowroutes/metrics"
)

// Join says how the records of every server were joined into the rows'
// distinct requests (package join). Each request is counted once: by
// request id when a record of it joined by id, by time when it holds
// records of several logs, unmatched when one log alone had it. Their sum
// is the sum of the rows' requests_distinct.
type Join struct {
	ByRequestID int64 `json:"by_request_id"`
	ByTime      int64 `json:"by_time"`
	Unmatched   int64 `json:"unmatched"`
	// SettledEarly counts requests settled before their window had passed,
	// to bound the join's memory: their later records joined nothing.
	SettledEarly int64 `json:"settled_early"`
}

func (row *Route) distinct(r *metrics.Row) {
	d := &r.Distinct
	row.TimedOutRequests, row.RequestsDistinct = d.TimedOut, d.Requests
	row.TimeoutEvidence = map[string]int64{}
	for _, c := range d.Evidence {
		if c.N > 0 {
			row.TimeoutEvidence[c.Set.String()] = c.N
		}
	}
}

// join fills the document's join counts and, when a join ran, ranks the
// rows by timed-out requests first (the order of Rows otherwise).
func (d *Document) join(a *metrics.Aggregates) {
	j := &a.Join
	if !j.Enabled {
		return
	}
	d.Join = &Join{ByRequestID: j.ByRequestID, ByTime: j.ByTime, Unmatched: j.Unmatched, SettledEarly: j.Early}
	sort.SliceStable(d.Routes, func(i, k int) bool { return d.Routes[i].TimedOutRequests > d.Routes[k].TimedOutRequests })
}
