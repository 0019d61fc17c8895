package pipeline

import (
	"fmt"
	"os"
	"time"

	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/route"
)

// Settings are the pipeline's configuration as a person writes it, in the
// CLI's flags or a function's environment. Zero values mean the defaults.
type Settings struct {
	Slow          time.Duration
	RoutesFile    string
	MaxRoutes     int
	MaxOperations int
	GraphQLPaths  []string
	JSONFields    string // "path=req_path,duration_ms=took"
	AccessSource  string // nginx, gunicorn or auto
	AccessIntUnit string // us, ms or s
}

// Setting names the settings in errors; the CLI and the functions name them
// after their flags and environment variables.
type Setting int

const (
	SettingSlow Setting = iota
	SettingRoutesFile
	SettingMaxRoutes
	SettingMaxOperations
	SettingJSONFields
	SettingAccessSource
	SettingAccessIntUnit
)

// Config validates the settings and builds the Config; errors start with
// name(setting).
func (s Settings) Config(name func(Setting) string) (Config, error) {
	var cfg Config
	if s.Slow < 0 {
		return cfg, fmt.Errorf("%s: want a positive duration such as 500ms, got %s", name(SettingSlow), s.Slow)
	}
	cfg.SlowUS = s.Slow.Microseconds()
	for _, n := range []struct {
		v       int
		setting Setting
	}{{s.MaxRoutes, SettingMaxRoutes}, {s.MaxOperations, SettingMaxOperations}} {
		if n.v < 0 {
			return cfg, fmt.Errorf("%s: want a positive integer, got %d", name(n.setting), n.v)
		}
	}
	cfg.MaxRoutes, cfg.MaxOperations = s.MaxRoutes, s.MaxOperations
	cfg.GraphQLPaths = s.GraphQLPaths
	fields := parse.DefaultJSONFields()
	if s.JSONFields != "" {
		if err := fields.Set(s.JSONFields); err != nil {
			return cfg, fmt.Errorf("%s: %w", name(SettingJSONFields), err)
		}
	}
	cfg.Parse.JSONFields = fields
	switch s.AccessSource {
	case "", "auto":
	case "nginx":
		cfg.Parse.AccessSource, cfg.Parse.AccessSourceSet = parse.SourceNginx, true
	case "gunicorn":
		cfg.Parse.AccessSource, cfg.Parse.AccessSourceSet = parse.SourceGunicorn, true
	default:
		return cfg, fmt.Errorf("%s: want nginx, gunicorn or auto, got %q", name(SettingAccessSource), s.AccessSource)
	}
	switch s.AccessIntUnit {
	case "", "us":
		cfg.Parse.AccessIntUnitUS = 1
	case "ms":
		cfg.Parse.AccessIntUnitUS = 1000
	case "s":
		cfg.Parse.AccessIntUnitUS = 1e6
	default:
		return cfg, fmt.Errorf("%s: want us, ms or s, got %q", name(SettingAccessIntUnit), s.AccessIntUnit)
	}
	if s.RoutesFile != "" {
		f, err := os.Open(s.RoutesFile)
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", name(SettingRoutesFile), err)
		}
		defer f.Close()
		if cfg.Routes, err = route.ParseTable(f); err != nil {
			return cfg, fmt.Errorf("%s %s: %w", name(SettingRoutesFile), s.RoutesFile, err)
		}
	}
	return cfg, nil
}
