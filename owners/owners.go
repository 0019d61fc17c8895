// Package owners maps what slowroutes finds to the teams that own it: a
// route (by the globs of an owners file) or a source file (by the app
// repository's GitHub CODEOWNERS file), so that every per-route metric and
// report row can carry a team.
package owners

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/route"
)

// Routes maps routes to teams: the rules of an owners file, in order.
// The zero value (or nil) owns nothing.
type Routes struct {
	rules []routeRule
}

type routeRule struct {
	method string   // "" for any method
	glob   []string // the glob's segments
	team   string
	line   int
}

// ParseRoutes reads an owners file: one rule per line,
//
//	[METHOD] ROUTE-GLOB TEAM
//
// where ROUTE-GLOB is matched against the route (/invoices/:id/pdf, a
// route-table template, or unknown/other/overflow) segment by segment: *
// matches any part of one segment, ** any number of whole segments (none
// included), everything else itself. METHOD (GET, POST, …) restricts the
// rule to rows of that method. The first rule that matches wins. Blank
// lines and lines starting with # are skipped; a # after the team starts a
// comment. TEAM must be a valid tag value (letters, digits, _ - . /).
func ParseRoutes(r io.Reader) (*Routes, error) {
	o := &Routes{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), " #")
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rule := routeRule{line: n}
		if len(f) == 3 {
			if !slices.Contains(route.Methods[:], f[0]) {
				return nil, fmt.Errorf("owners line %d: %q is not a method (%s)", n, f[0], strings.Join(route.Methods[:], ", "))
			}
			rule.method, f = f[0], f[1:]
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("owners line %d: want [METHOD] ROUTE-GLOB TEAM, got %q", n, line)
		}
		glob, team := f[0], f[1]
		if !tag.Valid("team:" + team) {
			return nil, fmt.Errorf("owners line %d: team %q is not a valid tag value (letters, digits, _ - . /)", n, team)
		}
		rule.glob, rule.team = segments(glob), team
		o.rules = append(o.rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading owners: %w", err)
	}
	return o, nil
}

// Len is the number of rules.
func (o *Routes) Len() int {
	if o == nil {
		return 0
	}
	return len(o.rules)
}

// Team returns the team of the first rule that matches a row's route and
// method, "" when none does.
func (o *Routes) Team(rt, method string) string {
	if o == nil {
		return ""
	}
	path := segments(rt)
	for _, r := range o.rules {
		if r.method != "" && r.method != method {
			continue
		}
		if matchSegments(r.glob, path) {
			return r.team
		}
	}
	return ""
}

// segments splits a route, a source path or a glob at '/', ignoring the
// leading one, so that "/a/b" and "a/b" are the same; "/" is one empty segment.
func segments(s string) []string {
	return strings.Split(strings.TrimPrefix(s, "/"), "/")
}

// matchSegments matches glob segments against path segments; "**" spans
// any number of whole segments.
func matchSegments(glob, path []string) bool {
	for len(glob) > 0 {
		if glob[0] == "**" {
			rest := glob[1:]
			for i := 0; i <= len(path); i++ {
				if matchSegments(rest, path[i:]) {
					return true
				}
			}
			return false
		}
		if len(path) == 0 || !matchSegment(glob[0], path[0]) {
			return false
		}
		glob, path = glob[1:], path[1:]
	}
	return len(path) == 0
}

// matchSegment matches one segment: '*' matches any run of bytes, '?' one
// byte; everything else itself.
func matchSegment(pat, s string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for pat != "" && pat[0] == '*' {
				pat = pat[1:]
			}
			if pat == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if matchSegment(pat, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pat[0] {
				return false
			}
		}
		pat, s = pat[1:], s[1:]
	}
	return s == ""
}
