package report

import (
	"slices"
	"strings"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// Cost is what the metrics of the same inputs cost in Datadog (docs/metrics.md).
type Cost struct {
	Contexts      int64 `json:"contexts"`
	CustomMetrics int64 `json:"custom_metrics"`
}

// Minute is one minute of the timeline.
type Minute struct {
	Time     int64            `json:"t"` // Unix time of the minute's start
	Requests map[string]int64 `json:"requests"`
	Timeouts map[string]int64 `json:"timeouts"`
	Slow     int64            `json:"slow"`
}

// Team sums the rows one team owns.
type Team struct {
	Team          string  `json:"team"`
	Routes        int     `json:"routes"`
	Requests      int64   `json:"requests_counted"`
	TimeoutsTotal int64   `json:"timeouts_total"`
	Slow          int64   `json:"slow"`
	LatencyMS     Latency `json:"latency_ms"`
	WorstRoute    string  `json:"worst_route"`
}

// histogramEdgesMS: 1-2-5 per decade from 0.1 ms to 100 s.
var histogramEdgesMS = func() []float64 {
	var e []float64
	for dec := 0.1; dec < 100_000; dec *= 10 {
		e = append(e, dec, 2*dec, 5*dec)
	}
	return append(e, 100_000)
}()

var histogramEdgesUS = func() []float64 {
	out := make([]float64, len(histogramEdgesMS))
	for i, e := range histogramEdgesMS {
		out[i] = e * 1000
	}
	return out
}()

func latencyOf(l *metrics.Latency) Latency {
	var buf [3]float64
	q := l.QuantilesUS(buf[:0], 0.50, 0.95, 0.99)
	return Latency{
		Count: l.Count, Sum: ms(float64(l.SumUS)), Max: ms(float64(l.MaxUS)),
		P50: ms(q[0]), P95: ms(q[1]), P99: ms(q[2]),
	}
}

func addRowExtras(row *Route, r *metrics.Row) {
	row.Team = r.Team
	if s := r.Counted(); s != parse.SourceUnknown {
		row.CountedSource, row.RequestsCounted = s.String(), r.RequestsOf(s)
	}
	row.Histogram = r.Latency.Histogram(nil, histogramEdgesUS)
	row.TimeoutsPerMinute = [][2]int64{}
	for m, n := range r.TimeoutMinutes {
		if n > 0 {
			row.TimeoutsPerMinute = append(row.TimeoutsPerMinute, [2]int64{m * 60, n})
		}
	}
	slices.SortFunc(row.TimeoutsPerMinute, func(a, b [2]int64) int { return int(a[0] - b[0]) })
}

func timeline(a *metrics.Aggregates) []Minute {
	out := []Minute{}
	for m, mm := range a.Minutes {
		x := Minute{Time: m * 60, Requests: map[string]int64{}, Timeouts: map[string]int64{}, Slow: mm.Slow}
		for s := parse.FirstSource; s < parse.NumSources; s++ {
			if n := mm.Requests[s]; n > 0 {
				x.Requests[s.String()] = n
			}
		}
		for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
			if n := mm.Timeouts[t]; n > 0 {
				x.Timeouts[t.String()] = n
			}
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Minute) int { return int(a.Time - b.Time) })
	return out
}

// teams sums rows (worst first, as Aggregates.Rows ranks them: a team's
// first row is its worst) by team, worst first (most timeouts, then p99).
func teams(rows []*metrics.Row) []Team {
	type acc struct {
		t   Team
		lat metrics.Latency
	}
	by := map[string]*acc{}
	for _, r := range rows {
		if r.Team == "" {
			continue
		}
		x := by[r.Team]
		if x == nil {
			x = &acc{t: Team{Team: r.Team, WorstRoute: r.Route}}
			by[r.Team] = x
		}
		x.t.Routes++
		if s := r.Counted(); s != parse.SourceUnknown {
			x.t.Requests += r.RequestsOf(s)
		}
		x.t.TimeoutsTotal += r.TimeoutTotal()
		x.t.Slow += r.SlowTotal()
		x.lat.Merge(&r.Latency)
	}
	out := []Team{}
	for _, x := range by {
		x.t.LatencyMS = latencyOf(&x.lat)
		out = append(out, x.t)
	}
	slices.SortFunc(out, func(a, b Team) int {
		switch {
		case a.TimeoutsTotal != b.TimeoutsTotal:
			return int(b.TimeoutsTotal - a.TimeoutsTotal)
		case a.LatencyMS.P99 != b.LatencyMS.P99:
			if a.LatencyMS.P99 > b.LatencyMS.P99 {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Team, b.Team)
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
