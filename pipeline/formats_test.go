package pipeline

import (
	"os"
	"regexp"
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// The lines of testdata/captures/formats (real nginx 1.22.1, uWSGI 2.0.21,
// gunicorn 20.1.0, Apache 2.4) and testdata/formats (Traefik and ALB lines
// written in their documented layouts).

func formatLines(tb testing.TB, names ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range names {
		out = append(out, realLines(tb, "formats/"+n)...)
	}
	return out
}

func thirdParty(tb testing.TB, names ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile("../testdata/formats/" + n)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, splitLines(b)...)
	}
	return out
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}

// captureFormat returns a log_format of the capture's nginx.conf.in, as
// written there.
func captureFormat(tb testing.TB, name string) *parse.LogFormat {
	tb.Helper()
	b, err := os.ReadFile("../testdata/capture/formats/nginx.conf.in")
	if err != nil {
		tb.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)log_format\s+` + name + `\s+([^;]*);`).FindSubmatch(b)
	if m == nil {
		tb.Fatalf("no log_format %s in nginx.conf.in", name)
	}
	f, err := parse.CompileLogFormat("nginx", string(m[1]))
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestGraphQLBodyOfUserFormat: a POST /graphql whose body nginx logged with
// its default \x22 escaping ($request_body in a log_format of the user's)
// is counted under its operation.
func TestGraphQLBodyOfUserFormat(t *testing.T) {
	p := New(Config{Parse: parse.Config{LogFormats: []*parse.LogFormat{captureFormat(t, "body")}}})
	s := p.Stream(nil, []byte("nginx-body.log"))
	for _, l := range formatLines(t, "nginx-body.log") {
		p.Line(s, l, 0)
	}
	rows := rowsByKey(p.Aggregates())
	if r := rows[metrics.Key{Route: "/graphql", Method: "POST", Operation: "GetInvoice"}]; r == nil || r.RequestsOf(parse.SourceNginx) != 2 {
		t.Errorf("POST /graphql GetInvoice: %+v; rows %v", r, rows)
	}
	if n := p.Aggregates().Lines.By[parse.ParserNginxAccess][parse.Matched]; n != 26 {
		t.Errorf("%d lines read by the format, want all 26", n)
	}
}

// TestNoAllocsPerLineFormats: the user formats, Traefik, Apache and ALB
// lines cost no allocation either, once rows and streams exist.
func TestNoAllocsPerLineFormats(t *testing.T) {
	lines := formatLines(t, "nginx-perf.log", "nginx-perf-named.log", "nginx-body.log", "nginx-trace.log", "nginx.json",
		"nginx-combined.log", "nginx-error.log", "uwsgi.log", "gunicorn-access.log", "apache-access-D.log", "apache-error.log")
	lines = append(lines, thirdParty(t, "traefik/common.log", "traefik/json.log", "alb/access.log")...)
	for _, cfg := range []parse.Config{
		{},
		{LogFormats: []*parse.LogFormat{captureFormat(t, "body"), captureFormat(t, "trace")}},
		{AccessSource: parse.SourceApache},
	} {
		if n := allocsPerPass(New(Config{Parse: cfg}), "formats", lines, 1); n != 0 {
			t.Errorf("%d formats: %v allocations per pass of %d lines", len(cfg.LogFormats), n, len(lines))
		}
	}
}

// BenchmarkPipelineFormats runs the format lines through the pipeline.
func BenchmarkPipelineFormats(b *testing.B) {
	lines := formatLines(b, "nginx-perf.log", "nginx-perf-named.log", "nginx.json", "nginx-combined.log", "nginx-error.log",
		"gunicorn-access.log", "apache-error.log")
	lines = append(lines, thirdParty(b, "traefik/common.log", "traefik/json.log", "alb/access.log")...)
	benchLines(b, New(Config{}), lines)
}
