package parse

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAccessSourceByShapeNotName: a stream's name never decides who wrote
// a combined line (an nginx in front of gunicorn is often called
// "gunicorn-front"); the line's shape does, or the configuration.
func TestAccessSourceByShapeNotName(t *testing.T) {
	const (
		// real: gunicorn 20.1.0 with %(L)s %(D)s (testdata/captures/gunicorn-access.log)
		gunicornL = `127.0.0.1 - - [22/Nov/2026:23:31:06 +0000] "GET / HTTP/1.1" 200 27 "-" "slowroutes-capture/1.0" 0.000546 546`
		// real: nginx 1.22.1 built-in combined (testdata/captures/nginx-access-combined.log), a 504
		plain = `127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "slowroutes-capture/1.0"`
	)
	for _, name := range []string{"gunicorn-access.log", "/var/log/nginx/access.log", "/ecs/shop/gunicorn", "gunicorn-front"} {
		recs, _ := collect(t, Config{}, name, gunicornL, plain)
		if len(recs) != 2 || recs[0].Source != SourceGunicorn || recs[1].Source != SourceNginx {
			t.Errorf("%s: sources %v, want gunicorn (by its %%(L)s), nginx (no sign of gunicorn)", name, recs)
		}
	}
	for _, src := range []Source{SourceGunicorn, SourceNginx, SourceApache} {
		recs, outs := collect(t, Config{AccessSource: src}, "access.log", gunicornL, plain)
		if len(recs) != 2 || recs[0].Source != src || recs[1].Source != src || outs[1] != Matched {
			t.Errorf("explicit access source %v: %v", src, recs)
		}
	}
}

func TestJSONFieldsConfigurable(t *testing.T) {
	f := DefaultJSONFields()
	if err := f.Set("path=req_path, duration_s=took, operation=gql"); err != nil {
		t.Fatal(err)
	}
	recs, _ := collect(t, Config{JSONFields: f}, "app", `{"req_path":"/graphql","status":"201","took":0.25,"gql":"Save","method":"POST"}`)
	want := []got{{Kind: KindRequest, Source: SourceApp, Method: "POST", URI: "/graphql", Op: "Save", Status: 201, DurUS: 250000, HasDur: true}}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"nope=x", "path", "path="} {
		if err := f.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

func TestHugeAndHostileLines(t *testing.T) {
	huge := `127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /` + strings.Repeat("a", 1<<20) + ` HTTP/1.1" 200 1 "-" "-" 0.001 0.001`
	recs, outs := collect(t, Config{}, "x", huge, strings.Repeat("\xff", 1<<20), "{"+strings.Repeat(`"a":[`, 1000))
	if len(recs) != 1 || recs[0].Status != 200 || len(recs[0].URI) != 1<<20+1 {
		t.Errorf("1 MB access line: %d records", len(recs))
	}
	if outs[1] != Ignored || outs[2] != Malformed {
		t.Errorf("outcomes %v, want [matched ignored malformed]", outs)
	}
}

func TestGraphQLOperation(t *testing.T) {
	q := AppendQueryOperation(nil, []byte("/graphql?query=query%20X&operationName=List%5FInvoices&x=1"))
	if string(q) != "List_Invoices" {
		t.Errorf("query operation = %q", q)
	}
	if q := AppendQueryOperation(nil, []byte("/graphql?query=x")); len(q) != 0 {
		t.Errorf("no operationName gave %q", q)
	}
	bodies := map[string]string{
		`{"operationName":"GetInvoice","query":"..."}`:          "GetInvoice",
		`{\"operationName\": \"GetInvoice\",\"query\":\"...\"}`: "GetInvoice",
		`{\x22operationName\x22:\x22GetInvoice\x22}`:            "GetInvoice",
		`{"query":"query { a }","operationName":null}`:          "", // JSON null: no operation
		`{"query":"{ a }"}`: "",
	}
	for body, want := range bodies {
		if got := string(BodyOperation([]byte(body))); got != want {
			t.Errorf("BodyOperation(%s) = %q, want %q", body, got, want)
		}
	}
	for name, ok := range map[string]bool{"GetInvoice": true, "_x9": true, "9x": false, "a-b": false, "": false, strings.Repeat("a", 101): false} {
		if ValidOperation([]byte(name)) != ok {
			t.Errorf("ValidOperation(%q) = %v", name, !ok)
		}
	}
}

// TestTraefikEnd: the pre-check that sends a line to the Traefik parser
// takes every line of Traefik's common format, and no app line that merely
// ends in a duration.
func TestTraefikEnd(t *testing.T) {
	for _, l := range thirdPartyLines(t, "traefik/common.log") {
		if !traefikEnd(l) {
			t.Errorf("%q: not taken for Traefik's", l)
		}
	}
	for _, l := range []string{
		`2026-11-22 10:19:32,161 INFO [app.views] user 37112 fetched users 3846 in 175ms`, // hand-written, as apps log
		`took 12ms`, `ms`, ` 5ms`, `"x" ms`,
	} {
		if traefikEnd([]byte(l)) {
			t.Errorf("%q: taken for Traefik's", l)
		}
	}
}
