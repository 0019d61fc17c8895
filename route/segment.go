package route

import "bytes"

// class is what a path segment is, which decides how Normalize writes it.
type class uint8

const (
	classWord    class = iota // kept: users, reset-password, oauth2, en-US, top-10-tips
	classVersion              // kept: v2, v1beta1, v1.2.3, 2.0
	classFile                 // kept, with ids in the name written "hash": main.hash.js
	classID                   // written ":id"
)

func (c class) String() string {
	switch c {
	case classWord:
		return "word"
	case classVersion:
		return "version"
	case classFile:
		return "file"
	}
	return "id"
}

// IsID reports whether Normalize writes a path segment as ":id". Normalize
// puts every segment in one class, by these rules in this order.
//
// File names (kept). A segment ending in a known extension (.js .css .png
// .pdf .json …, see extension) is a file name. It stays, except that each
// run of ids among the words of its name (split at . - _ @ ~) is written
// "hash", and '@' and '~' are written '_': main.e13041a6.js → main.hash.js,
// app-3f2a9c1d.css → app-hash.css, index-BQ6iFkPz.js → index-hash.js,
// logo@2x.png → logo_2x.png. The words are judged as segments are (below),
// except that numbers of up to 3 digits and sizes (16x16, 1080w, 2x) are ids
// only next to an id (sitemap-1.xml, favicon-32x32.png and
// fa-solid-900.woff2 stay; report-2026-11-22.csv → report-hash.csv), a lone
// number as the name is an id, and the 8 bytes after the last '-' of a name
// part are a hash when they look like one in Rollup's base64url alphabet. A
// name that is nothing but ids (42.json, <uuid>.jpg, INV-2026-0001.pdf,
// KFOmCnqEu92Fr1Mu4mxK.woff2), or that has more than 16 words, is an id.
//
// Data (id). Any other segment with a byte outside [A-Za-z0-9._-] (%, @, :,
// +, ;, =, non-ASCII, …) is data and could not be a tag value.
//
// Versions (kept): "v" and a number (v2, v10, v1beta1, v1p1beta1), or 2 or 3
// dotted numbers of up to 4 digits, with or without the "v" and with an
// optional pre-release: 1.0, 3.12.1, v1.2.3, 1.0.0-rc.1.
//
// Ids:
//   - all digits (42, 1347, Snowflakes), or digits and separators: dates
//     2026-11-22, addresses 10.0.0.1;
//   - a host name: dotted, ending in a common top-level domain (example.com);
//   - a UUID in any case; 16 or more hex digits with a digit (SHA-1, MD5,
//     ObjectId), or a hex word of 7 or more with 2 digits (commit e83c516);
//   - letters with a run of 4 or more digits: ord12345, inv-2026-0001;
//   - an upper-case key, letters and digits with a separator and no lower
//     case: Jira PROJ-123 and ABC-7, ORD-AB12, INV-XY7, SKU-Q9;
//   - a numbered word, letters then '_' and the only digits: usr_42;
//   - a word that reads as random: 3 or more changes between letter and
//     digit (ULIDs, KSUIDs, dQw4w9WgXcQ); mixed case with digits where a
//     digit run sits between a letter and a lower-case letter
//     (prod_NWjs8kKbJWmuuc), or where, over 8 or more bytes, 2 or more
//     upper-case letters make 40% of the letters and lower-case runs average
//     2 letters or fewer (cus_NffrFeUfNV2Hib), or where, over 16 or more, 30%
//     of the letters are upper case; letters alone when, over 10 or more, 3
//     or more upper-case letters pass the same 40% test. A mixed-case
//     segment is also read as one word without its '-' and '_' (YouTube's
//     Jg-rq8-x3VM, nanoid's V1StGXR8_Z5jdHi6B-myT).
//
// Everything else is a word and stays: invoices, reset-password, me, oauth2,
// 2fa, s3, x86_64, en-US, pt_BR, es-419, red-rain-coat, top-10-tips,
// iphone-15-pro, listInvoices, OAuth2Callback.
//
// Ambiguous shapes are decided by the rules alone, the same way everywhere:
// an upper-case code with a digit and a separator is an id even where it
// names a standard (ABC-7 and UTF-8 alike; lower-case utf-8 is a word); a
// slug ending in a number of up to 3 digits is a word (order-17 like
// potion-1) but 4 digits make it an id (best-laptops-2026, iso8601, 1080p);
// short codes without these marks are words (AB12, Q9, Hashids' yr8,
// EATedTBy); socket.io is a host. Give such routes a template in the route
// table. testdata/segments.tsv lists real segments of each family with
// their class and source.
func IsID(seg []byte) bool {
	if len(seg) == 0 || bytes.IndexByte(seg, '/') >= 0 || seg[0] == ':' {
		return false
	}
	return classOf(seg) == classID
}

