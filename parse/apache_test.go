package parse

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestParseApacheAccessCaptures reads the three captured Apache logs that
// differ only in the duration's unit and checks them against the client.
func TestParseApacheAccessCaptures(t *testing.T) {
	rows := clientRows(t, "apache")
	for _, c := range []struct {
		file   string
		unitUS int64
	}{{"apache-access-D.log", 1}, {"apache-access-ms.log", 1000}, {"apache-access-T.log", 1e6}} {
		lines := captureLines(t, c.file)
		if len(lines) != len(rows) {
			t.Fatalf("%s: %d lines, %d client rows", c.file, len(lines), len(rows))
		}
		used := make([]bool, len(rows))
		for _, l := range lines {
			var r Record
			var a AccessFields
			ok, err := ParseApacheAccess(l, c.unitUS, &r, &a)
			if !ok || err != nil || !r.HasDuration {
				t.Fatalf("%s: %q: ok=%v err=%v", c.file, l, ok, err)
			}
			checkAccess(t, l, &r, &a)
			j := matchRow(rows, used, &r, &a, false) // Apache's threads log in the order requests end
			if j < 0 {
				t.Fatalf("%s: %q: no such request in client.tsv", c.file, l)
			}
			row := rows[j]
			want := row.st
			if row.outcome == "client_abort" {
				want = "200" // Apache logs the backend's answer it could not deliver
			}
			if itoa(r.Status) != want || string(r.Method) != row.method || !sameURI(r.URI, row.uri, "apache") {
				t.Errorf("%s: %q: got %s %s %d, want %s %s %s", c.file, l, r.Method, r.URI, r.Status, row.method, row.uri, want)
			}
			// %T truncates to whole seconds, %{ms}T to ms: within one unit of the client.
			if row.outcome != "client_abort" && float64(r.DurationUS)/1000 > row.elapsedMS+1 || float64(r.DurationUS+c.unitUS)/1000 < row.elapsedMS-5 && row.outcome != "client_abort" {
				t.Errorf("%s: %q: %d µs, the client waited %.1f ms", c.file, l, r.DurationUS, row.elapsedMS)
			}
		}
	}
	var r Record
	var a AccessFields
	for _, l := range [][]byte{[]byte(`127.0.0.1 - - [01/Dec/2026:06:54:26 +0000] "GET /search?q=\"refund\" HTTP/1.1`)} { // hand-written: truncated
		if ok, err := ParseApacheAccess(l, 1, &r, &a); !ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want malformed", l, ok, err)
		}
	}
}

