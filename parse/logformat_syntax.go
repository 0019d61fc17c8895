package parse

import (
	"fmt"
	"strings"
)

// The format syntaxes below follow the servers' own sources:
// nginx src/http/modules/ngx_http_log_module.c (ngx_http_log_compile_format),
// uWSGI core/logging.c (uwsgi_build_log_format), gunicorn glogging.py
// (Python %-formatting of a dict of atoms), Apache modules/loggers/mod_log_config.c
// (parse_log_item). Variable meanings are in logformat_vars.go.

// nginxCombined is nginx's built-in "combined" format.
const nginxCombined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// tokenizeNginx reads the arguments of a log_format directive after its
// name: "escape=json '{...}' '...'" or a bare format.
func tokenizeNginx(format string) ([]formatToken, escaping, error) {
	esc := escHex
	s := strings.TrimSpace(format)
	base := len(format) - len(strings.TrimLeft(format, " \t\r\n"))
	if rest, ok := strings.CutPrefix(s, "escape="); ok {
		end := strings.IndexAny(rest, " \t\r\n")
		if end < 0 {
			return nil, 0, fmt.Errorf("position %d: escape= without a format after it", base)
		}
		switch rest[:end] {
		case "default":
		case "json":
			esc = escBackslash
		case "none":
			esc = escRaw
		default:
			return nil, 0, fmt.Errorf("position %d: unknown escape=%s (want default, json or none)", base, rest[:end])
		}
		trimmed := strings.TrimLeft(rest[end:], " \t\r\n")
		base += len(s) - len(trimmed)
		s = trimmed
	}
	if s == "combined" {
		s, base = nginxCombined, 0
	}
	if len(s) > 0 && (s[0] == '\'' || s[0] == '"') {
		var err error
		if s, err = joinQuoted(s, base); err != nil {
			return nil, 0, err
		}
	}
	var toks []formatToken
	lit := 0
	for i := 0; i < len(s); {
		if s[i] != '$' {
			i++
			continue
		}
		if i > lit {
			toks = append(toks, formatToken{lit: s[lit:i], pos: base + lit})
		}
		start := i
		i++
		braced := i < len(s) && s[i] == '{'
		if braced {
			i++
		}
		n := i
		for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
			n++
		}
		if n == i {
			return nil, 0, fmt.Errorf("position %d: \"$\" is not followed by a variable name", base+start)
		}
		name := s[i:n]
		if braced {
			if n >= len(s) || s[n] != '}' {
				return nil, 0, fmt.Errorf("position %d: \"${%s\" is not closed by \"}\"", base+start, name)
			}
			n++
		}
		spec := nginxVar(strings.ToLower(name))
		spec.name = s[start:n]
		toks = append(toks, formatToken{spec: spec, pos: base + start})
		i, lit = n, n
	}
	if lit < len(s) {
		toks = append(toks, formatToken{lit: s[lit:], pos: base + lit})
	}
	return toks, esc, nil
}

// joinQuoted joins the quoted strings of an nginx directive ('a' 'b' "c")
// and resolves the backslash escapes nginx's config reader knows.
func joinQuoted(s string, base int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '\'', '"':
		default:
			return "", fmt.Errorf("position %d: text outside quotes", base+i)
		}
		q := s[i]
		j := i + 1
		for ; j < len(s) && s[j] != q; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(s[j])
				}
				continue
			}
			b.WriteByte(s[j])
		}
		if j >= len(s) {
			return "", fmt.Errorf("position %d: quote not closed", base+i)
		}
		i = j + 1
	}
	return b.String(), nil
}

// tokenizeUWSGI reads a uWSGI log-format: %(name) variables, the rest literal.
func tokenizeUWSGI(s string) ([]formatToken, error) {
	var toks []formatToken
	lit := 0
	for i := 0; i+1 < len(s); {
		if s[i] != '%' || s[i+1] != '(' {
			i++
			continue
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return nil, fmt.Errorf("position %d: \"%%(\" is not closed by \")\"", i)
		}
		if i > lit {
			toks = append(toks, formatToken{lit: s[lit:i], pos: lit})
		}
		name := s[i+2 : i+end]
		if name == "" {
			return nil, fmt.Errorf("position %d: empty variable name", i)
		}
		spec := uwsgiVar(name)
		spec.name = s[i : i+end+1]
		toks = append(toks, formatToken{spec: spec, pos: i})
		i += end + 1
		lit = i
	}
	if lit < len(s) {
		toks = append(toks, formatToken{lit: s[lit:], pos: lit})
	}
	return toks, nil
}

