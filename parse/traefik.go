package parse

import (
	"bytes"

	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// ParseTraefikCLF reads a line of Traefik v2/v3's default access log format
// ("common", pkg/middlewares/accesslog/logger_formatters.go CommonLogFormatter):
//
//	<ClientHost> - <user> [<start>] "<method> <path> <proto>" <status> <size> "<referer>" "<agent>" <RequestCount> "<RouterName>" "<ServiceURL>" <N>ms
//
// e.g. (hand-written in that layout, testdata/formats/traefik/common.log):
//
//	10.0.0.7 - - [22/Nov/2026:22:42:10 +0000] "GET /invoices/42/pdf HTTP/1.1" 504 15 "-" "curl/8.5.0" 4121 "invoices@docker" "http://172.18.0.5:8000" 30001ms
//
// Missing values are "-" (quoted for the quoted fields), a quote inside a
// quoted value is written \" (a backslash is not escaped). ClientHost is the
// whole X-Forwarded-For header when there is one, so it may hold ", ". The
// duration is truncated to whole milliseconds; the path keeps its query
// string. A line with status "-" or 0 (Traefik never wrote a response
// status, e.g. a client that went away from a stream) is read (ok) without
// a record. The line's time is when the request started. ok is false when
// the line does not end like this format; the record and a alias line.
func ParseTraefikCLF(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	// The end is the most distinctive part: `" <digits>ms`.
	if len(line) < 40 || !bytes.HasSuffix(line, []byte("ms")) {
		return false, nil
	}
	sp := bytes.LastIndexByte(line, ' ')
	if sp < 0 {
		return false, nil
	}
	ms, okMS := atoi(line[sp+1 : len(line)-2])
	if !okMS {
		return false, nil
	}
	end := bytes.Index(line, []byte(`] "`))
	if end < 28 || line[end-27] != '[' || line[end-28] != ' ' {
		return false, nil
	}
	head := line[:end-28] // "<ClientHost> - <user>"
	userSp := bytes.LastIndexByte(head, ' ')
	if userSp < 2 || string(head[userSp-2:userSp]) != " -" {
		return false, nil
	}
	client := head[:userSp-2]
	rest := line[end+3 : sp]
	q := bytes.Index(rest, []byte(`" `))
	if q < 0 {
		return true, BadRequestLine
	}
	req := rest[:q]
	rest = rest[q+2:]
	statusF, rest := cutSpace(rest)
	_, rest = cutSpace(rest) // size
	// From the end: "<ServiceURL>" or -, "<RouterName>" or -, RequestCount.
	svc, rest, okS := cutQuotedFromEnd(rest)
	router, rest, okR := cutQuotedFromEnd(rest)
	cnt := bytes.LastIndexByte(rest, ' ')
	if !okS || !okR || cnt < 0 {
		return true, BadShape
	}
	agentAndRef := rest[:cnt]
	if c := rest[cnt+1:]; !isMissing(c) && !isDigits(c) {
		return true, BadNumber
	}
	method, uri, okReq := splitRequestLine(req)
	if !okReq {
		return true, BadRequestLine
	}
	status, okSt := atoi(statusF)
	if !okSt && !isMissing(statusF) {
		return true, BadStatus
	}
	if okSt && status != 0 && (status < 100 || status > 999) {
		return true, BadStatus
	}
	a.Router, a.Service = router, svc
	// The time is the request's start (Traefik's StartLocal).
	r.Source, r.ClientAddr, r.UserAgent = SourceTraefik, client, lastQuoted(agentAndRef)
	r.StartText, r.StartLayout = line[end-26:end], TimeCLF
	r.DurationUS, r.HasDuration = int64(ms)*1000, true
	if !okSt || status == 0 {
		return true, nil
	}
	r.Kind, r.Status, r.Method, r.URI = KindRequest, status, method, uri
	return true, nil
}

// cutSpace cuts b at its first space.
func cutSpace(b []byte) (field, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// cutQuotedFromEnd cuts the last field of b: a quoted string (its value
// without the quotes; "-" becomes nil) or an unquoted "-".
func cutQuotedFromEnd(b []byte) (v, rest []byte, ok bool) {
	if n := len(b); n >= 1 && b[n-1] == '-' && (n == 1 || b[n-2] == ' ') {
		return nil, bytes.TrimSuffix(b[:n-1], []byte(" ")), true
	}
	if len(b) < 2 || b[len(b)-1] != '"' {
		return nil, nil, false
	}
	// Router names and URLs hold no quotes: the opening quote is the one before.
	open := bytes.LastIndexByte(b[:len(b)-1], '"')
	if open < 0 || open > 0 && b[open-1] != ' ' {
		return nil, nil, false
	}
	v = b[open+1 : len(b)-1]
	if isMissing(v) {
		v = nil
	}
	return v, bytes.TrimSuffix(b[:open], []byte(" ")), true
}

// lastQuoted returns the agent of `"referer" "agent"`. A quote inside a
// value is written \", so `" "` occurs only between the two fields.
func lastQuoted(b []byte) []byte {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return nil
	}
	if i := bytes.LastIndex(b[:len(b)-1], []byte(`" "`)); i >= 0 {
		return b[i+3 : len(b)-1]
	}
	if bytes.HasPrefix(b, []byte(`- "`)) { // an unquoted "-" referer (Traefik 1.x)
		return b[3 : len(b)-1]
	}
	return nil
}

// ParseTraefikJSON reads a line of Traefik's "json" access log (logrus
// JSONFormatter over the fields of pkg/middlewares/accesslog/logdata.go):
//
//	{"ClientHost":"10.0.0.7","DownstreamStatus":504,"Duration":30001234567,"OriginDuration":30000987654,"OriginStatus":504,"RequestMethod":"GET","RequestPath":"/invoices/42/pdf","RouterName":"invoices@docker","ServiceName":"invoices@docker",...}
//
// (hand-written in that layout, testdata/formats/traefik/json.log).
// Durations are nanoseconds. Strings are escaped the way Go's encoding/json
// does, "&" in a path included (\u0026); they are resolved into *scratch,
// which the record may alias, as it may alias line. A line with a
// RequestPath but DownstreamStatus 0 (no status was written) is read without
// a record. ok is false for any other JSON line.
func ParseTraefikJSON(line []byte, r *Record, a *AccessFields, scratch *[]byte) (ok bool, err error) {
	var (
		o jsonscan.Object
		m jsonscan.Member
	)
	if !bytes.Contains(line, []byte(`"RequestPath"`)) || !o.Start(line) {
		return false, nil
	}
	if cap(*scratch) < len(line) {
		*scratch = make([]byte, 0, len(line))
	}
	buf := (*scratch)[:0]
	var (
		f                           AccessFields
		method, path                []byte
		status, origin              int
		durNS, originNS             int64
		hasStatus, hasDur, hasOrDur bool
		startUTC, logTime           []byte
		client, agent, rid          []byte
	)
	for {
		more, err := o.Next(&m)
		if err != nil {
			return true, BadJSON
		}
		if !more {
			break
		}
		v := m.Raw
		if m.Escaped {
			v, buf = appendUnescaped(buf, v)
		}
		switch string(m.Key) {
		case "RequestMethod":
			method = v
		case "RequestPath":
			path = v
		case "DownstreamStatus":
			if status, hasStatus = atoi(v); !hasStatus {
				return true, BadStatus
			}
		case "OriginStatus":
			origin, _ = atoi(v)
		case "Duration":
			n, okN := atoi(v)
			durNS, hasDur = int64(n), okN
		case "OriginDuration":
			n, okN := atoi(v)
			originNS, hasOrDur = int64(n), okN
		case "RouterName":
			f.Router = v
		case "ServiceName":
			f.Service = v
		case "ServiceURL":
			if f.Service == nil {
				f.Service = v
			}
		case "ClientHost":
			client = v
		case "StartUTC":
			startUTC = v
		case "time":
			logTime = v
		case "request_User-Agent":
			agent = v
		case "request_X-Request-Id", "TraceId", "trace_id":
			if rid == nil {
				rid = v
			}
		}
	}
	*scratch = buf
	if path == nil {
		return false, nil // some other JSON line (Traefik's own log, an app)
	}
	if method != nil && !isMethod(method) {
		return true, BadRequestLine
	}
	if hasStatus && status != 0 && (status < 100 || status > 999) {
		return true, BadStatus
	}
	if origin > 0 {
		f.UpstreamStatus, f.UpstreamStatusLast, f.UpstreamAttempts = origin, origin, 1
	}
	if hasOrDur && originNS > 0 {
		f.UpstreamTimeUS, f.UpstreamTotalUS, f.HasUpstreamTime = originNS/1000, originNS/1000, true
	}
	*a = f
	r.Source, r.ClientAddr, r.UserAgent, r.RequestID = SourceTraefik, client, agent, rid
	if startUTC != nil {
		r.StartText, r.StartLayout = startUTC, TimeRFC3339
	}
	if logTime != nil {
		r.TimeText, r.TimeLayout = logTime, TimeRFC3339
	}
	if hasDur && durNS >= 0 {
		r.DurationUS, r.HasDuration = durNS/1000, true
	}
	if !hasStatus || status == 0 {
		return true, nil
	}
	r.Kind, r.Status, r.Method, r.URI = KindRequest, status, method, path
	return true, nil
}
