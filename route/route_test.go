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
		{"/orders/ORD-AB12", "/orders/:id"},
		{"/invoices/INV-XY7/pdf", "/invoices/:id/pdf"},
		{"/skus/SKU-Q9/stock", "/skus/:id/stock"},
		{"/browse/PROJ-123", "/browse/:id"},
		{"/static/js/main.e13041a6.js", "/static/js/main.hash.js"},
		{"/static/css/app-3f2a9c1d.css?v=2", "/static/css/app-hash.css"},
		{"/favicon-16x16.png", "/favicon-16x16.png"},
		{"/apple-touch-icon-180x180.png", "/apple-touch-icon-180x180.png"},
		{"/img/logo@2x.png", "/img/logo_2x.png"},
		{"/users/jane.doe@example.com/avatar", "/users/:id/avatar"},
		{"/uploads/f81d4fae-7dec-11d0-a765-00a0c91e6bf6.jpg", "/uploads/:id"},
		{"/admin/api/2024-01/orders/450789469.json", "/admin/api/:id/orders/:id"},
		{"/blog/top-10-tips", "/blog/top-10-tips"},
		{"/v1/customers/cus_NffrFeUfNV2Hib", "/v1/customers/:id"},
		{"/static/js/main.hash.chunk.js", "/static/js/main.hash.chunk.js"},
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

// TestNormalizeCutFile cuts routes whose last segment is a file name written
// longer than it came (7.min.js → hash.min.js), at every length around MaxLen.
func TestNormalizeCutFile(t *testing.T) {
	for pad := 120; pad <= MaxLen+10; pad++ {
		in := "/" + strings.Repeat("a", pad) + "/7.min.js"
		got := string(Normalize(nil, []byte(in)))
		checkTagSafe(t, got)
		if !strings.HasSuffix(got, "/hash.min.js") && !strings.HasSuffix(got, restSegment) {
			t.Errorf("Normalize(%d-byte path) = %q", len(in), got)
		}
		if again := string(Normalize(nil, []byte(got))); again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

// checkTagSafe asserts a route is a valid Datadog tag value that cannot
// carry DogStatsD syntax: a special route, or a path whose every segment is
// a ":name" placeholder or a run of [A-Za-z0-9._-].
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
	if route == Other || route == Unknown || route == Overflow {
		return
	}
	if route[0] != '/' {
		t.Errorf("route %q does not start with '/'", route)
		return
	}
	segs := strings.Split(route[1:], "/")
	for i, seg := range segs {
		switch {
		case seg == "":
			if i != len(segs)-1 || len(segs) == 1 && route != "/" {
				t.Errorf("route %q has an empty segment", route)
			}
		case seg[0] == ':':
			if !isPlaceholder([]byte(seg)) {
				t.Errorf("route %q: segment %q is not a placeholder", route, seg)
			}
		case !tagSafe([]byte(seg)):
			t.Errorf("route %q: segment %q holds a byte outside [A-Za-z0-9._-]", route, seg)
		}
	}
}

func TestIsIDKeepsWords(t *testing.T) {
	for _, w := range []string{"me", "v2", "oauth2", "2fa", "s3", "h264", "sha256", "upload-url", "page-2", "export", "openid-configuration", "app.css", "favicon-16x16.png"} {
		if IsID([]byte(w)) {
			t.Errorf("IsID(%q) = true", w)
		}
	}
	for _, w := range []string{"", ":id", "a/42", "usr_42/x"} {
		if IsID([]byte(w)) {
			t.Errorf("IsID(%q) = true: not one raw segment", w)
		}
	}
}

func TestNormalizeNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	for _, in := range benchPaths {
		if n := testing.AllocsPerRun(100, func() { buf = Normalize(buf[:0], in) }); n != 0 {
			t.Errorf("Normalize(%q) allocates %v times", in, n)
		}
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

// FuzzNormalize holds Normalize to its invariants on any input: a valid
// tag value made of placeholders and [A-Za-z0-9._-] segments, idempotent,
// and, for a single raw segment, ":id" exactly when IsID says so.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/invoices/42/pdf?x", "/:id", "//", "http://h/x", "/" + strings.Repeat("ab/", 100), "/\xff\x00|#,\n",
		"/a-b1.c@2x.png", "/x-Ab1-3f2a9c1d.js", "/1.0.3f2a9c1d.js", "/v1.2.3-rc.1", "/a~b@c.svg"} {
		f.Add([]byte(s))
	}
	for _, c := range readSegmentTable(f) {
		f.Add([]byte("/" + c.seg))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got := Normalize(nil, in)
		checkTagSafe(t, string(got))
		if again := Normalize(nil, got); string(again) != string(got) {
			t.Errorf("not idempotent: %q -> %q -> %q", in, got, again)
		}
		if len(in) > 1 && in[0] == '/' && in[1] != ':' && !strings.ContainsAny(string(in[1:]), "/?#") && len(in) <= MaxLen/2 {
			if isID := IsID(in[1:]); isID != (string(got) == "/"+Placeholder) {
				t.Errorf("IsID(%q) = %v but Normalize gives %q", in[1:], isID, got)
			}
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

// benchPaths mixes the shapes of a real access log: ids of every family,
// hashed bundler output, site files and plain words.
var benchPaths = [][]byte{
	[]byte("/api/v2/reports/3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f/export?page=2"),
	[]byte("/v1/customers/cus_NffrFeUfNV2Hib/payment_methods"),
	[]byte("/repos/kubernetes/kubernetes/pulls/1347/commits"),
	[]byte("/static/js/main.8f3a2c1d.chunk.js"),
	[]byte("/assets/index-BQ6iFkPz.js"),
	[]byte("/favicon-32x32.png"),
	[]byte("/orders/ORD-AB12/items"),
	[]byte("/watch/dQw4w9WgXcQ"),
	[]byte("/blog/2026-11-22/top-10-tips"),
	[]byte("/en-US/products/iphone-15-pro"),
	[]byte("/images/logo@2x.png"),
	[]byte("/admin/api/2024-01/orders/450789469.json"),
}

func BenchmarkNormalizeMix(b *testing.B) {
	buf := make([]byte, 0, 256)
	n := 0
	for _, p := range benchPaths {
		n += len(p)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range benchPaths {
			buf = Normalize(buf[:0], p)
		}
	}
}
