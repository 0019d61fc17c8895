package parse

import (
	"bytes"
	"testing"
)

// FuzzDumps feeds arbitrary input after real dump lines through a Stream:
// no panic, and no frame is invented — every stuck frame's function is
// the function of a frame line of the input that parses whole.
func FuzzDumps(f *testing.F) {
	for _, name := range []string{"incidents/gunicorn-ids/gunicorn-error.log", "incidents/uwsgi-ids/uwsgi.log"} {
		lines := realCaptureLines(f, name)
		for i := 0; i+40 < len(lines); i += 97 {
			f.Add(bytes.Join(lines[i:i+40], []byte("\n")))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		funcs := map[string]bool{}
		var dl DumpLine
		for _, l := range bytes.Split(in, []byte("\n")) {
			if ParseDumpLine(bytes.TrimSuffix(l, []byte("\r")), &dl) && len(dl.Func) > 0 {
				funcs[string(dl.Func)] = true
			}
		}
		s := NewStream(Config{}, "fuzz")
		emit := func(r *Record) {
			checkRecord(t, in, r)
			if r.Kind != KindStuck {
				return
			}
			i := bytes.LastIndexByte(r.Stuck.Frame, ':')
			if i < 0 || !funcs[string(r.Stuck.Frame[i+1:])] {
				t.Fatalf("frame %q is no frame line of the input", r.Stuck.Frame)
			}
		}
		for _, l := range bytes.Split(in, []byte("\n")) {
			s.Line(l, 0, emit)
		}
		s.Close(emit)
	})
}