// gunicornDefault is gunicorn's default access_log_format.
const gunicornDefault = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// tokenizeGunicorn reads a gunicorn access_log_format: Python %-formatting
// over a dict, so every conversion names its atom: %(name)s, %(D)d,
// %(h)-15s; %% is a percent sign.
func tokenizeGunicorn(s string) ([]formatToken, error) {
	if s == "default" {
		s = gunicornDefault
	}
	return tokenizePercent(s, func(s string, i int) (formatField, int, error) {
		if i+1 >= len(s) || s[i+1] != '(' {
			return formatField{}, 0, fmt.Errorf("position %d: a conversion without an atom name; write %%(name)s", i)
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return formatField{}, 0, fmt.Errorf("position %d: \"%%(\" is not closed by \")\"", i)
		}
		name := s[i+2 : i+end]
		j := i + end + 1
		for j < len(s) && strings.IndexByte("#0- +", s[j]) >= 0 {
			j++
		}
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		if j < len(s) && strings.IndexByte("hlL", s[j]) >= 0 {
			j++
		}
		if j >= len(s) || strings.IndexByte("diouxXeEfFgGcrsa", s[j]) < 0 {
			return formatField{}, 0, fmt.Errorf("position %d: %%(%s) has no conversion type such as s or d", i, name)
		}
		return gunicornVar(name), j + 1, nil
	})
}

// tokenizePercent splits a format of %-directives, gunicorn's and Apache's,
// into literals and variables; %% is a percent sign. directive reads the
// directive at s[i], a '%' not followed by another, and returns its variable
// and where it ends.
func tokenizePercent(s string, directive func(s string, i int) (formatField, int, error)) ([]formatToken, error) {
	var toks []formatToken
	var lit strings.Builder
	litPos := 0
	for i := 0; i < len(s); {
		if s[i] != '%' || i+1 < len(s) && s[i+1] == '%' {
			if lit.Len() == 0 {
				litPos = i
			}
			lit.WriteByte(s[i])
			if s[i] == '%' {
				i++ // %%: one percent sign
			}
			i++
			continue
		}
		spec, end, err := directive(s, i)
		if err != nil {
			return nil, err
		}
		if lit.Len() > 0 {
			toks = append(toks, formatToken{lit: lit.String(), pos: litPos})
			lit.Reset()
		}
		spec.name = s[i:end]
		toks = append(toks, formatToken{spec: spec, pos: i})
		i = end
	}
	if lit.Len() > 0 {
		toks = append(toks, formatToken{lit: lit.String(), pos: litPos})
	}
	return toks, nil
}

// Debian's "combined" and "common" (/etc/apache2/apache2.conf) use %O.
const (
	apacheCombined = `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`
	apacheCommon   = `%h %l %u %t "%r" %>s %O`
)

// tokenizeApache reads a LogFormat string: %[conditions][<>][{param}]letter,
// %% a percent sign. Written as in the config (in quotes, with \" for a
// quote) or as the bare format.
func tokenizeApache(s string) ([]formatToken, error) {
	switch s {
	case "combined":
		s = apacheCombined
	case "common":
		s = apacheCommon
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if strings.Contains(s, `\"`) || strings.Contains(s, `\\`) {
		s = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\t`, "\t", `\n`, "\n").Replace(s)
	}
	return tokenizePercent(s, func(s string, start int) (formatField, int, error) {
		i := start + 1
		for i < len(s) && (s[i] == '!' || s[i] == ',' || s[i] >= '0' && s[i] <= '9') {
			i++ // status conditions: %400,501{User-agent}i
		}
		modifier := byte(0)
		if i < len(s) && (s[i] == '<' || s[i] == '>') {
			modifier = s[i]
			i++
		}
		param := ""
		if i < len(s) && s[i] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return formatField{}, 0, fmt.Errorf("position %d: \"{\" is not closed by \"}\"", i)
			}
			param = s[i+1 : i+end]
			i += end + 1
		}
		if i >= len(s) {
			return formatField{}, 0, fmt.Errorf("position %d: \"%%\" at the end of the format", start)
		}
		letter := s[i : i+1]
		if s[i] == '^' && i+2 < len(s) { // %^ti, %^to: trailers
			letter = s[i : i+3]
			i += 2
		}
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return formatField{}, 0, fmt.Errorf("position %d: %q is not a LogFormat directive", start, s[start:i+1])
		}
		return apacheVar(letter, modifier, param), i + 1, nil
	})
}
