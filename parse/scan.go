package parse

import (
	"bytes"
	"math"
)

// atoi reads a non-negative decimal integer that is all of b.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// leadingInt reads the decimal digits at the start of b and returns the value
// and the rest of b.
func leadingInt(b []byte) (int, []byte, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n, ok := atoi(b[:i])
	return n, b[i:], ok
}

// cutPrefix is bytes.CutPrefix for a string prefix, without converting it.
func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

// decimalToMicros reads a decimal number (integer or with a fraction) in the
// given unit (micros per unit) as microseconds: "1.003" seconds (nginx
// $request_time, gunicorn %(L)s) with 1e6, "12.3" ms with 1000. Digits past
// the microsecond are dropped.
func decimalToMicros(b []byte, microsPerUnit int64) (int64, bool) {
	dot := bytes.IndexByte(b, '.')
	whole := b
	var frac []byte
	if dot >= 0 {
		whole, frac = b[:dot], b[dot+1:]
	}
	w, ok := atoi(whole)
	if !ok || int64(w) > math.MaxInt64/microsPerUnit-1 {
		return 0, false
	}
	us := int64(w) * microsPerUnit
	scale := microsPerUnit / 10
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		us += int64(c-'0') * scale
		scale /= 10
	}
	return us, true
}

// splitRequestLine splits an HTTP request line "METHOD URI PROTO" (or
// "METHOD URI" for HTTP/0.9). It fails on anything that is not a request line,
// such as the TLS handshake bytes nginx logs for a client speaking HTTPS to an
// HTTP port.
func splitRequestLine(req []byte) (method, uri []byte, ok bool) {
	// Methods are short: a loop beats bytes.IndexByte's call.
	sp := 0
	for sp < len(req) && sp <= 16 && req[sp] != ' ' {
		sp++
	}
	if sp == 0 || sp > 16 || sp == len(req) || !isMethod(req[:sp]) {
		return nil, nil, false
	}
	method, rest := req[:sp], req[sp+1:]
	// " HTTP/1.1", " HTTP/2.0": look at the end first.
	if n := len(rest); n >= 9 && rest[n-9] == ' ' && string(rest[n-8:n-3]) == "HTTP/" {
		rest = rest[:n-9]
	} else if last := bytes.LastIndexByte(rest, ' '); last >= 0 && bytes.HasPrefix(rest[last+1:], []byte("HTTP/")) {
		rest = rest[:last]
	}
	if len(rest) == 0 {
		return nil, nil, false
	}
	return method, rest, true
}

// isMethod accepts an HTTP method token: upper-case letters, 1 to 16 of them.
func isMethod(b []byte) bool {
	if len(b) == 0 || len(b) > 16 {
		return false
	}
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
