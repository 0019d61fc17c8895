package parse

import (
	"reflect"
	"testing"
)

type proxyWant struct {
	kind                Kind
	method, uri         string
	status              int
	durUS               int64
	hasDur              bool
	upStatus            int
	upTimeUS            int64
	outcome             AccessOutcome
	client, router, svc string
	agent, rid, reason  string
}

func proxyGot(r *Record, a *AccessFields) proxyWant {
	return proxyWant{r.Kind, string(r.Method), string(r.URI), r.Status, r.DurationUS, r.HasDuration,
		a.UpstreamStatus, a.UpstreamTimeUS, r.RequestOutcome(), string(r.ClientAddr), string(a.Router), string(a.Service),
		string(r.UserAgent), string(r.RequestID), string(a.ErrorReason)}
}

// The Traefik lines are hand-written in the layout of Traefik's own
// formatter (testdata/formats/README.md names the source).
func TestParseTraefikCLF(t *testing.T) {
	lines := thirdPartyLines(t, "traefik/common.log")
	wants := []proxyWant{
		{KindRequest, "GET", "/invoices/42/pdf", 200, 12000, true, 0, 0, OutcomeServed, "10.0.0.7", "invoices@docker", "http://172.18.0.5:8000", "curl/8.5.0", "", ""},
		{KindRequest, "GET", "/invoices/43/pdf?page=2", 200, 87000, true, 0, 0, OutcomeServed, "10.0.0.7", "websecure-invoices@docker", "http://172.18.0.5:8000", "Mozilla/5.0 (X11; Linux x86_64)", "", ""},
		{KindRequest, "GET", "/reports/7/export", 504, 30001000, true, 0, 0, OutcomeTimeout, "10.0.0.7", "reports@docker", "http://172.18.0.6:8000", "curl/8.5.0", "", ""},
		{KindRequest, "GET", "/search?q=refund", 499, 502000, true, 0, 0, OutcomeClientAbort, "10.0.0.8", "search@file", "http://127.0.0.1:8080", "python-requests/2.31.0", "", ""},
		{KindRequest, "POST", "/graphql", 502, 3000, true, 0, 0, OutcomeUpstreamFailure, "10.0.0.8", "api@kubernetescrd", "http://10.42.0.17:4000", "apollo-ios/1.9.0", "", ""},
		{KindRequest, "GET", "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", 200, 4000, true, 0, 0, OutcomeServed, "203.0.113.9, 10.0.0.2", "users@docker", "http://172.18.0.7:8000", "okhttp/4.12.0", "", ""},
		{KindRequest, "GET", "/dashboard", 302, 0, true, 0, 0, OutcomeServed, "10.0.0.9", "dashboard-redirect@file", "", `odd \"agent\" 1.0`, "", ""},
		{KindRequest, "GET", "/nope", 404, 0, true, 0, 0, OutcomeServed, "10.0.0.9", "", "", "curl/8.5.0", "", ""},
		{0, "", "", 0, 61002000, true, 0, 0, OutcomeUnknown, "10.0.0.9", "events@docker", "http://172.18.0.8:8000", "curl/8.5.0", "", ""},
		{KindRequest, "GET", "/healthz", 200, 0, true, 0, 0, OutcomeServed, "10.0.0.9", "ping@internal", "", "kube-probe/1.30", "", ""},
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d lines, %d wants", len(lines), len(wants))
	}
	for i, l := range lines {
		var r Record
		var a AccessFields
		ok, err := ParseTraefikCLF(l, &r, &a)
		if !ok || err != nil {
			t.Fatalf("%q: ok=%v err=%v", l, ok, err)
		}
		checkAccess(t, l, &r, &a)
		if got := proxyGot(&r, &a); got != wants[i] {
			t.Errorf("%q\n got %+v\nwant %+v", l, got, wants[i])
		}
	}
	// Not Traefik's common format: genericCLF, nginx combined, an nginx line ending in ms.
	others := append(thirdPartyLines(t, "traefik/generic-clf.log"), captureLines(t, "nginx-combined.log")...)
	others = append(others, []byte(`127.0.0.1 - - [01/Dec/2026:06:54:21 +0000] "GET / HTTP/1.1" 200 16 "-" "curl" took=12ms`)) // hand-written
	for _, l := range others {
		var r Record
		var a AccessFields
		if ok, err := ParseTraefikCLF(l, &r, &a); ok || err != nil || r.Kind != 0 {
			t.Errorf("%q: ok=%v err=%v kind=%d", l, ok, err, r.Kind)
		}
	}
}

