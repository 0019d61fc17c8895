package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/route"
)

// pipelineFlags are the flags every command that runs the pipeline shares.
type pipelineFlags struct {
	slow          time.Duration
	routesFile    string
	maxRoutes     int
	maxOperations int
	graphqlPaths  stringList
	jsonFields    string
	accessSource  string
	accessIntUnit string
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func (f *pipelineFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.slow, "slow", time.Second, "a request at least this long counts as `slow`")
	fs.StringVar(&f.routesFile, "routes", "", "route table `FILE`: one template per line (Django <int:pk>, Flask <id>, OpenAPI {id}, Express :id)")
	fs.IntVar(&f.maxRoutes, "max-routes", route.DefaultMaxRoutes, "cardinality cap: at most `N` distinct routes, the rest become \"overflow\"")
	fs.IntVar(&f.maxOperations, "max-operations", pipeline.DefaultMaxOperations, "cardinality cap on GraphQL operation names")
	fs.Var(&f.graphqlPaths, "graphql-path", "`PATH` of a GraphQL endpoint (repeatable; default /graphql)")
	fs.StringVar(&f.jsonFields, "json-fields", "", "extra JSON log field names, e.g. `path=req_path,duration_ms=took,operation=gql_op`")
	fs.StringVar(&f.accessIntUnit, "access-int-unit", "us", "`unit` of an integer duration after a combined-format access line: us (gunicorn %(D)s), ms, or s (gunicorn %(T)s)")
	fs.StringVar(&f.accessSource, "access-source", "auto", "server that wrote combined-format access lines: `nginx|gunicorn|auto` (auto: gunicorn when the file or stream name says so)")
}

// config validates the flags and builds the pipeline configuration.
func (f *pipelineFlags) config() (pipeline.Config, error) {
	var cfg pipeline.Config
	if f.slow <= 0 {
		return cfg, fmt.Errorf("--slow must be positive, got %s", f.slow)
	}
	if f.maxRoutes < 1 || f.maxOperations < 1 {
		return cfg, fmt.Errorf("--max-routes and --max-operations must be at least 1")
	}
	cfg.SlowUS = f.slow.Microseconds()
	cfg.MaxRoutes, cfg.MaxOperations = f.maxRoutes, f.maxOperations
	cfg.GraphQLPaths = f.graphqlPaths
	fields := parse.DefaultJSONFields()
	if f.jsonFields != "" {
		if err := fields.Set(f.jsonFields); err != nil {
			return cfg, fmt.Errorf("--json-fields: %w", err)
		}
	}
	cfg.Parse.JSONFields = fields
	switch f.accessSource {
	case "auto", "":
	case "nginx":
		cfg.Parse.AccessSource, cfg.Parse.AccessSourceSet = parse.SourceNginx, true
	case "gunicorn":
		cfg.Parse.AccessSource, cfg.Parse.AccessSourceSet = parse.SourceGunicorn, true
	default:
		return cfg, fmt.Errorf("--access-source: want nginx, gunicorn or auto, got %q", f.accessSource)
	}
	switch f.accessIntUnit {
	case "us", "":
		cfg.Parse.AccessIntUnitUS = 1
	case "ms":
		cfg.Parse.AccessIntUnitUS = 1000
	case "s":
		cfg.Parse.AccessIntUnitUS = 1e6
	default:
		return cfg, fmt.Errorf("--access-int-unit: want us, ms or s, got %q", f.accessIntUnit)
	}
	if f.routesFile != "" {
		fh, err := os.Open(f.routesFile)
		if err != nil {
			return cfg, fmt.Errorf("--routes: %w", err)
		}
		defer fh.Close()
		if cfg.Routes, err = route.ParseTable(fh); err != nil {
			return cfg, fmt.Errorf("--routes %s: %w", f.routesFile, err)
		}
	}
	return cfg, nil
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
		if len(args) > 0 && args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
	}
}

func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s", examples)
		}
	}
	return fs
}
