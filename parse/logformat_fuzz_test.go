package parse

import (
	"reflect"
	"testing"
)

var fuzzServers = [...]string{"nginx", "uwsgi", "gunicorn", "apache"}

// FuzzCompileLogFormat: any format string either compiles or fails with an
// error, and a compiled format reads any line without panicking.
func FuzzCompileLogFormat(f *testing.F) {
	for _, c := range captureFormats(f) {
		for i, s := range fuzzServers {
			if s == c.server {
				f.Add(uint8(i), c.format, string(captureLines(f, c.file)[0]))
			}
		}
	}
	f.Add(uint8(2), "%(h)s %%(x) %(D)d %({x-request-id}i)s", "1.2.3.4 %(x) 12 abc")
	f.Add(uint8(3), `%400,501{User-agent}i %^ti %{c}a %<s`, "x")
	f.Fuzz(func(t *testing.T, server uint8, format, line string) {
		lf, err := CompileLogFormat(fuzzServers[int(server)%len(fuzzServers)], format)
		if err != nil {
			if lf != nil {
				t.Fatalf("%q: a format and an error", format)
			}
			return
		}
		if len(lf.fields) == 0 || len(lf.fields) > maxCaptures {
			t.Fatalf("%q: %d fields", format, len(lf.fields))
		}
		for i, fd := range lf.fields {
			if fd.after == nil && i != len(lf.fields)-1 || fd.after != nil && len(fd.after) == 0 {
				t.Fatalf("%q: field %d has no literal after it", format, i)
			}
		}
		var r Record
		var a AccessFields
		b := []byte(line)
		if ok, err := lf.Parse(b, &r, &a); ok && err == nil {
			checkAccess(t, b, &r, &a)
		}
	})
}

// FuzzLogFormatParse: the captured formats read any line without panicking;
// a line they do not read leaves the record untouched; what they read is sane.
func FuzzLogFormatParse(f *testing.F) {
	var formats []*LogFormat
	for _, c := range captureFormats(f) {
		formats = append(formats, mustCompile(f, c.server, c.format))
		for _, l := range captureLines(f, c.file)[:6] {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, lf := range formats {
			var r Record
			var a AccessFields
			ok, err := lf.Parse(line, &r, &a)
			if !ok && (err != nil || !reflect.DeepEqual(r, Record{}) || !reflect.DeepEqual(a, AccessFields{})) {
				t.Fatalf("%s: %q: not read, but err=%v %+v", lf, line, err, r)
			}
			if ok && err == nil {
				checkAccess(t, line, &r, &a)
				if r.Kind == KindRequest && r.Source != lf.Source() {
					t.Fatalf("%q: source %v", line, r.Source)
				}
			}
		}
	})
}
