package pipeline

import (
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
)

// TestStuckRows: the stack dumps of a real uWSGI log land on their rows
// (timeouts on the killed requests' routes, watchdog dumps on the route in
// flight or unknown), and past the frame cap in "overflow", counted.
func TestStuckRows(t *testing.T) {
	lines := realLines(t, "incidents/uwsgi-noids/uwsgi.log")
	count := func(cfg Config) (stuck, timeouts map[string]int64, agg *metrics.Aggregates) {
		p := New(cfg)
		s := p.Stream(nil, []byte("uwsgi.log"))
		for _, l := range lines {
			p.Line(s, l, 0)
		}
		p.Close()
		stuck, timeouts = map[string]int64{}, map[string]int64{}
		p.Aggregates().EachRow(func(r *metrics.Row) {
			for _, st := range r.Stuck {
				stuck[st.Kind.String()+" "+r.Method+" "+r.Route+" "+st.Frame] += st.Count
				if st.Kind == metrics.StuckTimeout {
					timeouts[r.Method+" "+r.Route+" "+r.Operation] += st.Count
				}
			}
		})
		return stuck, timeouts, p.Aggregates()
	}
	stuck, timeouts, agg := count(Config{})
	for _, k := range []string{"timeout GET /exports/:id/csv reports/queries.py:stream_rows", "timeout POST /api/v1/payments/:id/capture payments/gateway.py:charge_card",
		"slow GET /reports/:id/export reports/queries.py:run_aggregate", "slow  unknown payments/gateway.py:charge_card"} {
		if stuck[k] == 0 {
			t.Errorf("no %q in %v", k, stuck)
		}
	}
	agg.EachRow(func(r *metrics.Row) {
		if n := timeouts[r.Method+" "+r.Route+" "+r.Operation]; n > 0 && n != r.Timeouts[1] {
			t.Errorf("%s %s: %d timeout frames, %d harakiri timeouts", r.Method, r.Route, n, r.Timeouts[1])
		}
	})
	var total int64
	for _, n := range stuck {
		total += n
	}
	capped, _, agg := count(Config{MaxFrames: 2})
	var cappedTotal, overflow int64
	for k, n := range capped {
		cappedTotal += n
		if len(k) > 9 && k[len(k)-9:] == " overflow" {
			overflow += n
		}
	}
	if cappedTotal != total || overflow == 0 || agg.Events.FrameOverflow != overflow {
		t.Errorf("capped at 2 frames: %d dumps (want %d), %d in overflow, %d counted", cappedTotal, total, overflow, agg.Events.FrameOverflow)
	}
}

// TestNoAllocsPerDumpLine: dump lines, interleaved ones included, and the
// busy-worker and finding bookkeeping allocate nothing in steady state.
func TestNoAllocsPerDumpLine(t *testing.T) {
	lines := mixedLines(t, "incidents/uwsgi-ids/uwsgi.log", "incidents/gunicorn-ids/gunicorn-error.log", "incidents/uwsgi-ids/nginx-access.json", "incidents/gunicorn-noids/nginx-access.log")
	if n := allocsPerPass(New(Config{}), "mixed", lines, 1); n != 0 {
		t.Errorf("%v allocations per pass of %d real lines in steady state", n, len(lines))
	}
}
