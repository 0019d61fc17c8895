package dogstatsd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slowroutes/slowroutes/internal/tag"
)

// Datagram is one parsed DogStatsD metric datagram.
type Datagram struct {
	Name  string
	Value float64
	Type  string
	Tags  []string
}

// Tag returns the value of the tag with key k, if present.
func (d Datagram) Tag(k string) (string, bool) {
	for _, t := range d.Tags {
		if key, v, ok := strings.Cut(t, ":"); ok && key == k {
			return v, true
		} else if !ok && t == k {
			return "", true
		}
	}
	return "", false
}

// ErrDatagram is the error of a datagram outside the grammar this package
// emits.
var ErrDatagram = errors.New("bad datagram")

// ParseDatagram checks one datagram against the DogStatsD grammar that
// slowroutes writes — `name:value|d` and an optional `|#tag,tag...` — and
// returns it parsed. Names are [A-Za-z][A-Za-z0-9_.]*; values are decimal
// numbers; every tag is a valid tag (internal/tag) and there are at most MaxTags.
func ParseDatagram(s string) (Datagram, error) {
	var d Datagram
	bad := func(why string) (Datagram, error) { return Datagram{}, fmt.Errorf("%w %q: %s", ErrDatagram, s, why) }
	if strings.ContainsAny(s, "\n\r\x00") {
		return bad("control character")
	}
	head, rest, ok := strings.Cut(s, "|")
	if !ok {
		return bad("no type")
	}
	name, val, ok := strings.Cut(head, ":")
	if !ok || !validName(name) {
		return bad("name")
	}
	if !validNumber(val) {
		return bad("value")
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return bad("value")
	}
	d.Name, d.Value = name, v
	typ, rest, hasTags := strings.Cut(rest, "|")
	if typ != "d" {
		return bad("type is not d")
	}
	d.Type = typ
	if hasTags {
		tags, ok := strings.CutPrefix(rest, "#")
		if !ok || tags == "" || strings.Contains(tags, "|") {
			return bad("tags")
		}
		d.Tags = strings.Split(tags, ",")
		if len(d.Tags) > MaxTags {
			return bad("more than 100 tags")
		}
		for _, t := range d.Tags {
			if !tag.Valid(t) {
				return bad("tag " + strconv.Quote(t))
			}
		}
	}
	return d, nil
}

func validName(s string) bool {
	if s == "" || len(s) > tag.MaxLen || !isLetter(s[0]) || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ValidNamespace reports whether ns can prefix metric names.
func ValidNamespace(ns string) bool { return validName(ns) && len(ns) <= 100 }
