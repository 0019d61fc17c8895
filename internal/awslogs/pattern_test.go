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

// captureSets lists every real capture (the default one and each incident
// setup, or fresh ones named by SLOWROUTES_CAPTURE_DIR and
// SLOWROUTES_INCIDENTS_DIR): the log files of each, one stream per file.
func captureSets(tb testing.TB) map[string][]string {
	tb.Helper()
	dflt, inc := os.Getenv("SLOWROUTES_CAPTURE_DIR"), os.Getenv("SLOWROUTES_INCIDENTS_DIR")
	if dflt == "" {
		dflt = "../../testdata/captures"
	}
	if inc == "" {
		inc = "../../testdata/captures/incidents"
	}
	sets := map[string][]string{}
	add := func(name, dir string) {
		for _, g := range []string{"*.log", "*.json"} {
			m, err := filepath.Glob(filepath.Join(dir, g))
			if err != nil {
				tb.Fatal(err)
			}
			sets[name] = append(sets[name], m...)
		}
	}
	add("default", dflt)
	dirs, err := filepath.Glob(filepath.Join(inc, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			add(filepath.Base(d), d)
		}
	}
	if len(sets) < 5 {
		tb.Fatalf("found %d capture sets, want the default one and 4 incident setups", len(sets))
	}
	for name, files := range sets {
		if len(files) < 3 {
			tb.Fatalf("%s: %d log files", name, len(files))
		}
	}
	return sets
}

// patternFacts is what the harakiri function counts, per report row.
type patternFacts struct {
	Timeouts     map[string]int64 // "route method op kind"
	ClientAborts map[string]int64 // "route method op source"
	Failures     map[string]int64 // "route method op source"
	Events       report.Events
}

func factsOf(d report.Document) patternFacts {
	f := patternFacts{Timeouts: map[string]int64{}, ClientAborts: map[string]int64{}, Failures: map[string]int64{}, Events: d.Events}
	for _, r := range d.Routes {
		row := r.Route + " " + r.Method + " " + r.GraphQLOperation + " "
		for k, n := range r.Timeouts {
			if n > 0 {
				f.Timeouts[row+k] += n
			}
		}
		for k, n := range r.FailuresBySource {
			if n > 0 {
				f.Failures[row+k] += n
			}
		}
		for k, n := range r.ClientAbortsBy {
			if n > 0 {
				f.ClientAborts[row+k] += n
			}
		}
	}
	return f
}

// TestDefaultPatternKeepsTimeouts runs every capture through the pipeline
// twice, all lines and only the lines the harakiri pattern matches (terms
// read as substrings), and checks that the harakiri function counts the
// same: timeouts, failures and client aborts per route, method and GraphQL
// operation, and the events (banners, idle kills, worker kills, gunicorn
// timeouts attributed). The gunicorn timeouts of the incident captures,
// at the default log level, keep their routes through the dying worker's
// request line, which has no " 500 " in it.
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
	for name, files := range captureSets(t) {
		t.Run(name, func(t *testing.T) {
			all, filtered := pipeline.New(pipeline.Config{}), pipeline.New(pipeline.Config{})
			kept, total := 0, 0
			for _, f := range files {
				fh, err := os.Open(f)
				if err != nil {
					t.Fatal(err)
				}
				sa, sf := all.Stream(nil, []byte(f)), filtered.Stream(nil, []byte(f))
				sc := bufio.NewScanner(fh)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					total++
					all.Line(sa, sc.Bytes(), 0)
					if matches(sc.Text()) {
						kept++
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
			want, got := factsOf(report.Build(all.Aggregates())), factsOf(report.Build(filtered.Aggregates()))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("facts lost by the harakiri filter pattern (-all lines +filtered):\n%s", diff)
			}
			if len(want.Timeouts) == 0 {
				t.Error("no timeouts: the test checks nothing")
			}
			if kept*2 > total {
				t.Errorf("the pattern keeps %d of %d lines: it filters little", kept, total)
			}
		})
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
