// Package tag makes DogStatsD tags out of values that come from outside:
// log group names, a log group's AWS tags, a user's static tags. Every value
// leaves it as a tag Datadog keeps as written and that cannot break a
// datagram (no '|', '#', ',', space or newline).
package tag

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLen is Datadog's limit of one tag's length, key:value included.
const MaxLen = 200

// MaxKeyLen bounds a tag key, leaving room for a value.
const MaxKeyLen = MaxLen / 2

// Byte reports whether c may appear in a tag: Datadog keeps alphanumerics,
// '_', '-', ':', '.' and '/' and turns anything else into '_'.
func Byte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == ':' || c == '.' || c == '/'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Valid reports whether t is a tag Datadog keeps as written: it starts with
// a letter, holds only tag bytes and is at most MaxLen long.
func Valid(t string) bool {
	return t != "" && len(t) <= MaxLen && isLetter(t[0]) && validValue(t)
}

// ValidKey reports whether k can be the key of a tag: a lower-case letter,
// then [a-z0-9_./-], at most MaxKeyLen long.
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}

// Append appends the tag key:value to dst with each character of value
// that is not a tag byte replaced by one '_', cut so that the tag stays
// within MaxLen. key must be a valid key.
func Append(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	dst = append(dst, ':')
	return appendSanitized(dst, value, MaxLen-len(key)-1)
}

// appendSanitized appends at most room characters of s, each one that is
// not a tag byte written '_'.
func appendSanitized(dst []byte, s string, room int) []byte {
	for i := 0; i < len(s) && room > 0; room-- {
		c := s[i]
		if c < utf8.RuneSelf {
			if !Byte(c) {
				c = '_'
			}
			dst = append(dst, c)
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		dst = append(dst, '_')
		i += size
	}
	return dst
}

// Make returns the tag key:value, sanitized as Append does; it allocates
// only the result.
func Make(key, value string) string {
	if t := key + ":" + value; len(t) <= MaxLen && validValue(value) {
		return t
	}
	return string(Append(make([]byte, 0, len(key)+1+len(value)), key, value))
}

func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !Byte(v[i]) {
			return false
		}
	}
	return true
}

// Sanitize turns a user's tag ("team:web", "canary") into a valid tag:
// characters that are not tag bytes become '_'. It fails for a tag that
// does not start with a letter or is longer than MaxLen, which Datadog
// would rename or drop.
func Sanitize(t string) (string, error) {
	t = strings.TrimSpace(t)
	if t == "" || !isLetter(t[0]) {
		return "", fmt.Errorf("tag %q: must start with a letter", t)
	}
	if len(t) > MaxLen {
		return "", fmt.Errorf("tag %q: longer than %d characters", t, MaxLen)
	}
	return string(appendSanitized(make([]byte, 0, len(t)), t, len(t))), nil
}
