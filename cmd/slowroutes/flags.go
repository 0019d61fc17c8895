package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

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

// flagNames names the pipeline settings after the flags that set them.
var flagNames = map[pipeline.Setting]string{
	pipeline.SettingSlow: "--slow", pipeline.SettingRoutesFile: "--routes", pipeline.SettingMaxRoutes: "--max-routes",
	pipeline.SettingMaxOperations: "--max-operations", pipeline.SettingJSONFields: "--json-fields",
	pipeline.SettingAccessSource: "--access-source", pipeline.SettingAccessIntUnit: "--access-int-unit",
}

// config validates the flags and builds the pipeline configuration.
func (f *pipelineFlags) config() (pipeline.Config, error) {
	if f.slow <= 0 {
		return pipeline.Config{}, fmt.Errorf("--slow must be positive, got %s", f.slow)
	}
	if f.maxRoutes < 1 || f.maxOperations < 1 {
		return pipeline.Config{}, fmt.Errorf("--max-routes and --max-operations must be at least 1")
	}
	return pipeline.Settings{
		Slow: f.slow, RoutesFile: f.routesFile, MaxRoutes: f.maxRoutes, MaxOperations: f.maxOperations,
		GraphQLPaths: f.graphqlPaths, JSONFields: f.jsonFields, AccessSource: f.accessSource, AccessIntUnit: f.accessIntUnit,
	}.Config(func(s pipeline.Setting) string { return flagNames[s] })
}

// parseArgs parses a command's flags (see parseInterspersed). ok is false
// when the command must end at once with status code: 0 for --help, 2 for a
// bad flag, which the flag set has already reported.
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, 0, false
	case err != nil:
		return nil, 2, false
	}
	return pos, 0, true
}

// usageError returns a function that reports a usage error of command name
// on w and gives its exit status, 2.
func usageError(w io.Writer, name string) func(format string, a ...any) int {
	return func(format string, a ...any) int {
		fmt.Fprintf(w, "slowroutes "+name+": "+format+"\n", a...)
		return 2
	}
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
