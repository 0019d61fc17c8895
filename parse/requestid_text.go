package parse

import "bytes"

// Readers of the request ids that deployments append to the built-in
// formats ParseUWSGIRequest and ParseCombined read, so that a request is
// joined across servers by its id without a --log-format: uWSGI's
// `request_id=ID` after its request log, and an id (or a quoted header and
// an id) as the last fields of a combined-shape line. Any other layout of
// ids is read by a compiled --log-format (CompileLogFormat).

// uwsgiTextRequestID reads `request_id=ID` after the request part of a
// uWSGI request-log line, as a log-format ending in
// `request_id=%(var.HTTP_X_REQUEST_ID)` writes it (uWSGI 2.0.21):
//
//	[pid: 31728|app: -|req: -/-] 127.0.0.2 (-) {36 vars in 522 bytes} [Tue Dec  1 07:24:21 2026] GET / => generated 13 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0) request_id=5368a62d-e91f-4ddc-a5fc-7bad1a4485c6 worker=2 start_ms=1796109861406
//
// A request without the header logs "-": no id.
func uwsgiTextRequestID(line []byte) []byte {
	// The id follows the last ')' (that of "on core N)"): the URI before it
	// is the client's and may hold anything.
	close := bytes.LastIndexByte(line, ')')
	if close < 0 {
		return nil
	}
	rest := line[close:]
	i := bytes.Index(rest, []byte(" request_id="))
	if i < 0 {
		return nil
	}
	v := rest[i+len(" request_id="):]
	if sp := bytes.IndexByte(v, ' '); sp >= 0 {
		v = v[:sp]
	}
	if !isRequestID(v) {
		return nil
	}
	return v
}

// combinedTextRequestID reads an id appended after the extras of a
// combined-shape line: nginx's `"$http_x_request_id" $request_id` (the
// header wins; nginx's own id when the client sent none) or gunicorn's
// `%({x-request-id}i)s`, e.g. (nginx 1.22.1, gunicorn 20.1.0):
//
//	127.0.0.2 - - [01/Dec/2026:07:24:27 +0000] "GET /exports/9/csv HTTP/1.1" 504 167 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 2.000 2.001 "48c08707-878e-4ec2-8efb-0d828fa9f1e7" 5d75150258428fc147cc2114451593d4
//	 - - [01/Dec/2026:07:24:21 +0000] "GET /healthz HTTP/1.0" 200 17 "-" "kube-probe/1.29" 1188 b77e2c24-94c6-443d-96ee-c5d762fc651c
//
// Durations ("0.001", "1188") and "-" are no ids, so lines without one
// yield nil.
func combinedTextRequestID(line []byte) []byte {
	sp := bytes.LastIndexByte(line, ' ')
	if sp < 0 {
		return nil
	}
	last := line[sp+1:]
	if !isRequestID(last) {
		return nil
	}
	before := line[:sp]
	if n := len(before); n >= 2 && before[n-1] == '"' {
		open := bytes.LastIndexByte(before[:n-1], '"')
		// `"ID" id`: the quoted field is the header, unless it is the
		// user agent (whose opening quote follows another quoted field).
		if open > 0 && before[open-1] == ' ' && !bytes.HasSuffix(before[:open-1], []byte(`"`)) {
			if q := before[open+1 : n-1]; isRequestID(q) {
				return q
			}
		}
	}
	return last
}

// isRequestID says whether v can be a request id: 8 to 128 bytes of
// letters, digits, '-', '_', '.' and ':', with at least one letter or '-'
// (so that a number is never taken for one).
func isRequestID(v []byte) bool {
	if len(v) < 8 || len(v) > 128 {
		return false
	}
	word := false
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9', c == '.', c == ':', c == '_':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
			word = true
		default:
			return false
		}
	}
	return word
}
