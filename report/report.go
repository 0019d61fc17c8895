// Package report renders Aggregates as the `slowroutes report` outputs: a
// ranked table for a terminal and a stable JSON document for scripts.
package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// Document is the JSON contract of `slowroutes report --format json`
// (docs in README.md). Fields are only ever added.
type Document struct {
	Lines Lines `json:"lines"`
	// Join says how the records of every server were joined into distinct
	// requests; nil when no join ran.
	Join      *Join     `json:"join,omitempty"`
	Routes    []Route   `json:"routes"`
	Events    Events    `json:"events"`
	Envelopes Envelopes `json:"envelopes"`
	Settings  Settings  `json:"settings"`
	// Why a route timed out (why.go): where its code was stuck, whether
	// the workers were saturated, and what to change.
	Stuck    []Stuck   `json:"stuck"`
	Workers  []Workers `json:"workers"`
	Findings []Finding `json:"findings"`
	// Cost is what emit would send for the same inputs and settings.
	Cost *Cost `json:"cost,omitempty"`
	// HistogramEdgesMS are the upper bounds of the buckets of every row's
	// latency_histogram (log scale, 1-2-5 per decade); a last bucket holds
	// what is above the last edge.
	HistogramEdgesMS []float64 `json:"latency_histogram_edges_ms"`
	// Timeline counts requests, timeouts and slow requests per minute.
	Timeline []Minute `json:"timeline"`
	// Teams sums the rows by owning team, when an owners file names any.
	Teams []Team `json:"teams,omitempty"`
	// Baseline compares the rows with an earlier report (--baseline).
	Baseline *BaselineSummary `json:"baseline,omitempty"`
}

// Lines counts input lines; Total = Matched + Ignored + Malformed.
type Lines struct {
	Total     int64                       `json:"total"`
	Matched   int64                       `json:"matched"`
	Ignored   int64                       `json:"ignored"`
	Malformed int64                       `json:"malformed"`
	ByParser  map[string]map[string]int64 `json:"by_parser"`
	// MalformedReasons counts malformed lines by parser and reason.
	MalformedReasons map[string]map[string]int64 `json:"malformed_reasons"`
}

// Route is one row: a (route, method, graphql_operation).
type Route struct {
	Route            string           `json:"route"`
	Method           string           `json:"method"`
	GraphQLOperation string           `json:"graphql_operation"`
	Requests         map[string]int64 `json:"requests"`
	Timeouts         map[string]int64 `json:"timeouts"`
	TimeoutsTotal    int64            `json:"timeouts_total"`
	ClientAborts     int64            `json:"client_aborts"`
	// ClientAbortsBy splits ClientAborts by the server that saw them;
	// only those that saw any are listed, and the field is absent without any.
	ClientAbortsBy   map[string]int64 `json:"client_aborts_by_source,omitempty"`
	UpstreamFailures int64            `json:"upstream_failures"`
	FailuresBySource map[string]int64 `json:"upstream_failures_by_source"`
	Slow             int64            `json:"slow"`
	LatencyMS        Latency          `json:"latency_ms"`
	// The row's requests after the join: each request once, however many
	// servers logged it; TimedOutRequests those with any timeout evidence,
	// TimeoutEvidence them by the mechanisms that saw them
	// ("uwsgi_harakiri+nginx_504").
	TimedOutRequests int64            `json:"timed_out_requests"`
	RequestsDistinct int64            `json:"requests_distinct"`
	TimeoutEvidence  map[string]int64 `json:"timeout_evidence"`
	// Team owns the route (--owners), "" when nobody does.
	Team string `json:"team"`
	// RequestsCounted are the requests of CountedSource, the server whose
	// requests the metrics count for the row (each request once).
	RequestsCounted int64  `json:"requests_counted"`
	CountedSource   string `json:"counted_source"`
	// Histogram counts the durations by the buckets of HistogramEdgesMS.
	Histogram []int64 `json:"latency_histogram"`
	// TimeoutsPerMinute lists [unix time of the minute, timeouts] pairs.
	TimeoutsPerMinute [][2]int64 `json:"timeouts_per_minute"`
	// Baseline compares the row with the same row of --baseline.
	Baseline *RouteBaseline `json:"baseline,omitempty"`
}

