// Package route turns request URIs into routes: normalized paths whose
// id-like segments are collapsed to one placeholder, or the templates of a
// user's route table, under a per-process cardinality cap. Every route is a
// valid Datadog tag value.
package route

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
	for i, c := range uri {
		if c == '?' || c == '#' {
			uri = uri[:i]
			break
		}
	}
	if len(uri) > 7 && (string(uri[:7]) == "http://" || len(uri) > 8 && string(uri[:8]) == "https://") {
		rest := uri[7:]
		if uri[4] == 's' {
			rest = uri[8:]
		}
		uri = nil
		for i, c := range rest {
			if c == '/' {
				uri = rest[i:]
				break
			}
		}
		if uri == nil {
			return append(dst, '/')
		}
	}
	if len(uri) == 0 {
		return append(dst, '/')
	}
	if uri[0] != '/' {
		return append(dst, Other...)
	}
	for len(uri) > 0 {
		// uri starts with one or more '/'.
		for len(uri) > 0 && uri[0] == '/' {
			uri = uri[1:]
		}
		end := 0
		for end < len(uri) && uri[end] != '/' {
			end++
		}
		seg := uri[:end]
		uri = uri[end:]
		if len(seg) == 0 {
			if len(dst)-start < MaxLen {
				dst = append(dst, '/') // trailing slash
			}
			break
		}
		out := seg
		if !isPlaceholder(seg) && (IsID(seg) || !tagSafe(seg)) {
			out = placeholderBytes
		}
		// Every segment but the last must leave room for "/:rest".
		room := MaxLen - len(restSegment)
		if len(uri) == 0 {
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
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
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
	n := len(seg)
	if n == 0 {
		return false
	}
	var digits, hex, upper, lower, sepDigit int
	tokenChars := true
	for i, c := range seg {
		switch {
		case c >= '0' && c <= '9':
			digits++
			hex++
			if i > 0 && (seg[i-1] == '_' || seg[i-1] == '-' || seg[i-1] == '.') {
				sepDigit++
			}
		case c >= 'a' && c <= 'f':
			hex++
			lower++
		case c >= 'A' && c <= 'F':
			hex++
			upper++
		case c >= 'g' && c <= 'z':
			lower++
		case c >= 'G' && c <= 'Z':
			upper++
		case c == '_' || c == '-':
		default:
			tokenChars = false
		}
	}
	switch {
	case digits == n:
		return true
	case hex == n && n >= 16:
		return true
	case n == 36 && isUUID(seg):
		return true
	case digits >= 4:
		return true
	case sepDigit > 0 && digits >= 2:
		return true
	case tokenChars && n >= 20 && (digits > 0 || upper >= 2 && lower >= 2):
		return true
	case tokenChars && n >= 12 && digits > 0 && upper >= 2 && lower >= 2:
		return true
	}
	return false
}

func isUUID(s []byte) bool {
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
