package owners

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// CodeOwners maps source paths (the file of a stuck frame) to teams by a
// GitHub CODEOWNERS file of the app's repository. The zero value (or nil)
// owns nothing.
type CodeOwners struct {
	rules []codeRule
}

type codeRule struct {
	segs     []string // the pattern's segments; "**" spans segments
	anchored bool     // a '/' at the start or in the middle: relative to the root
	dirOnly  bool     // a trailing '/': matches a directory, so only what is under it
	// subtree: the pattern also matches every path under what it names.
	// GitHub's docs: "apps/" and "/docs/" own everything under them, but
	// "docs/*" owns docs/getting-started.md and not docs/build-app/x.md.
	subtree bool
	team    string // "" when the rule lists no owner: the path is unowned
}

// ParseCodeOwners reads a CODEOWNERS file as GitHub does ("About code
// owners", docs.github.com): each line is a pattern and its owners
// (@user, @org/team or an e-mail address); # starts a comment (at the
// start of a line or after whitespace); the last matching pattern wins,
// and one without owners leaves the path unowned. Patterns follow
// gitignore's rules — a pattern with a '/' at its start or in its middle
// is relative to the repository root, any other matches at any depth; '*'
// and '?' do not match '/'; "**" spans directories; a trailing '/' matches
// a directory — except those GitHub does not support: "!" negation, "[ ]"
// ranges and "\#" escapes are refused. Paths are case-sensitive.
//
// The team of a rule is its first owner without the '@' and the
// organisation: @acme/billing-team → billing-team, @octocat → octocat,
// docs@example.com → docs.
func ParseCodeOwners(r io.Reader) (*CodeOwners, error) {
	c := &CodeOwners{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		for i, w := range f {
			if strings.HasPrefix(w, "#") {
				f = f[:i]
				break
			}
		}
		if len(f) == 0 {
			continue
		}
		pat := f[0]
		if strings.HasPrefix(pat, "!") || strings.ContainsAny(pat, "[]\\") {
			return nil, fmt.Errorf("CODEOWNERS line %d: %q: GitHub does not support '!', '[ ]' or '\\' in patterns", n, pat)
		}
		rule := codeRule{}
		if len(f) > 1 {
			rule.team = teamOf(f[1])
		}
		rule.dirOnly = strings.HasSuffix(pat, "/")
		pat = strings.TrimSuffix(pat, "/")
		rule.anchored = strings.Contains(pat, "/")
		pat = strings.TrimPrefix(pat, "/")
		if pat == "" {
			return nil, fmt.Errorf("CODEOWNERS line %d: empty pattern", n)
		}
		rule.segs = strings.Split(pat, "/")
		last := rule.segs[len(rule.segs)-1]
		rule.subtree = rule.dirOnly || !strings.ContainsAny(last, "*?")
		if !rule.anchored {
			rule.segs = append([]string{"**"}, rule.segs...)
		}
		c.rules = append(c.rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading CODEOWNERS: %w", err)
	}
	return c, nil
}

func teamOf(owner string) string {
	owner = strings.TrimPrefix(owner, "@")
	if i := strings.LastIndexByte(owner, '/'); i >= 0 {
		owner = owner[i+1:]
	}
	if i := strings.IndexByte(owner, '@'); i >= 0 { // an e-mail address
		owner = owner[:i]
	}
	return owner
}

// Len is the number of rules.
func (c *CodeOwners) Len() int {
	if c == nil {
		return 0
	}
	return len(c.rules)
}

// Team returns the team owning the source file at path (relative to the
// repository root), "" when no rule owns it.
func (c *CodeOwners) Team(path string) string {
	if c == nil {
		return ""
	}
	segs := segments(path)
	team := ""
	for _, r := range c.rules {
		if r.matches(segs) {
			team = r.team
		}
	}
	return team
}

// FrameTeam returns the team owning the file of a stack frame. A frame's
// path is seldom relative to the repository root: it carries the
// deployment's prefix (/srv/app/shop/billing/views.py) or has been
// shortened (billing/views.py). The path is tried as given and without
// its leading directories one at a time; of the rules that win for some
// form, the one written last in the file decides — CODEOWNERS files go
// from the general to the specific, so a catch-all ("*") matching the
// deployment's full path does not hide "/shop/billing/" matching its tail.
func (c *CodeOwners) FrameTeam(path string) string {
	if c == nil {
		return ""
	}
	segs := segments(path)
	best := -1
	for ; len(segs) > 0; segs = segs[1:] {
		for i := len(c.rules) - 1; i > best; i-- {
			if c.rules[i].matches(segs) {
				best = i
				break
			}
		}
	}
	if best < 0 {
		return ""
	}
	return c.rules[best].team
}

func (r *codeRule) matches(path []string) bool {
	// The path itself (a file), unless the rule names only directories.
	if !r.dirOnly && matchSegments(r.segs, path) {
		return true
	}
	if !r.subtree {
		return false
	}
	// A directory the path is in.
	for i := len(path) - 1; i >= 1; i-- {
		if matchSegments(r.segs, path[:i]) {
			return true
		}
	}
	return false
}