// Latency summarizes request durations in milliseconds. Count, sum and max
// are exact; quantiles come from a DDSketch, within 1% of a true sample.
type Latency struct {
	Count int64   `json:"count"`
	Sum   float64 `json:"sum"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Events are facts that belong to no route.
type Events struct {
	HarakiriBanners int64            `json:"harakiri_banners"`
	HarakiriRetries int64            `json:"harakiri_retries"`
	HarakiriIdle    int64            `json:"harakiri_idle_worker"`
	WorkerKills     map[string]int64 `json:"worker_kills"`
	ListenQueueFull int64            `json:"listen_queue_full"`
	// GunicornTimeoutsAttributed is how many of the routes' gunicorn worker
	// timeouts got a route; the rest are on route "unknown".
	GunicornTimeoutsAttributed int64 `json:"gunicorn_timeouts_attributed"`
	RouteOverflow              int64 `json:"route_overflow"`
	OperationOverflow          int64 `json:"graphql_operation_overflow"`
	FrameOverflow              int64 `json:"frame_overflow"`
}

// Envelopes counts CloudWatch Logs event envelopes read from event inputs.
type Envelopes struct {
	Read     int64 `json:"read"`
	Rejected int64 `json:"rejected"`
}

// Settings echoes what shaped the numbers.
type Settings struct {
	SlowMS float64 `json:"slow_ms"`
}

// Build turns aggregates into the document.
func Build(a *metrics.Aggregates) Document {
	d := Document{Routes: []Route{}, Settings: Settings{SlowMS: float64(a.SlowUS()) / 1000},
		HistogramEdgesMS: histogramEdgesMS, Timeline: timeline(a)}
	d.Envelopes = Envelopes{Read: a.Envelopes.Total(), Rejected: a.Envelopes.Count(metrics.EnvelopeRejected)}
	d.Lines = Lines{
		Matched:          a.Lines.ByOutcome(parse.Matched),
		Ignored:          a.Lines.ByOutcome(parse.Ignored),
		Malformed:        a.Lines.ByOutcome(parse.Malformed),
		ByParser:         map[string]map[string]int64{},
		MalformedReasons: map[string]map[string]int64{},
	}
	d.Lines.Total = d.Lines.Matched + d.Lines.Ignored + d.Lines.Malformed
	for p := parse.Parser(0); p < parse.NumParsers; p++ {
		for o := parse.Outcome(0); o < parse.NumOutcomes; o++ {
			if n := a.Lines.By[p][o]; n > 0 {
				add(d.Lines.ByParser, p.String(), o.String(), n)
			}
		}
		for m, n := range a.Lines.Malformed[p] {
			if n > 0 {
				add(d.Lines.MalformedReasons, p.String(), parse.Malformation(m).String(), n)
			}
		}
	}
	rows := a.Rows()
	for _, r := range rows {
		row := Route{
			Route: r.Route, Method: r.Method, GraphQLOperation: r.Operation,
			Requests: make(map[string]int64, parse.NumSources), Timeouts: make(map[string]int64, parse.NumTimeouts),
			FailuresBySource: make(map[string]int64, metrics.NumFailures),
			TimeoutsTotal:    r.TimeoutTotal(), ClientAborts: r.ClientAbortTotal(), UpstreamFailures: r.FailureTotal(), Slow: r.SlowTotal(),
		}
		for s := parse.FirstSource; s < parse.NumSources; s++ {
			row.Requests[s.String()] = r.RequestsOf(s)
			if n := r.AbortsBy[s]; n > 0 {
				if row.ClientAbortsBy == nil {
					row.ClientAbortsBy = map[string]int64{}
				}
				row.ClientAbortsBy[s.String()] = n
			}
		}
		for t := parse.TimeoutHarakiri; t < parse.NumTimeouts; t++ {
			row.Timeouts[t.String()] = r.Timeouts[t]
		}
		for f := metrics.Failure(0); f < metrics.NumFailures; f++ {
			row.FailuresBySource[f.String()] = r.UpstreamFailures[f]
		}
		row.distinct(r)
		row.LatencyMS = latencyOf(&r.Latency)
		addRowExtras(&row, r)
		d.Routes = append(d.Routes, row)
	}
	d.join(a)
	d.Teams = teams(rows)
	e := &a.Events
	d.Events = Events{
		HarakiriBanners: e.HarakiriBanners, HarakiriRetries: e.HarakiriRetries, HarakiriIdle: e.HarakiriIdle,
		WorkerKills: map[string]int64{}, ListenQueueFull: e.ListenQueueFull, GunicornTimeoutsAttributed: e.GunicornTimeoutsAttributed,
		RouteOverflow: e.RouteOverflow, OperationOverflow: e.OperationOverflow, FrameOverflow: e.FrameOverflow,
	}
	for s := parse.FirstSource; s < parse.NumSources; s++ {
		if n := e.WorkerKills[s]; n > 0 {
			d.Events.WorkerKills[s.String()] = n
		}
	}
	buildWhy(&d, a)
	return d
}

func add(m map[string]map[string]int64, k1, k2 string, n int64) {
	if m[k1] == nil {
		m[k1] = map[string]int64{}
	}
	m[k1][k2] = n
}

// ms converts microseconds to milliseconds, rounded to the microsecond.
func ms(us float64) float64 { return math.Round(us) / 1000 }

// WriteTable writes the worst top routes (all when top <= 0) as an aligned table.
func WriteTable(w io.Writer, d Document, top int) error {
	fmt.Fprintf(w, "lines: %d total, %d matched, %d ignored, %d malformed", d.Lines.Total, d.Lines.Matched, d.Lines.Ignored, d.Lines.Malformed)
	if d.Envelopes.Read > 0 {
		fmt.Fprintf(w, "; events: %d read, %d rejected", d.Envelopes.Read, d.Envelopes.Rejected)
	}
	fmt.Fprintln(w)
	e := d.Events
	fmt.Fprintf(w, "harakiri: %d banners (%d retries, %d idle workers); worker kills: %s; listen queue full: %d",
		e.HarakiriBanners, e.HarakiriRetries, e.HarakiriIdle, kv(e.WorkerKills), e.ListenQueueFull)
	if e.RouteOverflow > 0 || e.OperationOverflow > 0 {
		fmt.Fprintf(w, "; over the cardinality cap: %d route records, %d operation records", e.RouteOverflow, e.OperationOverflow)
	}
	fmt.Fprintln(w)
	if j := d.Join; j != nil {
		fmt.Fprintf(w, "requests after the join: %d by request id, %d by time, %d unmatched\n", j.ByRequestID, j.ByTime, j.Unmatched)
	}
	if d.Cost != nil {
		fmt.Fprintf(w, "metrics: %d contexts, about %d custom metrics in Datadog\n", d.Cost.Contexts, d.Cost.CustomMetrics)
	}
	fmt.Fprintln(w)
	if d.Baseline != nil {
		return writeBaselineTable(w, d, top)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// 504: the access-log 504s of every source; upstream: the error logs'
	// upstream timeouts (nginx, Apache's mod_proxy); aborted: 499 and 460.
	fmt.Fprintln(tw, "TIMEOUTS\tharakiri\t504\tupstream\tgunicorn\tREQUESTS\tSLOW\taborted\tFAILED\tp50 ms\tp95 ms\tp99 ms\tmax ms\t  METHOD  ROUTE")
	rows := topRows(d.Routes, top)
	for _, r := range rows {
		timeouts, req := r.TimeoutsTotal, int64(0)
		for _, n := range r.Requests {
			req += n
		}
		if d.Join != nil {
			timeouts, req = r.TimedOutRequests, r.RequestsDistinct
		}
		name, method := rowName(&r)
		l := r.LatencyMS
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t  %s %s\n",
			timeouts, r.Timeouts["uwsgi_harakiri"], sumOf(r.Timeouts, access504...), sumOf(r.Timeouts, "nginx_upstream_timeout", "apache_proxy_timeout"),
			r.Timeouts["gunicorn_worker_timeout"], req, r.Slow, r.ClientAborts, r.UpstreamFailures,
			FormatMS(l.Count, l.P50), FormatMS(l.Count, l.P95), FormatMS(l.Count, l.P99), FormatMS(l.Count, l.Max), padRight(method, 7), name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeMore(w, len(rows), len(d.Routes))
	return writeWhy(w, d, top)
}

// access504 names the timeouts of access-log 504s.
var access504 = []string{"nginx_504", "traefik_504", "apache_504", "alb_504", "app_504"}

func sumOf(m map[string]int64, keys ...string) int64 {
	var n int64
	for _, k := range keys {
		n += m[k]
	}
	return n
}

// FormatMS writes milliseconds as the tables show them: "-" for a row
// without durations, else about three significant digits. It is exported
// because the HTML page's num (html/page.html) must write them the same
// way, and is checked against it.
func FormatMS(count int64, v float64) string {
	if count == 0 {
		return "-"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

func kv(m map[string]int64) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	for _, s := range []string{"uwsgi", "gunicorn", "nginx", "app"} {
		if n, ok := m[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	return strings.Join(parts, ", ")
}
