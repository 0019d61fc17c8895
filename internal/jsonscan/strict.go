package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The strict scanner accepts what RFC 8259 (and encoding/json) accepts and
// nothing else: a raw control character in a string, an unknown escape, a
// number such as 01, 1. or .5, a literal other than true, false, null, or
// a missing comma all fail. A CloudWatch Logs payload is read with it so
// that the decoder never accepts a payload that aws-lambda-go's decoder
// (encoding/json) refuses.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special sets the high bit of the lowest byte of v (little endian) that is
// a quote, a backslash or a control character: the bytes that end a run of
// plain string bytes. Bytes above it may be flagged falsely by a borrow, so
// only the lowest flag counts. It tests eight bytes with seven integer
// operations, where a byte loop takes a compare and branch per byte: with
// x = c^0x02, x < 0x21 holds exactly for c < 0x20 and c == '"' (0x22), and
// y = c^'\\' is zero for a backslash.
func special(v uint64) uint64 {
	x := v ^ (lsb * 0x02)
	y := v ^ (lsb * '\\')
	return ((x - lsb*0x21) | (y - lsb)) &^ v & msb
}

func isSpecial(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }

// PlainEnd returns the offset of the first quote, backslash or control
// character at or after i, or len(b): where a string body that starts at i
// ends if it is plain, or where its first escape is.
func PlainEnd(b []byte, i int) int {
	// Two words a step (log messages run for hundreds of bytes), on a
	// slice that shrinks, which the compiler checks once a step.
	s := b[i:]
	for len(s) >= 16 {
		w := (*[16]byte)(s)
		m1 := special(binary.LittleEndian.Uint64(w[:8]))
		m2 := special(binary.LittleEndian.Uint64(w[8:]))
		if m1|m2 != 0 {
			if m1 != 0 {
				return len(b) - len(s) + bits.TrailingZeros64(m1)>>3
			}
			return len(b) - len(s) + 8 + bits.TrailingZeros64(m2)>>3
		}
		s = s[16:]
	}
	if len(s) >= 8 {
		if m := special(binary.LittleEndian.Uint64(s)); m != 0 {
			return len(b) - len(s) + bits.TrailingZeros64(m)>>3
		}
		s = s[8:]
	}
	for len(s) > 0 && !isSpecial(s[0]) {
		s = s[1:]
	}
	return len(b) - len(s)
}

// String reads the JSON string whose body starts at b[i] (just after the
// opening quote): end is the offset of its closing quote and escaped says
// whether the body holds an escape. ok is false when the string is not
// valid JSON or does not end.
func String(b []byte, i int) (end int, escaped, ok bool) {
	for {
		i = PlainEnd(b, i)
		if i >= len(b) {
			return 0, false, false
		}
		switch b[i] {
		case '"':
			return i, escaped, true
		case '\\':
			_, n := escapeAt(b[i:])
			if n == 0 {
				return 0, false, false
			}
			i += n
			escaped = true
		default:
			return 0, false, false
		}
	}
}

// AppendString appends the body of the JSON string whose body starts at
// b[i] to dst with its escapes resolved, and returns it with the offset of
// the closing quote. ok is false when the string is not valid JSON or does
// not end. It scans and copies in one pass, eight bytes at a time: most
// escaped log lines are JSON themselves, with an escape every few bytes
// ({\"msec\":1795390233.664,...}), so a pass to find the end and another
// to unescape would read them twice.
func AppendString(dst, b []byte, i int) (out []byte, end int, ok bool) {
	w := len(dst)
	buf := dst[:cap(dst)]
	for {
		// Copy the plain run up to the next special byte.
		for {
			if i+8 > len(b) {
				for ; i < len(b) && !isSpecial(b[i]); i++ {
					if w == len(buf) {
						buf = grow(buf[:w])
					}
					buf[w] = b[i]
					w++
				}
				break
			}
			if w+8 > len(buf) {
				buf = grow(buf[:w])
			}
			v := binary.LittleEndian.Uint64(b[i:])
			// Store the whole word: the bytes past the special one are
			// overwritten by what follows.
			binary.LittleEndian.PutUint64(buf[w:], v)
			if m := special(v); m != 0 {
				n := bits.TrailingZeros64(m) >> 3
				i, w = i+n, w+n
				// \" and \\ are most of the escapes in log lines (JSON
				// logs, quoted request lines): resolve them here, in the
				// room the word left.
				if b[i] == '\\' && i+1 < len(b) && (b[i+1] == '"' || b[i+1] == '\\') {
					buf[w] = b[i+1]
					i, w = i+2, w+1
					continue
				}
				break
			}
			i, w = i+8, w+8
		}
		if i+1 >= len(b) || b[i] != '\\' {
			if i < len(b) && b[i] == '"' {
				return buf[:w], i, true
			}
			return dst, 0, false
		}
		if w+utf8.UTFMax > len(buf) {
			buf = grow(buf[:w])
		}
		if c := b[i+1]; c == '"' || c == '\\' {
			buf[w] = c
			i, w = i+2, w+1
			continue
		}
		r, n := escapeAt(b[i:])
		if n == 0 {
			return dst, 0, false
		}
		if r < utf8.RuneSelf {
			buf[w] = byte(r)
			w++
		} else {
			w += utf8.EncodeRune(buf[w:], r)
		}
		i += n
	}
}

