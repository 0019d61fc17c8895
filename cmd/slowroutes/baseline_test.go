package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/report"
)

// TestBaselineOnCaptures: the uWSGI log alone as last week, every capture
// as this week (nginx's view of the same requests comes in: slower, since
// it adds the proxy's time and the 504s). Each row carries the baseline's
// numbers; rows are ranked by how much worse they got; the default
// thresholds flag nothing on the few requests of the captures, looser ones
// flag exactly the rows that pass them.
func TestBaselineOnCaptures(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	var out, errb bytes.Buffer
	if code := run(append([]string{"report", "--format", "json"}, capturePaths("uwsgi.log")...), nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	os.WriteFile(old, out.Bytes(), 0o644)
	then, err := report.ReadDocument(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]report.Route{}
	for _, r := range then.Routes {
		byKey[r.Method+" "+r.Route+" "+r.GraphQLOperation] = r
	}
	for _, tc := range []struct {
		name  string
		flags []string
		th    report.Thresholds
	}{
		{"defaults", nil, report.DefaultThresholds},
		{"loose", []string{"--regression-pct", "10", "--regression-ms", "1", "--regression-min-requests", "2"}, report.Thresholds{Pct: 10, MS: 1, MinRequests: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := reportJSON(t, append(append([]string{"--baseline", old}, tc.flags...), capturePaths(demoCaptures...)...)...)
			b := doc["baseline"].(map[string]any)
			if b["rows"] != float64(len(then.Routes)) {
				t.Errorf("baseline rows %v, want %d", b["rows"], len(then.Routes))
			}
			flagged, prevRegressed, prevChange := 0, true, 1e18
			for _, x := range doc["routes"].([]any) {
				r := x.(map[string]any)
				key := r["method"].(string) + " " + r["route"].(string) + " " + r["graphql_operation"].(string)
				bl := r["baseline"].(map[string]any)
				o, found := byKey[key]
				if bl["found"] != found {
					t.Errorf("%s: found %v, the baseline has it: %v", key, bl["found"], found)
				}
				lat := r["latency_ms"].(map[string]any)
				if found && (bl["p95"] != o.LatencyMS.P95 || bl["requests"] != float64(o.LatencyMS.Count)) {
					t.Errorf("%s: baseline p95 %v over %v, the old report %v over %d", key, bl["p95"], bl["requests"], o.LatencyMS.P95, o.LatencyMS.Count)
				}
				change, reg := bl["p95_change_ms"].(float64), bl["regressed"].(bool)
				want := found && o.LatencyMS.Count >= tc.th.MinRequests && int64(lat["count"].(float64)) >= tc.th.MinRequests &&
					change >= tc.th.MS && o.LatencyMS.P95 > 0 && bl["p95_change_pct"].(float64) >= tc.th.Pct
				if reg != want {
					t.Errorf("%s: regressed %v, want %v (%+v)", key, reg, want, bl)
				}
				if reg {
					flagged++
				}
				// Regressions first, then by the growth of the p95.
				if reg && !prevRegressed || reg == prevRegressed && change > prevChange {
					t.Errorf("%s out of order", key)
				}
				if reg != prevRegressed {
					prevChange = 1e18
				}
				prevRegressed, prevChange = reg, change
			}
			if b["regressions"] != float64(flagged) || (tc.name == "loose") != (flagged > 0) {
				t.Errorf("%v regressions, %d flagged", b["regressions"], flagged)
			}
		})
	}
	out.Reset()
	if code := run(append([]string{"report", "--baseline", old, "--regression-min-requests", "2", "--regression-ms", "1", "--regression-pct", "10"}, capturePaths(demoCaptures...)...), nil, &out, &errb); code != 0 {
		t.Fatalf("table: exit %d", code)
	}
	if !strings.Contains(out.String(), "WORSE") || !strings.Contains(out.String(), "p95 then") {
		t.Errorf("the table shows no regression:\n%s", out.String())
	}
	if code := run([]string{"report", "--baseline", filepath.Join(dir, "nope.json"), capturePaths("uwsgi.log")[0]}, nil, &out, &errb); code != 1 {
		t.Errorf("a missing baseline: exit %d, want 1", code)
	}
}
