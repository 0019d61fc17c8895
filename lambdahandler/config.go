package lambdahandler

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slowroutes/slowroutes/loggrouptags"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/route"
)

// Config is everything a function reads from its environment.
type Config struct {
	Client  metrics.ClientConfig
	Options Options
	// LogGroupTagKeys are the AWS tags of a log group put on its metrics;
	// none means the feature is off. LogGroupTagsTTL is how long they are cached.
	LogGroupTagKeys []loggrouptags.Key
	LogGroupTagsTTL time.Duration
}

// MaxLogGroupTagKeys bounds the log-group tags per metric, which share the
// 100 tags a metric may carry with the static tags and the route tags.
const MaxLogGroupTagKeys = 10

// EnvVar documents one environment variable a function reads.
type EnvVar struct {
	Name, Default, Meaning string
}

// Env lists the environment variables ConfigFromEnv reads; docs/metrics.md
// is checked against it.
var Env = []EnvVar{
	{"SLOWROUTES_NAMESPACE", metrics.DefaultNamespace, "metric name prefix (a dot is added)"},
	{"SLOWROUTES_TAGS", "", "static tags on every metric, comma-separated (`team:web,tier:1`); characters Datadog does not keep become `_`"},
	{"SLOWROUTES_GRAPHQL_PATHS", "/graphql", "comma-separated paths of GraphQL endpoints, whose requests are tagged with their operation"},
	{"SLOWROUTES_SLOW_THRESHOLD", "1s", "a request at least this long counts as slow (Go duration: `500ms`, `2s`)"},
	{"SLOWROUTES_ROUTES_FILE", "", "route table file in the deployment package or a layer (`/opt/routes.txt`): one template per line"},
	{"SLOWROUTES_MAX_ROUTES", strconv.Itoa(route.DefaultMaxRoutes), "cardinality cap on distinct routes per container; the rest become `overflow`"},
	{"SLOWROUTES_MAX_OPERATIONS", "200", "cardinality cap on distinct GraphQL operation names per container"},
	{"SLOWROUTES_MAX_CONTEXTS", strconv.Itoa(metrics.DefaultMaxContexts), "distinct metric contexts per batch; the least bad rows past it are folded into `route:overflow`"},
	{"SLOWROUTES_JSON_FIELDS", "", "extra JSON log field names, as `report --json-fields` (`path=req_path,duration_ms=took`)"},
	{"SLOWROUTES_ACCESS_SOURCE", "auto", "server that wrote combined-format access lines: `nginx`, `gunicorn` or `auto` (gunicorn when the log group or stream name says so)"},
	{"SLOWROUTES_LOG_GROUP_TAGS", "", "AWS tags of a log group to put on its metrics, comma-separated (`service,team,env`; `Environment=env` renames); unset: off. Needs `logs:ListTagsForResource`"},
	{"SLOWROUTES_LOG_GROUP_TAGS_TTL", loggrouptags.DefaultTTL.String(), "how long a log group's tags are reused before they are read again"},
	{"SLOWROUTES_ACCESS_INT_UNIT", "us", "unit of an integer duration after a combined-format access line: `us` (gunicorn `%(D)s`), `ms`, or `s` (gunicorn `%(T)s`)"},
	{"DD_DOGSTATSD_URL", "", "DogStatsD address as a URL (`udp://host:8125`, `unix:///var/run/datadog/dsd.socket`); wins over DD_AGENT_HOST"},
	{"DD_AGENT_HOST", "", "host of a Datadog Agent to send to instead of the Lambda Extension on 127.0.0.1:8125"},
	{"DD_DOGSTATSD_PORT", "8125", "DogStatsD port of DD_AGENT_HOST"},
	{"DD_ENV", "", "the `env` tag; must be a valid tag value"},
	{"DD_SERVICE", "", "the `service` tag; must be a valid tag value"},
	{"DD_VERSION", "", "the `version` tag; must be a valid tag value"},
}

// envNames names the pipeline settings after the variables that set them.
var envNames = map[pipeline.Setting]string{
	pipeline.SettingSlow: "SLOWROUTES_SLOW_THRESHOLD", pipeline.SettingRoutesFile: "SLOWROUTES_ROUTES_FILE",
	pipeline.SettingMaxRoutes: "SLOWROUTES_MAX_ROUTES", pipeline.SettingMaxOperations: "SLOWROUTES_MAX_OPERATIONS",
	pipeline.SettingJSONFields: "SLOWROUTES_JSON_FIELDS", pipeline.SettingAccessSource: "SLOWROUTES_ACCESS_SOURCE",
	pipeline.SettingAccessIntUnit: "SLOWROUTES_ACCESS_INT_UNIT",
}

// ExtensionAddr is where the Datadog Lambda Extension listens for DogStatsD.
const ExtensionAddr = "127.0.0.1:8125"

