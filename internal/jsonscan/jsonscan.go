// Package jsonscan reads JSON in place, without allocating: a tolerant
// walker of objects for log lines and event envelopes (Object, Array), and a
// strict scanner for CloudWatch Logs payloads (String, AppendString, Int,
// Skip) that accepts the syntax encoding/json accepts and nothing else
// (nesting up to MaxDepth).
package jsonscan

import (
	"bytes"
	"errors"
)

// ErrSyntax is returned for JSON that does not scan.
var ErrSyntax = errors.New("json syntax")

// Object walks the members of one JSON object.
type Object struct {
	b   []byte
	pos int
}

// Member is one member of an Object. Raw is the value's bytes: for a string,
// the bytes between the quotes, still escaped (Escaped says whether they
// hold a backslash); for anything else, the value as written.
type Member struct {
	Key      []byte
	Raw      []byte
	IsString bool
	Escaped  bool
}

// Start positions o inside the object that b starts with (after white space).
func (o *Object) Start(b []byte) bool {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if len(b)-i < 2 || b[i] != '{' {
		return false
	}
	o.b, o.pos = b, i+1
	return true
}

// Pos is the offset in the input just past what has been read.
func (o *Object) Pos() int { return o.pos }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (o *Object) skipSpace() { o.pos = SkipSpace(o.b, o.pos) }

// SkipSpace returns the offset of the first byte at or after i that is not
// JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// SkipValue returns the offset just past the JSON value that starts at b[i]
// (a string, an object, an array or a literal); ok is false when it does
// not end.
func SkipValue(b []byte, i int) (end int, ok bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		end, _, ok := StringEnd(b, i+1)
		return end + 1, ok
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, _, ok := StringEnd(b, i+1)
				if !ok {
					return i, false
				}
				i = end
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return i, false
	}
	start := i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i, i > start
}

// Next reads the next member into m. It returns false at the closing brace,
// or with an error for broken JSON.
func (o *Object) Next(m *Member) (bool, error) {
	o.skipSpace()
	if o.pos >= len(o.b) {
		return false, ErrSyntax
	}
	switch o.b[o.pos] {
	case '}':
		o.pos++
		return false, nil
	case ',':
		o.pos++
		o.skipSpace()
	}
	if o.pos >= len(o.b) || o.b[o.pos] != '"' {
		return false, ErrSyntax
	}
	key, _, ok := o.str()
	if !ok {
		return false, ErrSyntax
	}
	o.skipSpace()
	if o.pos >= len(o.b) || o.b[o.pos] != ':' {
		return false, ErrSyntax
	}
	o.pos++
	o.skipSpace()
	if o.pos >= len(o.b) {
		return false, ErrSyntax
	}
	m.Key, m.IsString, m.Escaped = key, false, false
	switch o.b[o.pos] {
	case '"':
		v, esc, ok := o.str()
		if !ok {
			return false, ErrSyntax
		}
		m.Raw, m.IsString, m.Escaped = v, true, esc
	case '{', '[':
		start := o.pos
		end, ok := SkipValue(o.b, o.pos)
		if !ok {
			return false, ErrSyntax
		}
		o.pos = end
		m.Raw = o.b[start:o.pos]
	default:
		start := o.pos
		for o.pos < len(o.b) {
			c := o.b[o.pos]
			if c == ',' || c == '}' || c == ']' || isSpace(c) {
				break
			}
			o.pos++
		}
		if o.pos == start {
			return false, ErrSyntax
		}
		m.Raw = o.b[start:o.pos]
	}
	return true, nil
}

// str reads the string whose opening quote is at o.pos.
func (o *Object) str() (v []byte, escaped, ok bool) {
	start := o.pos + 1
	end, escaped, ok := StringEnd(o.b, start)
	if !ok {
		return nil, false, false
	}
	o.pos = end + 1
	return o.b[start:end], escaped, true
}

// StringEnd finds the closing quote of the JSON string whose body starts at
// b[start:]; escaped says whether the body holds a backslash.
func StringEnd(b []byte, start int) (end int, escaped, ok bool) {
	i := start
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false, false
		}
		i += j
		// The quote is escaped when an odd number of backslashes precede it.
		k := i - 1
		for k >= start && b[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			if !escaped && bytes.IndexByte(b[start:i], '\\') >= 0 {
				escaped = true
			}
			return i, escaped, true
		}
		escaped = true
		i++
	}
}

// Array walks the elements of a JSON array of objects.
type Array struct {
	b   []byte
	pos int
}

// Start positions a inside the array that b starts with.
func (a *Array) Start(b []byte) bool {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != '[' {
		return false
	}
	a.b, a.pos = b, i+1
	return true
}

// NextObject positions o on the next element, which must be an object, and
// returns false at the closing bracket. After reading the object's members,
// call Done(o) before the next NextObject.
func (a *Array) NextObject(o *Object) (bool, error) {
	for a.pos < len(a.b) && (isSpace(a.b[a.pos]) || a.b[a.pos] == ',') {
		a.pos++
	}
	if a.pos >= len(a.b) {
		return false, ErrSyntax
	}
	if a.b[a.pos] == ']' {
		a.pos++
		return false, nil
	}
	if !o.Start(a.b[a.pos:]) {
		return false, ErrSyntax
	}
	return true, nil
}

// Done moves past the object o, whose members have all been read.
func (a *Array) Done(o *Object) { a.pos += o.pos }
