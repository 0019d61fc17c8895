package awslogs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

// terms splits a filter pattern made of OR terms (?WORD or ?"phrase"),
// failing on anything else: the shape CloudWatch Logs accepts for
// unstructured events, with no quote inside a phrase and no regex.
func terms(tb testing.TB, pattern string) []string {
	tb.Helper()
	var out []string
	rest := pattern
	for rest != "" {
		if !strings.HasPrefix(rest, "?") {
			tb.Fatalf("pattern %q: term without ? at %q", pattern, rest)
		}
		rest = rest[1:]
		var term string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end <= 0 {
				tb.Fatalf("pattern %q: unterminated or empty phrase at %q", pattern, rest)
			}
			term, rest = rest[1:end+1], rest[end+2:]
		} else {
			end := strings.IndexByte(rest, ' ')
			if end < 0 {
				end = len(rest)
			}
			term, rest = rest[:end], rest[end:]
			for _, c := range term {
				if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
					tb.Fatalf("pattern %q: unquoted term %q holds %q", pattern, term, c)
				}
			}
		}
		out = append(out, term)
		if rest != "" {
			if !strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "  ") {
				tb.Fatalf("pattern %q: want one space between terms at %q", pattern, rest)
			}
			rest = rest[1:]
		}
	}
	return out
}

func TestDefaultPatternShape(t *testing.T) {
	if got := Slowlog.DefaultPattern(); got != "" {
		t.Errorf("slowlog pattern = %q, want every event (\"\")", got)
	}
	p := Harakiri.DefaultPattern()
	if len(p) > 1024 {
		t.Errorf("harakiri pattern is %d bytes, CloudWatch Logs allows 1024", len(p))
	}
	got := terms(t, p)
	for _, want := range []string{"HARAKIRI", "upstream timed out", "WORKER TIMEOUT", "DAMN ! worker", "listen queue", " 504 ", " 499 ", " 502 "} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("harakiri pattern %q lacks the term %q", p, want)
		}
	}
}

// TestDefaultPatternKeepsTimeouts runs the captures through the pipeline
// twice, all lines and only the lines the harakiri pattern matches (terms
// read as substrings), and checks that no timeout, failure or worker fact
// is lost. Routes may differ: a gunicorn WORKER TIMEOUT takes its route
// from a debug line the filter drops.
func TestDefaultPatternKeepsTimeouts(t *testing.T) {
	pat := terms(t, Harakiri.DefaultPattern())
	matches := func(line string) bool {
		for _, term := range pat {
			if strings.Contains(line, term) {
				return true
			}
		}
		return false
	}
	files, err := filepath.Glob("../../testdata/captures/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	files = append(files, "../../testdata/captures/nginx-access.json")
	incidents, err := filepath.Glob("../../testdata/captures/incidents/*/*.log")
	if err != nil || len(incidents) == 0 {
		t.Fatalf("no incident captures: %v", err)
	}
	files = append(files, incidents...)
	all, filtered := pipeline.New(pipeline.Config{}), pipeline.New(pipeline.Config{})
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sa, sf := all.Stream(nil, []byte(f)), filtered.Stream(nil, []byte(f))
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			all.Line(sa, sc.Bytes(), 0)
			if matches(sc.Text()) {
				filtered.Line(sf, sc.Bytes(), 0)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	all.Close()
	filtered.Close()
	type facts struct {
		Timeouts     map[string]int64
		ClientAborts int64
		Failures     map[string]int64
		Events       report.Events
	}
	sum := func(d report.Document) facts {
		f := facts{Timeouts: map[string]int64{}, Failures: map[string]int64{}, Events: d.Events}
		for _, r := range d.Routes {
			for k, n := range r.Timeouts {
				f.Timeouts[k] += n
			}
			for k, n := range r.FailuresBySource {
				f.Failures[k] += n
			}
			f.ClientAborts += r.ClientAborts
		}
		return f
	}
	want := sum(report.Build(all.Aggregates()))
	got := sum(report.Build(filtered.Aggregates()))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("facts lost by the harakiri filter pattern (-all lines +filtered):\n%s", diff)
	}
	var timeouts int64
	for _, n := range want.Timeouts {
		timeouts += n
	}
	if timeouts == 0 || want.Events.HarakiriBanners == 0 {
		t.Errorf("captures hold no timeouts (%d) or harakiri banners (%d): the test checks nothing", timeouts, want.Events.HarakiriBanners)
	}
}

func TestKindOfFunction(t *testing.T) {
	for name, want := range map[string]Kind{
		"slowroutes-harakiri":                  Harakiri,
		"shop-SlowlogFunction-1A2B3C":          Slowlog,
		"shop-HarakiriFunction-1A2B3C":         Harakiri,
		"anything":                             Harakiri,
		"slowroutes-slowlog":                   Slowlog,
		"slowroutes-prod-slowlogFunction-ABCD": Slowlog,
	} {
		if got := KindOfFunction(name); got != want {
			t.Errorf("KindOfFunction(%q) = %s, want %s", name, got, want)
		}
	}
	if Harakiri.FilterName() != "slowroutes-harakiri" || Slowlog.FilterName() != "slowroutes-slowlog" {
		t.Errorf("filter names %q, %q", Harakiri.FilterName(), Slowlog.FilterName())
	}
	if _, err := ParseKind("timeouts"); err == nil {
		t.Error("ParseKind accepted an unknown kind")
	}
}

// TestTemplateDefaultPattern holds the SAM template's default filter pattern
// of the timeout function to the one subscribe uses.
func TestTemplateDefaultPattern(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n  HarakiriFilterPattern:\n")
	if !ok {
		t.Fatal("template.yaml has no HarakiriFilterPattern parameter")
	}
	_, rest, ok = strings.Cut(rest, "    Default: '")
	line, _, _ := strings.Cut(rest, "\n")
	if !ok || !strings.HasSuffix(line, "'") {
		t.Fatalf("HarakiriFilterPattern default is not a single-quoted YAML string: %q", line)
	}
	got := strings.ReplaceAll(strings.TrimSuffix(line, "'"), "''", "'")
	if want := Harakiri.DefaultPattern(); got != want {
		t.Errorf("template.yaml default pattern\n%s\nsubscribe's\n%s", got, want)
	}
}
