package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
)

// Thresholds decide which changes against a baseline are regressions: the
// p95 must have grown by at least Pct percent and MS milliseconds, with at
// least MinRequests durations in each window — a change of a few requests,
// or of a few milliseconds on a fast route, is noise.
type Thresholds struct {
	Pct         float64
	MS          float64
	MinRequests int64
}

// DefaultThresholds: p95 at least 25% and 50 ms worse, 100 requests in each window.
var DefaultThresholds = Thresholds{Pct: 25, MS: 50, MinRequests: 100}

// RouteBaseline compares a row with the same (route, method,
// graphql_operation) row of the baseline report.
type RouteBaseline struct {
	// Found is false for a row the baseline does not have (a new route).
	Found bool `json:"found"`
	// Requests are the durations in each window (latency_ms.count).
	Requests    int64   `json:"requests"`
	RequestsNow int64   `json:"requests_now"`
	P50         float64 `json:"p50"`
	P95         float64 `json:"p95"`
	P99         float64 `json:"p99"`
	// Changes of the quantiles in milliseconds (now minus then), and of the
	// p95 in percent of the baseline's.
	P50ChangeMS  float64 `json:"p50_change_ms"`
	P95ChangeMS  float64 `json:"p95_change_ms"`
	P99ChangeMS  float64 `json:"p99_change_ms"`
	P95ChangePct float64 `json:"p95_change_pct"`
	// Timeout and slow rates then and now: the timeouts of the source that
	// saw the most of them over the counted requests; slow requests over
	// requests with a duration.
	TimeoutRate    float64 `json:"timeout_rate"`
	TimeoutRateNow float64 `json:"timeout_rate_now"`
	SlowRate       float64 `json:"slow_rate"`
	SlowRateNow    float64 `json:"slow_rate_now"`
	// Regressed: the p95 change passes the thresholds, on enough requests.
	Regressed bool `json:"regressed"`
}

// BaselineSummary says what the comparison was made with.
type BaselineSummary struct {
	Thresholds  Thresholds `json:"thresholds"`
	Rows        int        `json:"rows"`         // rows of the baseline
	Matched     int        `json:"matched"`      // rows found in both
	Regressions int        `json:"regressions"`  // rows flagged
	Missing     int        `json:"missing_rows"` // baseline rows with no row now
}

// MarshalJSON names the thresholds as the flags do.
func (t Thresholds) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]float64{"p95_pct": t.Pct, "p95_ms": t.MS, "min_requests": float64(t.MinRequests)})
}

// ReadDocument reads a report written by `report --format json`.
func ReadDocument(r io.Reader) (Document, error) {
	var d Document
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return d, fmt.Errorf("reading a report: %w", err)
	}
	if d.Routes == nil {
		return d, fmt.Errorf("reading a report: no \"routes\": not a slowroutes report --format json")
	}
	return d, nil
}

// CompareBaseline sets the Baseline of every row of d from old and ranks
// the rows by how much worse they got: regressions first, then by the
// growth of the p95 in milliseconds.
func CompareBaseline(d *Document, old Document, th Thresholds) {
	type key struct{ r, m, o string }
	then := map[key]*Route{}
	for i := range old.Routes {
		r := &old.Routes[i]
		then[key{r.Route, r.Method, r.GraphQLOperation}] = r
	}
	sum := &BaselineSummary{Thresholds: th, Rows: len(old.Routes)}
	seen := map[key]bool{}
	for i := range d.Routes {
		r := &d.Routes[i]
		k := key{r.Route, r.Method, r.GraphQLOperation}
		b := &RouteBaseline{RequestsNow: r.LatencyMS.Count, TimeoutRateNow: timeoutRate(r), SlowRateNow: slowRate(r)}
		r.Baseline = b
		o := then[k]
		if o == nil {
			continue
		}
		seen[k] = true
		sum.Matched++
		b.Found, b.Requests = true, o.LatencyMS.Count
		b.P50, b.P95, b.P99 = o.LatencyMS.P50, o.LatencyMS.P95, o.LatencyMS.P99
		b.P50ChangeMS = round3(r.LatencyMS.P50 - o.LatencyMS.P50)
		b.P95ChangeMS = round3(r.LatencyMS.P95 - o.LatencyMS.P95)
		b.P99ChangeMS = round3(r.LatencyMS.P99 - o.LatencyMS.P99)
		if o.LatencyMS.P95 > 0 {
			b.P95ChangePct = math.Round(1000*b.P95ChangeMS/o.LatencyMS.P95) / 10
		}
		b.TimeoutRate, b.SlowRate = timeoutRate(o), slowRate(o)
		b.Regressed = b.Requests >= th.MinRequests && b.RequestsNow >= th.MinRequests &&
			b.P95ChangeMS >= th.MS && o.LatencyMS.P95 > 0 && b.P95ChangePct >= th.Pct
		if b.Regressed {
			sum.Regressions++
		}
	}
	for k := range then {
		if !seen[k] {
			sum.Missing++
		}
	}
	d.Baseline = sum
	slices.SortStableFunc(d.Routes, func(x, y Route) int {
		bx, by := x.Baseline, y.Baseline
		if bx.Regressed != by.Regressed {
			if bx.Regressed {
				return -1
			}
			return 1
		}
		switch {
		case bx.P95ChangeMS > by.P95ChangeMS:
			return -1
		case bx.P95ChangeMS < by.P95ChangeMS:
			return 1
		}
		return 0
	})
}

// countedRequests is the row's requests as the metrics count them: those
// of CountedSource, which follows --request-source and knows every server.
// A report written before counted_source existed knew only nginx,
// gunicorn, uWSGI and the app, and counted the outermost of them that
// logged any — as a baseline it is read by that rule.
func countedRequests(r *Route) int64 {
	if r.CountedSource != "" {
		return r.RequestsCounted
	}
	for _, s := range []string{"nginx", "gunicorn", "uwsgi", "app"} {
		if n := r.Requests[s]; n > 0 {
			return n
		}
	}
	return 0
}

func timeoutRate(r *Route) float64 {
	var most int64
	for _, n := range r.Timeouts {
		most = max(most, n)
	}
	req := countedRequests(r)
	if req == 0 {
		return 0
	}
	return round4(float64(most) / float64(req))
}

func slowRate(r *Route) float64 {
	if r.LatencyMS.Count == 0 {
		return 0
	}
	return round4(float64(r.Slow) / float64(r.LatencyMS.Count))
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }
