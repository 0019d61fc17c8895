package parse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Lines of gunicorn 20.1.0 at its default log level with the incident app
// (testdata/captures/incidents/gunicorn-noids/gunicorn-error.log; the
// faulthandler dumps between them left out).
var (
	realStart32698   = `{"event":"request_started","pid":32698,"method":"GET","path":"/exports/9/csv"}`
	realTimeout32698 = `[2026-12-01 07:25:27 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:32698)`
	realAborted32698 = `{"event":"request_aborted","pid":32698,"method":"GET","path":"/exports/9/csv","route":"/exports/<int:id>/csv","status":500,"duration_ms":5735.3}`
	realExiting32698 = `[2026-12-01 07:25:27 +0000] [32698] [INFO] Worker exiting (pid: 32698)`

	// Both workers time out in one arbiter pass; the second is SIGKILLed
	// while it shuts down.
	realPairTimeout = []string{
		`[2026-12-01 07:25:35 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:479)`,
		`[2026-12-01 07:25:35 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:480)`,
		`Fatal Python error: Aborted`,
		`{"event":"request_aborted","pid":479,"method":"POST","path":"/graphql","route":"/graphql","status":500,"duration_ms":6394.2,"graphql_operation":"SlowReport"}`,
		`[2026-12-01 07:25:35 +0000] [479] [INFO] Worker exiting (pid: 479)`,
		`{"event":"request_aborted","pid":480,"method":"GET","path":"/invoices/700/pdf","route":"/invoices/<int:id>/pdf","status":500,"duration_ms":6394.3}`,
		`[2026-12-01 07:25:35 +0000] [480] [INFO] Worker exiting (pid: 480)`,
		`[2026-12-01 07:25:36 +0000] [32651] [WARNING] Worker with pid 480 was terminated due to signal 9`,
		`[2026-12-01 07:25:36 +0000] [576] [INFO] Booting worker with pid: 576`,
	}
	// The payment's worker blocks in its abort hook: no "Worker exiting".
	realBlockedTimeout = []string{
		`[2026-12-01 07:26:04 +0000] [32651] [CRITICAL] WORKER TIMEOUT (pid:958)`,
		`{"event":"request_aborted","pid":958,"method":"POST","path":"/api/v1/payments/981/capture","route":"/api/v1/payments/<int:id>/capture","status":500,"duration_ms":6065.8}`,
		`[2026-12-01 07:26:04 +0000] [32651] [WARNING] Worker with pid 958 was terminated due to signal 9`,
	}
)

// gunicornRows is each timeout as "route method op", and the finished requests.
func gunicornRows(recs []got) (timeouts []string, requests int) {
	for _, r := range recs {
		switch r.Kind {
		case KindTimeout:
			timeouts = append(timeouts, r.Route+" "+r.URI+" "+r.Method+" "+r.Op)
		case KindRequest:
			requests++
		}
	}
	return timeouts, requests
}

func TestGunicornDyingWorker(t *testing.T) {
	for _, tt := range []struct {
		name     string
		lines    []string
		timeouts []string
		requests int
		kills    int
	}{
		{
			name:     "real: the app logs the aborted request before the worker exits",
			lines:    []string{realStart32698, realTimeout32698, `Fatal Python error: Aborted`, realAborted32698, realExiting32698},
			timeouts: []string{"/exports/<int:id>/csv /exports/9/csv GET "},
		},
		{
			name:     "real: two workers in one pass, one SIGKILLed while exiting",
			lines:    realPairTimeout,
			timeouts: []string{"/graphql /graphql POST SlowReport", "/invoices/<int:id>/pdf /invoices/700/pdf GET "},
			kills:    1,
		},
		{
			name:     "real: the worker blocks and is SIGKILLed",
			lines:    realBlockedTimeout,
			timeouts: []string{"/api/v1/payments/<int:id>/capture /api/v1/payments/981/capture POST "},
			kills:    1,
		},
		{
			name:     "real lines reordered by hand: no dying line before the end, the request start names it",
			lines:    []string{realStart32698, realTimeout32698, realExiting32698, realAborted32698},
			timeouts: []string{" /exports/9/csv GET "},
			requests: 1, // after the worker's end the line is an app line like any other
		},
		{
			name:     "real lines, the start and the dying line left out: nothing names the request",
			lines:    []string{realTimeout32698, realExiting32698},
			timeouts: []string{"   "},
		},
		{
			name: "hand-written: a 200 of the worker is not its killed request",
			lines: []string{realTimeout32698,
				`{"event":"request_finished","pid":32698,"method":"GET","path":"/healthz","route":"/healthz","status":200,"duration_ms":0.2}`,
				realExiting32698},
			timeouts: []string{"   "},
			requests: 1,
		},
		{
			name: "hand-written: signal 6 is the timeout's own abort, not a second kill",
			lines: []string{realTimeout32698, realAborted32698,
				`[2026-12-01 07:25:28 +0000] [32651] [WARNING] Worker with pid 32698 was terminated due to signal 6`},
			timeouts: []string{"/exports/<int:id>/csv /exports/9/csv GET "},
		},
		{
			// The hook's line is real (gunicorn 20.1.0 with the README's
			// gunicorn.conf.py); the timeout that follows is hand-written.
			name: "the README's pre_request hook at INFO names the request",
			lines: []string{`[2026-12-01 07:52:21 +0000] [29133] [INFO] GET /invoices/42/pdf`,
				`[2026-12-01 07:52:28 +0000] [29109] [CRITICAL] WORKER TIMEOUT (pid:29133)`,
				`[2026-12-01 07:52:28 +0000] [29133] [INFO] Worker exiting (pid: 29133)`},
			timeouts: []string{" /invoices/42/pdf GET "},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs, _ := collect(t, Config{}, "gunicorn-error.log", tt.lines...)
			tos, reqs := gunicornRows(recs)
			if diff := cmp.Diff(tt.timeouts, tos); diff != "" {
				t.Errorf("timeouts (-want +got):\n%s", diff)
			}
			if reqs != tt.requests {
				t.Errorf("%d finished requests, want %d", reqs, tt.requests)
			}
			if n := kinds(recs, KindWorkerKill); n != tt.kills {
				t.Errorf("%d worker kills, want %d", n, tt.kills)
			}
		})
	}
}

