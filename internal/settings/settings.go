// Package settings is the one table of slowroutes' settings: each row names
// a setting's flag, its environment variable, its default and the one
// function that validates it. The CLI registers its flags from the table
// and the Lambda functions read their environment by walking it, so both
// build the same Config the same way.
package settings

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/loggrouptags"
	"github.com/slowroutes/slowroutes/owners"
	"github.com/slowroutes/slowroutes/pipeline"
)

// Scope says who takes a setting.
type Scope uint8

const (
	// ScopePipeline: every command that runs the pipeline (report,
	// backfill, emit) and both functions.
	ScopePipeline Scope = 1 << iota
	// ScopeEmit: what shapes the datagrams, for emit and both functions.
	ScopeEmit
	// ScopeFunction: the functions alone, from their environment.
	ScopeFunction
)

// Setting is one row of the table.
type Setting struct {
	Flag    string // flag name without dashes; "" when it is no flag
	Env     string // environment variable; "" when it is not read from the environment
	Default string // the value when the setting is not given, as a person writes it
	Usage   string // flag help; a `quoted` word names the flag's value
	Scope   Scope
	// List: the flag may be repeated; in the environment the values are
	// separated by commas.
	List bool
	// Lines: the flag may be repeated; in the environment each value
	// starts a line with one of the prefixes (it may hold commas, spaces
	// and further lines).
	Lines []string
	set   func(c *Config, v string) error
}

// Config is what the settings configure.
type Config struct {
	Pipeline pipeline.Config
	Emitter  dogstatsd.EmitterConfig
	Client   dogstatsd.ClientConfig
	// LogGroupTagKeys are the AWS tags of a log group put on its metrics;
	// none means the feature is off. LogGroupTagsTTL is how long they are cached.
	LogGroupTagKeys []loggrouptags.Key
	LogGroupTagsTTL time.Duration
	// CodeOwners maps the source files of stack frames to teams.
	CodeOwners *owners.CodeOwners

	dogstatsdURL, agentHost, agentPort string // resolved into Client.Addr
}

// FromEnv reads every setting of the table that has an environment
// variable (getenv is os.Getenv in main), applying the defaults of those
// not set. Errors name the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	for i := range Table {
		s := &Table[i]
		if s.Env == "" {
			continue
		}
		v := strings.TrimSpace(getenv(s.Env))
		var vals []string
		switch {
		case v == "":
		case s.Lines != nil:
			vals = splitLines(v, s.Lines)
		default:
			vals = []string{v}
		}
		if err := s.apply(&c, vals, s.Env); err != nil {
			return c, err
		}
	}
	return c, c.resolve()
}

// Flags are the table's flags registered on a flag set.
type Flags struct {
	vals []*value
}

// Register defines on fs the flags of the settings of scope.
func Register(fs *flag.FlagSet, scope Scope) *Flags {
	f := &Flags{}
	for i := range Table {
		s := &Table[i]
		if s.Flag == "" || s.Scope&scope == 0 {
			continue
		}
		v := &value{s: s}
		fs.Var(v, s.Flag, s.Usage)
		f.vals = append(f.vals, v)
	}
	return f
}

// Config validates the parsed flags, applying the defaults of those not
// given. Errors name the flag.
func (f *Flags) Config() (Config, error) {
	var c Config
	for _, v := range f.vals {
		if err := v.s.apply(&c, v.given, "--"+v.s.Flag); err != nil {
			return c, err
		}
	}
	return c, c.resolve()
}

// apply sets the values given, or the default when none was.
func (s *Setting) apply(c *Config, given []string, name string) error {
	vals := given
	if len(vals) == 0 {
		if s.Default == "" {
			return nil
		}
		vals = []string{s.Default}
	}
	switch {
	case s.List:
		vals = splitList(vals)
	case s.Lines != nil:
	case len(vals) > 1:
		return fmt.Errorf("%s: given %d times", name, len(vals))
	}
	for _, v := range vals {
		if err := s.set(c, v); err != nil {
			return fmt.Errorf("%s %q: %w", name, v, err)
		}
	}
	return nil
}

// value is a flag of the table; it keeps what was given for Config to validate.
type value struct {
	s     *Setting
	given []string
}

func (v *value) String() string {
	if v == nil || v.s == nil {
		return ""
	}
	return v.s.Default
}

func (v *value) Set(x string) error {
	v.given = append(v.given, x)
	return nil
}

// splitLines splits v into values at the lines that start with one of
// prefixes; the other lines continue the value before them.
func splitLines(v string, prefixes []string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		starts := false
		for _, p := range prefixes {
			starts = starts || strings.HasPrefix(strings.TrimSpace(l), p)
		}
		switch {
		case starts || len(out) == 0:
			out = append(out, strings.TrimSpace(l))
		default:
			out[len(out)-1] += "\n" + l
		}
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// splitList splits comma-, space- or newline-separated values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })...)
	}
	return out
}

// ExtensionAddr is where the Datadog Lambda Extension listens for DogStatsD.
const ExtensionAddr = "127.0.0.1:8125"

// resolve derives what several settings decide together.
func (c *Config) resolve() error {
	switch u := c.dogstatsdURL; {
	case u != "":
		c.Client.Addr = u
	case c.agentHost != "":
		host := c.agentHost
		if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
			host = "[" + host + "]" // IPv6
		}
		port := c.agentPort
		if port == "" {
			port = defaultAgentPort
		}
		c.Client.Addr = host + ":" + port
	default:
		c.Client.Addr = ExtensionAddr
	}
	return nil
}
