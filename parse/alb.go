package parse

import "bytes"

// ALB access-log fields by position (Elastic Load Balancing User Guide,
// "Access log entries" of Application Load Balancers); fields are separated
// by spaces, some quoted, and AWS appends new fields at the end.
const (
	albType = iota
	albTime
	albELB
	albClient
	albTarget
	albRequestProcessing
	albTargetProcessing
	albResponseProcessing
	albELBStatus
	albTargetStatus
	albReceivedBytes
	albSentBytes
	albRequest
	albUserAgent
	albSSLCipher
	albSSLProtocol
	albTargetGroupARN
	albTraceID
	albDomainName
	albChosenCertARN
	albMatchedRulePriority
	albRequestCreationTime
	albActionsExecuted
	albRedirectURL
	albErrorReason
	albFieldsRead // the fields after error_reason are not read
)

// ParseALB reads an AWS Application Load Balancer access-log entry, e.g.
// (hand-written in the documented layout, testdata/formats/alb/access.log):
//
//	https 2026-11-22T22:42:10.123456Z app/shop-prod/50dc6c495c0c9188 203.0.113.7:51234 - 0.000 -1 -1 504 - 212 317 "GET https://shop.example.com:443/invoices/42/pdf HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "Root=1-6740f0a2-0f3c5d2e1b4a6c7d8e9f0a1b" "shop.example.com" "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 10 2026-11-22T22:41:10.120000Z "forward" "-" "-" "10.0.1.17:8000" "-" "-" "-"
//
// The request is "METHOD scheme://host:port/uri VERSION": the record's URI
// is the /uri part. The duration is target_processing_time; -1 there means
// the target never answered (no connection, closed, idle timeout) and the
// record has no duration. Outcome: an elb_status_code the target did not
// send itself (target_status_code "-") is the load balancer's: 504 a timeout,
// 460 a client that closed first, 502/503 an upstream failure. Fields after
// error_reason, present or not, are not read. The record and a alias line.
func ParseALB(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 2 || sp > 5 {
		return false, nil
	}
	switch string(line[:sp]) {
	case "http", "https", "h2", "grpcs", "ws", "wss":
	default:
		return false, nil
	}
	if len(line) < sp+21 || line[sp+5] != '-' || line[sp+11] != 'T' {
		return false, nil // time: 2026-11-22T22:42:10.123456Z
	}
	var f [albFieldsRead][]byte
	n := 0
	rest := line
	for n < albFieldsRead && len(rest) > 0 {
		var v []byte
		var okF bool
		if v, rest, okF = nextALBField(rest); !okF {
			return true, BadShape
		}
		f[n] = v
		n++
	}
	if n <= albUserAgent {
		return true, BadShape
	}
	status, okS := atoi(f[albELBStatus])
	if !okS && !isMissing(f[albELBStatus]) || okS && (status < 100 || status > 999) {
		return true, BadStatus
	}
	targetStatus, okT := atoi(f[albTargetStatus])
	if !okT && !isMissing(f[albTargetStatus]) {
		return true, BadStatus
	}
	var durUS int64
	hasDur := false
	if tp := f[albTargetProcessing]; string(tp) != "-1" {
		var okD bool
		if durUS, okD = decimalToMicros(tp, 1e6); !okD {
			return true, BadDuration
		}
		hasDur = true
	}
	method, uri, okR := splitALBRequest(f[albRequest])
	if !okR {
		return true, BadRequestLine
	}
	r.Source, r.ClientAddr, r.UserAgent = SourceALB, f[albClient], f[albUserAgent]
	if okT {
		a.UpstreamStatus, a.UpstreamStatusLast, a.UpstreamAttempts = targetStatus, targetStatus, 1
	}
	if hasDur {
		a.UpstreamTimeUS, a.UpstreamTotalUS, a.HasUpstreamTime = durUS, durUS, true
	}
	if n > albTargetGroupARN {
		a.Service = targetGroupName(f[albTargetGroupARN])
	}
	if n > albTraceID && !isMissing(f[albTraceID]) {
		r.RequestID = f[albTraceID]
	}
	if n > albRequestCreationTime && !isMissing(f[albRequestCreationTime]) {
		r.StartText, r.StartLayout = f[albRequestCreationTime], TimeRFC3339
	}
	if n > albErrorReason && !isMissing(f[albErrorReason]) {
		a.ErrorReason = f[albErrorReason]
	}
	r.TimeText, r.TimeLayout = f[albTime], TimeRFC3339
	r.DurationUS, r.HasDuration = durUS, hasDur
	if !okS || uri == nil {
		return true, nil // no status or no request target: nothing to count
	}
	r.Kind, r.Status, r.Method, r.URI = KindRequest, status, method, uri
	if okT && targetStatus == status {
		r.Outcome = OutcomeServed // the target's own answer, whatever it is
	}
	return true, nil
}

// nextALBField cuts the first field of b: quoted (without its quotes; a
// quote inside is taken as written \") or up to the next space.
func nextALBField(b []byte) (v, rest []byte, ok bool) {
	if len(b) > 0 && b[0] == '"' {
		q := indexUnescapedQuote(b[1:])
		if q < 0 {
			return nil, nil, false
		}
		v, rest = b[1:1+q], b[2+q:]
	} else if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		v, rest = b[:sp], b[sp:]
	} else {
		v, rest = b, nil
	}
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return v, rest, true
}

// splitALBRequest reads "GET https://host:443/path?q HTTP/1.1". A request
// the load balancer could not read is logged as "- http://host:80- -": no
// method, no URI, and no error.
func splitALBRequest(req []byte) (method, uri []byte, ok bool) {
	sp := bytes.IndexByte(req, ' ')
	if sp <= 0 {
		return nil, nil, false
	}
	method, rest := req[:sp], req[sp+1:]
	if last := bytes.LastIndexByte(rest, ' '); last >= 0 {
		rest = rest[:last]
	}
	if isMissing(method) {
		return nil, nil, true
	}
	if !isMethod(method) {
		return nil, nil, false
	}
	i := bytes.Index(rest, []byte("://"))
	if i < 0 {
		return nil, nil, false
	}
	hostPath := rest[i+3:]
	j := bytes.IndexByte(hostPath, '/')
	if j < 0 {
		return method, nil, true
	}
	return method, hostPath[j:], true
}

// ALBTargetGroup returns the name of the target group of an ALB entry (in
// its target_group_arn, arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID),
// or nil when the entry has none ("-": a redirect, a fixed response, a
// request the load balancer could not read). It only looks for the ARN,
// for a caller that sorts entries before parsing them. It aliases line.
func ALBTargetGroup(line []byte) []byte {
	i := bytes.Index(line, []byte(" arn:"))
	if i < 0 {
		return nil
	}
	return targetGroupName(line[i+1:])
}

// targetGroupName returns the name in a target group ARN
// (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID), or nil.
func targetGroupName(arn []byte) []byte {
	i := bytes.Index(arn, []byte(":targetgroup/"))
	if i < 0 {
		return nil
	}
	name := arn[i+len(":targetgroup/"):]
	if j := bytes.IndexByte(name, '/'); j >= 0 {
		name = name[:j]
	}
	if len(name) == 0 {
		return nil
	}
	return name
}
