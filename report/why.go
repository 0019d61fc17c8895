package report

import (
	"fmt"
	"sort"

	"github.com/slowroutes/slowroutes/metrics"
)

// Stuck is where the code of a row's requests was found stuck, with how
// many stack dumps found it there.
type Stuck struct {
	Route            string `json:"route"`
	Method           string `json:"method"`
	GraphQLOperation string `json:"graphql_operation"`
	Frame            string `json:"frame"`
	WaitingIn        string `json:"waiting_in"`
	Wchan            string `json:"wchan"`
	Kind             string `json:"kind"` // "timeout": the dump of a killed request; "slow": a watchdog's or a signal's
	Count            int64  `json:"count"`
}

// Workers are the worker facts of one server stream.
type Workers struct {
	Stream          string  `json:"stream"`
	Server          string  `json:"server"`  // "uwsgi" or "gunicorn"
	Workers         int     `json:"workers"` // 0 when the stream does not show them
	BusyMax         int     `json:"busy_max"`
	BusyP95         float64 `json:"busy_p95"`
	SaturatedS      float64 `json:"saturated_s"`
	ListenQueueFull int64   `json:"listen_queue_full"`
	Kills           int64   `json:"kills"`
	Respawns        int64   `json:"respawns"`
}

// Finding is one thing on-call should change, with its numbers.
type Finding struct {
	Kind              string  `json:"kind"`
	Route             string  `json:"route"`
	Method            string  `json:"method"`
	GraphQLOperation  string  `json:"graphql_operation"`
	Stream            string  `json:"stream"`
	ProxyTimeoutMS    float64 `json:"proxy_timeout_ms"`
	WorkerTimeoutMS   float64 `json:"worker_timeout_ms"`
	Requests          int64   `json:"requests"`
	WorkerSAfterProxy float64 `json:"worker_s_after_proxy"`
	SaturatedS        float64 `json:"saturated_s"`
	ListenQueueFull   int64   `json:"listen_queue_full"`
	// Holders are, for saturation, the rows whose requests held the workers.
	Holders []Holder `json:"holders,omitempty"`
	Advice  string   `json:"advice"`
}

// Holder is a row whose requests held workers of a saturated server.
type Holder struct {
	Route            string  `json:"route"`
	Method           string  `json:"method"`
	GraphQLOperation string  `json:"graphql_operation"`
	Requests         int64   `json:"requests"`
	WorkerS          float64 `json:"worker_s"`
}

// buildWhy fills the stuck frames, the workers and the findings.
func buildWhy(d *Document, a *metrics.Aggregates) {
	d.Stuck, d.Workers, d.Findings = []Stuck{}, []Workers{}, []Finding{}
	a.EachRow(func(r *metrics.Row) {
		for _, s := range r.Stuck {
			d.Stuck = append(d.Stuck, Stuck{Route: r.Route, Method: r.Method, GraphQLOperation: r.Operation,
				Frame: s.Frame, WaitingIn: s.WaitingIn, Wchan: s.Wchan, Kind: s.Kind.String(), Count: s.Count})
		}
	})
	sort.Slice(d.Stuck, func(i, j int) bool {
		x, y := d.Stuck[i], d.Stuck[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		if x.Kind != y.Kind {
			return x.Kind > y.Kind // timeout first
		}
		if x.Route != y.Route || x.Method != y.Method || x.GraphQLOperation != y.GraphQLOperation {
			return x.Route+" "+x.Method+" "+x.GraphQLOperation < y.Route+" "+y.Method+" "+y.GraphQLOperation
		}
		return x.Frame+x.WaitingIn+x.Wchan < y.Frame+y.WaitingIn+y.Wchan
	})
	a.EachStreamWorkers(func(w *metrics.StreamWorkers) {
		d.Workers = append(d.Workers, Workers{Stream: w.Stream, Server: w.Server.String(), Workers: w.Workers,
			BusyMax: w.BusyMax, BusyP95: float64(w.BusyQuantile(0.95)), SaturatedS: seconds(w.SaturatedUS),
			ListenQueueFull: w.ListenQueueFull, Kills: w.Kills, Respawns: w.Respawns})
	})
	sort.Slice(d.Workers, func(i, j int) bool { return d.Workers[i].Stream < d.Workers[j].Stream })
	for _, f := range a.Findings {
		out := Finding{Kind: f.Kind.String(), Route: f.Route, Method: f.Method, GraphQLOperation: f.Operation,
			Stream: f.Stream, ProxyTimeoutMS: f.ProxyTimeoutMS, WorkerTimeoutMS: f.WorkerTimeoutMS,
			Requests: f.Requests, WorkerSAfterProxy: round3(f.WorkerSecondsAfterProxy),
			SaturatedS: round3(f.SaturatedSeconds), ListenQueueFull: f.ListenQueueFull}
		for _, h := range f.Holders {
			out.Holders = append(out.Holders, Holder{Route: h.Route, Method: h.Method, GraphQLOperation: h.Operation,
				Requests: h.Requests, WorkerS: round3(h.WorkerSeconds)})
		}
		out.Advice = advice(out, workersOf(d.Workers, f.Stream))
		d.Findings = append(d.Findings, out)
	}
}

func workersOf(ws []Workers, stream string) int {
	for _, w := range ws {
		if w.Stream == stream {
			return w.Workers
		}
	}
	return 0
}

// advice says what to do about a finding, in one sentence with its numbers.
func advice(f Finding, workers int) string {
	switch f.Kind {
	case "proxy_timeout_first":
		return fmt.Sprintf("the proxy gives up after %s but the worker only after %s, so workers ran %.1f s for clients that already had their 504: set harakiri / the gunicorn --timeout below the proxy's timeout (or raise the proxy's above the worker's)",
			human(f.ProxyTimeoutMS), human(f.WorkerTimeoutMS), f.WorkerSAfterProxy)
	case "retry_after_timeout":
		n := fmt.Sprintf("%d requests", f.Requests)
		if f.Requests == 1 {
			n = "1 request"
		}
		return n + " came from a client that had just had a 504 or 499 on this route, within 60 s (users hit refresh): each one runs the slow route again on another worker; make it fast, or answer it early"
	case "saturation":
		all := "all workers"
		if workers > 0 {
			all = fmt.Sprintf("all %d workers", workers)
		}
		s := fmt.Sprintf("%s were busy for %.1f s", all, f.SaturatedS)
		if f.ListenQueueFull > 0 {
			s += fmt.Sprintf(" and the listen queue was full %d times", f.ListenQueueFull)
		}
		s += ": requests waited for a worker"
		if len(f.Holders) > 0 {
			h := f.Holders[0]
			s += fmt.Sprintf("; %s %s held them most (%.1f worker-seconds)", h.Method, h.Route, h.WorkerS)
		}
		return s + "; add workers, or move the slow routes off the request path"
	}
	return ""
}

// human writes a duration of ms as a person reads it.
func human(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.1f s", ms/1000)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

func seconds(us int64) float64 { return round3(float64(us) / 1e6) }
