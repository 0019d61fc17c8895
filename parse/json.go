package parse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// jsonField is what a member of a structured log line means to us.
type jsonField uint8

const (
	fieldPath      jsonField = iota + 1 // path without query, or a full URI
	fieldURL                            // absolute URL or URI: the scheme and host are dropped
	fieldRequest                        // an HTTP request line "GET /x HTTP/1.1" (nginx $request)
	fieldRoute                          // route template logged by the app
	fieldMethod                         //
	fieldStatus                         // number or string
	fieldPID                            //
	fieldOperation                      // GraphQL operation name (also a logged header)
	fieldBody                           // logged request body
	fieldDuration                       // with a unit
	fieldTime                           // when the line was logged: RFC 3339, "2026-11-22 22:42:10,123", or epoch seconds or ms
	fieldNginx                          // a field only nginx logs write: marks the source
	fieldClient                         // the client's address
	fieldAgent                          // the User-Agent header
	fieldRequestID                      // the request's id; of several, the one of the lowest rank
)

type jsonSlot struct {
	field jsonField
	unit  int64 // microseconds per unit, for fieldDuration
	nginx bool  // only nginx logs name a member so: the line is nginx's
	rank  uint8 // fieldRequestID: of several ids on a line, the lowest rank wins
}

// JSONFields maps the member names of structured (JSON) request logs to their
// meaning. The zero value knows nothing; start from DefaultJSONFields.
type JSONFields struct {
	byName map[string]jsonSlot
}

// DefaultJSONFields returns the member names understood without configuration:
// the common names of Django/Flask structured loggers and of nginx
// `log_format ... escape=json` variables.
func DefaultJSONFields() *JSONFields {
	f := &JSONFields{byName: map[string]jsonSlot{}}
	add := func(field jsonField, unit int64, names ...string) {
		for _, n := range names {
			f.byName[n] = jsonSlot{field: field, unit: unit}
		}
	}
	add(fieldPath, 0, "path", "request_path", "uri", "request_uri", "http_path", "url_path")
	add(fieldURL, 0, "url", "request_url", "http_url")
	add(fieldRequest, 0, "request", "request_line")
	add(fieldRoute, 0, "route", "route_template", "url_rule", "matched_route", "http_route")
	add(fieldMethod, 0, "method", "request_method", "http_method")
	add(fieldStatus, 0, "status", "status_code", "response_status", "http_status")
	add(fieldPID, 0, "pid", "process", "process_id")
	add(fieldOperation, 0, "graphql_operation", "graphql_operation_name", "operationName", "operation_name",
		"http_x_apollo_operation_name", "x_apollo_operation_name", "apollo_operation_name")
	add(fieldBody, 0, "request_body", "body")
	add(fieldDuration, 1000, "duration_ms", "elapsed_ms", "latency_ms", "response_time_ms", "request_duration_ms",
		"took_ms", "duration", "elapsed", "latency")
	add(fieldDuration, 1, "duration_us", "duration_micros", "elapsed_us", "latency_us")
	add(fieldDuration, 1e6, "duration_s", "duration_seconds", "elapsed_s", "response_time")
	f.byName["request_time"] = jsonSlot{field: fieldDuration, unit: 1e6, nginx: true}
	add(fieldTime, 0, "time", "ts", "timestamp", "@timestamp", "time_iso8601", "asctime")
	f.byName["msec"] = jsonSlot{field: fieldTime, nginx: true}
	add(fieldNginx, 0, "upstream_response_time", "upstream_status", "body_bytes_sent")
	f.byName["remote_addr"] = jsonSlot{field: fieldClient, nginx: true}
	add(fieldClient, 0, "client_addr", "client_ip")
	add(fieldAgent, 0, "http_user_agent", "user_agent")
	// An X-Request-ID header is what every hop sees; nginx's own
	// $request_id (logged as "request_id" beside "http_x_request_id")
	// names the request only where nginx forwards it.
	f.byName["http_x_request_id"] = jsonSlot{field: fieldRequestID, rank: 1}
	f.byName["x_request_id"] = jsonSlot{field: fieldRequestID, rank: 1}
	for _, n := range []string{"request_id", "requestId", "trace_id"} {
		f.byName[n] = jsonSlot{field: fieldRequestID, rank: 2}
	}
	return f
}

var jsonFieldNames = map[string]jsonSlot{
	"path": {field: fieldPath}, "url": {field: fieldURL}, "request": {field: fieldRequest},
	"route": {field: fieldRoute}, "method": {field: fieldMethod}, "status": {field: fieldStatus},
	"pid": {field: fieldPID}, "operation": {field: fieldOperation}, "body": {field: fieldBody},
	"duration_ms": {field: fieldDuration, unit: 1000}, "duration_us": {field: fieldDuration, unit: 1}, "duration_s": {field: fieldDuration, unit: 1e6},
	"time": {field: fieldTime}, "request_id": {field: fieldRequestID, rank: 1},
}

// Set adds member names from a spec such as "path=req_path,duration_ms=took,operation=gql_op".
// The keys are path, url, request, route, method, status, pid, operation,
// body, duration_ms, duration_us, duration_s, time and request_id. A name given here
// takes its meaning from the spec, overriding a default.
func (f *JSONFields) Set(spec string) error {
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, name, ok := strings.Cut(kv, "=")
		slot, known := jsonFieldNames[strings.TrimSpace(k)]
		if !ok || !known || strings.TrimSpace(name) == "" {
			return fmt.Errorf("json field %q: want KEY=NAME with KEY one of path, url, request, route, method, status, pid, operation, body, duration_ms, duration_us, duration_s, time, request_id", kv)
		}
		f.byName[strings.TrimSpace(name)] = slot
	}
	return nil
}

