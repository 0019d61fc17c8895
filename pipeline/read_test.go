package pipeline

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLineReaderRealCaptures: every line of the real captures comes out
// as written, whole, with and without a final newline and with \r\n.
func TestLineReaderRealCaptures(t *testing.T) {
	for _, name := range []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "nginx-access.json"} {
		b, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			t.Fatal(err)
		}
		want := realLines(t, name)
		for _, in := range []struct {
			name string
			b    []byte
		}{
			{"as written", b},
			{"no final newline", bytes.TrimSuffix(b, []byte("\n"))},
			{"crlf", bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))},
		} {
			t.Run(name+"/"+in.name, func(t *testing.T) {
				var lr LineReader
				var got []string
				tooLong := 0
				// Read twice through one reader: its buffers are reused.
				for range 2 {
					got = got[:0]
					if err := lr.Each(bytes.NewReader(in.b), func(l []byte) { got = append(got, string(l)) }, func() { tooLong++ }); err != nil {
						t.Fatal(err)
					}
				}
				var w []string
				for _, l := range want {
					if in.name == "crlf" {
						w = append(w, string(l)+"\r")
					} else {
						w = append(w, string(l))
					}
				}
				if diff := cmp.Diff(w, got); diff != "" || tooLong != 0 {
					t.Errorf("%d too long; lines (-want +got):\n%s", tooLong, diff)
				}
			})
		}
	}
}

// TestLineReaderLongLines: a line longer than the read buffer comes whole;
// one over MaxLineLen is counted once and skipped, and the next line is
// read as usual, at the end of the input too.
func TestLineReaderLongLines(t *testing.T) {
	long := strings.Repeat("a", readChunk+100)
	huge := strings.Repeat("x", MaxLineLen+10)
	for _, tc := range []struct {
		in        string
		want      []string
		tooLongCt int
	}{
		{long + "\nb\n", []string{long, "b"}, 0},
		{"a\n" + huge + "\nb", []string{"a", "b"}, 1},
		{huge + "\n" + huge, nil, 2},
		{"a\n" + huge, []string{"a"}, 1},
		{strings.Repeat("y", MaxLineLen) + "\n", []string{strings.Repeat("y", MaxLineLen)}, 0},
	} {
		var lr LineReader
		var got []string
		n := 0
		if err := lr.Each(strings.NewReader(tc.in), func(l []byte) { got = append(got, string(l)) }, func() { n++ }); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(tc.want, got) || n != tc.tooLongCt {
			t.Errorf("%d bytes: %d lines of %v bytes, %d too long; want %d lines, %d too long",
				len(tc.in), len(got), lineLens(got), n, len(tc.want), tc.tooLongCt)
		}
	}
}

func lineLens(lines []string) []int {
	var n []int
	for _, l := range lines {
		n = append(n, len(l))
	}
	return n
}

// BenchmarkLineReader splits the real captures, as the CLI reads a file.
func BenchmarkLineReader(b *testing.B) {
	var in []byte
	for _, name := range []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"} {
		raw, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			b.Fatal(err)
		}
		in = append(in, raw...)
	}
	var lr LineReader
	n := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := lr.Each(bytes.NewReader(in), func([]byte) { n++ }, func() {}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInterleave reads the real captures side by side, as report
// reads several log files.
func BenchmarkInterleave(b *testing.B) {
	names := []string{"uwsgi.log", "nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log", "nginx-access.json"}
	raw := make([][]byte, len(names))
	size := 0
	for i, name := range names {
		var err error
		if raw[i], err = os.ReadFile("../testdata/captures/" + name); err != nil {
			b.Fatal(err)
		}
		size += len(raw[i])
	}
	p := New(Config{})
	inputs := make([]Input, len(names))
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for i := range inputs {
			inputs[i] = Input{Name: names[i], R: bytes.NewReader(raw[i])}
		}
		if err := p.Interleave(inputs); err != nil {
			b.Fatal(err)
		}
	}
}
