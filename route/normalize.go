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
//   - merges repeated slashes and keeps a trailing one;
//   - writes each segment by its class (see IsID): a word or a version as it
//     is, an id as ":id", a file name with the ids in its name written "hash"
//     (main.e13041a6.js → main.hash.js, logo@2x.png → logo_2x.png);
//   - keeps segments of the form ":name" (placeholders), so that Normalize is idempotent;
//   - cuts a route longer than MaxLen at a segment boundary, ending it with "/:rest".
//
// Every segment of the result is a ":name" placeholder or a run of
// [A-Za-z0-9._-], so the route is a valid Datadog tag value that cannot carry
// DogStatsD syntax. A URI that is not a path gives Other; an empty one, "/".
// Normalize does not allocate when dst has room.
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
		mark := len(dst)
		dst = append(dst, '/')
		dst = appendSegment(dst, seg, &cnt, all)
		// Every segment but the last must leave room for "/:rest".
		room := MaxLen - len(restSegment)
		if i == len(uri) {
			room = MaxLen
		}
		if len(dst)-start > room {
			return append(dst[:mark], restSegment...)
		}
	}
	return dst
}

var (
	placeholderBytes = []byte(Placeholder)
	fileHash         = []byte("hash") // what an id inside a file name is written as
)

// appendSegment appends the normalized form of one non-empty path segment
// whose bytes scan counted.
func appendSegment(dst, seg []byte, cnt *classCounts, all uint16) []byte {
	if seg[0] == ':' {
		if isPlaceholder(seg) {
			return append(dst, seg...)
		}
		return append(dst, placeholderBytes...)
	}
	switch c, dot := classify(seg, cnt, all); c {
	case classID:
		return append(dst, placeholderBytes...)
	case classFile:
		return appendFile(dst, seg, dot, cnt, all)
	}
	return append(dst, seg...)
}

// appendFile appends the file name seg, whose extension starts at dot.
func appendFile(dst, seg []byte, dot int, cnt *classCounts, all uint16) []byte {
	var f fileName
	if f.classify(seg, dot, cnt, all) == classID {
		return append(dst, placeholderBytes...)
	}
	return f.appendTo(dst, seg)
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

// tagSafe accepts the bytes a route segment may keep as they are: [A-Za-z0-9._-].
func tagSafe(seg []byte) bool {
	for _, c := range seg {
		if byteClass[c] >= clAt {
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
	clAt            // @ ~: kept in file names (logo@2x.png, vendors~main.js), written '_'
	clUnsafe        // anything else a tag value cannot keep
	clSlash         // '/': ends a segment
	numClasses
)

const (
	mDigit  = 1 << clDigit
	mLower  = 1<<clHexLow | 1<<clLower
	mUpper  = 1<<clHexUp | 1<<clUpper
	mHex    = 1<<clDigit | 1<<clHexLow | 1<<clHexUp
	mSep    = 1 << clSep
	mDot    = 1 << clDot
	mAt     = 1 << clAt
	mUnsafe = 1 << clUnsafe
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
		case c == '@' || c == '~':
			t[i] = clAt
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

// isUUID reports an RFC 9562 textual UUID, 8-4-4-4-12 hex digits in any case.
func isUUID(s []byte) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
