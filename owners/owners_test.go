package owners

import (
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	o, err := ParseRoutes(strings.NewReader(`# route owners
POST /invoices/**   billing-writes
/invoices/**        billing        # everything else under /invoices
/reports/:id/export analytics
/api/v*/users/*     identity
/graphql            api
/**/pdf             documents
unknown             platform
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ route, method, team string }{
		{"/invoices/:id/pdf", "POST", "billing-writes"},
		{"/invoices/:id/pdf", "GET", "billing"}, // first match wins: not documents
		{"/invoices", "GET", "billing"},         // ** spans no segment too
		{"/invoices/", "", "billing"},
		{"/reports/:id/export", "GET", "analytics"},
		{"/reports/:id/export/x", "GET", ""},
		{"/api/v2/users/:id", "DELETE", "identity"},
		{"/api/v2/users/:id/keys", "DELETE", ""}, // * stays within a segment
		{"/graphql", "POST", "api"},
		{"/orders/:id/pdf", "GET", "documents"},
		{"unknown", "", "platform"},
		{"/health", "GET", ""},
	} {
		if got := o.Team(tc.route, tc.method); got != tc.team {
			t.Errorf("Team(%q, %q) = %q, want %q", tc.route, tc.method, got, tc.team)
		}
	}
	if o.Len() != 7 {
		t.Errorf("%d rules", o.Len())
	}
	var none *Routes
	if none.Team("/x", "GET") != "" || none.Len() != 0 {
		t.Error("a nil owners file owns something")
	}
}

func TestRoutesErrors(t *testing.T) {
	for _, bad := range []string{
		"/x\n",               // no team
		"FETCH /x web\n",     // not a method
		"/x team|web\n",      // not a tag value
		"GET /x web extra\n", // too many fields
	} {
		if _, err := ParseRoutes(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: error %v, want one naming line 1", bad, err)
		}
	}
}

// TestCodeOwners follows the examples of GitHub's "About code owners".
func TestCodeOwners(t *testing.T) {
	c, err := ParseCodeOwners(strings.NewReader(`# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, team string }{
		{"README.md", "global-owner1"},
		{"src/app.js", "js-owner"},
		{"main.go", "docs"},
		{"notes/a.txt", "octocats"},
		{"build/logs/today.log", "octocat"}, // **/logs comes later and wins
		{"docs/getting-started.md", "doctocat"},
		{"docs/build-app/troubleshooting.md", "doctocat"},
		{"x/docs/y.md", "global-owner1"}, // docs/* has a '/' in the middle: relative to the root
		{"docs/a/b.md", "doctocat"},      // not docs/* (one level), but /docs/
		{"apps/web/main.py", "octocat"},
		{"apps/github/hook.py", ""}, // listed without owners: unowned
		{"deeply/nested/logs/x", "octocat"},
		{"scripts/run.sh", "doctocat"}, // the first owner names the team
	} {
		if got := c.Team(tc.path); got != tc.team {
			t.Errorf("Team(%q) = %q, want %q", tc.path, got, tc.team)
		}
	}
}

// TestFrameTeam: a frame's file carries the deployment's prefix or is
// shortened; the most specific rule (the last) that owns some form decides. The paths are those
// of the app that wrote the bundled captures (testdata/capture/app.py).
func TestFrameTeam(t *testing.T) {
	c, err := ParseCodeOwners(strings.NewReader("*.py @slowroutes/python\n/testdata/capture/ @slowroutes/capture-team\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, team string }{
		{"testdata/capture/app.py", "capture-team"},
		{"/srv/slowroutes/testdata/capture/app.py", "capture-team"}, // *.py owns the full path, but /testdata/capture/ comes later
		{"capture/app.py", "python"},
		{"/usr/lib/python3.11/socket.py", "python"},
		{"/etc/uwsgi.ini", ""},
	} {
		if got := c.FrameTeam(tc.path); got != tc.team {
			t.Errorf("FrameTeam(%q) = %q, want %q", tc.path, got, tc.team)
		}
	}
	if _, err := ParseCodeOwners(strings.NewReader("!/x @a\n")); err == nil {
		t.Error("a negation was accepted")
	}
}
