package dogstatsd

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocsMatchContract checks the metric table of docs/metrics.md against
// Contract: names, units, tags, function and counter, row for row.
func TestDocsMatchContract(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_.]+)` \\| ([a-z]+) \\| ([^|]*) \\| (harakiri|slowlog|both) \\| (yes|no) \\|")
	rows := row.FindAllStringSubmatch(string(doc), -1)
	if len(rows) != len(Contract) {
		t.Errorf("docs/metrics.md has %d metric rows, the contract %d metrics", len(rows), len(Contract))
	}
	fn := map[Family]string{FamilyTimeouts: "harakiri", FamilyRequests: "slowlog", FamilyHealth: "both"}
	for _, r := range rows {
		spec, ok := Lookup(r[1])
		if !ok {
			t.Errorf("docs/metrics.md documents %s, which the contract does not have", r[1])
			continue
		}
		var tags []string
		for _, tg := range strings.FieldsFunc(r[3], func(c rune) bool { return c == ',' }) {
			if strings.TrimSpace(tg) == "" {
				continue
			}
			tags = append(tags, strings.Trim(strings.TrimSpace(tg), "`"))
		}
		counter := map[bool]string{true: "yes", false: "no"}[spec.Counter]
		if r[2] != spec.Unit || !slices.Equal(tags, spec.Tags) || r[4] != fn[spec.Family] || r[5] != counter {
			t.Errorf("%s: docs say unit %s, tags %q, function %s, counter %s; contract: %s, %q, %s, %s",
				r[1], r[2], tags, r[4], r[5], spec.Unit, spec.Tags, fn[spec.Family], counter)
		}
	}
	for _, s := range Contract {
		if !strings.Contains(string(doc), "| `"+s.Name+"` |") {
			t.Errorf("%s is not documented", s.Name)
		}
	}
}

func TestContractIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Contract {
		if seen[s.Name] || !validName(DefaultNamespace+"."+s.Name) {
			t.Errorf("%s: duplicate or invalid name", s.Name)
		}
		seen[s.Name] = true
		if len(s.Tags)+len(GlobalTags)+MaxStaticTags > MaxTags {
			t.Errorf("%s: %d tags could exceed %d", s.Name, len(s.Tags)+len(GlobalTags)+MaxStaticTags, MaxTags)
		}
		for k := range s.Values {
			if !s.HasTag(k) {
				t.Errorf("%s: values for tag %s it does not have", s.Name, k)
			}
		}
	}
}

func TestParseDatagram(t *testing.T) {
	good := []string{
		"slowroutes.timeouts:3|d|#route:/slow/:id,method:GET,source:uwsgi_harakiri",
		"slowroutes.request.duration_ms:0.123|d",
		"a:1|d|#env:prod",
		"a:-2.5|d|#x",
	}
	for _, s := range good {
		if _, err := ParseDatagram(s); err != nil {
			t.Errorf("%v", err)
		}
	}
	bad := []string{
		"", "a", "a:1", "a:1|c", "a:1|d|", "a:1|d|#", "a:1|d|#a,,b", "a:1|d|@0.5", "1a:1|d",
		"a.:1|d", "a:1e3|d", "a:.5|d", "a:1.|d", "a:NaN|d", "a:1|d|#route:/x|y", "a:1|d|#b:x\ny",
		"a:1|d|#r:a b", "a:1|d|#_x", "a:1|d|#a:1|#b:2", "a:1:2|d", "a b:1|d",
		"a:1|d|#" + strings.Repeat("t,", 100) + "t",
		"a:1|d|#t:" + strings.Repeat("x", 200),
	}
	for _, s := range bad {
		if _, err := ParseDatagram(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
	d, _ := ParseDatagram("a:1|d|#route:/x,flag")
	if v, ok := d.Tag("route"); !ok || v != "/x" {
		t.Errorf("Tag(route) = %q, %v", v, ok)
	}
	if _, ok := d.Tag("flag"); !ok {
		t.Errorf("Tag(flag) not found")
	}
}

// TestDocsNameEveryValue: each value of the closed source and parser sets
// appears in docs/metrics.md as `value` on the row of the metrics that list
// them, so that a new source or parser cannot go undocumented.
func TestDocsNameEveryValue(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile("^\\| `([a-z_.]+)` \\|").FindStringSubmatch(l); m != nil {
			rows[m[1]] = l
		}
	}
	for name, tag := range map[string]string{"timeouts": TagSource, "upstream_failures": TagSource, "pipeline.lines": TagParser} {
		s, _ := Lookup(name)
		if len(s.Values[tag]) == 0 {
			t.Fatalf("%s: no closed values of %s", name, tag)
		}
		for _, v := range s.Values[tag] {
			if !strings.Contains(rows[name], "`"+v+"`") {
				t.Errorf("%s: tag %s value %q is not named on its row of docs/metrics.md", name, tag, v)
			}
		}
	}
}
