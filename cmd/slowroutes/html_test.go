package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/report"
)

// chromiumPath finds Debian's chromium; a test without it skips, and fails
// under CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("SLOWROUTES_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium): CI must run the HTML report test")
	}
	t.Skip("chromium is not installed (apt-get install chromium); skipping the HTML report test")
	return ""
}

// headless runs chromium on a page with a fresh profile, offline, and
// returns what it printed and its log (console messages included).
func headless(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--window-size=1400,1800"}
	cmd := exec.CommandContext(ctx, chromiumPath(t), append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %q: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// artifactsDir is where the screenshots go: $SLOWROUTES_ARTIFACTS_DIR, or
// a temporary directory that outlives the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("SLOWROUTES_ARTIFACTS_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "slowroutes-artifacts-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	rowRe  = regexp.MustCompile(`<tr data-i="(\d+)" data-route="([^"]*)" data-method="([^"]*)" data-op="([^"]*)" data-team="([^"]*)"[^>]*>(.*?)</tr>`)
	cellRe = regexp.MustCompile(`<td data-k="([^"]+)" data-v="([^"]*)"[^>]*>([^<]*)</td>`)
	histRe = regexp.MustCompile(`<svg class="histogram" width="140" height="22" data-route="([^"]*)" data-count="(\d+)">`)
	barRe  = regexp.MustCompile(`<g data-t="(\d+)" data-n="(\d+)">`)
	cardRe = regexp.MustCompile(`<div class="card" data-card="([^"]+)"><div class="v">([^<]*)</div>`)
)

// writeReport runs report with args and writes its output to dir/name.
func writeReport(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"report"}, args...), nil, &out, &errb); code != 0 {
		t.Fatalf("report %q: exit %d: %s", args, code, errb.String())
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHTMLReportInChromium opens the HTML report of the real captures (with
// owners and a baseline) in headless Chromium and checks that the page
// rendered without an error and that its rows, charts and numbers are the
// JSON report's.
func TestHTMLReportInChromium(t *testing.T) {
	chromiumPath(t)
	dir, art := t.TempDir(), artifactsDir(t)
	// The baseline: the uWSGI and nginx logs alone; now: every capture.
	base := writeReport(t, dir, "base.json", append([]string{"--format", "json"}, capturePaths("uwsgi.log", "nginx-access.log")...)...)
	args := append([]string{"--owners", ownersFile, "--baseline", base, "--regression-min-requests", "1", "--regression-ms", "0.01", "--regression-pct", "1"}, capturePaths(demoCaptures...)...)
	jsonPath := writeReport(t, dir, "report.json", append([]string{"--format", "json"}, args...)...)
	page := writeReport(t, art, "report.html", append([]string{"--format", "html"}, args...)...)
	var doc report.Document
	b, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(page)
	// Self-contained: nothing to fetch (the SVG namespace is a name, not a fetch).
	if m := regexp.MustCompile(`(?i)(src|href)=|url\(|@import|https?://[^"' ]*`).FindAllString(strings.ReplaceAll(string(raw), "http://www.w3.org/2000/svg", ""), -1); len(m) > 0 {
		t.Errorf("the page refers to outside resources: %q", m)
	}

	dom, log := headless(t, "--dump-dom", "file://"+page)
	if !strings.Contains(dom, `data-ready="1"`) || strings.Contains(dom, `data-errors=`) {
		t.Fatalf("the page did not render cleanly; errors: %q", regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindStringSubmatch(dom))
	}
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "CONSOLE") && (strings.Contains(l, "Uncaught") || strings.Contains(l, "rror")) {
			t.Errorf("console: %s", l)
		}
	}

	rows := rowRe.FindAllStringSubmatch(dom, -1)
	if len(rows) != len(doc.Routes) || len(rows) < 10 {
		t.Fatalf("%d rows in the page, %d in the JSON report", len(rows), len(doc.Routes))
	}
	regressed := 0
	for i, m := range rows {
		r := doc.Routes[i]
		if m[1] != strconv.Itoa(i) || html.UnescapeString(m[2]) != r.Route || m[3] != r.Method || m[4] != r.GraphQLOperation || m[5] != r.Team {
			t.Errorf("row %d is %q %q %q %q, the JSON's %+v", i, m[2], m[3], m[4], m[5], r.Route)
		}
		cells := map[string][2]string{}
		for _, c := range cellRe.FindAllStringSubmatch(m[6], -1) {
			cells[c[1]] = [2]string{c[2], c[3]}
		}
		l := r.LatencyMS
		for k, want := range map[string]string{
			"timeouts": fmt.Sprint(r.TimeoutsTotal), "harakiri": fmt.Sprint(r.Timeouts["uwsgi_harakiri"]),
			"requests": fmt.Sprint(r.RequestsCounted), "slow": fmt.Sprint(r.Slow), "499": fmt.Sprint(r.ClientAborts),
			"p50 ms": report.FormatMS(l.Count, l.P50), "p95 ms": report.FormatMS(l.Count, l.P95), "p99 ms": report.FormatMS(l.Count, l.P99),
			"Δ p95 ms": fmt.Sprintf("%.1f", r.Baseline.P95ChangeMS),
		} {
			got := cells[k][1]
			if k == "Δ p95 ms" && r.Baseline.P95ChangeMS == float64(int64(r.Baseline.P95ChangeMS)) {
				want = fmt.Sprint(int64(r.Baseline.P95ChangeMS))
			}
			if strings.ReplaceAll(got, ",", "") != want {
				t.Errorf("%s %s: %s shows %q, the JSON %s", r.Method, r.Route, k, got, want)
			}
		}
		if r.Baseline.Regressed {
			regressed++
		}
	}
	if !strings.Contains(dom, fmt.Sprintf("(%d regressed:", doc.Baseline.Regressions)) || strings.Count(dom, `class="flag"> WORSE`) != regressed || regressed == 0 {
		t.Errorf("the baseline comparison shows %d WORSE rows, the JSON %d", strings.Count(dom, `class="flag"> WORSE`), regressed)
	}

	// A histogram per row, holding every duration of the row.
	hists := histRe.FindAllStringSubmatch(dom, -1)
	if len(hists) != len(doc.Routes) {
		t.Errorf("%d histograms for %d rows", len(hists), len(doc.Routes))
	}
	for i, h := range hists {
		if n, _ := strconv.ParseInt(h[2], 10, 64); i < len(doc.Routes) && n != doc.Routes[i].LatencyMS.Count {
			t.Errorf("histogram of %s holds %d durations, the JSON %d", h[1], n, doc.Routes[i].LatencyMS.Count)
		}
	}
	// The timeline: one bar group per minute with timeouts, adding up.
	var inTimeline, want int64
	timelineSVG := regexp.MustCompile(`(?s)<svg id="timeline-svg".*?</svg>`).FindString(dom)
	for _, g := range barRe.FindAllStringSubmatch(timelineSVG, -1) {
		n, _ := strconv.ParseInt(g[2], 10, 64)
		inTimeline += n
	}
	for _, m := range doc.Timeline {
		for _, n := range m.Timeouts {
			want += n
		}
	}
	if want == 0 || inTimeline != want {
		t.Errorf("the timeline shows %d timeouts, the JSON's has %d", inTimeline, want)
	}
	cards := map[string]string{}
	for _, c := range cardRe.FindAllStringSubmatch(dom, -1) {
		cards[c[1]] = strings.ReplaceAll(c[2], ",", "")
	}
	var timeouts int64
	for _, r := range doc.Routes {
		timeouts += r.TimeoutsTotal
	}
	if cards["timeouts"] != fmt.Sprint(timeouts) || cards["metric contexts"] != fmt.Sprint(doc.Cost.Contexts) {
		t.Errorf("cards %v: want %d timeouts, %d contexts", cards, timeouts, doc.Cost.Contexts)
	}
	if strings.Count(dom, `<tr data-team="`) != len(doc.Teams) || len(doc.Teams) == 0 {
		t.Errorf("the teams table has %d rows, the JSON %d", strings.Count(dom, `<tr data-team="`), len(doc.Teams))
	}

	// A link's view: filtered by team, sorted by requests (most first).
	dom, _ = headless(t, "--dump-dom", "file://"+page+"#team=analytics&sort=requests")
	rows = rowRe.FindAllStringSubmatch(dom, -1)
	if len(rows) == 0 {
		t.Fatal("no row of team analytics")
	}
	last := int64(1 << 62)
	for _, m := range rows {
		n, _ := strconv.ParseInt(cellRe.FindAllStringSubmatch(m[6], -1)[5][2], 10, 64)
		if m[5] != "analytics" || n > last {
			t.Errorf("row %s (team %s, %d requests) in a view of team analytics by requests", m[2], m[5], n)
		}
		last = n
	}

	shot := filepath.Join(art, "report.png")
	headless(t, "--screenshot="+shot, "file://"+page)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	t.Logf("HTML report and screenshot saved in %s (set SLOWROUTES_ARTIFACTS_DIR to choose)", art)
}
