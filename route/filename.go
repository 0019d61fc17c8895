package route

import "bytes"

// extension reports the file extensions (without the dot, any case) that
// make a segment a file name. The list is of what web servers serve; a
// dotted segment with another ending is judged as a word, version or host
// (john.doe, v1.2.3, example.com).
func extension(ext []byte) bool {
	if len(ext) == 0 || len(ext) > 11 {
		return false
	}
	var b [11]byte
	for i, c := range ext {
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		default:
			return false
		}
		b[i] = c
	}
	switch string(b[:len(ext)]) {
	case "html", "htm", "xhtml", "shtml", "php", "asp", "aspx", "jsp", "cgi", "pl", "py", "rb",
		"js", "mjs", "cjs", "jsx", "ts", "tsx", "css", "scss", "less", "map", "wasm",
		"json", "jsonld", "xml", "txt", "csv", "tsv", "yaml", "yml", "toml", "ini", "md", "rst",
		"log", "pdf", "rss", "atom", "ics", "vcf", "webmanifest", "manifest", "plist", "xsl",
		"png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "heic", "jxl",
		"woff", "woff2", "ttf", "otf", "eot",
		"mp4", "webm", "mov", "m4v", "mkv", "avi", "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav",
		"flac", "m3u8", "m3u", "mpd", "m4s", "vtt", "srt",
		"zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "br", "jar", "war", "whl",
		"gem", "deb", "rpm", "apk", "ipa", "dmg", "exe", "msi", "pkg", "bin", "iso",
		"doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "epub",
		"pem", "crt", "cer", "der", "p12", "pfx", "asc", "sig",
		"kml", "kmz", "gpx", "geojson", "pbf", "mvt", "glb", "gltf", "obj", "stl", "usdz",
		"sql", "bak", "swf":
		return true
	}
	return false
}

// maxFileWords bounds the words of a file name Normalize looks into; a name
// with more is an id (no asset name has that many).
const maxFileWords = 16

type fileWord struct {
	start, end int32
	number     bool // digits only
	opaque     bool // an id, written "hash"
}

// fileName is the analysis of a file name: its words and which are ids.
type fileName struct {
	words   [maxFileWords]fileWord
	n       int
	rewrite bool // holds '@' or '~', written '_'
	hashed  bool // some word is an id
}

// classify tells a file name seg, whose extension starts at dot and whose
// bytes scan counted, that is nothing but ids (classID) from one that stays
// (classFile), leaving in f what appendTo needs to write it.
func (f *fileName) classify(seg []byte, dot int, cnt *classCounts, all uint16) class {
	if cnt[clDigit] == 0 && all&mUpper == 0 {
		// No digit, no upper case: no word and no part can be an id.
		f.n, f.rewrite, f.hashed = 0, all&mAt != 0, false
		return classFile
	}
	return f.analyze(seg, dot)
}

// analyze splits the name seg[:dot] into words at '.', '-', '_', '@' and '~'
// and marks the ids among them (see IsID). It returns classID for a name
// that is nothing but ids, else classFile.
func (f *fileName) analyze(seg []byte, dot int) class {
	f.n, f.rewrite, f.hashed = 0, false, false
	stem := seg[:dot]
	var w word
	var parts [2][2]int // word ranges of the first two dot-separated parts
	part := 0
	for start := 0; ; part++ {
		end := bytes.IndexByte(stem[start:], '.')
		if end < 0 {
			end = len(stem)
		} else {
			end += start
		}
		first := f.n
		digits, lower, upper, alnum := int32(0), int32(0), int32(0), 0
		for i := start; i < end; {
			k := byteClass[stem[i]]
			if k > clUpper {
				f.rewrite = f.rewrite || k == clAt
				i++
				continue
			}
			if f.n == maxFileWords {
				return classID
			}
			wend, m := wordEnd(stem, i)
			fw := fileWord{start: int32(i), end: int32(wend)}
			switch n := int32(wend - i); {
			case m == mDigit:
				digits += n
				fw.number, fw.opaque = true, n >= 4
			case m&^mLower == 0:
				lower += n
			default:
				w.scan(stem, i, false)
				digits, lower, upper = digits+w.digits, lower+w.lower, upper+w.upper
				fw.opaque = !isSize(stem[i:wend]) && w.opaque()
			}
			alnum += wend - i
			f.words[f.n] = fw
			f.n++
			i = wend
		}
		// A part that is an id as a whole: a UUID, an upper-case key
		// (INV-2026-0001, SKU-Q9), a numbered word (invoice_42), a hash.
		p := stem[start:end]
		whole := false
		if digits > 0 && lower+upper > 0 {
			whole = len(p) == 36 && isUUID(p) ||
				lower == 0 && alnum < len(p) ||
				numberedWord(p, int(digits)) && f.plain(stem, first)
		}
		switch {
		case whole || len(p) == 8 && !f.marked(first, int32(start)) && hashLike8(p):
			f.mark(first, 0)
		case len(p) >= 10 && p[len(p)-9] == '-' && !f.marked(first, int32(end-8)) && hashLike8(p[len(p)-8:]):
			f.mark(first, int32(end-8)) // Rollup's [name]-[hash]: index-BQ6iFkPz
		}
		if part < 2 {
			parts[part] = [2]int{first, f.n}
		}
		if end == len(stem) {
			break
		}
		start = end + 1
	}
	// A lone number as the name is an id (42.json, 787.c6b5d9e8.chunk.js),
	// unless a number follows it as in a version (1.0.json).
	if a := parts[0]; a[1]-a[0] == 1 && f.words[a[0]].number {
		b := parts[1]
		if part == 0 || b[1]-b[0] != 1 || !f.words[b[0]].number {
			f.words[a[0]].opaque = true
		}
	}
	// Small numbers next to an id belong to it: report-2026-11-22.csv.
	for i := 1; i < f.n; i++ {
		if f.words[i].number && f.words[i-1].opaque {
			f.words[i].opaque = true
		}
	}
	for i := f.n - 2; i >= 0; i-- {
		if f.words[i].number && f.words[i+1].opaque {
			f.words[i].opaque = true
		}
	}
	all := f.n > 0
	for _, w := range f.words[:f.n] {
		f.hashed = f.hashed || w.opaque
		all = all && w.opaque
	}
	if all {
		return classID
	}
	return classFile
}

