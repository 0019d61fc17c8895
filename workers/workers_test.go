package workers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
	"github.com/slowroutes/slowroutes/workers"
)

func incidentsDir() string { return capture.IncidentsDir("..") }

func grep(t *testing.T, path, s string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(strings.Count(string(b), s))
}

// TestWorkersOnIncidents: each server stream's worker count is what its
// spawn lines say (and what the setup configured: 2 processes, 2 gunicorn
// workers); busy workers never exceed it, and reach it in the streams whose
// workers were all busy at once (uwsgi.log's /exports/ pair, gunicorn's
// same-second timeouts); kills and full listen queues are grep's counts.
func TestWorkersOnIncidents(t *testing.T) {
	for _, s := range capture.IncidentSetups() {
		dir := filepath.Join(incidentsDir(), s.Name)
		files := []string{"uwsgi.log", "uwsgi-threads.log"}
		saturated := map[string]bool{"uwsgi.log": true}
		kill := "DAMN ! worker "
		if s.Kind == capture.IncidentKindGunicorn {
			files = []string{"gunicorn-error.log"}
			saturated = map[string]bool{"gunicorn-error.log": true}
			kill = "was terminated due to signal 9"
		}
		t.Run(s.Name, func(t *testing.T) {
			// As report reads them: side by side in log time order.
			p := pipeline.New(pipeline.Config{})
			var inputs []pipeline.Input
			for _, name := range files {
				f, err := os.Open(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				inputs = append(inputs, pipeline.Input{Name: name, R: f})
			}
			if err := p.Interleave(inputs); err != nil {
				t.Fatal(err)
			}
			p.Close()
			d := report.Build(p.Aggregates())
			if len(d.Workers) != len(files) {
				t.Fatalf("%d worker entries for %d server streams: %+v", len(d.Workers), len(files), d.Workers)
			}
			for _, w := range d.Workers {
				path := filepath.Join(dir, w.Stream)
				if w.Workers != 2 || w.Server != s.Kind {
					t.Errorf("%s: %d %s workers, want 2 %s", w.Stream, w.Workers, w.Server, s.Kind)
				}
				if w.BusyMax > w.Workers || w.BusyP95 > float64(w.BusyMax) {
					t.Errorf("%s: at most %d busy (p95 %v) of %d workers", w.Stream, w.BusyMax, w.BusyP95, w.Workers)
				}
				if saturated[w.Stream] != (w.BusyMax == w.Workers && w.SaturatedS > 0) {
					t.Errorf("%s: at most %d of %d busy, %.1f s all busy; saturated in the capture: %v", w.Stream, w.BusyMax, w.Workers, w.SaturatedS, saturated[w.Stream])
				}
				if n := grep(t, path, kill); w.Kills != n {
					t.Errorf("%s: %d kills, grep %d", w.Stream, w.Kills, n)
				}
				if n := grep(t, path, "*** uWSGI listen queue of socket"); w.ListenQueueFull != n {
					t.Errorf("%s: listen queue full %d, grep %d", w.Stream, w.ListenQueueFull, n)
				}
			}
		})
	}
}

// Hand-written records: the rules of busy time.
func TestBusyRules(t *testing.T) {
	const s = int64(1_000_000)
	base := int64(1796109900) * s
	req := func(pid int, start, end int64, text bool) *parse.Record {
		r := &parse.Record{Kind: parse.KindRequest, Source: parse.SourceUWSGI, PID: pid, StartUS: base + start, TimeUS: base + end, HasDuration: true, DurationUS: end - start}
		if text {
			r.StartText = []byte("Tue Dec  1 07:25:00 2026")
		}
		return r
	}
	start := func(worker, pid int) *parse.Record {
		return &parse.Record{Kind: parse.KindWorkerStart, Source: parse.SourceUWSGI, Worker: worker, PID: pid}
	}
	for _, tc := range []struct {
		name         string
		recs         []*parse.Record
		workers, max int
		saturatedS   float64
		windows      int
	}{
		{"one worker logged twice is busy once", []*parse.Record{start(1, 10), start(2, 11),
			req(10, 1*s, 5*s, true), {Kind: parse.KindRequest, Source: parse.SourceApp, PID: 10, StartUS: base + s + 500_000, TimeUS: base + 5*s + 400_000, HasDuration: true}},
			2, 1, 0, 1},
		{"two workers at once saturate", []*parse.Record{start(1, 10), start(2, 11), req(10, 1*s, 5*s, true), req(11, 3*s, 8*s, true)},
			2, 2, 2, 1},
		{"a request longer than the ring counts from the ring on", []*parse.Record{start(1, 10), req(10, 1*s, 3*s, true), req(10, 100*s, 300*s, true)},
			1, 1, -1, 0},
		{"pid-less requests shorter than their second are not placed", []*parse.Record{
			{Kind: parse.KindRequest, Source: parse.SourceGunicorn, TimeUS: base + 4*s, StartUS: base + 4*s - 300_000, HasDuration: true},
			{Kind: parse.KindRequest, Source: parse.SourceGunicorn, TimeUS: base + 4*s, StartUS: base + 4*s - 200_000, HasDuration: true}},
			0, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr workers.Tracker
			var out metrics.StreamWorkers
			for _, r := range tc.recs {
				tr.Observe(r, nil, &out)
			}
			tr.Close(&out)
			sat := float64(out.SaturatedUS) / 1e6
			if out.Workers != tc.workers || out.BusyMax != tc.max || tc.saturatedS >= 0 && sat != tc.saturatedS {
				t.Errorf("workers %d, busy max %d, saturated %v s; want %d, %d, %v s", out.Workers, out.BusyMax, sat, tc.workers, tc.max, tc.saturatedS)
			}
			if tc.name == "a request longer than the ring counts from the ring on" {
				// The long request's first windows were settled before its
				// line came: it counts for the 70 to 80 s the ring kept.
				if sat < 72 || sat > 82 {
					t.Errorf("%.1f s busy of a 2 s and a 200 s request logged at its end", sat)
				}
				return
			}
			if len(out.Windows) < tc.windows {
				t.Errorf("%d windows settled, want %d", len(out.Windows), tc.windows)
			}
		})
	}
}