// TestApacheProxyErrors reads the captured error log: two backend timeouts
// (ProxyTimeout 1, backend 1.5 s) on the routes the client saw answered 502,
// and a refused connection, which names no route.
func TestApacheProxyErrors(t *testing.T) {
	var p ApacheProxyErrors
	var got []string
	for _, l := range committedLines(t, "apache-error.log") {
		var r Record
		var a AccessFields
		ok, err := p.Line(l, &r, &a)
		if !ok || err != nil {
			t.Fatalf("%q: ok=%v err=%v", l, ok, err)
		}
		if r.Kind != 0 {
			checkAccess(t, l, &r, &a)
			got = append(got, string(r.URI)+" "+r.Timeout.String()+" "+string(r.ClientAddr)+" "+string(a.ErrorReason))
		}
	}
	// The client ports of the two timed-out requests, as the log has them.
	want := []string{"/slow/9 apache_proxy_timeout 127.0.0.1:55020 AH00898", "/graphql apache_proxy_timeout 127.0.0.1:55036 AH00898"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// What each real line carries.
	var ev ApacheErrorEvent
	kinds := map[string]ApacheErrorKind{}
	for _, l := range captureLines(t, "apache-error.log") {
		if ok, err := ParseApacheError(l, &ev); !ok || err != nil {
			t.Fatalf("%q: %v %v", l, ok, err)
		}
		if ev.Code != nil {
			kinds[string(ev.Code)] = ev.Kind
		}
		if ev.PID == 0 || len(ev.Time) != 31 || ev.Module == nil || ev.Level == nil {
			t.Errorf("%q: %+v", l, ev)
		}
	}
	if wantK := map[string]ApacheErrorKind{"AH00489": ApacheErrorOther, "AH00094": ApacheErrorOther, "AH01102": ApacheBackendTimeout,
		"AH00898": ApacheProxyError, "AH00957": ApacheConnectFailed, "AH01114": ApacheConnectFailed, "AH00491": ApacheErrorOther}; !reflect.DeepEqual(kinds, wantK) {
		t.Errorf("kinds %v, want %v", kinds, wantK)
	}
	// Hand-written: an AH00898 without an AH01102 before it (a reset), and
	// an AH01102 with a reset cause: backend failures, not timeouts.
	p = ApacheProxyErrors{}
	for _, l := range []string{
		`[Tue Dec 01 06:54:28.973107 2026] [proxy_http:error] [pid 18172:tid 18178] (104)Connection reset by peer: [client 127.0.0.1:53934] AH01102: error reading status line from remote server 127.0.0.1:60209`,
		`[Tue Dec 01 06:54:28.973157 2026] [proxy:error] [pid 18172:tid 18178] [client 127.0.0.1:53934] AH00898: Error reading from remote server returned by /slow/9`,
		`[Tue Dec 01 06:54:29.973157 2026] [proxy:error] [pid 18172:tid 18179] [client 127.0.0.1:53990] AH00898: Error reading from remote server returned by /exports/1/csv`,
	} {
		var r Record
		var a AccessFields
		if ok, err := p.Line([]byte(l), &r, &a); !ok || err != nil {
			t.Fatalf("%q: %v %v", l, ok, err)
		}
		if strings.Contains(l, "AH00898") && (r.Kind != KindUpstreamFailure || r.Status != 502 || r.Source != SourceApache) {
			t.Errorf("%q: %+v", l, r)
		}
	}
}

func TestApacheNoAllocs(t *testing.T) {
	var r Record
	var a AccessFields
	var p ApacheProxyErrors
	noAllocs(t, captureLines(t, "apache-access-D.log"), func(l []byte) { ParseApacheAccess(l, 1, &r, &a) })
	noAllocs(t, captureLines(t, "apache-error.log"), func(l []byte) {
		r.Reset()
		p.Line(l, &r, &a)
	})
}

func BenchmarkParseApacheAccess(b *testing.B) {
	var r Record
	var a AccessFields
	benchmarkLines(b, captureLines(b, "apache-access-D.log"), func(l []byte) {
		r.Reset()
		ParseApacheAccess(l, 1, &r, &a)
	})
}

func BenchmarkApacheProxyErrors(b *testing.B) {
	var r Record
	var a AccessFields
	var p ApacheProxyErrors
	benchmarkLines(b, captureLines(b, "apache-error.log"), func(l []byte) {
		r.Reset()
		p.Line(l, &r, &a)
	})
}

func FuzzParseApacheAccess(f *testing.F) {
	for _, name := range []string{"apache-access-D.log", "apache-access-ms.log"} {
		for _, l := range captureLines(f, name) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		var a AccessFields
		ok, err := ParseApacheAccess(line, 1, &r, &a)
		if !ok && (err != nil || !reflect.DeepEqual(r, Record{})) {
			t.Fatalf("%q: not read, but err=%v %+v", line, err, r)
		}
		if ok && err == nil {
			checkAccess(t, line, &r, &a)
		}
	})
}

func FuzzApacheProxyErrors(f *testing.F) {
	for _, l := range captureLines(f, "apache-error.log") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p ApacheProxyErrors
		for _, l := range bytes.Split(in, []byte("\n")) {
			var r Record
			var a AccessFields
			ok, err := p.Line(l, &r, &a)
			if !ok && (err != nil || r.Kind != 0) {
				t.Fatalf("%q: not read, but err=%v kind=%d", l, err, r.Kind)
			}
			if r.Kind != 0 {
				if r.Kind != KindTimeout && r.Kind != KindUpstreamFailure || len(r.URI) == 0 {
					t.Fatalf("%q: %+v", l, r)
				}
				checkAccess(t, l, &r, &a)
			}
		}
	})
}
