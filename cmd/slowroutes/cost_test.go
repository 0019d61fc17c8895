package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

var emitCost = regexp.MustCompile(`(\d+) contexts, about (\d+) custom metrics`)

// contextsOf counts the distinct contexts (metric and sorted tag set) of
// datagrams, and their custom metrics as Datadog bills them.
func contextsOf(t *testing.T, lines []string) (contexts, custom int64) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range lines {
		d, err := dogstatsd.ParseDatagram(l)
		if err != nil {
			t.Fatal(err)
		}
		tags := slices.Clone(d.Tags)
		slices.Sort(tags)
		if k := d.Name + "|" + strings.Join(tags, ","); !seen[k] {
			seen[k] = true
			contexts++
			custom += 5
			if spec, _ := dogstatsd.Lookup(strings.TrimPrefix(d.Name, dogstatsd.DefaultNamespace+".")); spec.Percentiles {
				custom += 5
			}
		}
	}
	return contexts, custom
}

// TestCostIsWhatEmitSends: the cost of report --format json and the one
// emit --dry-run prints on stderr both equal the distinct contexts of the
// datagrams emit prints, on the real captures — as log files and as
// CloudWatch Logs events — with the defaults and with other settings.
func TestCostIsWhatEmitSends(t *testing.T) {
	events := fixtureOrder(t)
	// nginx's deliveries first, then uWSGI's: rows learn their outermost
	// server early, and the report must keep each batch's rows apart.
	reversed := slices.Clone(events)
	slices.Reverse(reversed)
	mixed := append(append([]string{}, reversed...), capturePaths("uwsgi.log", "gunicorn-error.log")...)
	for _, tc := range []struct {
		name   string
		inputs []string
		flags  []string
		folds  bool
	}{
		{"events in reverse order, and log files", mixed, nil, false},
		{"log files", capturePaths(demoCaptures...), nil, false},
		{"events", events, nil, false},
		{"events, method and log_group, owners", events, []string{"--route-tags", "method,log_group", "--owners", ownersFile}, false},
		{"events, a tight budget", events, []string{"--max-contexts", "20", "--request-source", "uwsgi"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, tc.flags...), tc.inputs...)
			code, lines, stderr := emitCLI(t, append([]string{"--dry-run"}, args...)...)
			if code != 0 {
				t.Fatalf("emit: exit %d: %s", code, stderr)
			}
			contexts, custom := contextsOf(t, lines)
			m := emitCost.FindStringSubmatch(stderr)
			if m == nil {
				t.Fatalf("emit printed no cost: %q", stderr)
			}
			if got := m[1] + " " + m[2]; got != fmt.Sprint(contexts, custom) {
				t.Errorf("emit says %s contexts and custom metrics, its datagrams have %d and %d", got, contexts, custom)
			}
			doc := reportJSON(t, args...)
			cost := doc["cost"].(map[string]any)
			if c, cm := int64(cost["contexts"].(float64)), int64(cost["custom_metrics"].(float64)); c != contexts || cm != custom {
				t.Errorf("report cost %d contexts, %d custom metrics; emit sent %d and %d", c, cm, contexts, custom)
			}
			folded := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "slowroutes.pipeline.contexts_folded:") })
			if folded != tc.folds {
				t.Errorf("contexts folded: %v, want %v", folded, tc.folds)
			}
			if contexts < 20 {
				t.Errorf("only %d contexts", contexts)
			}
			t.Logf("%s: %s contexts, %s custom metrics", tc.name, strconv.FormatInt(contexts, 10), strconv.FormatInt(custom, 10))
		})
	}
}