// ParseJSON reads a structured request log line: one JSON object per line,
// as written by an app's JSON logger or by nginx with `escape=json`, e.g.
//
//	{"event":"request_finished","pid":4242,"method":"GET","path":"/invoices/42/pdf","route":"/invoices/<int:id>/pdf","status":200,"duration_ms":12.3}
//
// A line with a path and a status is a finished request; a line with a path
// and a pid but no status is a request start. Other JSON lines are
// recognized (ok) but carry no record. Escaped strings are resolved into
// *scratch, which the record may alias, as it may alias line.
func ParseJSON(line []byte, fields *JSONFields, r *Record, scratch *[]byte) (ok bool, err error) {
	var (
		o jsonscan.Object
		m jsonscan.Member
	)
	if !o.Start(line) {
		return false, nil
	}
	if cap(*scratch) < len(line) {
		*scratch = make([]byte, 0, len(line)+len(line)/2)
	}
	buf := (*scratch)[:0]
	var (
		path, request    []byte
		status, pid      int
		hasStatus, nginx bool
		idRank           uint8
	)
	for {
		more, err := o.Next(&m)
		if err != nil {
			return true, BadJSON
		}
		if !more {
			break
		}
		key, raw, isString := m.Key, m.Raw, m.IsString
		slot, known := fields.byName[string(key)]
		if !known {
			continue
		}
		if m.Escaped {
			raw, buf = appendUnescaped(buf, raw)
		}
		switch slot.field {
		case fieldPath:
			path = raw
		case fieldURL:
			if path == nil {
				path = stripSchemeHost(raw)
			}
		case fieldRequest:
			request = raw
		case fieldRoute:
			r.Route = raw
		case fieldMethod:
			r.Method = raw
		case fieldStatus:
			if n, ok := atoi(raw); ok {
				status, hasStatus = n, true
			} else if !isString || len(raw) > 0 {
				return true, BadStatus
			}
		case fieldPID:
			pid, _ = atoi(raw)
		case fieldOperation:
			r.Operation = raw
		case fieldBody:
			r.Body = raw
		case fieldDuration:
			if len(raw) == 0 || string(raw) == "-" || string(raw) == "null" {
				continue
			}
			// nginx writes "0.100, 0.200" for retried upstreams; the first is the request's own.
			if c := bytes.IndexByte(raw, ','); c >= 0 {
				raw = raw[:c]
			}
			us, ok := decimalToMicros(raw, slot.unit)
			if !ok {
				return true, BadDuration
			}
			r.DurationUS, r.HasDuration = us, true
		case fieldTime:
			// nginx logs "msec" (ms) beside "time_iso8601" (seconds): the
			// finer of two times wins, the first of two alike.
			if l := LayoutOf(raw); l != TimeNone && (r.TimeText == nil || !hasFraction(r.TimeText) && hasFraction(raw)) {
				r.TimeText, r.TimeLayout = raw, l
			}
		case fieldRequestID:
			if !isMissing(raw) && (idRank == 0 || slot.rank < idRank) {
				r.RequestID, idRank = raw, slot.rank
			}
		case fieldNginx:
			nginx = true
		case fieldClient:
			r.ClientAddr = raw
		case fieldAgent:
			r.UserAgent = raw
		}
		nginx = nginx || slot.nginx
	}
	if len(r.Method) > 0 && !isMethod(r.Method) {
		// Some loggers write "get"; anything else is no method.
		start := len(buf)
		for _, c := range r.Method {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf = append(buf, c)
		}
		r.Method = buf[start:len(buf):len(buf)]
		if !isMethod(r.Method) {
			r.Method = nil
		}
	}
	*scratch = buf
	if request != nil {
		m, u, ok := splitRequestLine(request)
		if !ok {
			return true, BadRequestLine
		}
		if r.Method == nil {
			r.Method = m
		}
		if path == nil {
			path = u
		}
		nginx = true
	}
	if path == nil {
		return true, nil // some other structured line
	}
	r.URI, r.PID = path, pid
	r.Source = SourceApp
	if nginx {
		r.Source = SourceNginx
	}
	switch {
	case hasStatus:
		if status < 100 || status > 999 {
			return true, BadStatus
		}
		r.Kind, r.Status = KindRequest, status
	case pid > 0:
		r.Kind = KindRequestStart
	default:
		r.URI, r.Route, r.Method = nil, nil, nil
	}
	return true, nil
}

// appendUnescaped appends the JSON string body s to buf unescaped and
// returns that value and buf. The value is capped so that what is appended
// to buf after it cannot change it.
func appendUnescaped(buf, s []byte) (v, grown []byte) {
	start := len(buf)
	buf = jsonscan.AppendUnescaped(buf, s)
	return buf[start:len(buf):len(buf)], buf
}

// hasFraction says whether a time is written with a fraction of a second
// ("1796109861.407", "2026-11-22 22:42:10,123").
func hasFraction(t []byte) bool { return bytes.IndexByte(t, '.') >= 0 || bytes.IndexByte(t, ',') >= 0 }

// stripSchemeHost turns "https://api.example.com/x?y" into "/x?y".
func stripSchemeHost(u []byte) []byte {
	i := bytes.Index(u, []byte("://"))
	if i < 0 {
		return u
	}
	rest := u[i+3:]
	if j := bytes.IndexByte(rest, '/'); j >= 0 {
		return rest[j:]
	}
	return []byte("/")
}
