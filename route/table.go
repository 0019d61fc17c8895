package route

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Table maps request paths to the route templates of a web app, so that a
// matching path gets its template exactly instead of a guessed normalization.
type Table struct {
	templates []template
}

type template struct {
	segs     []tseg
	route    string // rendered with ":name" placeholders
	literals int
	rest     bool // ends with a path converter that takes the remaining segments
}

type tseg struct {
	lit  string // literal segment; empty for a parameter
	conv converter
}

type converter uint8

const (
	convLiteral converter = iota
	convAny               // str, default: one non-empty segment
	convInt               // digits
	convUUID              // 8-4-4-4-12 hex
	convSlug              // [A-Za-z0-9_-]+
	convPath              // one or more segments
)

// ParseTable reads route templates, one per line, in Django (`/invoices/<int:pk>/pdf`),
// Flask (`/users/<id>`, `/files/<path:p>`), OpenAPI (`/users/{id}`) or Express
// (`/users/:id`) syntax. Blank lines and lines starting with '#' are skipped; a
// leading HTTP method ("GET /users/{id}") is allowed and ignored.
// Templates with more literal segments win over less specific ones.
func ParseTable(r io.Reader) (*Table, error) {
	t := &Table{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if f := strings.Fields(line); len(f) == 2 && strings.ToUpper(f[0]) == f[0] && strings.HasPrefix(f[1], "/") {
			line = f[1] // "GET /users/{id}"
		}
		tp, err := parseTemplate(line)
		if err != nil {
			return nil, fmt.Errorf("route table line %d: %w", n, err)
		}
		t.templates = append(t.templates, tp)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading route table: %w", err)
	}
	sort.SliceStable(t.templates, func(i, j int) bool {
		a, b := t.templates[i], t.templates[j]
		if a.rest != b.rest {
			return !a.rest
		}
		return a.literals > b.literals
	})
	return t, nil
}

// Len is the number of templates.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.templates)
}

func parseTemplate(s string) (template, error) {
	if !strings.HasPrefix(s, "/") {
		s = "/" + s // Django patterns are written without the leading slash
	}
	var tp template
	var b strings.Builder
	parts := strings.Split(strings.Trim(s, "/"), "/")
	if strings.Trim(s, "/") == "" {
		parts = nil
	}
	for i, p := range parts {
		name, conv, isParam := param(p)
		b.WriteByte('/')
		if !isParam {
			if !tagSafe([]byte(p)) || p == "" {
				return tp, fmt.Errorf("segment %q: not a plain word or a parameter", p)
			}
			tp.segs = append(tp.segs, tseg{lit: p})
			tp.literals++
			b.WriteString(p)
			continue
		}
		if name == "" {
			return tp, fmt.Errorf("segment %q: parameter without a name", p)
		}
		if conv == convPath {
			if i != len(parts)-1 {
				return tp, fmt.Errorf("segment %q: a path parameter must come last", p)
			}
			tp.rest = true
		}
		tp.segs = append(tp.segs, tseg{conv: conv})
		b.WriteString(":" + name)
	}
	if strings.HasSuffix(s, "/") && len(parts) > 0 {
		b.WriteByte('/')
	}
	tp.route = b.String()
	if tp.route == "" {
		tp.route = "/"
	}
	if len(tp.route) > MaxLen {
		return tp, fmt.Errorf("template longer than %d bytes", MaxLen)
	}
	return tp, nil
}

// param recognizes <conv:name>, <name>, {name}, :name and :name? segments.
func param(p string) (name string, conv converter, ok bool) {
	switch {
	case len(p) > 2 && p[0] == '<' && p[len(p)-1] == '>':
		inner := p[1 : len(p)-1]
		conv = convAny
		if c, n, found := strings.Cut(inner, ":"); found {
			inner = n
			switch {
			case c == "int":
				conv = convInt
			case c == "uuid":
				conv = convUUID
			case c == "slug":
				conv = convSlug
			case c == "path":
				conv = convPath
			}
		}
		return cleanName(inner), conv, true
	case len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}':
		return cleanName(p[1 : len(p)-1]), convAny, true
	case len(p) > 1 && p[0] == ':':
		return cleanName(strings.TrimSuffix(p[1:], "?")), convAny, true
	}
	return "", 0, false
}

// cleanName lower-cases a parameter name and keeps [a-z0-9_].
func cleanName(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range []byte(strings.ToLower(s)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b = append(b, c)
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	if len(b) > 30 {
		b = b[:30]
	}
	return string(b)
}

// Match returns the template route of path (a URI: its query string is
// ignored), or false. It does not allocate.
func (t *Table) Match(uri []byte) (string, bool) {
	if t == nil {
		return "", false
	}
	if i := bytes.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	for i := range t.templates {
		if t.templates[i].match(uri) {
			return t.templates[i].route, true
		}
	}
	return "", false
}

func (tp *template) match(path []byte) bool {
	if len(path) == 0 || path[0] != '/' {
		return false
	}
	rest := path[1:]
	if n := len(rest); n > 0 && rest[n-1] == '/' {
		rest = rest[:n-1] // a trailing slash is optional
	}
	more := len(rest) > 0
	for _, s := range tp.segs {
		if !more {
			return false
		}
		if s.conv == convPath {
			return true
		}
		var seg []byte
		if end := bytes.IndexByte(rest, '/'); end < 0 {
			seg, rest, more = rest, nil, false
		} else {
			seg, rest = rest[:end], rest[end+1:]
		}
		if !s.accepts(seg) {
			return false
		}
	}
	return !more
}

func (s tseg) accepts(seg []byte) bool {
	switch s.conv {
	case convLiteral:
		return string(seg) == s.lit
	case convInt:
		return allDigits(seg)
	case convUUID:
		return len(seg) == 36 && isUUID(seg)
	case convSlug:
		return len(seg) > 0 && tagSafe(seg) && bytes.IndexByte(seg, '.') < 0
	}
	return len(seg) > 0
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// AppendTemplate appends a route template as an app logged it (Django
// `/invoices/<int:pk>/pdf`, Flask `<id>`, OpenAPI `{id}`, Express `:id`) to
// dst with every parameter written ":name", ready for Normalize.
func AppendTemplate(dst, tmpl []byte) []byte {
	for len(tmpl) > 0 {
		if tmpl[0] == '/' {
			dst = append(dst, '/')
			tmpl = tmpl[1:]
			continue
		}
		end := bytes.IndexByte(tmpl, '/')
		if end < 0 {
			end = len(tmpl)
		}
		seg := tmpl[:end]
		tmpl = tmpl[end:]
		var name []byte
		switch {
		case len(seg) > 2 && seg[0] == '<' && seg[len(seg)-1] == '>':
			name = seg[1 : len(seg)-1]
			if c := bytes.IndexByte(name, ':'); c >= 0 {
				name = name[c+1:]
			}
		case len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}':
			name = seg[1 : len(seg)-1]
		case len(seg) > 1 && seg[0] == ':':
			name = bytes.TrimSuffix(seg[1:], []byte("?"))
		default:
			dst = append(dst, seg...)
			continue
		}
		dst = append(dst, ':')
		n := 0
		for _, c := range name {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if (c >= 'a' && c <= 'z' || c == '_' || n > 0 && c >= '0' && c <= '9') && n < 30 {
				dst = append(dst, c)
				n++
			}
		}
		if n == 0 {
			dst = append(dst, "id"...)
		}
	}
	return dst
}
