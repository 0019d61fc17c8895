package parse

import "bytes"

// Log collectors put their own prefix in front of what the server wrote,
// and CloudWatch Logs keeps it. SkipCollectorPrefix removes one such prefix,
// so that every parser sees the line as the server wrote it. The shapes,
// from the tools' own code and documentation:
//
//	web-1  | [pid: 31917|app: 0|req: 3/7] ...                       docker compose (cmd/formatter/logs.go: "%-<width>s | "; v1 names web_1)
//	Nov 22 23:07:20 ip-10-0-1-7 uwsgi[123]: ...                     syslog files (rsyslog's traditional format), journalctl's default output
//	2026-11-22T23:07:20.123456+00:00 ip-10-0-1-7 uwsgi[123]: ...    rsyslog's RFC 3339 file format, journalctl -o short-iso
//	2026-11-22T23:07:20.677020+00:00 app[web.1]: ...                Heroku ("timestamp source[dyno]: message")
//	2026-11-22T23:07:20.333333333Z stdout F ...                     Kubernetes CRI files that Fluent Bit and Fluentd tail ("time stream logtag message")
//	2016-03-30T16:37:06.39+0200 [App/0] OUT ...                     Cloud Foundry (cf logs)
//
// A line without one of these prefixes is returned as it is; so is a line
// whose leading timestamp is followed by anything else (an nginx
// log_format that starts with $time_iso8601 is the server's own line). The
// result aliases line; nothing is allocated.
func SkipCollectorPrefix(line []byte) []byte {
	if len(line) < 4 {
		return line
	}
	switch c := line[0]; {
	case c >= '0' && c <= '9':
		if n := rfc3339Len(line); n > 0 && n < len(line) && line[n] == ' ' {
			if rest, ok := afterTimestamp(line[n+1:]); ok {
				return rest
			}
			return line
		}
	case c >= 'A' && c <= 'S':
		if isMonth(line[:3]) && len(line) > 16 && line[3] == ' ' {
			if rest, ok := afterSyslogTime(line[4:]); ok {
				return rest
			}
		}
	}
	if rest, ok := afterComposeName(line); ok {
		return rest
	}
	return line
}

// mayHaveCollectorPrefix is the cheap test Stream.Line makes before
// SkipCollectorPrefix: the prefixes start with a letter (a compose name,
// a syslog month) or with an RFC 3339 year; uWSGI request-log lines, JSON
// lines and nginx lines (an address, a "2026/11/22" date) do not. A compose
// name that starts with a digit is not looked for.
func mayHaveCollectorPrefix(line []byte) bool {
	if len(line) < 5 {
		return false
	}
	c := line[0]
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && line[4] == '-'
}

// rfc3339Len returns the length of the RFC 3339 time at the start of b
// ("2026-11-22T23:07:20", an optional fraction, "Z" or a "+00:00"/"+0000"
// zone), or 0.
func rfc3339Len(b []byte) int {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if b[i] < '0' || b[i] > '9' {
			return 0
		}
	}
	n := 19
	if b[n] == '.' {
		n++
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			n++
		}
	}
	switch {
	case n < len(b) && b[n] == 'Z':
		return n + 1
	case n+5 <= len(b) && (b[n] == '+' || b[n] == '-'):
		if n+6 <= len(b) && b[n+3] == ':' {
			return n + 6
		}
		return n + 5
	}
	return 0
}

// afterTimestamp reads what follows a collector's RFC 3339 time: a CRI
// "stdout F ", a Cloud Foundry "[App/0] OUT ", a Heroku "app[web.1]: " or
// a syslog "host tag[pid]: ".
func afterTimestamp(b []byte) ([]byte, bool) {
	for _, s := range [...]string{"stdout F ", "stdout P ", "stderr F ", "stderr P "} {
		if rest, ok := cutPrefix(b, s); ok {
			return rest, true
		}
	}
	if len(b) > 0 && b[0] == '[' {
		end := indexByteWithin(b, ']', 48)
		if end > 1 {
			for _, s := range [...]string{"] OUT ", "] ERR "} {
				if rest, ok := cutPrefix(b[end:], s); ok {
					return rest, true
				}
			}
		}
		return nil, false
	}
	if rest, ok := afterTag(b, true); ok {
		return rest, true
	}
	return afterHostTag(b)
}

