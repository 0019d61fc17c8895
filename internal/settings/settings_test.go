package settings

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"flag"
	"io"

	"github.com/slowroutes/slowroutes/parse"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Client.Addr != "127.0.0.1:8125" || c.Client.Namespace != "slowroutes" || len(c.Client.Tags) != 0 {
		t.Errorf("client %+v", c.Client)
	}
	if p := c.Pipeline; p.SlowUS != 1_000_000 || p.MaxRoutes != 500 || p.MaxOperations != 200 || p.Routes != nil ||
		!slices.Equal(p.GraphQLPaths, []string{"/graphql"}) || p.Parse.AccessSource != parse.SourceUnknown || p.Parse.AccessIntUnitUS != 1 {
		t.Errorf("pipeline %+v", p)
	}
	if c.Emitter.MaxContexts != 4000 || c.Pipeline.RequestSource != parse.SourceUnknown || c.Pipeline.Owners != nil || c.LogGroupTagKeys != nil || c.LogGroupTagsTTL.Minutes() != 15 {
		t.Errorf("emitter %+v, log group tags %v %v", c.Emitter, c.LogGroupTagKeys, c.LogGroupTagsTTL)
	}
}

// TestFlagsMatchEnv: the same settings given as flags and as environment
// variables build the same configuration.
func TestFlagsMatchEnv(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, ScopePipeline|ScopeEmit)
	if err := fs.Parse([]string{"--slow", "250ms", "--max-routes", "50", "--graphql-path", "/graphql", "--graphql-path", "/api/graphql",
		"--access-source", "gunicorn", "--access-int-unit", "ms", "--max-contexts", "300", "--namespace", "web.slowroutes", "--tags", "team:web"}); err != nil {
		t.Fatal(err)
	}
	byFlag, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	byEnv, err := FromEnv(env(map[string]string{
		"SLOWROUTES_SLOW_THRESHOLD": "250ms", "SLOWROUTES_MAX_ROUTES": "50", "SLOWROUTES_GRAPHQL_PATHS": "/graphql,/api/graphql",
		"SLOWROUTES_ACCESS_SOURCE": "gunicorn", "SLOWROUTES_ACCESS_INT_UNIT": "ms", "SLOWROUTES_MAX_CONTEXTS": "300",
		"SLOWROUTES_NAMESPACE": "web.slowroutes", "SLOWROUTES_TAGS": "team:web",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(byFlag.Pipeline, byFlag.Emitter, byFlag.Client) != fmt.Sprint(byEnv.Pipeline, byEnv.Emitter, byEnv.Client) {
		t.Errorf("flags give\n%+v\nthe environment\n%+v", byFlag, byEnv)
	}
	// Errors name the flag.
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	f = Register(fs, ScopePipeline)
	if err := fs.Parse([]string{"--max-routes", "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Config(); err == nil || !strings.HasPrefix(err.Error(), "--max-routes") {
		t.Errorf("error %v, want it to name --max-routes", err)
	}
	if fs.Lookup("max-contexts") != nil {
		t.Errorf("an emit setting registered for the pipeline scope")
	}
}

func TestConfigFromEnv(t *testing.T) {
	routes := filepath.Join(t.TempDir(), "routes.txt")
	if err := os.WriteFile(routes, []byte("/invoices/<int:pk>/pdf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := FromEnv(env(map[string]string{
		"SLOWROUTES_NAMESPACE":      "web.slowroutes",
		"SLOWROUTES_TAGS":           "team:web, tier:1,odd tag=x",
		"SLOWROUTES_GRAPHQL_PATHS":  "/graphql,/api/graphql",
		"SLOWROUTES_SLOW_THRESHOLD": "250ms",
		"SLOWROUTES_ROUTES_FILE":    routes,
		"SLOWROUTES_MAX_ROUTES":     "50",
		"SLOWROUTES_MAX_OPERATIONS": "20",
		"SLOWROUTES_MAX_CONTEXTS":   "300",
		"SLOWROUTES_JSON_FIELDS":    "path=req_path",
		"SLOWROUTES_ACCESS_SOURCE":  "gunicorn",
		"DD_AGENT_HOST":             "127.0.0.1",
		"DD_DOGSTATSD_PORT":         "9125",
		"DD_ENV":                    "prod",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"team:web", "tier:1", "odd_tag_x"}; !slices.Equal(c.Client.Tags, want) {
		t.Errorf("tags %q, want %q", c.Client.Tags, want)
	}
	p := c.Pipeline
	if c.Client.Addr != "127.0.0.1:9125" || c.Client.Namespace != "web.slowroutes" || p.SlowUS != 250_000 ||
		p.MaxRoutes != 50 || p.MaxOperations != 20 || c.Emitter.MaxContexts != 300 ||
		!slices.Equal(p.GraphQLPaths, []string{"/graphql", "/api/graphql"}) || p.Parse.AccessSource != parse.SourceGunicorn {
		t.Errorf("config %+v %+v", c.Client, p)
	}
	if tmpl, ok := p.Routes.Match([]byte("/invoices/42/pdf")); !ok || tmpl != "/invoices/:pk/pdf" {
		t.Errorf("route table: %q %v", tmpl, ok)
	}
}

func TestFromEnvErrors(t *testing.T) {
	for _, kv := range [][2]string{
		{"SLOWROUTES_NAMESPACE", "9bad"},
		{"SLOWROUTES_TAGS", "1team:web"},
		{"SLOWROUTES_SLOW_THRESHOLD", "soon"},
		{"SLOWROUTES_MAX_ROUTES", "0"},
		{"SLOWROUTES_MAX_CONTEXTS", "20000"},
		{"SLOWROUTES_ACCESS_SOURCE", "traefik"},
		{"SLOWROUTES_LOG_FORMATS", "caddy:{common_log}"},
		{"SLOWROUTES_LOG_FORMATS", "nginx:$remote_addr$remote_user"},
		{"SLOWROUTES_LOG_FORMATS", "no server here"},
		{"SLOWROUTES_ROUTES_FILE", "/nonexistent/routes.txt"},
		{"SLOWROUTES_JSON_FIELDS", "nonsense"},
		{"DD_DOGSTATSD_URL", "http://127.0.0.1:8125"},
		{"DD_DOGSTATSD_PORT", "x"},
		{"DD_ENV", "prod|x"},
		{"DD_SERVICE", "my service"},
	} {
		m := map[string]string{kv[0]: kv[1]}
		if kv[0] == "DD_DOGSTATSD_PORT" {
			m["DD_AGENT_HOST"] = "127.0.0.1"
		}
		if _, err := FromEnv(env(m)); err == nil || !strings.HasPrefix(err.Error(), kv[0]) {
			t.Errorf("%s=%q: error %v, want one naming the variable", kv[0], kv[1], err)
		}
	}
}

func TestStatsdAddr(t *testing.T) {
	for in, want := range map[string]string{
		"udp://127.0.0.1:8125":               "127.0.0.1:8125",
		"unix:///var/run/datadog/dsd.socket": "unix:///var/run/datadog/dsd.socket",
	} {
		c, err := FromEnv(env(map[string]string{"DD_DOGSTATSD_URL": in, "DD_AGENT_HOST": "10.0.0.1"}))
		if err != nil || c.Client.Addr != want {
			t.Errorf("%s: %s, %v", in, c.Client.Addr, err)
		}
	}
	if c, _ := FromEnv(env(map[string]string{"DD_AGENT_HOST": "::1"})); c.Client.Addr != "[::1]:8125" {
		t.Errorf("IPv6 host: %s", c.Client.Addr)
	}
}

// TestEnvDocumented checks that docs/metrics.md documents every variable
// of the table, with its default, and no other.
func TestEnvDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `((?:SLOWROUTES|DD)_[A-Z_]+)` \\| (?:`([^`]*)`)? ?\\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = m[2]
	}
	read := map[string]string{}
	for _, s := range Table {
		if s.Env != "" {
			read[s.Env] = s.Default
		}
	}
	if !maps.Equal(documented, read) {
		t.Errorf("docs/metrics.md documents (variable: default)\n%v\nthe table reads\n%v", documented, read)
	}
}

// TestLogFormats: --log-format is repeatable, SLOWROUTES_LOG_FORMATS takes
// one format per line; both compile the same formats, in order. The
// formats are those of the formats capture (nginx.conf.in, capture.sh).
func TestLogFormats(t *testing.T) {
	perf := `nginx:'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time"'`
	gunicorn := `gunicorn:%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s %(D)s %(T)s %(M)s %(p)s %({x-request-id}i)s`
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, ScopePipeline)
	if err := fs.Parse([]string{"--log-format", perf, "--log-format", gunicorn}); err != nil {
		t.Fatal(err)
	}
	byFlag, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	byEnv, err := FromEnv(env(map[string]string{"SLOWROUTES_LOG_FORMATS": "\n" + perf + "\n\n  " + gunicorn + "\n"}))
	if err != nil {
		t.Fatal(err)
	}
	// nginx.conf's way: a format in quoted strings over several lines, as
	// the formats capture's nginx.conf.in writes it.
	multi := "nginx:escape=json '{\"status\":$status,'\n      '\"request_time\":$request_time}'\n" + gunicorn
	byLines, err := FromEnv(env(map[string]string{"SLOWROUTES_LOG_FORMATS": multi}))
	if err != nil {
		t.Fatal(err)
	}
	if lf := byLines.Pipeline.Parse.LogFormats; len(lf) != 2 || lf[0].Source() != parse.SourceNginx || lf[1].Source() != parse.SourceGunicorn {
		t.Errorf("a format over two lines then another: %v", lf)
	}
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{"flags": byFlag, "environment": byEnv} {
		lf := c.Pipeline.Parse.LogFormats
		if len(lf) != 2 || lf[0].Source() != parse.SourceNginx || lf[1].Source() != parse.SourceGunicorn ||
			lf[0].String() != perf[len("nginx:"):] || lf[1].String() != gunicorn[len("gunicorn:"):] {
			t.Errorf("%s: formats %v", name, lf)
		}
	}
	// A bad format names the flag and the position in the format.
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f = Register(fs, ScopePipeline)
	if err := fs.Parse([]string{"--log-format", `uwsgi:%(addr) %(status`}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Config(); err == nil || !strings.HasPrefix(err.Error(), "--log-format") || !strings.Contains(err.Error(), "position 8") {
		t.Errorf("error %v, want one naming --log-format and the position", err)
	}
}

// TestOwnersSettings: the owners rules inline in the environment (a
// function's), or a file (a flag's); the request source and route tags.
func TestOwnersSettings(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"SLOWROUTES_OWNERS":         "POST /invoices/** billing-writes;/invoices/** billing",
		"SLOWROUTES_CODEOWNERS":     "*.py @acme/python\n/billing/ @acme/billing",
		"SLOWROUTES_REQUEST_SOURCE": "uwsgi",
		"SLOWROUTES_ROUTE_TAGS":     "method,log_group",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Pipeline.Owners.Team("/invoices/:id", "POST"); got != "billing-writes" {
		t.Errorf("owners: %q", got)
	}
	if got := c.CodeOwners.Team("billing/views.py"); got != "billing" {
		t.Errorf("codeowners: %q", got)
	}
	if c.Pipeline.RequestSource != parse.SourceUWSGI || !c.Emitter.MethodTag || !c.Emitter.LogGroupOnRequests {
		t.Errorf("request source %v, emitter %+v", c.Pipeline.RequestSource, c.Emitter)
	}
	if alb, err := FromEnv(env(map[string]string{"SLOWROUTES_REQUEST_SOURCE": "alb"})); err != nil || alb.Pipeline.RequestSource != parse.SourceALB {
		t.Errorf("request source alb: %v %v", alb.Pipeline.RequestSource, err)
	}
	file := filepath.Join(t.TempDir(), "owners.txt")
	if err := os.WriteFile(file, []byte("/reports/** analytics\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f := Register(fs, ScopePipeline)
	if err := fs.Parse([]string{"--owners", file}); err != nil {
		t.Fatal(err)
	}
	byFlag, err := f.Config()
	if err != nil || byFlag.Pipeline.Owners.Team("/reports/:id/export", "GET") != "analytics" {
		t.Errorf("--owners FILE: %v", err)
	}
	for k, v := range map[string]string{"SLOWROUTES_OWNERS": "/x", "SLOWROUTES_REQUEST_SOURCE": "haproxy", "SLOWROUTES_ROUTE_TAGS": "source"} {
		if _, err := FromEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: error %v", k, v, err)
		}
	}
}
