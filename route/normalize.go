// Package route turns request URIs into routes: normalized paths whose
// id-like segments are collapsed to one placeholder, or the templates of a
// user's route table, under a per-process cardinality cap. Every route is a
// valid Datadog tag value.
package route

import "bytes"

// Placeholder replaces an id-like path segment.
const Placeholder = ":id"

// Special routes, which are not paths.
const (
	Unknown  = "unknown"  // the log line named no request (a gunicorn timeout with no request start in the stream)
	Other    = "other"    // the request target was not a path ("*", an authority, garbage)
	Overflow = "overflow" // the cardinality cap was reached
)

// MaxLen bounds a route's length, well below Datadog's 200 characters per tag.
const MaxLen = 160

// restSegment ends a route that was cut at MaxLen.
const restSegment = "/:rest"

// Normalize appends the route of uri to dst and returns it. It
//   - drops the query string and fragment, and the scheme and host of an absolute URI;
//   - merges repeated slashes;
//   - replaces each id-like segment (see IsID) with ":id", and each segment
//     holding a byte outside [A-Za-z0-9._-] with ":id" too (such segments are
//     data, and could not be a tag);
//   - keeps segments of the form ":name" (placeholders), so that Normalize is idempotent;
//   - cuts a route longer than MaxLen at a segment boundary, ending it with "/:rest".
//
// A URI that is not a path gives Other; an empty one, "/". Normalize does not allocate
// when dst has room.
func Normalize(dst, uri []byte) []byte {
	start := len(dst)
	if i := bytes.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if i := bytes.IndexByte(uri, '#'); i >= 0 {
		uri = uri[:i]
	}
	if len(uri) > 7 && (string(uri[:7]) == "http://" || len(uri) > 8 && string(uri[:8]) == "https://") {
		rest := uri[7:]
		if uri[4] == 's' {
			rest = uri[8:]
		}
		i := bytes.IndexByte(rest, '/')
		if i < 0 {
			return append(dst, '/')
		}
		uri = rest[i:]
	}
	if len(uri) == 0 {
		return append(dst, '/')
	}
	if uri[0] != '/' {
		return append(dst, Other...)
	}
	var cnt classCounts
	for i := 0; i < len(uri); {
		for i < len(uri) && uri[i] == '/' {
			i++
		}
		if i == len(uri) {
			if len(dst)-start < MaxLen {
				dst = append(dst, '/') // trailing slash
			}
			break
		}
		end, all := scan(uri, i, &cnt)
		seg := uri[i:end]
		i = end
		out := seg
		if seg[0] == ':' {
			if !isPlaceholder(seg) {
				out = placeholderBytes
			}
		} else if id, unsafe := decide(seg, &cnt, all); id || unsafe {
			out = placeholderBytes
		}
		// Every segment but the last must leave room for "/:rest".
		room := MaxLen - len(restSegment)
		if i == len(uri) {
			room = MaxLen
		}
		if len(dst)-start+1+len(out) > room {
			return append(dst, restSegment...)
		}
		dst = append(dst, '/')
		dst = append(dst, out...)
	}
	return dst
}

var placeholderBytes = []byte(Placeholder)

// tagSafe accepts the bytes a route segment may keep as they are.
func tagSafe(seg []byte) bool {
	for _, c := range seg {
		if byteClass[c] >= clUnsafe {
			return false
		}
	}
	return true
}

// Byte classes, looked up once per byte: normalization is the hot path.
const (
	clDigit  = iota // 0-9
	clHexLow        // a-f
	clHexUp         // A-F
	clLower         // g-z
	clUpper         // G-Z
	clSep           // _ -
	clDot           // .
	clUnsafe        // anything a tag value cannot keep
	clSlash         // '/': ends a segment
	numClasses
)

type classCounts [numClasses]int32

var byteClass = func() (t [256]uint8) {
	for i := range t {
		c := byte(i)
		switch {
		case c >= '0' && c <= '9':
			t[i] = clDigit
		case c >= 'a' && c <= 'f':
			t[i] = clHexLow
		case c >= 'A' && c <= 'F':
			t[i] = clHexUp
		case c >= 'g' && c <= 'z':
			t[i] = clLower
		case c >= 'G' && c <= 'Z':
			t[i] = clUpper
		case c == '_' || c == '-':
			t[i] = clSep
		case c == '.':
			t[i] = clDot
		case c == '/':
			t[i] = clSlash
		default:
			t[i] = clUnsafe
		}
	}
	return t
}()

