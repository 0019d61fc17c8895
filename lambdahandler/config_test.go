package lambdahandler

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnvDefaults(t *testing.T) {
	c, err := ConfigFromEnv(env(nil), metrics.FamilyTimeouts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Client.Addr != "127.0.0.1:8125" || c.Client.Namespace != "slowroutes" || len(c.Client.Tags) != 0 {
		t.Errorf("client %+v", c.Client)
	}
	if c.Options.Emitter.Families != metrics.FamilyTimeouts|metrics.FamilyHealth {
		t.Errorf("families %b", c.Options.Emitter.Families)
	}
	if p := c.Options.Pipeline; p.SlowUS != 0 || p.MaxRoutes != 0 || p.Routes != nil || p.Parse.JSONFields == nil {
		t.Errorf("pipeline %+v", p)
	}
}

func TestConfigFromEnv(t *testing.T) {
	routes := filepath.Join(t.TempDir(), "routes.txt")
	if err := os.WriteFile(routes, []byte("/invoices/<int:pk>/pdf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFromEnv(env(map[string]string{
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
	}), metrics.FamilyRequests)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"team:web", "tier:1", "odd_tag_x"}; !slices.Equal(c.Client.Tags, want) {
		t.Errorf("tags %q, want %q", c.Client.Tags, want)
	}
	p := c.Options.Pipeline
	if c.Client.Addr != "127.0.0.1:9125" || c.Client.Namespace != "web.slowroutes" || p.SlowUS != 250_000 ||
		p.MaxRoutes != 50 || p.MaxOperations != 20 || c.Options.Emitter.MaxContexts != 300 ||
		!slices.Equal(p.GraphQLPaths, []string{"/graphql", "/api/graphql"}) || !p.Parse.AccessSourceSet {
		t.Errorf("config %+v %+v", c.Client, p)
	}
	if tmpl, ok := p.Routes.Match([]byte("/invoices/42/pdf")); !ok || tmpl != "/invoices/:pk/pdf" {
		t.Errorf("route table: %q %v", tmpl, ok)
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	for _, kv := range [][2]string{
		{"SLOWROUTES_NAMESPACE", "9bad"},
		{"SLOWROUTES_TAGS", "1team:web"},
		{"SLOWROUTES_SLOW_THRESHOLD", "soon"},
		{"SLOWROUTES_MAX_ROUTES", "0"},
		{"SLOWROUTES_MAX_CONTEXTS", "20000"},
		{"SLOWROUTES_ACCESS_SOURCE", "apache"},
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
		if _, err := ConfigFromEnv(env(m), metrics.FamilyAll); err == nil {
			t.Errorf("%s=%q: no error", kv[0], kv[1])
		}
	}
}

func TestStatsdAddr(t *testing.T) {
	for in, want := range map[string]string{
		"udp://127.0.0.1:8125":               "127.0.0.1:8125",
		"unix:///var/run/datadog/dsd.socket": "unix:///var/run/datadog/dsd.socket",
	} {
		got, err := statsdAddr(env(map[string]string{"DD_DOGSTATSD_URL": in, "DD_AGENT_HOST": "10.0.0.1"}))
		if err != nil || got != want {
			t.Errorf("%s: %s, %v", in, got, err)
		}
	}
	if got, _ := statsdAddr(env(map[string]string{"DD_AGENT_HOST": "::1"})); got != "[::1]:8125" {
		t.Errorf("IPv6 host: %s", got)
	}
}

// TestEnvDocumented checks that docs/metrics.md documents every variable
// ConfigFromEnv reads, and no other.
func TestEnvDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `((?:SLOWROUTES|DD)_[A-Z_]+)` \\|")
	var documented []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	var read []string
	for _, e := range Env {
		read = append(read, e.Name)
	}
	src, _ := os.ReadFile("config.go")
	for _, m := range regexp.MustCompile(`"((?:SLOWROUTES|DD)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(read, m[1]) && !strings.HasPrefix(m[1], "DD_API") {
			t.Errorf("config.go reads %s, which Env does not list", m[1])
		}
	}
	slices.Sort(documented)
	slices.Sort(read)
	if !slices.Equal(documented, read) {
		t.Errorf("docs/metrics.md documents %q, the functions read %q", documented, read)
	}
}
