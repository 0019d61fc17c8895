package parse

import "bytes"

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
