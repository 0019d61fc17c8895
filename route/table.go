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
		raw, conv, isParam := param([]byte(p))
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
		name := appendParamName(nil, raw)
		if len(name) == 0 {
			return tp, fmt.Errorf("segment %q: parameter without a name", p)
		}
		if conv == convPath {
			if i != len(parts)-1 {
				return tp, fmt.Errorf("segment %q: a path parameter must come last", p)
			}
			tp.rest = true
		}
		tp.segs = append(tp.segs, tseg{conv: conv})
		b.WriteByte(':')
		b.Write(name)
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

// param recognizes a parameter segment in any of the template syntaxes —
// Django <conv:name>, Flask <name>, OpenAPI {name}, Express :name and
// :name? — and returns its raw name and converter. It does not allocate.
func param(seg []byte) (name []byte, conv converter, ok bool) {
	switch n := len(seg); {
	case n > 2 && seg[0] == '<' && seg[n-1] == '>':
		name, conv = seg[1:n-1], convAny
		if c := bytes.IndexByte(name, ':'); c >= 0 {
			switch string(name[:c]) {
			case "int":
				conv = convInt
			case "uuid":
				conv = convUUID
			case "slug":
				conv = convSlug
			case "path":
				conv = convPath
			}
			name = name[c+1:]
		}
		return name, conv, true
	case n > 2 && seg[0] == '{' && seg[n-1] == '}':
		return seg[1 : n-1], convAny, true
	case n > 1 && seg[0] == ':':
		return bytes.TrimSuffix(seg[1:], []byte("?")), convAny, true
	}
	return nil, 0, false
}

// maxParamName bounds a parameter name, so that ":name" is a placeholder
// Normalize keeps.
const maxParamName = 30

// appendParamName appends a parameter name as a route writes it: lower
// case, only [a-z0-9_], not starting with a digit, at most maxParamName
// bytes. It appends nothing for a name with no such byte.
func appendParamName(dst, name []byte) []byte {
	n := 0
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if (c >= 'a' && c <= 'z' || c == '_' || n > 0 && c >= '0' && c <= '9') && n < maxParamName {
			dst = append(dst, c)
			n++
		}
	}
	return dst
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
// dst with every parameter written ":name" (":id" for a parameter with no
// usable name), ready for Normalize. It does not allocate when dst has room.
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
		name, _, ok := param(seg)
		if !ok {
			dst = append(dst, seg...)
			continue
		}
		dst = append(dst, ':')
		n := len(dst)
		if dst = appendParamName(dst, name); len(dst) == n {
			dst = append(dst, "id"...)
		}
	}
	return dst
}