// afterSyslogTime reads "22 23:07:20 host tag[pid]: " (the day may be
// space-padded) after a syslog line's month.
func afterSyslogTime(b []byte) ([]byte, bool) {
	if len(b) < 16 || b[2] != ' ' || b[5] != ':' || b[8] != ':' || b[11] != ' ' ||
		!(b[0] == ' ' || b[0] >= '0' && b[0] <= '3') || b[1] < '0' || b[1] > '9' {
		return nil, false
	}
	for _, i := range [...]int{3, 4, 6, 7, 9, 10} {
		if b[i] < '0' || b[i] > '9' {
			return nil, false
		}
	}
	return afterHostTag(b[12:])
}

// afterHostTag reads "host tag[pid]: " or "host tag: ".
func afterHostTag(b []byte) ([]byte, bool) {
	sp := indexByteWithin(b, ' ', 128)
	if sp <= 0 {
		return nil, false
	}
	for _, c := range b[:sp] {
		if !isNameByte(c) && c != ':' {
			return nil, false
		}
	}
	return afterTag(b[sp+1:], false)
}

// afterTag reads a syslog tag or Heroku source, "uwsgi[123]: ", "app[web.1]: "
// or "kernel: ", and returns what follows; needBrackets asks for the
// bracketed form.
func afterTag(b []byte, needBrackets bool) ([]byte, bool) {
	if len(b) < 3 || !(b[0] >= 'A' && b[0] <= 'Z' || b[0] >= 'a' && b[0] <= 'z' || b[0] == '_') {
		return nil, false
	}
	i := 1
	for i < len(b) && i < 64 && (isNameByte(b[i]) || b[i] == '/' || b[i] == '@') {
		i++
	}
	if i < len(b) && b[i] == '[' {
		end := indexByteWithin(b[i:], ']', 48)
		if end < 2 {
			return nil, false
		}
		i += end + 1
	} else if needBrackets {
		return nil, false
	}
	return cutPrefix(b[i:], ": ")
}

// afterComposeName reads docker compose's "web-1  | ": a container or
// service name padded with spaces to the longest one, then "| ".
func afterComposeName(b []byte) ([]byte, bool) {
	if !(b[0] >= 'A' && b[0] <= 'Z' || b[0] >= 'a' && b[0] <= 'z' || b[0] >= '0' && b[0] <= '9') {
		return nil, false
	}
	// The padding and the bar first: most lines (an nginx line's
	// "10.0.0.1 - - [") fail there, before their first word is read.
	sp := bytes.IndexByte(b[:min(len(b), 97)], ' ')
	if sp <= 0 {
		return nil, false
	}
	i := sp
	for i < len(b) && i < 160 && b[i] == ' ' {
		i++
	}
	rest, ok := cutPrefix(b[i:], "| ")
	if !ok {
		return nil, false
	}
	for _, c := range b[:sp] {
		if !isNameByte(c) {
			return nil, false
		}
	}
	return rest, true
}

// isNameByte accepts the bytes of host, container and service names.
func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// indexByteWithin is bytes.IndexByte limited to the first max bytes.
func indexByteWithin(b []byte, c byte, max int) int {
	if len(b) > max {
		b = b[:max]
	}
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// isMonth is month(b) > 0 told by the first letter first: lines that start
// with a capital (uWSGI's ctime, app text) are common.
func isMonth(b []byte) bool {
	switch b[0] {
	case 'J', 'F', 'M', 'A', 'S', 'O', 'N', 'D':
		return month(b) > 0
	}
	return false
}
