package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// Helpers of the tests of the user-format, Traefik, Apache and ALB parsers.
// They read testdata/captures/formats (real servers) and the formats exactly
// as testdata/capture/formats configured them.

const formatsCaptures = "../testdata/captures/formats/"

// formatsDir is the capture the tests read: the committed one, or a fresh
// one that `make e2e` made with testdata/capture/formats/capture.sh and
// names in SLOWROUTES_FORMATS_DIR. Tests that hold single lines to exact
// values (durations, client ports) read the committed one (committedLines).
func formatsDir() string {
	if d := os.Getenv("SLOWROUTES_FORMATS_DIR"); d != "" {
		return d
	}
	return formatsCaptures
}

// captureLines returns the lines of a captured file (without newlines).
func captureLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	return readLines(tb, filepath.Join(formatsDir(), name))
}

// committedLines returns the lines of a file of the committed capture.
func committedLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	return readLines(tb, filepath.Join(formatsCaptures, name))
}

// readLines returns the lines of the file at path (without newlines).
func readLines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// thirdPartyLines returns the lines of a file of testdata/formats.
func thirdPartyLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	return readLines(tb, filepath.Join("../testdata/formats", name))
}

// nginxConfFormats returns the log_format arguments of the capture's
// nginx.conf.in by name, as written there ("escape=json '...' '...'").
func nginxConfFormats(tb testing.TB) map[string]string {
	tb.Helper()
	b, err := os.ReadFile("../testdata/capture/formats/nginx.conf.in")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)log_format\s+(\w+)\s+([^;]*);`).FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	if len(out) < 6 {
		tb.Fatalf("found %d log_formats in nginx.conf.in", len(out))
	}
	return out
}

// apacheConfFormats returns the LogFormat strings of apache2.conf.in by name,
// quoted as in the config.
func apacheConfFormats(tb testing.TB) map[string]string {
	tb.Helper()
	b, err := os.ReadFile("../testdata/capture/formats/apache2.conf.in")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^LogFormat (".*") (\w+)$`).FindAllStringSubmatch(string(b), -1) {
		out[m[2]] = m[1]
	}
	if len(out) != 4 {
		tb.Fatalf("found %d LogFormats in apache2.conf.in", len(out))
	}
	return out
}

// captureScriptFormat returns a format the capture script passes on a
// command line (UWSGI_FORMAT, GUNICORN_FORMAT).
func captureScriptFormat(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("../testdata/capture/formats/capture.sh")
	if err != nil {
		tb.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `='(.*)'$`).FindSubmatch(b)
	if m == nil {
		tb.Fatalf("%s not in capture.sh", name)
	}
	return string(m[1])
}

// clientRow is one request of client.tsv: what the client sent and saw.
type clientRow struct {
	seq                                       int
	target, method, uri, op, rid, outcome, st string
	elapsedMS                                 float64
}

func clientRows(tb testing.TB, target string) []clientRow {
	tb.Helper()
	var rows []clientRow
	for i, l := range captureLines(tb, "client.tsv") {
		if i == 0 {
			continue
		}
		f := strings.Split(string(l), "\t")
		if len(f) != 9 {
			tb.Fatalf("client.tsv line %d: %d fields", i+1, len(f))
		}
		if f[1] != target {
			continue
		}
		seq, _ := strconv.Atoi(f[0])
		ms, _ := strconv.ParseFloat(f[8], 64)
		rows = append(rows, clientRow{seq, f[1], f[2], f[3], f[4], f[5], f[6], f[7], ms})
	}
	if len(rows) == 0 {
		tb.Fatalf("no %s rows in client.tsv", target)
	}
	return rows
}

func mustCompile(tb testing.TB, server, format string) *LogFormat {
	tb.Helper()
	f, err := CompileLogFormat(server, format)
	if err != nil {
		tb.Fatalf("CompileLogFormat(%s, %q): %v", server, format, err)
	}
	return f
}

// within says whether b is empty or lies inside one of bufs.
func within(b []byte, bufs ...[]byte) bool {
	if len(b) == 0 {
		return true
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	for _, buf := range bufs {
		if len(buf) == 0 {
			continue
		}
		s := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
		if p >= s && p+uintptr(len(b)) <= s+uintptr(len(buf)) {
			return true
		}
	}
	return false
}

// checkAccess asserts what every record and AccessFields of these parsers
// must satisfy, whatever the input: slices alias the line (or scratch),
// status in range, durations not negative, enums in range.
func checkAccess(t *testing.T, line []byte, r *Record, a *AccessFields, bufs ...[]byte) {
	t.Helper()
	bufs = append(bufs, line)
	for name, b := range map[string][]byte{
		"Method": r.Method, "URI": r.URI, "Route": r.Route, "Operation": r.Operation, "Body": r.Body,
		"TimeText": r.TimeText, "StartText": r.StartText, "RequestID": r.RequestID, "ClientAddr": r.ClientAddr, "UserAgent": r.UserAgent,
		"Router": a.Router, "Service": a.Service, "ErrorReason": a.ErrorReason,
	} {
		if !within(b, bufs...) {
			t.Fatalf("%q: %s %q does not alias the line", line, name, b)
		}
	}
	if r.Kind == KindRequest && (r.Status < 100 || r.Status > 999) {
		t.Fatalf("%q: request with status %d", line, r.Status)
	}
	if r.Source >= NumSources || r.Timeout >= NumTimeouts || r.Outcome > OutcomeUpstreamFailure ||
		r.Kind != 0 && r.Source == SourceUnknown || r.TimeLayout >= numLayouts || r.StartLayout >= numLayouts {
		t.Fatalf("%q: enum out of range: %+v %+v", line, r, a)
	}
	if r.HasDuration && r.DurationUS < 0 || a.UpstreamTimeUS < 0 || a.UpstreamTotalUS < a.UpstreamTimeUS {
		t.Fatalf("%q: bad durations %d %d %d", line, r.DurationUS, a.UpstreamTimeUS, a.UpstreamTotalUS)
	}
	if len(r.Method) > 0 && !isMethod(r.Method) {
		t.Fatalf("%q: method %q", line, r.Method)
	}
	if len(r.Operation) > 0 && !ValidOperation(r.Operation) {
		t.Fatalf("%q: operation %q", line, r.Operation)
	}
}
