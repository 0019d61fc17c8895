package parse

import "bytes"

// ParseCombined reads an access-log line in the `combined` shape shared by
// nginx, gunicorn's default access format and Apache, optionally followed by
// extra fields:
//
//	127.0.0.1 - - [22/Nov/2026:22:42:10 +0000] "GET /invoices/42/pdf HTTP/1.1" 504 167 "-" "curl/7.88.1" 1.002 1.001
//
// The first extra field, when it is a decimal number of seconds with a dot,
// is the request time (nginx `$request_time`, gunicorn `%(L)s`); an integer
// extra field is a duration of intUnitUS microseconds each — gunicorn's
// `%(D)s` (1) or `%(T)s` (1e6) — and wins over `%(L)s`. key=value fields
// (`rt=0.001 urt="0.000"`, see ParseTimingFields) are read by name, wherever
// they start. Other extras (`$upstream_response_time`, which may be `-` or
// `0.1, 0.2 : 0.3`, a quoted request id) are skipped.
//
// A quote inside a field is written \x22 by nginx and \" by gunicorn and
// Apache; the fields end at their closing quotes either way. The client
// address may be empty: gunicorn bound to a unix socket writes (between the
// backquotes; gunicorn 20.1.0, testdata/captures/incidents/gunicorn-ids/gunicorn-access.log)
//
//	` - - [01/Dec/2026:07:24:21 +0000] "GET / HTTP/1.0" 200 13 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" 429 98574a7b-124a-40a9-960e-59efab667429`
//
// The shape decides r.Source when it tells who wrote the line (see
// combinedSource); otherwise r.Source is left SourceUnknown for the caller.
// The record aliases line.
func ParseCombined(line []byte, intUnitUS int64, r *Record) (ok bool, err error) {
	return parseCombined(line, intUnitUS, r, nil)
}

// parseCombined is ParseCombined; the upstream details of key=value fields
// go to a when it is not nil.
func parseCombined(line []byte, intUnitUS int64, r *Record, a *AccessFields) (ok bool, err error) {
	// Cheap shape check: "<addr> <ident> <user> [<date>] \"".
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || sp > 64 || sp == 0 && !bytes.HasPrefix(line, []byte(" - ")) {
		return false, nil
	}
	var open int
	if hasLiteralAt(line, sp, dashes) {
		open = sp + len(dashes) // no ident, no user: the usual case
	} else if open = bytes.IndexByte(line[sp:], '['); open <= 0 || line[sp+open-1] != ' ' {
		return false, nil
	} else {
		open += sp + 1
	}
	// A CLF time is 26 bytes: 22/Nov/2026:22:42:10 +0000
	close := 26
	if !hasLiteralAt(line, open+close, timeEnd) {
		if close = bytes.IndexByte(line[open:], ']'); close < 0 || close > 40 || !hasLiteralAt(line, open+close, timeEnd) {
			return false, nil
		}
	}
	r.TimeText, r.TimeLayout = line[open:open+close], TimeCLF
	rest := line[open+close+3:]
	q := requestLineEnd(rest)
	if q < 0 {
		return true, BadRequestLine
	}
	req := rest[:q]
	rest = rest[q+1:]
	var status int
	if len(rest) > 4 && rest[0] == ' ' && isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[3]) && rest[4] == ' ' {
		status, rest = int(rest[1]-'0')*100+int(rest[2]-'0')*10+int(rest[3]-'0'), rest[4:]
	} else {
		if len(rest) < 4 || rest[0] != ' ' {
			return true, BadStatus
		}
		var okS bool
		if status, rest, okS = leadingInt(rest[1:]); !okS {
			return true, BadStatus
		}
	}
	if status < 100 || status > 999 {
		return true, BadStatus
	}
	method, uri, okR := splitRequestLine(req)
	if !okR {
		return true, BadRequestLine
	}
	r.Kind, r.Status, r.Method, r.URI = KindRequest, status, method, uri
	if sp > 0 {
		r.ClientAddr = line[:sp]
	}
	extras, agent, okX := combinedTail(rest)
	if !okX {
		return true, nil // common log format, or fields we cannot tell apart: no extras
	}
	r.UserAgent = agent
	src, intDur, err := readCombinedExtras(extras, intUnitUS, r, a)
	if err != nil {
		return true, err
	}
	if sp == 0 || src == SourceUnknown && intDur && bytes.HasSuffix(req, []byte(" HTTP/1.0")) {
		// No client address: gunicorn on a unix socket (nginx always logs
		// $remote_addr). An integer duration after a request forwarded as
		// HTTP/1.0 (nginx's proxy_http_version default): gunicorn's %(D)s.
		src = SourceGunicorn
	}
	r.Source = src
	return true, nil
}