// ConfigFromEnv reads the configuration of a function emitting the metric
// families fam. getenv is os.Getenv in main.
func ConfigFromEnv(getenv func(string) string, fam metrics.Family) (Config, error) {
	var c Config
	o := &c.Options
	o.Emitter.Families = fam | metrics.FamilyHealth
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }

	c.Client.Namespace = metrics.DefaultNamespace
	if v := get("SLOWROUTES_NAMESPACE"); v != "" {
		if !metrics.ValidNamespace(v) {
			return c, fmt.Errorf("SLOWROUTES_NAMESPACE %q: want letters, digits, '_' and '.', starting with a letter", v)
		}
		c.Client.Namespace = v
	}
	tags, err := metrics.ParseStaticTags(get("SLOWROUTES_TAGS"))
	if err != nil {
		return c, fmt.Errorf("SLOWROUTES_TAGS: %w", err)
	}
	c.Client.Tags = tags
	for k, tag := range map[string]string{"DD_ENV": "env", "DD_SERVICE": "service", "DD_VERSION": "version"} {
		// The DogStatsD client copies these into every datagram as they are.
		if v := getenv(k); v != "" && !metrics.ValidTag(tag+":"+v) {
			return c, fmt.Errorf("%s %q: not a valid tag value (letters, digits, '_', '-', ':', '.', '/'; at most %d characters)", k, v, metrics.MaxTagLen-len(tag)-1)
		}
	}
	addr, err := statsdAddr(get)
	if err != nil {
		return c, err
	}
	c.Client.Addr = addr

	ps := pipeline.Settings{
		GraphQLPaths: splitList(get("SLOWROUTES_GRAPHQL_PATHS")), RoutesFile: get("SLOWROUTES_ROUTES_FILE"),
		JSONFields: get("SLOWROUTES_JSON_FIELDS"), AccessSource: get("SLOWROUTES_ACCESS_SOURCE"),
		AccessIntUnit: get("SLOWROUTES_ACCESS_INT_UNIT"),
	}
	if v := get("SLOWROUTES_SLOW_THRESHOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SLOWROUTES_SLOW_THRESHOLD %q: want a positive duration such as 500ms", v)
		}
		ps.Slow = d
	}
	ints := []struct {
		name string
		dst  *int
	}{
		{"SLOWROUTES_MAX_ROUTES", &ps.MaxRoutes},
		{"SLOWROUTES_MAX_OPERATIONS", &ps.MaxOperations},
		{"SLOWROUTES_MAX_CONTEXTS", &o.Emitter.MaxContexts},
	}
	for _, in := range ints {
		if v := get(in.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%s %q: want a positive integer", in.name, v)
			}
			*in.dst = n
		}
	}
	if o.Emitter.MaxContexts > 10000 {
		return c, fmt.Errorf("SLOWROUTES_MAX_CONTEXTS %d: the Lambda Extension keeps at most 10,240 contexts per flush", o.Emitter.MaxContexts)
	}
	if o.Pipeline, err = ps.Config(func(s pipeline.Setting) string { return envNames[s] }); err != nil {
		return c, err
	}
	if v := get("SLOWROUTES_LOG_GROUP_TAGS"); v != "" {
		keys, err := loggrouptags.ParseKeys(v)
		if err != nil {
			return c, fmt.Errorf("SLOWROUTES_LOG_GROUP_TAGS: %w", err)
		}
		if len(keys) > MaxLogGroupTagKeys {
			return c, fmt.Errorf("SLOWROUTES_LOG_GROUP_TAGS: %d keys, at most %d", len(keys), MaxLogGroupTagKeys)
		}
		c.LogGroupTagKeys = keys
	}
	c.LogGroupTagsTTL = loggrouptags.DefaultTTL
	if v := get("SLOWROUTES_LOG_GROUP_TAGS_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SLOWROUTES_LOG_GROUP_TAGS_TTL %q: want a positive duration such as 15m", v)
		}
		c.LogGroupTagsTTL = d
	}
	return c, nil
}

// statsdAddr picks the DogStatsD address: DD_DOGSTATSD_URL, else
// DD_AGENT_HOST and DD_DOGSTATSD_PORT, else the Lambda Extension.
func statsdAddr(get func(string) string) (string, error) {
	if u := get("DD_DOGSTATSD_URL"); u != "" {
		switch {
		case strings.HasPrefix(u, "udp://"):
			return strings.TrimSuffix(strings.TrimPrefix(u, "udp://"), "/"), nil
		case strings.HasPrefix(u, "unix://"), strings.HasPrefix(u, "unixgram://"):
			return u, nil
		}
		return "", fmt.Errorf("DD_DOGSTATSD_URL %q: want udp://host:port or unix:///path", u)
	}
	if host := get("DD_AGENT_HOST"); host != "" {
		port := get("DD_DOGSTATSD_PORT")
		if port == "" {
			port = "8125"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("DD_DOGSTATSD_PORT %q: not a port", port)
		}
		if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
			host = "[" + host + "]" // IPv6
		}
		return host + ":" + port, nil
	}
	return ExtensionAddr, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
