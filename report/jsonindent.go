package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the document as indented JSON, with each array of
// numbers or strings on one line: a row's latency histogram is one line,
// not nineteen.
func WriteJSON(w io.Writer, d Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	out = indent(out, b)
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

// indent appends the compact JSON src to dst indented by two spaces per
// level, as json.Indent does, except that an array holding no object or
// array is kept on one line.
func indent(dst, src []byte) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := stringEnd(src, i)
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '[':
			if j, flat := flatArray(src, i); flat {
				dst = appendFlat(dst, src[i:j])
				i = j - 1
				continue
			}
			fallthrough
		case '{':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd returns the index just past the JSON string starting at src[i].
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// flatArray reports whether the array starting at src[i] holds no object
// or array, and where it ends.
func flatArray(src []byte, i int) (int, bool) {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '"':
			j = stringEnd(src, j) - 1
		case '[', '{':
			return 0, false
		case ']':
			return j + 1, true
		}
	}
	return 0, false
}

// appendFlat appends a flat array with a space after each comma.
func appendFlat(dst, arr []byte) []byte {
	for i := 0; i < len(arr); i++ {
		if arr[i] == '"' {
			j := stringEnd(arr, i)
			dst = append(dst, arr[i:j]...)
			i = j - 1
			continue
		}
		dst = append(dst, arr[i])
		if arr[i] == ',' {
			dst = append(dst, ' ')
		}
	}
	return dst
}