// classOf is the class of one non-empty segment without '/'.
func classOf(seg []byte) class {
	var cnt classCounts
	_, all := scan(seg, 0, &cnt)
	c, dot := classify(seg, &cnt, all)
	if c == classFile {
		var f fileName
		return f.classify(seg, dot, &cnt, all)
	}
	return c
}

// classify applies the rules of IsID to one non-empty segment without '/'
// whose bytes scan counted. For a file name it returns classFile and the
// index of the extension's dot; fileName.classify tells whether that name is
// nothing but an id.
func classify(seg []byte, cnt *classCounts, all uint16) (class, int) {
	if all&(mLower|mSep) == all { // lower-case words, the common case
		return classWord, 0
	}
	if all&(mDot|mAt) != 0 && all&mUnsafe == 0 {
		if dot := bytes.LastIndexByte(seg, '.'); dot > 0 && extension(seg[dot+1:]) {
			return classFile, dot
		}
	}
	return classifyToken(seg, cnt, all), 0
}

func classifyToken(seg []byte, cnt *classCounts, all uint16) class {
	if all&(mUnsafe|mAt) != 0 {
		return classID
	}
	if all&^(mLower|mSep|mDot) == 0 { // lower-case dotted words
		if isHost(seg) {
			return classID
		}
		return classWord
	}
	n, digits := len(seg), int(cnt[clDigit])
	lower := int(cnt[clHexLow] + cnt[clLower])
	letters := lower + int(cnt[clHexUp]+cnt[clUpper])
	switch {
	case digits == n:
		return classID
	case all&^mHex == 0 && n >= 16 && digits > 0:
		return classID // SHA-1, MD5, ObjectId without separators
	case isVersion(seg):
		return classVersion
	case all&mDot != 0 && isHost(seg):
		return classID
	case letters == 0 && digits > 0:
		return classID
	case n == 36 && cnt[clSep] == 4 && isUUID(seg):
		return classID
	case lower == 0 && digits > 0 && cnt[clSep] > 0:
		return classID // upper-case key: PROJ-123, ORD-AB12
	case digits > 0 && numberedWord(seg, digits):
		return classID
	}
	var w word
	maxRun := 0
	for i := 0; i < len(seg); {
		if byteClass[seg[i]] > clUpper {
			i++
			continue
		}
		end, m := wordEnd(seg, i)
		switch {
		case m == mDigit:
			maxRun = max(maxRun, end-i)
		case m&^mLower != 0:
			if w.scan(seg, i, false); w.opaque() {
				return classID
			}
			maxRun = max(maxRun, int(w.maxRun))
		}
		i = end
	}
	if maxRun >= 4 && letters > 0 {
		return classID
	}
	// Random ids may hold '-' and '_' (YouTube's Jg-rq8-x3VM, nanoid's
	// V1StGXR8_Z5jdHi6B-myT): a mixed-case segment is judged whole as well.
	if lower > 0 && letters > lower && cnt[clSep] > 0 && letters+digits >= 8 {
		if w.scan(seg, 0, true); w.opaque() {
			return classID
		}
	}
	return classWord
}

// numberedWord reports words ending in an underscore and a number, with no
// other digits: usr_42, user_account_7 (but not x86_64).
func numberedWord(s []byte, digits int) bool {
	i := len(s)
	for i > 0 && byteClass[s[i-1]] == clDigit {
		i--
	}
	return i > 1 && len(s)-i == digits && (s[i-1] == '_' || byteClass[s[i-1]] == clAt)
}

// word describes one run of letters and digits between separators.
type word struct {
	start, end           int32
	n                    int32 // letters and digits
	digits, upper, lower int32
	nonHex               int32 // letters outside a-f and A-F
	maxRun               int32 // longest run of digits
	alt                  int32 // letter-digit changes
	lowerRuns            int32 // runs of lower-case letters
	sandwich             bool
}

// wordEnd returns the end of the word that starts at s[i] and the classes
// of its bytes: most words are all lower case or all digits, and need no
// closer look.
func wordEnd(s []byte, i int) (int, uint16) {
	m := uint16(0)
	for ; i < len(s); i++ {
		k := byteClass[s[i]]
		if k > clUpper {
			break
		}
		m |= 1 << k
	}
	return i, m
}

