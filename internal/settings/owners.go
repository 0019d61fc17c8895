package settings

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/slowroutes/slowroutes/owners"
	"github.com/slowroutes/slowroutes/parse"
)

// ownersSource opens the content of an owners or CODEOWNERS setting. A
// value with a space, a tab, a newline or a ';' holds the rules themselves
// (a rule is a pattern and a team, so it always has a space): a function's
// environment can carry a short file inline, its lines separated by
// newlines or ';' — Lambda allows 4 KB of environment in total, so longer
// files go into the deployment package or a layer and the variable names
// the path (/opt/owners.txt). Any other value is a file path.
func ownersSource(v string) (io.ReadCloser, error) {
	if strings.ContainsAny(v, " \t\n;") {
		return io.NopCloser(strings.NewReader(strings.ReplaceAll(v, ";", "\n"))), nil
	}
	return os.Open(v)
}

func setOwners(c *Config, v string) error {
	f, err := ownersSource(v)
	if err != nil {
		return err
	}
	defer f.Close()
	c.Pipeline.Owners, err = owners.ParseRoutes(f)
	return err
}

func setCodeOwners(c *Config, v string) error {
	f, err := ownersSource(v)
	if err != nil {
		return err
	}
	defer f.Close()
	c.CodeOwners, err = owners.ParseCodeOwners(f)
	return err
}

func setRequestSource(c *Config, v string) error {
	if v == "auto" {
		c.Pipeline.RequestSource = parse.SourceUnknown
		return nil
	}
	for src := parse.FirstSource; src < parse.NumSources; src++ {
		if src.String() == v {
			c.Pipeline.RequestSource = src
			return nil
		}
	}
	return errors.New("want alb, traefik, nginx, apache, gunicorn, uwsgi, app or auto")
}

func setRouteTags(c *Config, v string) error {
	switch v {
	case "method":
		c.Emitter.MethodTag = true
	case "log_group":
		c.Emitter.LogGroupOnRequests = true
	default:
		return fmt.Errorf("want method or log_group")
	}
	return nil
}
