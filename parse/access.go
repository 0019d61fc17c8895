package parse

import "bytes"

// AccessOutcome is what became of a finished request, as its access line
// tells: a 504 of nginx, Traefik or an ALB is an upstream timeout, while
// Apache's mod_proxy_http answers a backend timeout with 502 and only its
// error log says it was a timeout.
type AccessOutcome uint8

const (
	OutcomeUnknown         AccessOutcome = iota
	OutcomeServed                        // a response the upstream (or the server itself) produced
	OutcomeTimeout                       // the proxy gave up waiting for the upstream
	OutcomeClientAbort                   // the client went away first (nginx/Traefik 499, ALB 460, Apache %X "X")
	OutcomeUpstreamFailure               // the proxy could not get a response: refused, reset, no targets (502, 503)
)

var accessOutcomeNames = [...]string{"unknown", "served", "timeout", "client_abort", "upstream_failure"}

func (o AccessOutcome) String() string {
	if int(o) < len(accessOutcomeNames) {
		return accessOutcomeNames[o]
	}
	return "unknown"
}

// AccessFields holds what access-log formats carry beyond what the
// pipeline counts (Record): upstream attempts, Traefik's router and
// service, an ALB error reason, a uWSGI worker. The parsers of this family
// fill it alongside the Record. Its slices alias the line.
type AccessFields struct {
	Worker int // uWSGI worker number (%(wid)), 0 when not logged

	// Upstream attempts: nginx $upstream_status / $upstream_*_time lists
	// ("502, 200", "0.000, 0.012", groups joined by " : "), Traefik
	// OriginStatus/OriginDuration, ALB target_status_code/target_processing_time.
	UpstreamStatus     int   // first attempt, 0 when none
	UpstreamStatusLast int   // last attempt: the one whose answer the client got
	UpstreamAttempts   int   // values in the status list (or time list when no status was logged)
	UpstreamTimeUS     int64 // first attempt's response time
	UpstreamTotalUS    int64 // sum over attempts
	HasUpstreamTime    bool
	UpstreamConnectUS  int64 // first attempt
	HasUpstreamConnect bool
	UpstreamHeaderUS   int64 // first attempt
	HasUpstreamHeader  bool

	Router      []byte // Traefik RouterName
	Service     []byte // Traefik ServiceName (or ServiceURL); ALB target group name
	ErrorReason []byte // ALB error_reason; Apache AH code of an error-log line
}

// Reset clears a for reuse.
func (a *AccessFields) Reset() { *a = AccessFields{} }

// ProxyOutcome classifies a status by the meaning every access log gives
// it, whoever wrote the line (FORMATS.md): 504 is a timeout (nginx; Traefik,
// whose pkg/proxy/httputil/proxy.go ComputeStatusCode answers a net timeout
// with 504; an ALB whose target did not answer), 499 a client that went
// away (nginx; Traefik for context.Canceled) as is an ALB's 460, 502 an
// upstream failure (refused, reset, malformed), and 503 one too for the
// proxies that answer "no backend" with it (Traefik, Apache's connect
// failures, an ALB without targets; nginx's 503 comes from limit_req and
// limit_conn). An Apache backend timeout shows as 502 here: only its error
// log tells (ApacheProxyErrors).
func ProxyOutcome(src Source, status int) AccessOutcome {
	switch {
	case status == 504:
		return OutcomeTimeout
	case status == 499, status == 460 && src == SourceALB:
		return OutcomeClientAbort
	case status == 502, status == 503 && (src == SourceTraefik || src == SourceApache || src == SourceALB):
		return OutcomeUpstreamFailure
	case status >= 100 && status <= 999:
		return OutcomeServed
	}
	return OutcomeUnknown
}

// accessTimeouts names the timeout of each source's access-log 504.
var accessTimeouts = [NumSources]Timeout{
	SourceNginx: TimeoutNginx504, SourceTraefik: TimeoutTraefik504, SourceApache: TimeoutApache504, SourceALB: TimeoutALB504,
}

// AccessTimeout is the timeout an access line of source s with the
// outcome OutcomeTimeout counts as: nginx_504, traefik_504, apache_504,
// alb_504, and app_504 for the application servers and apps.
func AccessTimeout(s Source) Timeout {
	if s < NumSources && accessTimeouts[s] != TimeoutNone {
		return accessTimeouts[s]
	}
	return TimeoutApp504
}