// TestGunicornTimeoutCut: however a timeout's lines are cut into fresh
// streams, it counts once, on its route or on "unknown", never elsewhere.
func TestGunicornTimeoutCut(t *testing.T) {
	lines := []string{realStart32698, realTimeout32698, `Fatal Python error: Aborted`, realAborted32698, realExiting32698}
	for cut := 1; cut < len(lines); cut++ {
		var tos []string
		for _, part := range [][]string{lines[:cut], lines[cut:]} {
			recs, _ := collect(t, Config{}, "gunicorn-error.log", part...)
			got, _ := gunicornRows(recs)
			tos = append(tos, got...)
		}
		if len(tos) != 1 || tos[0] != "/exports/<int:id>/csv /exports/9/csv GET " && tos[0] != " /exports/9/csv GET " && tos[0] != "   " {
			t.Errorf("cut before line %d: %q", cut, tos)
		}
	}
}

// TestGunicornLateDelivery: lines of an earlier request of the worker that
// arrive after its timeout (a warm container reading deliveries out of
// order) name neither the killed request nor its start.
func TestGunicornLateDelivery(t *testing.T) {
	s := NewStream(Config{}, "gunicorn-error.log")
	var recs []got
	emit := func(r *Record) { recs = append(recs, view(r)) }
	// Event times as CloudWatch Logs gives them; the earlier request's
	// lines (hand-written, a 500 of pid 32698) come last.
	s.Line([]byte(realTimeout32698), 2000, emit)
	s.Line([]byte(`{"event":"request_started","pid":32698,"method":"GET","path":"/reports/17/export"}`), 1000, emit)
	s.Line([]byte(`{"event":"request_finished","pid":32698,"method":"GET","path":"/reports/17/export","status":500}`), 1001, emit)
	s.Line([]byte(realExiting32698), 2001, emit)
	s.Close(emit)
	tos, _ := gunicornRows(recs)
	if diff := cmp.Diff([]string{"   "}, tos); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
}

// TestGunicornInterleavedTimeout: an arbiter line written into a worker's
// faulthandler dump still counts (gunicorn-ids/gunicorn-error.log, real).
func TestGunicornInterleavedTimeout(t *testing.T) {
	lines := []string{
		`[2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31934)`,
		`Fatal Python error: [2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)`,
		`Aborted`,
		`{"event":"request_aborted","pid":31973,"request_id":"69f68f26-ac75-4355-a224-dfb34cfb96ad","method":"GET","path":"/invoices/700/pdf","route":"/invoices/<int:id>/pdf","status":500,"duration_ms":6383.8}`,
		`{"event":"request_aborted","pid":31934,"request_id":"68ed8124-a720-4498-8015-63d591dca9b7","method":"POST","path":"/graphql","route":"/graphql","status":500,"duration_ms":6383.7,"graphql_operation":"SlowReport"}`,
		`[2026-12-01 07:24:41 +0000] [31934] [INFO] Worker exiting (pid: 31934)`,
		`[2026-12-01 07:24:41 +0000] [31973] [INFO] Worker exiting (pid: 31973)`,
	}
	recs, outs := collect(t, Config{}, "gunicorn-error.log", lines...)
	tos, reqs := gunicornRows(recs)
	want := []string{"/invoices/<int:id>/pdf /invoices/700/pdf GET ", "/graphql /graphql POST SlowReport"}
	if diff := cmp.Diff(want, tos); diff != "" || reqs != 0 {
		t.Errorf("timeouts (-want +got):\n%s%d requests", diff, reqs)
	}
	if outs[1] != Matched {
		t.Errorf("interleaved line: %v", outs[1])
	}
}
