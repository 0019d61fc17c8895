package route

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"", "/"},
		{"/invoices/42/pdf", "/invoices/:id/pdf"},
		{"/invoices/42/pdf?download=1#top", "/invoices/:id/pdf"},
		{"/api/v1/users/3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f", "/api/v1/users/:id"},
		{"/api/v1/users/3F0C6A4E-8B1D-4C2A-9E7F-1A2B3C4D5E6F/avatar", "/api/v1/users/:id/avatar"},
		{"/media/5f1d7a9e0c3b2a1f5f1d7a9e0c3b2a1f5f1d7a9e/original", "/media/:id/original"},
		{"/objects/5f1d7a9e0c3b2a1f5f1d7a9e", "/objects/:id"}, // Mongo ObjectId
		{"/api/v1/auth/oauth2/token", "/api/v1/auth/oauth2/token"},
		{"/api/v1/2fa/verify", "/api/v1/2fa/verify"},
		{"/api/v1/users/7/s3/upload-url", "/api/v1/users/:id/s3/upload-url"},
		{"/users/me", "/users/me"},
		{"/v10/ipv6/utf8", "/v10/ipv6/utf8"},
		{"/customers/cus_NffrFeUfNV2Hib/charges", "/customers/:id/charges"},
		{"/orders/ORD-2026-000123", "/orders/:id"},
		{"/users/usr_42", "/users/:id"},
		{"/tokens/eyJhbGciOiJIUzI1NiIsInR5cCI6", "/tokens/:id"},
		{"/reset/Zx9aB3kLmQ7pR2sT8vW1", "/reset/:id"},
		{"/.well-known/openid-configuration", "/.well-known/openid-configuration"},
		{"/static/css/app.css", "/static/css/app.css"},
		{"/favicon.ico", "/favicon.ico"},
		{"/users//42///edit/", "/users/:id/edit/"},
		{"/search/red%20shoes", "/search/:id"},
		{"/a|b/c#d", "/:id/c"},
		{"/x\n|#,:y", "/:id"},
		{"/über/straße", "/:id/:id"},
		{"/:id/pdf", "/:id/pdf"},
		{"/:Id/pdf", "/:id/pdf"},
		{"http://api.example.com/users/1?x", "/users/:id"},
		{"https://api.example.com", "/"},
		{"*", Other},
		{"example.com:443", Other},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := string(Normalize(nil, []byte(tt.in)))
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := string(Normalize(nil, []byte(got))); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
			checkTagSafe(t, got)
		})
	}
}

func TestNormalizeLong(t *testing.T) {
	long := "/" + strings.Repeat("segment/", 40) + "end"
	got := string(Normalize(nil, []byte(long)))
	if len(got) > MaxLen || !strings.HasSuffix(got, restSegment) {
		t.Errorf("long route %q (%d bytes)", got, len(got))
	}
	if again := string(Normalize(nil, []byte(got))); again != got {
		t.Errorf("not idempotent: %q -> %q", got, again)
	}
}

// checkTagSafe asserts a route is a valid Datadog tag value that cannot
// carry DogStatsD syntax.
func checkTagSafe(t testing.TB, route string) {
	t.Helper()
	if route == "" || len(route) > MaxLen {
		t.Errorf("route %q: length %d", route, len(route))
	}
	for i := 0; i < len(route); i++ {
		c := route[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/_-.:", c) >= 0) {
			t.Errorf("route %q holds byte %q", route, c)
		}
	}
}

func TestIsIDKeepsWords(t *testing.T) {
	for _, w := range []string{"me", "v2", "oauth2", "2fa", "s3", "h264", "sha256", "upload-url", "page-2", "export", "openid-configuration"} {
		if IsID([]byte(w)) {
			t.Errorf("IsID(%q) = true", w)
		}
	}
}

func TestNormalizeNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	in := []byte("/api/v2/reports/3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f/export?page=2")
	if n := testing.AllocsPerRun(100, func() { buf = Normalize(buf[:0], in) }); n != 0 {
		t.Errorf("Normalize allocates %v times", n)
	}
}

func TestTable(t *testing.T) {
	tbl, err := ParseTable(strings.NewReader(`
# Django, Flask, OpenAPI and Express templates
invoices/<int:pk>/pdf
/users/<uuid:user_id>/avatar
/files/<path:rest>
GET /orders/{orderId}
/teams/:team/members/:member?
/pages/<slug:slug>/
/users/me
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ uri, want string }{
		{"/invoices/42/pdf?x=1", "/invoices/:pk/pdf"},
		{"/invoices/abc/pdf", ""},
		{"/users/3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f/avatar", "/users/:user_id/avatar"},
		{"/users/42/avatar", ""},
		{"/files/a/b/c.txt", "/files/:rest"},
		{"/orders/ORD-1", "/orders/:orderid"},
		{"/teams/red/members/bob", "/teams/:team/members/:member"},
		{"/pages/about-us/", "/pages/:slug/"},
		{"/pages/about-us", "/pages/:slug/"},
		{"/users/me", "/users/me"},
		{"/nothing/here", ""},
	}
	for _, tt := range tests {
		got, ok := tbl.Match([]byte(tt.uri))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tt.uri, got, ok, tt.want)
		}
		if ok {
			checkTagSafe(t, got)
			if n := string(Normalize(nil, []byte(got))); n != got {
				t.Errorf("template route %q is not a fixed point of Normalize: %q", got, n)
			}
		}
	}
	for _, bad := range []string{"/a/<path:p>/b", "/a/<>/b", "/a b/c", "/x/{}"} {
		if _, err := ParseTable(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseTable(%q) accepted", bad)
		}
	}
	if n := testing.AllocsPerRun(100, func() { tbl.Match([]byte("/teams/red/members/bob")) }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

func TestAppendTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/invoices/<int:id>/pdf": "/invoices/:id/pdf",
		"/media/<sha>/original":  "/media/:sha/original",
		"/orders/{OrderId}":      "/orders/:orderid",
		"/a/:b?/c":               "/a/:b/c",
		"/x/<int:9>":             "/x/:id",
	} {
		got := string(Normalize(nil, AppendTemplate(nil, []byte(in))))
		if got != want {
			t.Errorf("AppendTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(2)
	var got []string
	for _, r := range []string{"/a", "/b", "/a", "/c", "/d", "/b"} {
		got = append(got, string(l.Admit([]byte(r))))
	}
	if want := "/a /b /a overflow overflow /b"; strings.Join(got, " ") != want || l.Len() != 2 {
		t.Errorf("admitted %v (%d kept), want %s", got, l.Len(), want)
	}
	if got := string(l.Admit([]byte("/e"))); got != Overflow {
		t.Errorf("past the cap: %q", got)
	}
	if got := string(l.Admit([]byte("/a"))); got != "/a" {
		t.Errorf("known route: %q", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/invoices/42/pdf?x", "/:id", "//", "http://h/x", "/" + strings.Repeat("ab/", 100), "/\xff\x00|#,\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got := Normalize(nil, in)
		checkTagSafe(t, string(got))
		if again := Normalize(nil, got); string(again) != string(got) {
			t.Errorf("not idempotent: %q -> %q -> %q", in, got, again)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	paths := [][]byte{
		[]byte("/api/v2/reports/3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f/export?page=2"),
		[]byte("/invoices/123456/pdf"),
		[]byte("/media/5f1d7a9e0c3b2a1f5f1d7a9e0c3b2a1f5f1d7a9e/original"),
		[]byte("/api/v1/auth/oauth2/token"),
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			buf = Normalize(buf[:0], p)
		}
	}
}