var (
	dashes  = []byte(" - - [")
	timeEnd = []byte("] \"")
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// requestLineEnd returns the index of the quote that closes the request
// line at the start of b: the first one not written \" and followed by a
// status. escape=none and uWSGI write quotes in a URI raw; the first quote
// is taken when no later one is followed by a status.
func requestLineEnd(b []byte) int {
	if i := bytes.IndexByte(b, '"'); i > 0 && b[i-1] != '\\' && len(b) > i+2 && b[i+1] == ' ' && b[i+2] >= '1' && b[i+2] <= '9' {
		return i // the usual case
	}
	first := -1
	for from, tries := 0, 0; tries < 8; tries++ {
		i := bytes.IndexByte(b[from:], '"')
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		if escapedAt(b, i) {
			continue
		}
		if first < 0 {
			first = i
		}
		if len(b) > i+2 && b[i+1] == ' ' && b[i+2] >= '1' && b[i+2] <= '9' {
			return i
		}
	}
	return first
}

// escapedAt says whether the quote at b[i] is written \" (an odd number of
// backslashes before it).
func escapedAt(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// combinedTail reads ` <size> "<referer>" "<agent>"` after the status and
// returns what follows the agent and the agent itself. ok is false for the
// common log format (no referer and agent) and for quotes it cannot pair.
func combinedTail(b []byte) (extras, agent []byte, ok bool) {
	// " <size>" is digits or "-"
	i := 0
	if i < len(b) && b[i] == ' ' {
		i++
	}
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '-') {
		i++
	}
	b = b[i:]
	if len(b) < 2 || b[0] != ' ' || b[1] != '"' {
		return nil, nil, false
	}
	if len(b) > 4 && b[2] == '-' && b[3] == '"' && b[4] == ' ' {
		b = b[4:] // no referer: the usual case
	} else {
		end := fieldEnd(b[2:])
		if end < 0 {
			return nil, nil, false
		}
		b = b[2+end+1:]
	}
	if len(b) < 2 || b[0] != ' ' || b[1] != '"' {
		return nil, nil, false
	}
	end := fieldEnd(b[2:])
	if end < 0 {
		return nil, nil, false
	}
	return b[2+end+1:], b[2 : 2+end], true
}

// fieldEnd returns the index of the quote that closes a quoted field whose
// content starts b: not written \", and followed by a space or the end.
func fieldEnd(b []byte) int {
	for from := 0; ; {
		i := bytes.IndexByte(b[from:], '"')
		if i < 0 {
			return -1
		}
		i += from
		if !escapedAt(b, i) && (i+1 == len(b) || b[i+1] == ' ') {
			return i
		}
		from = i + 1
	}
}

// readCombinedExtras reads the fields after a combined line's user agent
// into r and returns who the shape says wrote them (SourceUnknown when it
// does not tell) and whether the duration was an integer: key=value timing
// fields and nginx's `$request_time` (seconds, three decimals) are nginx's;
// gunicorn's `%(L)s` has six decimals and `%(p)s` is `<pid>`.
func readCombinedExtras(rest []byte, intUnitUS int64, r *Record, a *AccessFields) (src Source, intDur bool, err error) {
	first, extraSeconds := true, true
	for len(rest) > 0 {
		if rest[0] == ' ' {
			rest = rest[1:]
			continue
		}
		if rest[0] == '"' { // a quoted extra (a request id): skipped
			end := fieldEnd(rest[1:])
			if end < 0 {
				break
			}
			rest, first = rest[end+2:], false
			continue
		}
		// One pass over the field: where it ends, where its dot is, and
		// whether it is a number (extras are short: a loop beats calls).
		end, dot, number := 0, -1, true
		for ; end < len(rest) && rest[end] != ' '; end++ {
			switch c := rest[end]; {
			case c >= '0' && c <= '9':
			case c == '.' && dot < 0:
				dot = end
			default:
				number = false
			}
		}
		field := rest[:end]
		if !number {
			if k := keyEnd(field); k > 0 && k < len(field) && field[k] == '=' {
				if first {
					src = SourceNginx
				}
				if _, err := ParseTimingFields(rest, r, a); err != nil {
					return src, false, err
				}
				break
			}
		}
		rest = rest[end:]
		if dot >= 0 {
			if first {
				switch len(field) - dot - 1 {
				case 3:
					src = SourceNginx // $request_time: seconds with ms resolution
				case 6:
					src = SourceGunicorn // %(L)s: "%d.%06d"
				}
			}
			first = false
			if !extraSeconds {
				continue
			}
			if us, ok := decimalToMicros(field, 1e6); number && ok && !r.HasDuration {
				r.DurationUS, r.HasDuration = us, true
			}
			extraSeconds = false // later decimals are upstream times
			continue
		}
		if n, ok := atoi(field); number && ok {
			r.DurationUS, r.HasDuration, intDur = int64(n)*intUnitUS, true, true
			break
		}
		if src == SourceUnknown && len(field) > 2 && field[0] == '<' && field[len(field)-1] == '>' && isDigits(field[1:len(field)-1]) {
			src = SourceGunicorn // %(p)s
		}
		break // "-" or text: nothing more we read
	}
	return src, intDur, nil
}