// RequestOutcome is what became of the finished request r: what its line
// said (r.Outcome), or else what its status means (ProxyOutcome).
func (r *Record) RequestOutcome() AccessOutcome {
	if r.Outcome != OutcomeUnknown {
		return r.Outcome
	}
	return ProxyOutcome(r.Source, r.Status)
}

// readStatusList reads an nginx $upstream_status value ("200", "502, 200",
// "502 : 200", "-") into a: first and last status and the number of
// attempts. Values that are not numbers ("-" for an attempt without a
// response) count as attempts with status 0.
func readStatusList(v []byte, a *AccessFields) bool {
	if isMissing(v) {
		return true
	}
	n := 0
	for len(v) > 0 {
		item, rest := nextListItem(v)
		v = rest
		if len(item) == 0 {
			return false
		}
		st, ok := atoi(item)
		if !ok {
			if string(item) != "-" {
				return false
			}
			st = 0
		}
		if n == 0 {
			a.UpstreamStatus = st
		}
		a.UpstreamStatusLast = st
		n++
	}
	a.UpstreamAttempts = n
	return true
}

// readTimeList reads the nginx upstream time list of key ("0.000, 0.012 :
// 0.3", "-, 0.000"; seconds) into a: keyUpstreamTime, keyUpstreamConnect or
// keyUpstreamHeader. Each keeps its first attempt's time; the response time
// also the sum of the numbers, and its count of attempts when no status
// list gave one.
func readTimeList(v []byte, key timingKey, a *AccessFields) bool {
	var first, total int64
	attempts, has := 0, false
	if isMissing(v) {
		v = nil // no attempt logged
	}
	for len(v) > 0 {
		item, rest := nextListItem(v)
		v = rest
		if len(item) == 0 {
			return false
		}
		us, okN := decimalToMicros(item, 1e6)
		if !okN {
			if string(item) != "-" {
				return false
			}
			us = 0
		}
		if attempts == 0 {
			first = us
		}
		if okN {
			has = true
			total += us
		}
		attempts++
	}
	switch key {
	case keyUpstreamTime:
		a.UpstreamTimeUS, a.UpstreamTotalUS, a.HasUpstreamTime = first, total, has
		if a.UpstreamAttempts == 0 {
			a.UpstreamAttempts = attempts
		}
	case keyUpstreamConnect:
		a.UpstreamConnectUS, a.HasUpstreamConnect = first, has
	case keyUpstreamHeader:
		a.UpstreamHeaderUS, a.HasUpstreamHeader = first, has
	}
	return true
}

// nextListItem cuts the first item of an nginx upstream list, whose items
// are joined by ", " (attempts) or " : " (internal redirects).
func nextListItem(v []byte) (item, rest []byte) {
	end := 0
	for end < len(v) && v[end] != ',' && v[end] != ' ' && v[end] != ':' {
		end++
	}
	item, rest = v[:end], v[end:]
	for len(rest) > 0 && (rest[0] == ',' || rest[0] == ' ' || rest[0] == ':') {
		rest = rest[1:]
	}
	return item, rest
}

// isMissing says whether v is a value a server writes for "none": empty or "-".
func isMissing(v []byte) bool { return len(v) == 0 || len(v) == 1 && v[0] == '-' }

// AppendNginxUnescaped appends b with nginx's default access-log escaping
// undone (ngx_http_log_escape: bytes < 0x20, '"', '\\', 0x7F and >= 0x80 are
// written as \xHH, upper-case hex), e.g. a logged $request_body
//
//	{\x22operationName\x22:\x22GetInvoice\x22,\x22query\x22:\x22query GetInvoice($id: ID!) { invoice(id: $id) { id total } }\x22,\x22variables\x22:{\x22id\x22:\x2242\x22}}
//
// (nginx 1.22.1, testdata/captures/formats/nginx-body.log) becomes the JSON
// the client sent. Anything that is not a well-formed \xHH is copied as it is.
func AppendNginxUnescaped(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		if i+3 < len(b) && b[i+1] == 'x' && unhex(b[i+2]) >= 0 && unhex(b[i+3]) >= 0 {
			dst = append(dst, byte(unhex(b[i+2])<<4|unhex(b[i+3])))
			b = b[i+4:]
			continue
		}
		dst = append(dst, '\\')
		b = b[i+1:]
	}
}

// HeaderOperation returns the GraphQL operation name carried by a logged
// header value (X-Apollo-Operation-Name and the like), or nil when the value
// is missing or not a valid name. A header nginx escaped (\xHH) is no name.
func HeaderOperation(v []byte) []byte {
	if isMissing(v) || !ValidOperation(v) {
		return nil
	}
	return v
}