// TestBudgetKeepsEveryValue: on the captures' events, a budget far below
// their contexts folds tags but sends every value: the sums of the
// counters and the number of durations are those without a budget, and
// each function stays within its budget but for route:overflow.
func TestBudgetKeepsEveryValue(t *testing.T) {
	events := fixtureOrder(t)
	totals := func(lines []string) map[string]float64 {
		out := map[string]float64{}
		for _, l := range lines {
			d, _ := dogstatsd.ParseDatagram(l)
			name := strings.TrimPrefix(d.Name, dogstatsd.DefaultNamespace+".")
			if strings.HasPrefix(name, "pipeline.") {
				continue
			}
			if spec, _ := dogstatsd.Lookup(name); spec.Counter {
				out[name] += d.Value
			} else {
				out[name]++
			}
		}
		return out
	}
	_, free, _ := emitCLI(t, append([]string{"--dry-run"}, events...)...)
	for _, fn := range []string{"harakiri", "slowlog"} {
		_, tight, _ := emitCLI(t, append([]string{"--dry-run", "--metrics", fn, "--max-contexts", "12"}, events...)...)
		_, all, _ := emitCLI(t, append([]string{"--dry-run", "--metrics", fn}, events...)...)
		if a, b := totals(all), totals(tight); len(a) < 2 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: without a budget %v, with one %v", fn, a, b)
		}
		perRoute := 0
		seen := map[string]bool{}
		for _, l := range tight {
			d, _ := dogstatsd.ParseDatagram(l)
			rt, ok := d.Tag("route")
			key := d.Name + "|" + strings.Join(d.Tags, ",")
			if ok && rt != "overflow" && !seen[key] {
				perRoute++
			}
			seen[key] = true
		}
		if perRoute > 12 || perRoute == 0 {
			t.Errorf("%s: %d per-route contexts besides route:overflow, budget 12", fn, perRoute)
		}
	}
	if len(free) == 0 {
		t.Fatal("nothing emitted")
	}
}

// lambdaEvent wraps log lines as the CloudWatch Logs subscription event a
// function receives for one log stream.
func lambdaEvent(t *testing.T, group, stream string, lines ...string) []byte {
	t.Helper()
	type logEvent struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	p := map[string]any{"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group, "logStream": stream,
		"subscriptionFilters": []string{"slowroutes"}, "logEvents": []logEvent{}}
	var evs []logEvent
	for i, l := range lines {
		evs = append(evs, logEvent{ID: fmt.Sprint(i), Timestamp: 1795390233000 + int64(i), Message: l})
	}
	p["logEvents"] = evs
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	ev, _ := json.Marshal(map[string]any{"awslogs": map[string]string{"data": base64.StdEncoding.EncodeToString(gz.Bytes())}})
	return ev
}

// TestCostAcrossBatches: once nginx has logged a route, uWSGI's later lines
// of it are the same requests and are not counted — in the function as in
// the report, which must keep the rows of the handler from batch to batch
// to know it. The lines are hand-written in the formats of the captures
// (nginx 1.22.1, uWSGI 2.0.21): the uWSGI line's 503 is a status nginx
// never logged for the route, so counting it would add a context.
func TestCostAcrossBatches(t *testing.T) {
	dir := t.TempDir()
	nginx := `127.0.0.1 - - [22/Nov/2026:23:30:33 +0000] "GET /healthz HTTP/1.1" 200 27 "-" "slowroutes-capture/1.0" 0.000 0.001`
	uwsgi := `[pid: 6844|app: 0|req: 1/2] 127.0.0.1 () {34 vars in 427 bytes} [Sun Nov 22 23:30:33 2026] GET /healthz => generated 34 bytes in 0 msecs (HTTP/1.1 503) 2 headers in 71 bytes (1 switches on core 0)`
	var inputs []string
	for i, ev := range [][]byte{
		lambdaEvent(t, "/web/nginx", "web-1/access.log", nginx),
		lambdaEvent(t, "/web/uwsgi", "web-1/uwsgi.log", uwsgi),
		lambdaEvent(t, "/web/uwsgi", "web-1/uwsgi.log", uwsgi, uwsgi),
	} {
		p := filepath.Join(dir, fmt.Sprintf("ev-%d.json", i))
		if err := os.WriteFile(p, ev, 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	code, lines, stderr := emitCLI(t, append([]string{"--dry-run"}, inputs...)...)
	if code != 0 {
		t.Fatalf("emit: exit %d: %s", code, stderr)
	}
	contexts, _ := contextsOf(t, lines)
	for _, l := range lines {
		if strings.Contains(l, "status_class:5xx") {
			t.Errorf("uWSGI's line was counted after nginx's: %s", l)
		}
	}
	doc := reportJSON(t, inputs...)
	if c := int64(doc["cost"].(map[string]any)["contexts"].(float64)); c != contexts {
		t.Errorf("report cost %d contexts, emit sent %d", c, contexts)
	}
}
