package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// served is n requests of route /r that src logged, the first timedOut of
// them as the source's 504.
type served struct {
	src         parse.Source
	n, timedOut int
}

// TestBaselineTimeoutRateCountsLikeTheMetrics: the timeout rates then and
// now divide by the requests of the row's counted source — the outermost
// server, whichever it is, or the one --request-source names — read back
// from the baseline file as a baseline is.
func TestBaselineTimeoutRateCountsLikeTheMetrics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source parse.Source // Config.RequestSource
		logs   []served
		want   float64
	}{
		// The ALB sees 10 requests, 2 of them its 504s; nginx behind it
		// logged the 8 that reached it.
		{"alb in front of nginx", parse.SourceUnknown, []served{{parse.SourceALB, 10, 2}, {parse.SourceNginx, 8, 0}}, 0.2},
		{"traefik alone", parse.SourceUnknown, []served{{parse.SourceTraefik, 20, 5}}, 0.25},
		{"apache alone", parse.SourceUnknown, []served{{parse.SourceApache, 4, 1}}, 0.25},
		// nginx logged the 504 of a request uWSGI never finished.
		{"request source uwsgi", parse.SourceUWSGI, []served{{parse.SourceNginx, 5, 1}, {parse.SourceUWSGI, 4, 0}}, 0.25},
		{"outermost nginx", parse.SourceUnknown, []served{{parse.SourceNginx, 5, 1}, {parse.SourceUWSGI, 4, 0}}, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := metrics.New(metrics.Config{RequestSource: tc.source})
			row := a.Row([]byte("/r"), []byte("GET"), nil)
			for _, s := range tc.logs {
				for i := 0; i < s.n; i++ {
					rec := parse.Record{Kind: parse.KindRequest, Source: s.src, Status: 200, DurationUS: 1000, HasDuration: true}
					if i < s.timedOut {
						rec.Status = 504
					}
					a.Add(row, &rec)
				}
			}
			now := Build(a)
			var file bytes.Buffer
			if err := WriteJSON(&file, now); err != nil {
				t.Fatal(err)
			}
			old, err := ReadDocument(&file)
			if err != nil {
				t.Fatal(err)
			}
			CompareBaseline(&now, old, DefaultThresholds)
			b := now.Routes[0].Baseline
			if b.TimeoutRate != tc.want || b.TimeoutRateNow != tc.want {
				t.Errorf("timeout rate then %v, now %v, want %v (counted %s: %d of %v)", b.TimeoutRate, b.TimeoutRateNow, tc.want,
					now.Routes[0].CountedSource, now.Routes[0].RequestsCounted, now.Routes[0].Requests)
			}
		})
	}
}

// TestBaselineWithoutCountedSource: a report written before
// requests_counted existed counts the requests of the outermost of the
// servers it knew.
func TestBaselineWithoutCountedSource(t *testing.T) {
	old, err := ReadDocument(strings.NewReader(`{"routes": [{"route": "/r", "method": "GET", "graphql_operation": "",
		"requests": {"uwsgi": 4, "nginx": 5, "gunicorn": 0, "app": 4}, "timeouts": {"uwsgi_harakiri": 1, "nginx_504": 1},
		"latency_ms": {"count": 5, "p95": 10}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	now := Document{Routes: []Route{{Route: "/r", Method: "GET"}}}
	CompareBaseline(&now, old, DefaultThresholds)
	if b := now.Routes[0].Baseline; !b.Found || b.TimeoutRate != 0.2 {
		t.Errorf("baseline %+v, want found with timeout rate 0.2 (1 of nginx's 5)", b)
	}
}
