// Package monitors holds Datadog monitors and a dashboard built on the
// slowroutes metric contract; its test checks every metric and tag they use.
package monitors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

// metricRef matches one metric in a Datadog query: aggregator, name, tag
// filter and optional group-by.
var metricRef = regexp.MustCompile(`\b(sum|max|min|avg|count|p50|p75|p90|p95|p99):([A-Za-z][A-Za-z0-9_.]*)\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?`)

// TagLogGroupRef is how a query names the log_group tag or its template variable.
const TagLogGroupRef = "log_group"

var templateRef = regexp.MustCompile(`\{\{\s*([a-z_]+)\.name\s*\}\}`)

// queries collects the query strings ("query", "q") of a monitor or dashboard.
func queries(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "query" || k == "q") {
				*out = append(*out, s)
			}
			queries(x, out)
		}
	case []any:
		for _, x := range v {
			queries(x, out)
		}
	}
}

func TestMonitorsUseTheContract(t *testing.T) {
	files, err := filepath.Glob("*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no monitors: %v", err)
	}
	for _, want := range []string{"timeouts-by-route.json", "timeout-ratio-by-route.json", "p99-latency-by-route.json", "route-latency-regression.json", "pipeline-lag.json", "dashboard.json"} {
		if !slices.Contains(files, want) {
			t.Errorf("%s is missing", want)
		}
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			vars := map[string]templateVar{}
			if tv, ok := doc["template_variables"].([]any); ok {
				for _, v := range tv {
					m := v.(map[string]any)
					tv := templateVar{prefix: m["prefix"].(string)}
					for _, x := range m["available_values"].([]any) {
						tv.values = append(tv.values, x.(string))
					}
					if d, _ := m["default"].(string); d != "*" {
						tv.values = append(tv.values, d)
					}
					vars[m["name"].(string)] = tv
				}
			}
			var qs []string
			queries(doc, &qs)
			if len(qs) == 0 {
				t.Fatal("no query")
			}
			groups := map[string]bool{}
			for _, q := range qs {
				refs := metricRef.FindAllStringSubmatch(q, -1)
				if len(refs) == 0 {
					t.Errorf("query %q names no metric", q)
				}
				for _, r := range refs {
					checkRef(t, q, r, vars, groups)
				}
			}
			// A monitor's message may only name tags its query groups by.
			for _, k := range []string{"name", "message"} {
				s, _ := doc[k].(string)
				for _, m := range templateRef.FindAllStringSubmatch(s, -1) {
					if !groups[m[1]] {
						t.Errorf("%s uses {{%s.name}}, which the query does not group by", k, m[1])
					}
				}
			}
		})
	}
}

// templateVar is a dashboard template variable: the tag it filters on and
// the values it offers.
type templateVar struct {
	prefix string
	values []string
}

func checkRef(t *testing.T, q string, r []string, vars map[string]templateVar, groups map[string]bool) {
	t.Helper()
	agg, full, filter, by := r[1], r[2], r[3], r[4]
	name, ok := strings.CutPrefix(full, dogstatsd.DefaultNamespace+".")
	spec, found := dogstatsd.Lookup(name)
	if !ok || !found {
		t.Errorf("%q: metric %s is not in the contract", q, full)
		return
	}
	if spec.Counter && agg != "sum" {
		t.Errorf("%q: %s is a counter sent as a distribution: query it with sum, not %s", q, full, agg)
	}
	if !spec.Counter && agg == "sum" {
		t.Errorf("%q: summing %s (%s) means nothing", q, full, spec.Unit)
	}
	has := func(k string) bool { return spec.HasTag(k) || slices.Contains(dogstatsd.GlobalTags, k) }
	// The per-deployment metrics carry no log_group by default: a filter or
	// a group on it would find nothing.
	if spec.Deployment && strings.Contains(filter+","+by, TagLogGroupRef) {
		t.Errorf("%q: %s counts requests once per deployment and has no log_group by default", q, full)
	}
	for _, f := range strings.Split(filter, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "*":
		case strings.HasPrefix(f, "$"):
			v, ok := vars[f[1:]]
			if !ok {
				t.Errorf("%q: template variable %s is not defined", q, f)
			}
			if !has(v.prefix) {
				t.Errorf("%q: %s has no tag %s", q, full, v.prefix)
			}
			for _, x := range v.values {
				if !spec.AllowsValue(v.prefix, x) {
					t.Errorf("%q: %s has no tag %s:%s", q, full, v.prefix, x)
				}
			}
		default:
			k, v, _ := strings.Cut(f, ":")
			if !has(k) || !spec.AllowsValue(k, v) {
				t.Errorf("%q: %s has no tag %s", q, full, f)
			}
		}
	}
	if by == "" {
		return
	}
	for _, k := range strings.Split(by, ",") {
		k = strings.TrimSpace(k)
		if !has(k) {
			t.Errorf("%q: %s cannot be grouped by %s", q, full, k)
		}
		groups[k] = true
	}
}
