package route

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// segmentCase is one row of testdata/segments.tsv.
type segmentCase struct {
	seg, want string
	class     class
	family    string
	line      int
}

// readSegmentTable reads testdata/segments.tsv; every row must belong to a
// family that names its source.
func readSegmentTable(tb testing.TB) []segmentCase {
	tb.Helper()
	f, err := os.Open("testdata/segments.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []segmentCase
	family := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			name, source, ok := strings.Cut(line[3:], " | ")
			if !ok || strings.TrimSpace(source) == "" {
				tb.Fatalf("segments.tsv:%d: family without a source: %q", n, line)
			}
			family = name
			continue
		case line == "" || line[0] == '#':
			continue
		case family == "":
			tb.Fatalf("segments.tsv:%d: row before any family", n)
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 || len(cols) > 3 || cols[0] == "" || strings.ContainsAny(cols[0], "/?#") {
			tb.Fatalf("segments.tsv:%d: bad row %q", n, line)
		}
		c := segmentCase{seg: cols[0], want: cols[0], family: family, line: n}
		switch cols[1] {
		case "word":
			c.class = classWord
		case "version":
			c.class = classVersion
		case "file":
			c.class = classFile
		case "id":
			c.class, c.want = classID, Placeholder
		default:
			tb.Fatalf("segments.tsv:%d: unknown class %q", n, cols[1])
		}
		if len(cols) == 3 {
			if c.class != classFile {
				tb.Fatalf("segments.tsv:%d: only file names have a written form", n)
			}
			c.want = cols[2]
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cases
}

// TestSegmentTable checks every real-world segment in both directions: ids
// must become ":id", words, versions and file names must stay (file names with
// their ids written "hash"). Each case runs twice, the second time on the
// first result, and inside a path as well as alone.
func TestSegmentTable(t *testing.T) {
	cases := readSegmentTable(t)
	if len(cases) < 200 {
		t.Fatalf("the table has %d segments; it must keep at least 200", len(cases))
	}
	seen := map[string]bool{}
	perClass := map[class]int{}
	for _, c := range cases {
		if seen[c.seg] {
			t.Errorf("segments.tsv:%d: %q is listed twice", c.line, c.seg)
		}
		seen[c.seg] = true
		perClass[c.class]++
		t.Run(c.seg, func(t *testing.T) {
			if got := classOf([]byte(c.seg)); got != c.class {
				t.Errorf("segments.tsv:%d (%s): %q is a %v, want %v", c.line, c.family, c.seg, got, c.class)
			}
			if got := IsID([]byte(c.seg)); got != (c.class == classID) {
				t.Errorf("IsID(%q) = %v", c.seg, got)
			}
			for _, tmpl := range []string{"/%s", "/api/v1/%s/edit", "/a/%s/"} {
				in, want := strings.Replace(tmpl, "%s", c.seg, 1), strings.Replace(tmpl, "%s", c.want, 1)
				got := string(Normalize(nil, []byte(in)))
				if got != want {
					t.Errorf("segments.tsv:%d: Normalize(%q) = %q, want %q", c.line, in, got, want)
				}
				if again := string(Normalize(nil, []byte(got))); again != got {
					t.Errorf("not idempotent: %q -> %q -> %q", in, got, again)
				}
				checkTagSafe(t, got)
			}
		})
	}
	for _, k := range []class{classWord, classVersion, classFile, classID} {
		if perClass[k] < 20 {
			t.Errorf("only %d segments of class %v", perClass[k], k)
		}
	}
}

// TestSegmentFamiliesAllocateNothing runs the whole table through Normalize
// under the allocation guard: file names, joined ids and hosts included.
func TestSegmentFamiliesAllocateNothing(t *testing.T) {
	var paths [][]byte
	for _, c := range readSegmentTable(t) {
		paths = append(paths, []byte("/api/"+c.seg+"/x"))
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(20, func() {
		for _, p := range paths {
			buf = Normalize(buf[:0], p)
		}
	}); n != 0 {
		t.Errorf("Normalize allocates %v times over the table", n)
	}
}

func TestClassString(t *testing.T) {
	for k, want := range map[class]string{classWord: "word", classVersion: "version", classFile: "file", classID: "id"} {
		if k.String() != want {
			t.Errorf("class %d is %q, want %q", k, k.String(), want)
		}
	}
}