// scan describes the word that starts at s[i]; joined, it reads on over
// '-' and '_' as if they were not there.
func (w *word) scan(s []byte, i int, joined bool) {
	*w = word{start: int32(i)}
	prev := uint8(clSep) // no previous byte
	run, afterLetter := int32(0), false
	for ; i < len(s); i++ {
		k := byteClass[s[i]]
		switch k {
		case clDigit:
			w.digits++
			if prev != clDigit {
				run = 0
				afterLetter = prev != clSep
				if afterLetter {
					w.alt++
				}
			}
			run++
			w.maxRun = max(w.maxRun, run)
		case clLower, clHexLow:
			if prev == clDigit {
				w.alt++
				w.sandwich = w.sandwich || afterLetter
			}
			if prev != clLower && prev != clHexLow {
				w.lowerRuns++
			}
			w.lower++
			if k == clLower {
				w.nonHex++
			}
		case clUpper, clHexUp:
			if prev == clDigit {
				w.alt++
			}
			w.upper++
			if k == clUpper {
				w.nonHex++
			}
		case clSep:
			if joined {
				continue
			}
			w.end = int32(i)
			return
		default:
			w.end = int32(i)
			return
		}
		w.n++
		prev = k
	}
	w.end = int32(i)
}

// opaque reports a word that reads as an id (see IsID). Numbers are left to
// the caller, whose rules differ for segments and file names.
func (w *word) opaque() bool {
	n, letters := w.n, w.upper+w.lower
	switch {
	case letters == 0:
		return false
	case w.maxRun >= 4:
		return true
	case w.nonHex == 0 && w.digits > 0 && (n >= 16 || n >= 7 && w.digits >= 2):
		return true
	case w.alt >= 3:
		return true
	case w.upper == 0 || w.lower == 0:
		return false
	}
	fastCase := w.upper*5 >= letters*2 && w.lower <= 2*w.lowerRuns
	if w.digits > 0 {
		return w.sandwich || n >= 8 && w.upper >= 2 && fastCase || n >= 16 && w.upper*10 >= letters*3
	}
	return n >= 10 && w.upper >= 3 && fastCase
}

// isVersion accepts v2, v10, v1beta1, v1p1beta1, v1.2.3, 1.0, 3.12.1 and
// 1.0.0-rc.1: a "v" and a number, or 2 or 3 dotted numbers (four are an
// IPv4 address), each of at most 4 digits, with an optional pre-release.
func isVersion(s []byte) bool {
	v := s[0] == 'v' || s[0] == 'V'
	i := 0
	if v {
		i = 1
	}
	j := digitsAt(s, i)
	if j == 0 || j > 4 {
		return false
	}
	i += j
	if v && i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
		if len(s) > 12 {
			return false
		}
		for _, c := range s[i:] {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return false
			}
		}
		return true // v1beta1, v2alpha
	}
	parts := 1
	for i < len(s) && s[i] == '.' {
		j = digitsAt(s, i+1)
		if j == 0 || j > 4 {
			return false
		}
		i += 1 + j
		parts++
	}
	if !v && (parts < 2 || parts > 3) {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '-' || i+1 == len(s) || len(s)-i > 16 || byteClass[s[i+1]] < clHexLow || byteClass[s[i+1]] > clUpper {
		return false // a pre-release starts with a letter: -rc.1, -beta
	}
	for _, c := range s[i+1:] {
		if k := byteClass[c]; k > clDot || k == clSep && c != '-' {
			return false
		}
	}
	return true // 1.0.0-rc.1, v2.0.0-beta
}

func digitsAt(s []byte, i int) int {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return j - i
}

// isHost reports a dotted name ending in a top-level domain that is not also
// a file extension: example.com, api.stripe.com, www.example.co.uk.
func isHost(s []byte) bool {
	dot := bytes.LastIndexByte(s, '.')
	if dot <= 0 || s[0] == '.' || bytes.Contains(s, []byte("..")) || len(s)-dot > 6 {
		return false
	}
	var tld [5]byte
	n := copy(tld[:], s[dot+1:])
	for i := range n {
		c := tld[i]
		if c >= 'A' && c <= 'Z' {
			tld[i] = c + 'a' - 'A'
		} else if c < 'a' || c > 'z' {
			return false
		}
	}
	switch string(tld[:n]) {
	case "com", "net", "org", "edu", "gov", "mil", "int", "io", "dev", "app", "co",
		"ai", "cloud", "info", "biz", "me", "tv", "us", "uk", "de", "fr", "nl", "eu",
		"ca", "au", "jp", "cn", "ru", "br", "es", "it":
		return true
	}
	return false
}
