package settings

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/loggrouptags"
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/route"
)

// MaxLogGroupTagKeys bounds the log-group tags per metric, which share the
// 100 tags a metric may carry with the static tags and the route tags.
const MaxLogGroupTagKeys = 10

const defaultAgentPort = "8125"

// Table lists every setting. docs/metrics.md documents the environment
// variables, and a test holds it to this table.
var Table = []Setting{
	{Flag: "slow", Env: "SLOWROUTES_SLOW_THRESHOLD", Default: "1s", Scope: ScopePipeline,
		Usage: "a request at least this long counts as `slow` (a Go duration: 500ms, 2s)",
		set: func(c *Config, v string) error {
			d, err := positiveDuration(v)
			c.Pipeline.SlowUS = d.Microseconds()
			return err
		}},
	{Flag: "routes", Env: "SLOWROUTES_ROUTES_FILE", Scope: ScopePipeline,
		Usage: "route table `FILE`: one template per line (Django <int:pk>, Flask <id>, OpenAPI {id}, Express :id)",
		set: func(c *Config, v string) error {
			f, err := os.Open(v)
			if err != nil {
				return err
			}
			defer f.Close()
			c.Pipeline.Routes, err = route.ParseTable(f)
			return err
		}},
	{Flag: "max-routes", Env: "SLOWROUTES_MAX_ROUTES", Default: strconv.Itoa(route.DefaultMaxRoutes), Scope: ScopePipeline,
		Usage: "cardinality cap: at most `N` distinct routes, the rest become \"overflow\"",
		set:   func(c *Config, v string) (err error) { c.Pipeline.MaxRoutes, err = positiveInt(v, 0); return }},
	{Flag: "max-operations", Env: "SLOWROUTES_MAX_OPERATIONS", Default: strconv.Itoa(pipeline.DefaultMaxOperations), Scope: ScopePipeline,
		Usage: "cardinality cap: at most `N` distinct GraphQL operation names",
		set:   func(c *Config, v string) (err error) { c.Pipeline.MaxOperations, err = positiveInt(v, 0); return }},
	{Flag: "graphql-path", Env: "SLOWROUTES_GRAPHQL_PATHS", Default: pipeline.DefaultGraphQLPath, Scope: ScopePipeline, List: true,
		Usage: "`PATH` of a GraphQL endpoint, whose requests are tagged with their operation (repeatable; comma-separated in the environment)",
		set: func(c *Config, v string) error {
			if !strings.HasPrefix(v, "/") {
				return errors.New("want a path starting with /")
			}
			c.Pipeline.GraphQLPaths = append(c.Pipeline.GraphQLPaths, v)
			return nil
		}},
	{Flag: "json-fields", Env: "SLOWROUTES_JSON_FIELDS", Scope: ScopePipeline,
		Usage: "extra JSON log field `names`, e.g. path=req_path,duration_ms=took,operation=gql_op",
		set: func(c *Config, v string) error {
			f := parse.DefaultJSONFields()
			c.Pipeline.Parse.JSONFields = f
			return f.Set(v)
		}},
	{Flag: "access-source", Env: "SLOWROUTES_ACCESS_SOURCE", Default: "auto", Scope: ScopePipeline,
		Usage: "server that wrote combined-format access lines: `nginx|gunicorn|apache|auto` (auto: the line's shape says, e.g. gunicorn's %(L)s or a unix-socket client; nginx when it does not)",
		set: func(c *Config, v string) error {
			s, ok := map[string]parse.Source{"auto": parse.SourceUnknown, "nginx": parse.SourceNginx, "gunicorn": parse.SourceGunicorn, "apache": parse.SourceApache}[v]
			if !ok {
				return errors.New("want nginx, gunicorn, apache or auto")
			}
			c.Pipeline.Parse.AccessSource = s
			return nil
		}},
	{Flag: "access-int-unit", Env: "SLOWROUTES_ACCESS_INT_UNIT", Default: "us", Scope: ScopePipeline,
		Usage: "`unit` of an integer duration after a combined-format access line: us (gunicorn %(D)s), ms, or s (gunicorn %(T)s)",
		set: func(c *Config, v string) error {
			u, ok := map[string]int64{"us": 1, "ms": 1000, "s": 1e6}[v]
			if !ok {
				return errors.New("want us, ms or s")
			}
			c.Pipeline.Parse.AccessIntUnitUS = u
			return nil
		}},
	{Flag: "max-frames", Env: "SLOWROUTES_MAX_FRAMES", Default: strconv.Itoa(pipeline.DefaultMaxFrames), Scope: ScopePipeline,
		Usage: "cardinality cap: at most `N` distinct stuck frames, the rest become \"overflow\"",
		set:   func(c *Config, v string) (err error) { c.Pipeline.MaxFrames, err = positiveInt(v, 0); return }},
	{Flag: "frame-include", Env: "SLOWROUTES_FRAME_INCLUDE", Scope: ScopePipeline, List: true,
		Usage: "path `PREFIX` of application code in stack dumps, whatever else the path says (repeatable; comma-separated in the environment)",
		set:   func(c *Config, v string) error { return addPrefix(&c.Pipeline.Parse.Frames.Include, v) }},
	{Flag: "frame-exclude", Env: "SLOWROUTES_FRAME_EXCLUDE", Scope: ScopePipeline, List: true,
		Usage: "path `PREFIX` that is not application code in stack dumps, besides the standard library and site-packages (repeatable)",
		set:   func(c *Config, v string) error { return addPrefix(&c.Pipeline.Parse.Frames.Exclude, v) }},
	{Flag: "frame-strip", Env: "SLOWROUTES_FRAME_STRIP", Scope: ScopePipeline, List: true,
		Usage: "path `PREFIX` cut from a stuck frame's path, e.g. /srv/shop/ (repeatable; a path under none keeps its last --frame-components)",
		set:   func(c *Config, v string) error { return addPrefix(&c.Pipeline.Parse.Frames.Strip, v) }},
	{Flag: "frame-components", Env: "SLOWROUTES_FRAME_COMPONENTS", Default: strconv.Itoa(parse.DefaultFrameComponents), Scope: ScopePipeline,
		Usage: "trailing path `components` a stuck frame keeps when no --frame-strip prefix matches",
		set: func(c *Config, v string) (err error) {
			c.Pipeline.Parse.Frames.Components, err = positiveInt(v, 64)
			return
		}},
	{Flag: "log-format", Env: "SLOWROUTES_LOG_FORMATS", Scope: ScopePipeline, Lines: []string{"nginx:", "uwsgi:", "gunicorn:", "apache:"},
		Usage: "`SERVER:FORMAT`, an access-log format of your own, read before the built-in ones: nginx:'<log_format arguments>', uwsgi:'<log-format>', gunicorn:'<access_log_format>' or apache:'<LogFormat>' (repeatable, tried in order; in the environment each starts a line with its SERVER:)",
		set: func(c *Config, v string) error {
			server, format, ok := strings.Cut(v, ":")
			if !ok || strings.TrimSpace(format) == "" {
				return errors.New("want SERVER:FORMAT with SERVER nginx, uwsgi, gunicorn or apache")
			}
			f, err := parse.CompileLogFormat(strings.TrimSpace(server), format)
			if err != nil {
				return err
			}
			c.Pipeline.Parse.LogFormats = append(c.Pipeline.Parse.LogFormats, f)
			return nil
		}},
	{Flag: "owners", Env: "SLOWROUTES_OWNERS", Scope: ScopePipeline,
		Usage: "route owners `FILE`: lines [METHOD] ROUTE-GLOB TEAM, first match wins (** spans segments); in the environment also the rules themselves, separated by newlines or ';'",
		set:   setOwners},
	{Flag: "codeowners", Env: "SLOWROUTES_CODEOWNERS", Scope: ScopePipeline,
		Usage: "the app repository's GitHub CODEOWNERS `FILE`, which gives the team of a stack frame's source file (last match wins); in the environment also its content",
		set:   setCodeOwners},
	{Flag: "request-source", Env: "SLOWROUTES_REQUEST_SOURCE", Default: "auto", Scope: ScopePipeline,
		Usage: "the `server` whose requests the request metrics count, once per deployment: alb, traefik, nginx, apache, gunicorn, uwsgi, app, or auto (the outermost server that logged the route: a load balancer, then Traefik, nginx or Apache, gunicorn, uWSGI, the app)",
		set:   setRequestSource},
	{Flag: "route-tags", Env: "SLOWROUTES_ROUTE_TAGS", Scope: ScopeEmit, List: true,
		Usage: "optional `tags` of per-route metrics (repeatable; comma-separated): method (on every per-route metric), log_group (also on the request metrics, which count a request once per deployment)",
		set:   setRouteTags},
	{Flag: "max-contexts", Env: "SLOWROUTES_MAX_CONTEXTS", Default: strconv.Itoa(dogstatsd.DefaultMaxContexts), Scope: ScopeEmit,
		Usage: "context budget of each function: at most `N` distinct metric contexts an hour (Datadog bills each; the Lambda Extension keeps 10,240 per flush); past it rows lose method, status_class, graphql_operation, log_group, then route",
		set: func(c *Config, v string) (err error) {
			c.Emitter.MaxContexts, err = positiveInt(v, dogstatsd.MaxContexts)
			return
		}},
	{Flag: "namespace", Env: "SLOWROUTES_NAMESPACE", Default: dogstatsd.DefaultNamespace, Scope: ScopeEmit,
		Usage: "metric name `prefix` (a dot is added)",
		set: func(c *Config, v string) error {
			if err := dogstatsd.CheckNamespace(v); err != nil {
				return err
			}
			c.Client.Namespace = v
			return nil
		}},
	{Flag: "tags", Env: "SLOWROUTES_TAGS", Scope: ScopeEmit,
		Usage: "comma-separated static `tags` on every metric, e.g. team:web,tier:1; characters Datadog does not keep become _",
		set:   func(c *Config, v string) (err error) { c.Client.Tags, err = dogstatsd.ParseStaticTags(v); return }},
	{Env: "SLOWROUTES_LOG_GROUP_TAGS", Scope: ScopeFunction,
		Usage: "AWS tags of a log group to put on its metrics, comma-separated (service,team,env; Environment=env renames); unset: off. Needs logs:ListTagsForResource",
		set: func(c *Config, v string) error {
			keys, err := loggrouptags.ParseKeys(v)
			if err == nil && len(keys) > MaxLogGroupTagKeys {
				err = fmt.Errorf("%d keys, at most %d", len(keys), MaxLogGroupTagKeys)
			}
			c.LogGroupTagKeys = keys
			return err
		}},
	{Env: "SLOWROUTES_LOG_GROUP_TAGS_TTL", Default: loggrouptags.DefaultTTL.String(), Scope: ScopeFunction,
		Usage: "how long a log group's tags are reused before they are read again",
		set:   func(c *Config, v string) (err error) { c.LogGroupTagsTTL, err = positiveDuration(v); return }},
	{Env: "DD_DOGSTATSD_URL", Scope: ScopeFunction,
		Usage: "DogStatsD address as a URL (udp://host:8125, unix:///var/run/datadog/dsd.socket); wins over DD_AGENT_HOST",
		set: func(c *Config, v string) error {
			switch {
			case strings.HasPrefix(v, "udp://"):
				c.dogstatsdURL = strings.TrimSuffix(strings.TrimPrefix(v, "udp://"), "/")
			case strings.HasPrefix(v, "unix://"), strings.HasPrefix(v, "unixgram://"):
				c.dogstatsdURL = v
			default:
				return errors.New("want udp://host:port or unix:///path")
			}
			return nil
		}},
	{Env: "DD_AGENT_HOST", Scope: ScopeFunction,
		Usage: "host of a Datadog Agent to send to instead of the Lambda Extension on " + ExtensionAddr,
		set:   func(c *Config, v string) error { c.agentHost = v; return nil }},
	{Env: "DD_DOGSTATSD_PORT", Default: defaultAgentPort, Scope: ScopeFunction,
		Usage: "DogStatsD port of DD_AGENT_HOST",
		set: func(c *Config, v string) error {
			if _, err := positiveInt(v, 65535); err != nil {
				return errors.New("not a port")
			}
			c.agentPort = v
			return nil
		}},
	unifiedServiceTag("DD_ENV", "env"),
	unifiedServiceTag("DD_SERVICE", "service"),
	unifiedServiceTag("DD_VERSION", "version"),
}

// unifiedServiceTag checks a variable the DogStatsD client copies into
// every datagram as it is, as the tag key:value.
func unifiedServiceTag(env, key string) Setting {
	return Setting{Env: env, Scope: ScopeFunction,
		Usage: "the `" + key + "` tag; must be a valid tag value",
		set: func(_ *Config, v string) error {
			if !tag.Valid(key + ":" + v) {
				return fmt.Errorf("not a valid tag value (letters, digits, '_', '-', ':', '.', '/'; at most %d characters)", tag.MaxLen-len(key)-1)
			}
			return nil
		}}
}

func positiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration such as 500ms")
	}
	return d, nil
}

// positiveInt reads an integer of at least 1 and at most max (0: no maximum).
func positiveInt(v string, max int) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 1:
		return 0, errors.New("want a positive integer")
	case max > 0 && n > max:
		return 0, fmt.Errorf("at most %d", max)
	}
	return n, nil
}

// addPrefix adds a path prefix of a frame setting.
func addPrefix(list *[]string, v string) error {
	if strings.ContainsAny(v, "\x00\n") {
		return errors.New("want a path prefix")
	}
	*list = append(*list, v)
	return nil
}