// scan counts the classes of b[i:] up to the next '/' (or the end) and
// returns where it stopped and the set of classes seen.
func scan(b []byte, i int, cnt *classCounts) (end int, all uint16) {
	*cnt = classCounts{}
	for ; i < len(b); i++ {
		k := byteClass[b[i]]
		if k == clSlash {
			break
		}
		cnt[k]++
		all |= 1 << k
	}
	return i, all
}

// isPlaceholder accepts ":name" with name in [a-z0-9_], starting with a letter or '_'.
func isPlaceholder(seg []byte) bool {
	if len(seg) < 2 || len(seg) > 32 || seg[0] != ':' {
		return false
	}
	if c := seg[1]; !(c >= 'a' && c <= 'z' || c == '_') {
		return false
	}
	for _, c := range seg[2:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// IsID reports whether a path segment is an identifier rather than a word:
//   - all digits: 42, 2026;
//   - a UUID, any case: 3f0c6a4e-8b1d-4c2a-9e7f-1a2b3c4d5e6f;
//   - 16 or more hex digits: a SHA-1, an ObjectId (24), an MD5 (32);
//   - 4 or more digits among letters: inv-2026-0001, ord12345, cus_9f8e7d;
//   - a separator (_ - .) followed by a digit, with 2 or more digits: usr_42, order-17;
//   - 20 or more bytes of [A-Za-z0-9_-] with a digit or mixed case: random tokens;
//   - 12 or more such bytes mixing upper case, lower case and digits: cus_NffrFeUfNV2Hib.
//
// It keeps ordinary words and short version-like segments: me, v2, oauth2, 2fa, s3, v10.
func IsID(seg []byte) bool {
	var cnt classCounts
	end, all := scan(seg, 0, &cnt)
	if end != len(seg) {
		return false // not one segment
	}
	id, _ := decide(seg, &cnt, all)
	return id
}

// decide applies the IsID rules to a scanned segment and reports whether it
// holds a byte a tag cannot keep.
func decide(seg []byte, cnt *classCounts, all uint16) (id, unsafe bool) {
	const (
		words  = 1<<clLower | 1<<clHexLow | 1<<clSep
		hex    = 1<<clDigit | 1<<clHexLow | 1<<clHexUp
		notTok = 1<<clDot | 1<<clUnsafe
	)
	n := len(seg)
	unsafe = all&(1<<clUnsafe) != 0
	if all&^words == 0 && all&(1<<clLower) != 0 {
		return false, false // a plain lower-case word: the common case
	}
	digits := int(cnt[clDigit])
	lower, upper := int(cnt[clHexLow]+cnt[clLower]), int(cnt[clHexUp]+cnt[clUpper])
	token := all&notTok == 0
	switch {
	case n == 0:
		return false, false
	case digits == n:
		return true, unsafe
	case n >= 16 && all&^hex == 0:
		return true, unsafe
	case n == 36 && cnt[clSep] == 4 && digits+lower+upper == 32 && isUUID(seg):
		return true, unsafe
	case digits >= 4:
		return true, unsafe
	case digits >= 2 && all&(1<<clSep|1<<clDot) != 0 && sepDigit(seg):
		return true, unsafe
	case token && n >= 20 && (digits > 0 || upper >= 2 && lower >= 2):
		return true, unsafe
	case token && n >= 12 && digits > 0 && upper >= 2 && lower >= 2:
		return true, unsafe
	}
	return false, unsafe
}

// sepDigit reports a separator followed by a digit: usr_42, order-17.
func sepDigit(seg []byte) bool {
	for i := 1; i < len(seg); i++ {
		if c := seg[i]; c >= '0' && c <= '9' {
			if p := seg[i-1]; p == '_' || p == '-' || p == '.' {
				return true
			}
		}
	}
	return false
}

func isUUID(s []byte) bool {
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
