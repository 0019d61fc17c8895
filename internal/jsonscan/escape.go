package jsonscan

import (
	"bytes"
	"unicode/utf8"
)

// escapeAt decodes the escape sequence that s starts with (s[0] is a
// backslash) and returns the code point it stands for and its length, or
// n == 0 when it is not a valid JSON escape. A UTF-16 surrogate pair
// (\ud83d\ude00) is one code point; a lone surrogate is U+FFFD, as
// encoding/json reads it.
func escapeAt(s []byte) (r rune, n int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		if len(s) < 6 {
			return 0, 0
		}
		r, ok := hex4(s[2:6])
		if !ok {
			return 0, 0
		}
		if r < 0xD800 || r >= 0xE000 {
			return r, 6
		}
		if r < 0xDC00 && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if lo, ok := hex4(s[8:12]); ok && lo >= 0xDC00 && lo < 0xE000 {
				return (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000, 12
			}
		}
		return utf8.RuneError, 6
	}
	return 0, 0
}

// AppendUnescaped appends the JSON string body s (between the quotes) to dst
// with its escapes resolved. Invalid escapes are kept as written: it reads
// log lines, whose writers are not all strict.
func AppendUnescaped(dst, s []byte) []byte {
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		r, n := escapeAt(s)
		switch {
		case n > 0:
			dst = utf8.AppendRune(dst, r)
			s = s[n:]
		case len(s) < 2 || s[1] == 'u' && len(s) < 6:
			return append(dst, s...)
		default:
			dst = append(dst, s[:2]...)
			s = s[2:]
		}
	}
	return dst
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