// plain reports that no word from index first on is an id or our "hash":
// a part whose ids were written "hash" must not turn into a numbered word
// (hash_7) when it is read again. (An upper-case key cannot: "hash" is
// lower case; nor can a UUID or an 8-byte hash, which cannot hold it.) The
// rules that make a part an id all need a digit, which a name without
// digits or upper case lacks: classify needs no analysis for it.
func (f *fileName) plain(stem []byte, first int) bool {
	for _, w := range f.words[first:f.n] {
		if w.opaque || string(stem[w.start:w.end]) == string(fileHash) {
			return false
		}
	}
	return true
}

// marked reports that the words from index first on that start at from or
// later are all ids already.
func (f *fileName) marked(first int, from int32) bool {
	for i := first; i < f.n; i++ {
		if f.words[i].start >= from && !f.words[i].opaque {
			return false
		}
	}
	return true
}

// mark makes ids of the words from index first on that start at from or later.
func (f *fileName) mark(first int, from int32) {
	for i := first; i < f.n; i++ {
		if f.words[i].start >= from {
			f.words[i].opaque = true
		}
	}
}

// appendTo writes the analyzed file name seg: each run of ids becomes
// "hash", '@' and '~' become '_'.
func (f *fileName) appendTo(dst, seg []byte) []byte {
	if !f.hashed && !f.rewrite {
		return append(dst, seg...)
	}
	pos := 0
	for i := 0; i < f.n; i++ {
		if !f.words[i].opaque {
			continue
		}
		dst = f.appendName(dst, seg[pos:f.words[i].start])
		dst = append(dst, fileHash...)
		for i+1 < f.n && f.words[i+1].opaque {
			i++
		}
		pos = int(f.words[i].end)
	}
	return f.appendName(dst, seg[pos:])
}

func (f *fileName) appendName(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, b...)
	if f.rewrite {
		for i, c := range dst[n:] {
			if byteClass[c] == clAt {
				dst[n+i] = '_'
			}
		}
	}
	return dst
}

// hashLike8 reports 8 bytes that look like a content hash in Rollup's
// base64url alphabet (Vite's index-BQ6iFkPz.js, Astro's index.DRf8L97S.js)
// rather than a word (variable, SemiBold, version2). A window holding our
// own "hash" never is, so that a written name reads the same again.
func hashLike8(t []byte) bool {
	if len(t) != 8 {
		return false
	}
	var digits, upper, lower, seps, digitRuns, letterRuns int
	camel := byteClass[t[0]] == clUpper || byteClass[t[0]] == clHexUp
	mixing := false // a letter next to a digit, or a lower-case letter before an upper-case one
	prev := uint8(clSep)
	for i, c := range t {
		k := byteClass[c]
		switch k {
		case clDigit:
			digits++
			if prev != clDigit {
				digitRuns++
			}
			mixing = mixing || prev <= clUpper && prev != clDigit
		case clLower, clHexLow:
			lower++
			mixing = mixing || prev == clDigit
		case clUpper, clHexUp:
			upper++
			mixing = mixing || prev == clDigit || prev == clLower || prev == clHexLow
			if i+1 == len(t) || byteClass[t[i+1]] != clLower && byteClass[t[i+1]] != clHexLow {
				camel = false
			}
		case clSep, clAt:
			seps++
		default:
			return false
		}
		if k <= clUpper && k != clDigit && (prev == clDigit || prev >= clSep) {
			letterRuns++
		}
		prev = k
	}
	var like bool
	switch {
	case upper+lower == 0:
		return false
	case digits > 0 && seps > 0:
		like = upper > 0 && lower > 0 && mixing // CbGq0d-2, not Python-3
	case digits > 0:
		like = digitRuns > 1 || letterRuns > 1
	default:
		like = upper >= 2 && lower >= 2 && !camel
	}
	return like && !bytes.Contains(t, fileHash)
}

// isSize reports a size in a file name: 16x16, 1920x1080, 1080w, 2x, 4k.
func isSize(s []byte) bool {
	i := digitsAt(s, 0)
	if i == 0 || i == len(s) {
		return false
	}
	if c := s[i]; i+1 == len(s) {
		return c == 'w' || c == 'x' || c == 'h' || c == 'p' || c == 'k'
	}
	if s[i] != 'x' {
		return false
	}
	j := digitsAt(s, i+1)
	return j > 0 && i+1+j == len(s)
}
