package parse

import "bytes"

// ParseCombined reads an access-log line in the `combined` shape shared by
// nginx and gunicorn's default access format, optionally followed by extra
// fields:
//
//	127.0.0.1 - - [22/Nov/2026:22:42:10 +0000] "GET /invoices/42/pdf HTTP/1.1" 504 167 "-" "curl/7.88.1" 1.002 1.001
//
// The first extra field, when it is a decimal number of seconds with a dot,
// is the request time (nginx `$request_time`, gunicorn `%(L)s`); an integer
// extra field is a duration of intUnitUS microseconds each — gunicorn's
// `%(D)s` (1) or `%(T)s` (1e6) — and wins over `%(L)s`.
// Other extras (`$upstream_response_time`, which may be `-` or
// `0.1, 0.2 : 0.3`) are skipped. r.Source is left for the caller to set:
// the shape does not say which server wrote it. The record aliases line.
func ParseCombined(line []byte, intUnitUS int64, r *Record) (ok bool, err error) {
	// Cheap shape check: "<addr> <ident> <user> [<date>] \"". The address
	// may be empty: gunicorn 20.1.0 behind nginx on a unix socket writes
	// %(h)s as "" (` - - [01/Dec/2026:07:24:21 +0000] "GET / HTTP/1.0" 200 13 ...`).
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || sp > 64 {
		return false, nil
	}
	open := bytes.IndexByte(line[sp:], '[')
	if open < 0 || line[sp+open-1] != ' ' {
		return false, nil
	}
	open += sp + 1
	close := bytes.IndexByte(line[open:], ']')
	if close < 0 || close > 40 || !bytes.HasPrefix(line[open+close:], []byte("] \"")) {
		return false, nil
	}
	r.TimeText, r.TimeLayout = line[open:open+close], TimeCLF
	rest := line[open+close+3:]
	// nginx escapes '"' in the request line as \x22, so the first quote ends it.
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return true, BadRequestLine
	}
	req := rest[:q]
	rest = rest[q+1:]
	if len(rest) < 4 || rest[0] != ' ' {
		return true, BadStatus
	}
	status, rest, okS := leadingInt(rest[1:])
	if !okS || status < 100 || status > 999 {
		return true, BadStatus
	}
	method, uri, okR := splitRequestLine(req)
	if !okR {
		return true, BadRequestLine
	}
	r.Kind, r.Status, r.Method, r.URI = KindRequest, status, method, uri
	// The extras follow the user agent, whose closing quote is the last quote
	// of the line: nginx writes a quote inside a field as \x22. Searching from
	// the end skips the long user agent. A format that quotes a field after
	// the extras yields no duration rather than a wrong one.
	last := bytes.LastIndexByte(rest, '"')
	if last < 0 {
		return true, nil // common log format: no extras
	}
	rest = rest[last+1:]
	extraSeconds := true
	for len(rest) > 0 {
		if rest[0] == ' ' {
			rest = rest[1:]
			continue
		}
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		field := rest[:end]
		rest = rest[end:]
		if bytes.IndexByte(field, '.') >= 0 {
			if !extraSeconds {
				continue
			}
			if us, ok := decimalToMicros(field, 1e6); ok && !r.HasDuration {
				r.DurationUS, r.HasDuration = us, true
			}
			extraSeconds = false // later decimals are upstream times
			continue
		}
		if n, ok := atoi(field); ok {
			r.DurationUS, r.HasDuration = int64(n)*intUnitUS, true
			break
		}
		break // "-" or text: nothing more we read
	}
	return true, nil
}

// NginxErrorEvent is what an nginx error-log line says about a request.
type NginxErrorEvent uint8

const (
	NginxErrorOther           NginxErrorEvent = iota
	NginxUpstreamTimedOut                     // upstream timed out (110: Connection timed out) while ...
	NginxUpstreamClosed                       // upstream prematurely closed connection while ...
	NginxUpstreamConnectError                 // connect() failed (111: ...) while connecting to upstream / no live upstreams
)

// ParseNginxError reads an nginx error-log line (src/core/ngx_log.c):
//
//	2026/11/22 22:42:10 [error] 812#812: *31 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: _, request: "GET /reports/7/export HTTP/1.1", upstream: "uwsgi://127.0.0.1:3031", host: "127.0.0.1:8080"
//
// Only upstream timeouts and failures become records; other error-log lines
// (including "client timed out", which is not an upstream timeout) are
// recognized and return ok with r.Kind == 0. The record aliases line.
func ParseNginxError(line []byte, r *Record) (ok bool, err error) {
	if len(line) < 21 || line[4] != '/' || line[7] != '/' || line[10] != ' ' || line[13] != ':' || line[19] != ' ' || line[20] != '[' {
		return false, nil
	}
	r.TimeText, r.TimeLayout = line[:19], TimeYMD
	end := bytes.IndexByte(line[21:], ']')
	if end < 0 {
		return true, BadShape
	}
	msg := line[21+end+1:]
	// "<pid>#<tid>: *<conn> <message>"
	if c := bytes.Index(msg, []byte(": ")); c >= 0 && c < 32 {
		msg = msg[c+2:]
	}
	if len(msg) > 0 && msg[0] == '*' {
		if sp := bytes.IndexByte(msg, ' '); sp >= 0 {
			msg = msg[sp+1:]
		}
	}
	var ev NginxErrorEvent
	switch {
	case bytes.HasPrefix(msg, []byte("upstream timed out (")):
		ev = NginxUpstreamTimedOut
	case bytes.HasPrefix(msg, []byte("upstream prematurely closed connection")):
		ev = NginxUpstreamClosed
	case bytes.HasPrefix(msg, []byte("connect() failed (")) && bytes.Contains(msg, []byte("while connecting to upstream")),
		bytes.HasPrefix(msg, []byte("no live upstreams")):
		ev = NginxUpstreamConnectError
	default:
		return true, nil
	}
	i := bytes.Index(msg, []byte(`, request: "`))
	if i < 0 {
		return true, BadRequestLine
	}
	req := msg[i+len(`, request: "`):]
	// The request line ends at the quote that closes it: before ", upstream:",
	// ", host:" or the end of the line.
	endQ := -1
	for _, next := range [...]string{`", upstream: "`, `", host: "`, `", referrer: "`} {
		if j := bytes.Index(req, []byte(next)); j >= 0 && (endQ < 0 || j < endQ) {
			endQ = j
		}
	}
	if endQ < 0 {
		endQ = bytes.LastIndexByte(req, '"')
	}
	if endQ < 0 {
		return true, BadRequestLine
	}
	method, uri, okR := splitRequestLine(req[:endQ])
	if !okR {
		return true, BadRequestLine
	}
	r.Source, r.Method, r.URI = SourceNginx, method, uri
	switch ev {
	case NginxUpstreamTimedOut:
		r.Kind, r.Timeout = KindTimeout, TimeoutNginxUpstream
	default:
		r.Kind, r.Failure, r.Status = KindUpstreamFailure, ev, 502
	}
	return true, nil
}
