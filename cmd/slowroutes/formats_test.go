package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/report"
)

// formatsDir is the capture of testdata/capture/formats/capture.sh to check:
// the committed one, or the fresh one `make e2e` names.
func formatsDir() string {
	if d := os.Getenv("SLOWROUTES_FORMATS_DIR"); d != "" {
		return d
	}
	return "../../testdata/captures/formats"
}

// nginxFormat returns a log_format of the capture's nginx.conf.in as a
// --log-format value.
func nginxFormat(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/capture/formats/nginx.conf.in")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)log_format\s+` + name + `\s+([^;]*);`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no log_format %s in nginx.conf.in", name)
	}
	return "nginx:" + string(m[1])
}

// quantiles is what a report says of the latency of each (route, method).
type quantiles struct {
	Count         int64
	P50, P95, P99 float64
}

func latencies(t *testing.T, d report.Document) map[rm]quantiles {
	t.Helper()
	out := map[rm]quantiles{}
	for _, r := range d.Routes {
		k := rm{r.Route, r.Method}
		if q, dup := out[k]; dup {
			// Rows of several GraphQL operations: their quantiles do not
			// add up, their counts do.
			out[k] = quantiles{Count: q.Count + r.LatencyMS.Count, P50: -1, P95: -1, P99: -1}
			continue
		}
		out[k] = quantiles{r.LatencyMS.Count, r.LatencyMS.P50, r.LatencyMS.P95, r.LatencyMS.P99}
	}
	return out
}

// TestReportCustomFormatMatchesJSON: `report` on the nginx logs of the
// same requests in custom log_formats with timing fields — read without
// configuration (key=value fields after combined) and with --log-format —
// shows the same per-route p50/p95/p99 as on the escape=json log.
func TestReportCustomFormatMatchesJSON(t *testing.T) {
	dir := formatsDir()
	want := latencies(t, inProcess(t, []string{filepath.Join(dir, "nginx.json")}))
	if len(want) < 8 || want[rm{"/invoices/:id/pdf", "GET"}].Count < 5 || want[rm{"/slow/:id", "GET"}].P50 < 900 {
		t.Fatalf("the JSON log's latencies look wrong: %v", want)
	}
	for name, args := range map[string][]string{
		"perf, no configuration":       {filepath.Join(dir, "nginx-perf.log")},
		"perf_named, no configuration": {filepath.Join(dir, "nginx-perf-named.log")},
		"perf, --log-format":           {"--log-format", nginxFormat(t, "perf"), filepath.Join(dir, "nginx-perf.log")},
		"trace, --log-format":          {"--log-format", nginxFormat(t, "trace"), filepath.Join(dir, "nginx-trace.log")},
	} {
		t.Run(name, func(t *testing.T) {
			d := inProcess(t, args)
			if d.Lines.Matched != d.Lines.Total || d.Lines.Total == 0 {
				t.Errorf("lines %+v: every line is a request", d.Lines)
			}
			got := latencies(t, d)
			for k, q := range got {
				// The trace format logs the X-Apollo-Operation-Name header, which
				// one of the two POST /graphql sent; the JSON log, their bodies,
				// which both name GetInvoice: there, only the counts compare.
				if w, ok := want[k]; ok && q.P50 < 0 && w.Count == q.Count {
					got[k] = w
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("per-route latency differs from the JSON log's (-json +%s):\n%s", name, diff)
			}
		})
	}
}