func TestParseTraefikJSON(t *testing.T) {
	lines := thirdPartyLines(t, "traefik/json.log")
	wants := []proxyWant{
		{KindRequest, "GET", "/invoices/42/pdf", 200, 12345, true, 200, 11987, OutcomeServed, "10.0.0.7", "invoices@docker", "invoices@docker", "", "", ""},
		{KindRequest, "GET", "/reports/7/export?from=2026-01-01&to=2026-11-01", 504, 30001234, true, 504, 30000987, OutcomeTimeout, "10.0.0.7", "reports@docker", "reports@docker", "curl/8.5.0", "6f1c2b7e-4d2a-4f0e-9c3b-1a2b3c4d5e6f", ""},
		{KindRequest, "GET", "/search?q=refund", 499, 502345, true, 499, 502100, OutcomeClientAbort, "203.0.113.9, 10.0.0.2", "search@file", "search@file", "", "", ""},
		{KindRequest, "POST", "/graphql", 502, 3012, true, 502, 2890, OutcomeUpstreamFailure, "10.0.0.8", "api@kubernetescrd", "default-api-4000@kubernetescrd", "", "", ""},
		{KindRequest, "GET", "/dashboard", 302, 80, true, 0, 0, OutcomeServed, "10.0.0.9", "dashboard-redirect@file", "", "", "", ""},
		{0, "", "", 0, 61002345, true, 0, 61002100, OutcomeUnknown, "10.0.0.9", "events@docker", "events@docker", "", "", ""},
	}
	var scratch []byte
	for i, l := range lines {
		var r Record
		var a AccessFields
		ok, err := ParseTraefikJSON(l, &r, &a, &scratch)
		if i == len(wants) { // Traefik's own log line: not an access line
			if ok || err != nil || r.Kind != 0 {
				t.Errorf("%q: ok=%v err=%v", l, ok, err)
			}
			continue
		}
		if !ok || err != nil {
			t.Fatalf("%q: ok=%v err=%v", l, ok, err)
		}
		checkAccess(t, l, &r, &a, scratch)
		if got := proxyGot(&r, &a); got != wants[i] {
			t.Errorf("%q\n got %+v\nwant %+v", l, got, wants[i])
		}
	}
	var r Record
	var a AccessFields
	for _, l := range captureLines(t, "nginx.json") {
		if ok, _ := ParseTraefikJSON(l, &r, &a, &scratch); ok {
			t.Errorf("nginx JSON line read as Traefik's: %q", l)
		}
	}
}

func TestTraefikNoAllocs(t *testing.T) {
	var r Record
	var a AccessFields
	scratch := make([]byte, 0, 4096)
	noAllocs(t, thirdPartyLines(t, "traefik/common.log"), func(l []byte) {
		r.Reset()
		ParseTraefikCLF(l, &r, &a)
	})
	noAllocs(t, thirdPartyLines(t, "traefik/json.log"), func(l []byte) {
		r.Reset()
		ParseTraefikJSON(l, &r, &a, &scratch)
	})
}

func BenchmarkParseTraefikCLF(b *testing.B) {
	var r Record
	var a AccessFields
	benchmarkLines(b, thirdPartyLines(b, "traefik/common.log"), func(l []byte) {
		r.Reset()
		ParseTraefikCLF(l, &r, &a)
	})
}

func BenchmarkParseTraefikJSON(b *testing.B) {
	var r Record
	var a AccessFields
	var scratch []byte
	benchmarkLines(b, thirdPartyLines(b, "traefik/json.log"), func(l []byte) {
		r.Reset()
		ParseTraefikJSON(l, &r, &a, &scratch)
	})
}

func FuzzParseTraefikCLF(f *testing.F) {
	for _, l := range thirdPartyLines(f, "traefik/common.log") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		var a AccessFields
		ok, err := ParseTraefikCLF(line, &r, &a)
		if !ok && (err != nil || !reflect.DeepEqual(r, Record{}) || !reflect.DeepEqual(a, AccessFields{})) {
			t.Fatalf("%q: not read, but ok=%v err=%v %+v", line, ok, err, r)
		}
		if ok && err == nil {
			checkAccess(t, line, &r, &a)
		}
	})
}

func FuzzParseTraefikJSON(f *testing.F) {
	for _, l := range thirdPartyLines(f, "traefik/json.log") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		var a AccessFields
		var scratch []byte
		ok, err := ParseTraefikJSON(line, &r, &a, &scratch)
		if !ok && (err != nil || r.Kind != 0) {
			t.Fatalf("%q: not read, but err=%v kind=%d", line, err, r.Kind)
		}
		if ok && err == nil {
			checkAccess(t, line, &r, &a, scratch)
		}
	})
}
