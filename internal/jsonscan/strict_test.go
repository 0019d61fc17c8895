package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The strict scanner must accept exactly what encoding/json accepts.

var strictCases = []string{
	// Real: a line of testdata/captures/nginx-access.json (nginx 1.22.1,
	// escape=json), as a JSON string inside a payload.
	`"{\"msec\":1795390233.664,\"request_uri\":\"/\",\"status\":200,\"request_body\":\"\"}"`,
	// Hand-written edge cases.
	`""`, `"a"`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u00e9\u00E9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d\u0041"`,
	`"caf` + "\u00e9" + `"`, "\"\xff\xfe\"", `"\x"`, `"\u12"`, `"\u12g4"`, `"a` + "\t" + `b"`, "\"\x00\"", "\"\x7f\"", `"abc`, `"abc\"`,
	`0`, `-0`, `1`, `-12`, `1.5`, `-1.5e+3`, `1E-2`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `1e+`, `0x1`, `123456789012345678901234567890`,
	`true`, `false`, `null`, `tru`, `nul`, `True`, `nulll`,
	`[]`, `[1]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `[[[]]]`, `[{}]`, `[{"a":[1,{"b":"]}\""}]}]`,
	`{}`, `{"a":1}`, `{"a":1,"b":[true,null]}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":1}}`,
	" \t\r\n{ \"a\" : [ 1 , 2 ] }", "\v1", `{"a":"\u0000"}`,
}

func TestSkipAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range strictCases {
		end, ok := Skip([]byte(c), 0)
		// A value followed by something else is a valid value for Skip,
		// not for json.Valid.
		valid := ok && SkipSpace([]byte(c), end) == len(c)
		if want := json.Valid([]byte(c)); valid != want {
			t.Errorf("Skip(%q) = %d, %v; json.Valid %v", c, end, ok, want)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, ok := Skip([]byte(deep), 0); !ok {
		t.Errorf("depth %d refused", MaxDepth)
	}
	if _, ok := Skip([]byte("["+deep+"]"), 0); ok {
		t.Errorf("depth %d accepted", MaxDepth+1)
	}
}

func TestStringAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range strictCases {
		if len(c) == 0 || c[0] != '"' {
			continue
		}
		var want string
		werr := json.Unmarshal([]byte(c), &want)
		b := []byte(c)
		end, escaped, ok := String(b, 1)
		got, gend, gok := AppendString([]byte("prefix"), b, 1)
		valid := ok && end == len(b)-1
		if valid != (werr == nil) || gok != ok || ok && gend != end {
			t.Errorf("%q: String %d %v, AppendString %d %v; encoding/json %v", c, end, ok, gend, gok, werr)
			continue
		}
		if !ok {
			continue
		}
		if escaped != strings.Contains(c[1:end], `\`) {
			t.Errorf("%q: escaped %v", c, escaped)
		}
		// encoding/json replaces bytes that are not UTF-8; AppendString
		// keeps them, as AppendUnescaped does.
		if s := jsonUTF8(got[len("prefix"):]); s != want {
			t.Errorf("%q: AppendString %q, encoding/json %q", c, got, want)
		}
		if u := AppendUnescaped(nil, b[1:end]); string(u) != string(got[len("prefix"):]) {
			t.Errorf("%q: AppendUnescaped %q, AppendString %q", c, u, got)
		}
	}
}

// jsonUTF8 is s as encoding/json reads it: each byte that is not part of
// valid UTF-8 becomes U+FFFD.
func jsonUTF8(s []byte) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		b.WriteRune(r)
		s = s[n:]
	}
	return b.String()
}

func TestIntAgreesWithStrconv(t *testing.T) {
	for _, c := range []string{"0", "7", "-0", "1795341623130", "12345678", "123456789", "1234567890123456", "12345678901234567",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "99999999999999999999",
		"01", "-", "", "1.5", "1e3", "1E3", "-a", "00", "-01"} {
		for _, tail := range []string{"", ",", "}"} {
			n, end, ok := Int([]byte(c+tail), 0)
			want, err := strconv.ParseInt(c, 10, 64)
			if wok := err == nil && json.Valid([]byte(c)); ok != wok || ok && (n != want || end != len(c)) {
				t.Errorf("Int(%q) = %d, %d, %v; strconv %d, %v", c+tail, n, end, ok, want, err)
			}
		}
	}
}

func TestPlainEnd(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{``, 0}, {`abc`, 3}, {`abc"`, 3}, {`abcdefghijklmnopqrstuvwxyz"`, 26}, {`abcdefghijklmnopqrstuvwxyz\`, 26},
		{"abcdefghijklmnop\x1fq", 16}, {"é€😀 plain, no end", len("é€😀 plain, no end")}, {"\x7f\x80\xff\"", 3}, {`a"b"`, 1},
	} {
		for pad := range 9 { // every alignment of the word loop
			in := strings.Repeat("x", pad) + c.in
			if got := PlainEnd([]byte(in), pad); got != pad+c.want {
				t.Errorf("PlainEnd(%q, %d) = %d, want %d", in, pad, got, pad+c.want)
			}
		}
	}
}

// FuzzStrict: Skip accepts what json.Valid accepts; a string it accepts
// unescapes as encoding/json reads it.
func FuzzStrict(f *testing.F) {
	for _, c := range strictCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		end, ok := Skip(b, 0)
		valid := ok && SkipSpace(b, end) == len(b)
		if want := json.Valid(b); valid != want && !(want && strings.Count(string(b), "[")+strings.Count(string(b), "{") > MaxDepth) {
			t.Fatalf("Skip(%q) = %d %v, json.Valid %v", b, end, ok, want)
		}
		if !valid || len(b) == 0 || b[SkipSpace(b, 0)] != '"' {
			return
		}
		i := SkipSpace(b, 0)
		got, _, ok := AppendString(nil, b, i+1)
		var want string
		if err := json.Unmarshal(b, &want); err != nil || !ok {
			t.Fatalf("%q: %v %v", b, ok, err)
		}
		if s := jsonUTF8(got); s != want {
			t.Fatalf("%q: AppendString %q, encoding/json %q", b, got, want)
		}
	})
}

// TestSpecial: the word test flags the first quote, backslash or control
// character of every word, wherever it is and whatever surrounds it.
func TestSpecial(t *testing.T) {
	var w [8]byte
	for c := range 256 {
		for pos := range 8 {
			for _, fill := range []byte{'a', ' ', '!', '#', '[', ']', '~', 0x7f, 0x80, 0xff, 0x21, 0x23, 0x5b, 0x5d} {
				for k := range w {
					w[k] = fill
				}
				w[pos] = byte(c)
				got := len(w)
				if m := special(binary.LittleEndian.Uint64(w[:])); m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				want := len(w)
				if isSpecial(byte(c)) {
					want = pos
				}
				if got != want {
					t.Fatalf("%q: first special at %d, want %d", w, got, want)
				}
			}
		}
	}
}
