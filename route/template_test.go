package route

import (
	"strings"
	"testing"
)

// TestTemplateGrammarIsOne: a template in a route table and the same
// template logged by an app give the same route, in every syntax.
func TestTemplateGrammarIsOne(t *testing.T) {
	for tmpl, want := range map[string]string{
		"/invoices/<int:pk>/pdf":               "/invoices/:pk/pdf",
		"invoices/<int:pk>/pdf":                "/invoices/:pk/pdf",
		"/users/<UserID>":                      "/users/:userid",
		"/users/{user_id}/orders/{Oid}":        "/users/:user_id/orders/:oid",
		"/files/:name?":                        "/files/:name",
		"/x/<int:9abc>":                        "/x/:abc",
		"/items/<slug:item-slug>":              "/items/:itemslug",
		"/a/{" + strings.Repeat("n", 40) + "}": "/a/:" + strings.Repeat("n", maxParamName),
		"/invoices/<int:id>/pdf":               "/invoices/:id/pdf",
		"/media/<sha>/original":                "/media/:sha/original",
		"/orders/{OrderId}":                    "/orders/:orderid",
		"/a/:b?/c":                             "/a/:b/c",
	} {
		tbl, err := ParseTable(strings.NewReader(tmpl + "\n"))
		if err != nil {
			t.Errorf("%s: %v", tmpl, err)
			continue
		}
		fromTable := tbl.templates[0].route
		logged := "/" + strings.TrimPrefix(tmpl, "/")
		fromLog := string(Normalize(nil, AppendTemplate(nil, []byte(logged))))
		if fromTable != want || fromLog != want {
			t.Errorf("%s: table %q, logged %q, want %q", tmpl, fromTable, fromLog, want)
		}
	}
	// A parameter with no usable name: an error in a table, ":id" in a log.
	if _, err := ParseTable(strings.NewReader("/x/<int:9>\n")); err == nil {
		t.Errorf("a nameless parameter in a route table was accepted")
	}
	if got := string(AppendTemplate(nil, []byte("/x/<int:9>"))); got != "/x/:id" {
		t.Errorf("AppendTemplate of a nameless parameter = %q", got)
	}
}

func TestAppendTemplateNoAllocs(t *testing.T) {
	dst := make([]byte, 0, 128)
	in := []byte("/invoices/<int:pk>/lines/{LineID}/pdf")
	if n := testing.AllocsPerRun(100, func() { dst = AppendTemplate(dst[:0], in) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
