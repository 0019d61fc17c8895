package parse

import (
	"bytes"
	"reflect"
	"testing"
)

// The ALB lines are hand-written in the documented layout
// (testdata/formats/README.md names the source).
func TestParseALB(t *testing.T) {
	lines := thirdPartyLines(t, "alb/access.log")
	const tg = "shop-web"
	wants := []proxyWant{
		{KindRequest, "GET", "/invoices/42/pdf", 200, 12000, true, 200, 12000, OutcomeServed, "203.0.113.7:2817", "", tg, "curl/8.5.0", "Root=1-6740f0a2-36d228ad5d99923122bbe354", ""},
		{KindRequest, "GET", "/reports/7/export?year=2026", 504, 0, false, 0, 0, OutcomeTimeout, "203.0.113.7:51234", "", tg, "curl/8.5.0", "Root=1-6740f0de-0f3c5d2e1b4a6c7d8e9f0a1b", ""},
		{KindRequest, "GET", "/search?q=refund", 460, 0, false, 0, 0, OutcomeClientAbort, "198.51.100.20:40112", "", tg, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)", "Root=1-6740f0df-1a2b3c4d5e6f7a8b9c0d1e2f", ""},
		{KindRequest, "POST", "/graphql", 502, 2000, true, 0, 2000, OutcomeUpstreamFailure, "198.51.100.21:40120", "", "api-graphql", "apollo-ios/1.9.0", "Root=1-6740f0e0-2b3c4d5e6f7a8b9c0d1e2f3a", ""},
		{KindRequest, "GET", "/api/v1/users/3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", 503, 0, false, 0, 0, OutcomeUpstreamFailure, "198.51.100.22:40130", "", "shop-users", "okhttp/4.12.0", "Root=1-6740f0e1-3c4d5e6f7a8b9c0d1e2f3a4b", ""},
		// the target itself answered 504: its answer, not the load balancer's timeout
		{KindRequest, "GET", "/invoices/43/pdf", 504, 504000, true, 504, 504000, OutcomeServed, "198.51.100.23:40140", "", tg, "curl/8.5.0", "Root=1-6740f0e2-4d5e6f7a8b9c0d1e2f3a4b5c", ""},
		// a request the load balancer could not read
		{0, "", "", 0, 0, false, 0, 0, OutcomeUnknown, "192.0.2.44:5555", "", "", "-", "", ""},
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d lines, %d wants", len(lines), len(wants))
	}
	for i, l := range lines {
		var r Record
		var a AccessFields
		ok, err := ParseALB(l, &r, &a)
		if !ok || err != nil {
			t.Fatalf("%q: ok=%v err=%v", l, ok, err)
		}
		checkAccess(t, l, &r, &a)
		if got := proxyGot(&r, &a); got != wants[i] {
			t.Errorf("%q\n got %+v\nwant %+v", l, got, wants[i])
		}
	}
	// An error_reason (hand-written value), and a line cut after the user
	// agent (the oldest layout): both read.
	for _, c := range []struct{ line, reason string }{
		{`https 2026-11-22T22:43:10.123456Z app/shop-prod/50dc6c495c0c9188 203.0.113.7:51234 10.0.1.18:8000 0.000 -1 -1 502 - 212 317 "GET https://shop.example.com:443/x HTTP/1.1" "curl/8.5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-1" "-" "-" 0 2026-11-22T22:43:10.000000Z "forward" "-" "TargetConnectionError" "10.0.1.18:8000" "-" "-" "-"`, "TargetConnectionError"},
		{`http 2026-11-22T22:43:10.123456Z app/shop-prod/50dc6c495c0c9188 203.0.113.7:51234 10.0.1.18:8000 0.000 0.001 0.000 200 200 212 317 "GET http://shop.example.com:80/x HTTP/1.1" "curl/8.5.0"`, ""},
	} {
		var r Record
		var a AccessFields
		if ok, err := ParseALB([]byte(c.line), &r, &a); !ok || err != nil || r.Kind != KindRequest || string(a.ErrorReason) != c.reason {
			t.Errorf("%q: ok=%v err=%v kind=%d reason=%q", c.line, ok, err, r.Kind, a.ErrorReason)
		}
	}
	// Not ALB lines.
	for _, l := range append(captureLines(t, "nginx-trace.log")[:3], thirdPartyLines(t, "traefik/common.log")[0]) {
		var r Record
		var a AccessFields
		if ok, err := ParseALB(l, &r, &a); ok || err != nil {
			t.Errorf("%q: ok=%v err=%v", l, ok, err)
		}
	}
}

func TestParseALBNoAllocs(t *testing.T) {
	var r Record
	var a AccessFields
	noAllocs(t, thirdPartyLines(t, "alb/access.log"), func(l []byte) {
		r.Reset()
		ParseALB(l, &r, &a)
	})
}

func BenchmarkParseALB(b *testing.B) {
	var r Record
	var a AccessFields
	benchmarkLines(b, thirdPartyLines(b, "alb/access.log"), func(l []byte) {
		r.Reset()
		ParseALB(l, &r, &a)
	})
}

func FuzzParseALB(f *testing.F) {
	for _, l := range thirdPartyLines(f, "alb/access.log") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		var a AccessFields
		ok, err := ParseALB(line, &r, &a)
		if !ok && (err != nil || !reflect.DeepEqual(r, Record{}) || !reflect.DeepEqual(a, AccessFields{})) {
			t.Fatalf("%q: not read, but err=%v %+v", line, err, r)
		}
		if ok && err == nil {
			checkAccess(t, line, &r, &a)
		}
	})
}

// TestALBTargetGroup: the target group of each entry, as ParseALB reads it.
func TestALBTargetGroup(t *testing.T) {
	for _, l := range thirdPartyLines(t, "alb/access.log") {
		var r Record
		var a AccessFields
		if ok, err := ParseALB(l, &r, &a); !ok || err != nil {
			t.Fatalf("%q: %v %v", l, ok, err)
		}
		if got := ALBTargetGroup(l); !bytes.Equal(got, a.Service) {
			t.Errorf("%q: ALBTargetGroup %q, ParseALB %q", l, got, a.Service)
		}
	}
}