// grow returns b's bytes in a larger slice of full capacity.
func grow(b []byte) []byte {
	b = append(b, make([]byte, max(len(b), 64))...)
	return b[:cap(b)]
}

// Int reads the JSON number that starts at b[i] as an integer: ok is false
// when it is not a JSON number or not an integer that fits an int64 (a
// fraction or an exponent), as encoding/json refuses to store it in one.
func Int(b []byte, i int) (n int64, end int, ok bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	// Eight digits a step while 19 (the most an int64 has) are not passed:
	// a timestamp in ms has 13, read in 1 + 5 steps instead of 13.
	for i-start <= 11 && len(b)-i >= 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		if !eightDigits(v) {
			break
		}
		u = u*100_000_000 + parseEight(v)
		i += 8
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i-start == 19 {
			return 0, 0, false // ≥ 10^19 > MaxInt64
		}
		u = u*10 + uint64(b[i]-'0')
	}
	switch {
	case i == start, b[start] == '0' && i > start+1:
		return 0, 0, false
	case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
		return 0, 0, false
	case neg && u > 1<<63, !neg && u > 1<<63-1:
		return 0, 0, false
	}
	if neg {
		return -int64(u), i, true // -(1<<63) wraps to itself
	}
	return int64(u), i, true
}

// eightDigits reports whether the eight bytes of v are all ASCII digits:
// each high nibble is 3, and adding 6 does not carry out of the low one.
func eightDigits(v uint64) bool {
	return (v&0xF0F0F0F0F0F0F0F0)|((v+0x0606060606060606)&0xF0F0F0F0F0F0F0F0)>>4 == 0x3333333333333333
}

// parseEight returns the number that the eight ASCII digits of v (the
// first in the lowest byte) write, combining pairs, then quads, then the
// two halves.
func parseEight(v uint64) uint64 {
	v -= 0x3030303030303030
	v = (v*10 + v>>8) & 0x00FF00FF00FF00FF
	v = (v*100 + v>>16) & 0x0000FFFF0000FFFF
	return (v*10000 + v>>32) & 0xFFFFFFFF
}

// number returns the offset just past the JSON number that starts at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func number(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// MaxDepth bounds the nesting of arrays and objects Skip accepts. It is
// below encoding/json's own limit (10000), so that nothing Skip accepts is
// refused there for its depth.
const MaxDepth = 1000

// Skip returns the offset just past the JSON value that starts at b[i]
// (white space before it allowed), checking its syntax strictly; ok is
// false when it is not valid JSON. It keeps which containers are open in a
// bit stack, so it neither recurses nor allocates.
func Skip(b []byte, i int) (end int, ok bool) {
	var (
		inObject [(MaxDepth + 63) / 64]uint64 // bit d: the container at depth d is an object
		depth    int
	)
	push := func(obj bool) bool {
		if depth == MaxDepth {
			return false
		}
		if obj {
			inObject[depth>>6] |= 1 << (depth & 63)
		} else {
			inObject[depth>>6] &^= 1 << (depth & 63)
		}
		depth++
		return true
	}
	top := func() bool { return inObject[(depth-1)>>6]&(1<<((depth-1)&63)) != 0 }
value:
	i = SkipSpace(b, i)
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; c {
	case '{', '[':
		if !push(c == '{') {
			return 0, false
		}
		i = SkipSpace(b, i+1)
		if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
			depth--
			i++
			break
		}
		if c == '[' {
			goto value
		}
		goto key
	case '"':
		end, _, ok := String(b, i+1)
		if !ok {
			return 0, false
		}
		i = end + 1
	case 't', 'f', 'n':
		lit := "null"
		if c == 't' {
			lit = "true"
		} else if c == 'f' {
			lit = "false"
		}
		if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
			return 0, false
		}
		i += len(lit)
	default:
		if i, ok = number(b, i); !ok {
			return 0, false
		}
	}
next: // a value ended at i
	if depth == 0 {
		return i, true
	}
	i = SkipSpace(b, i)
	if i >= len(b) {
		return 0, false
	}
	switch {
	case b[i] == ',':
		i++
		if top() {
			goto key
		}
		goto value
	case b[i] == '}' && top(), b[i] == ']' && !top():
		depth--
		i++
		goto next
	}
	return 0, false
key:
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	if i, _, ok = String(b, i+1); !ok {
		return 0, false
	}
	i = SkipSpace(b, i+1)
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	i++
	goto value
}
