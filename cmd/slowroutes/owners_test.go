package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

var demoCaptures = []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"}

func capturePaths(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join("..", "..", "testdata", "captures", n))
	}
	return out
}

var ownersFile = filepath.Join("..", "..", "testdata", "owners", "owners.txt")

// reportJSON runs report --format json and decodes it.
func reportJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"report", "--format", "json"}, args...), nil, &out, &errb); code != 0 {
		t.Fatalf("report %q: exit %d: %s", args, code, errb.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOwnersOnCaptures: every row of the real captures gets the team of the
// first matching rule, in the JSON and in the team table; emit puts the
// same team on every per-route metric.
func TestOwnersOnCaptures(t *testing.T) {
	doc := reportJSON(t, append([]string{"--owners", ownersFile}, capturePaths(demoCaptures...)...)...)
	want := map[string]string{
		"POST /graphql": "api-writes", "GET /graphql": "api", "GET /reports/:id/export": "analytics",
		"GET /invoices/:id/pdf": "billing", "POST /api/v1/2fa/verify": "identity", "GET /api/v1/users/:id": "platform",
		"GET /media/:id/original": "media", "GET /slow/:id": "web", "GET /healthz": "web",
	}
	seen := 0
	for _, r := range doc["routes"].([]any) {
		row := r.(map[string]any)
		key := row["method"].(string) + " " + row["route"].(string)
		if team, ok := want[key]; ok {
			seen++
			if row["team"] != team {
				t.Errorf("%s: team %q, want %q", key, row["team"], team)
			}
		}
		if row["team"] == "" {
			t.Errorf("%s has no team: /** owns every route", key)
		}
	}
	if seen < len(want)-1 {
		t.Errorf("only %d of the expected rows in the report", seen)
	}
	teams := doc["teams"].([]any)
	if len(teams) < 6 || teams[0].(map[string]any)["team"] != "analytics" || teams[0].(map[string]any)["timeouts_total"] != 6.0 {
		t.Errorf("teams %v: want analytics (reports and exports, 6 timeouts) first", teams)
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"report", "--owners", ownersFile, "--group-by", "team"}, capturePaths(demoCaptures...)...), nil, &out, &errb); code != 0 {
		t.Fatalf("--group-by team: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "TEAM") || !strings.Contains(out.String(), "analytics") {
		t.Errorf("team table:\n%s", out.String())
	}
	code, lines, stderr := emitCLI(t, append([]string{"--dry-run", "--owners", ownersFile}, capturePaths(demoCaptures...)...)...)
	if code != 0 {
		t.Fatalf("emit: exit %d: %s", code, stderr)
	}
	n := 0
	for _, l := range lines {
		if strings.Contains(l, "route:") {
			n++
			if !strings.Contains(l, "team:") && !strings.Contains(l, "route:overflow") {
				t.Errorf("per-route metric without a team: %s", l)
			}
		}
		if strings.Contains(l, "route:/reports/:id/export") && !strings.Contains(l, "team:analytics") {
			t.Errorf("wrong team: %s", l)
		}
	}
	if n == 0 {
		t.Error("no per-route metric")
	}
}
