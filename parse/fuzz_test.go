package parse

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
)

// seedLines adds the real captured lines and the table-test lines as seeds.
func seedLines(f *testing.F) {
	f.Helper()
	files, _ := filepath.Glob("../testdata/captures/*.log")
	json, _ := filepath.Glob("../testdata/captures/*.json")
	for _, name := range append(files, json...) {
		for i, l := range readLines(f, name) {
			if i%7 == 0 { // a sample keeps the seed corpus small
				f.Add(l)
			}
		}
	}
	for _, l := range realHarakiri {
		f.Add([]byte(l))
	}
}

// checkRecord asserts what every record must satisfy, whatever the input.
func checkRecord(t *testing.T, line []byte, r *Record) {
	t.Helper()
	if r.Kind == 0 {
		return
	}
	if r.Source >= NumSources || r.Timeout >= NumTimeouts {
		t.Fatalf("%q: source %d timeout %d out of range", line, r.Source, r.Timeout)
	}
	if r.Kind == KindRequest && (r.Status < 100 || r.Status > 999) {
		t.Fatalf("%q: request with status %d", line, r.Status)
	}
	if r.HasDuration && r.DurationUS < 0 {
		t.Fatalf("%q: negative duration %d", line, r.DurationUS)
	}
	if len(r.Method) > 0 && r.Source != SourceApp && r.Kind != KindTimeout && !isMethod(r.Method) {
		t.Fatalf("%q: method %q", line, r.Method)
	}
}

func fuzzParser(f *testing.F, parse func(line []byte, r *Record) (bool, error)) {
	seedLines(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		ok, err := parse(line, &r)
		if !ok && err != nil {
			t.Fatalf("%q: error %v without recognizing the line", line, err)
		}
		// Stream.Line tries parsers one after another on one record.
		if !ok && !reflect.DeepEqual(r, Record{}) {
			t.Fatalf("%q: not recognized, but the record was written: %+v", line, r)
		}
		if err == nil {
			checkRecord(t, line, &r)
		}
	})
}

func FuzzParseUWSGIRequest(f *testing.F) { fuzzParser(f, ParseUWSGIRequest) }
func FuzzParseCombined(f *testing.F) {
	fuzzParser(f, func(line []byte, r *Record) (bool, error) { return ParseCombined(line, 1, r) })
}
func FuzzParseNginxError(f *testing.F) { fuzzParser(f, ParseNginxError) }

func FuzzParseJSON(f *testing.F) {
	fields := DefaultJSONFields()
	var scratch []byte
	fuzzParser(f, func(line []byte, r *Record) (bool, error) { return ParseJSON(line, fields, r, &scratch) })
}

func FuzzParseUWSGIEvent(f *testing.F) {
	seedLines(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		var ev UWSGIEvent
		if ok, err := ParseUWSGIEvent(line, &ev); !ok && err != nil {
			t.Fatalf("%q: error without recognizing", line)
		}
	})
}

func FuzzParseGunicorn(f *testing.F) {
	seedLines(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		var ev GunicornEvent
		if ok, err := ParseGunicorn(line, &ev); !ok && err != nil {
			t.Fatalf("%q: error without recognizing", line)
		}
	})
}

// FuzzStream feeds arbitrary multi-line input through one Stream: no panic,
// every outcome valid, every record sane, timeouts never outnumber the lines
// that can carry one.
func FuzzStream(f *testing.F) {
	f.Add([]byte(joinLines(realHarakiri)))
	f.Add([]byte("[2026-11-22 23:31:06 +0000] [6847] [DEBUG] GET /slow/5\n[2026-11-22 23:31:08 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6847)\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewStream(Config{}, "fuzz")
		lines := bytes.Split(in, []byte("\n"))
		timeouts := 0
		emit := func(r *Record) {
			checkRecord(t, in, r)
			if r.Kind == KindTimeout {
				timeouts++
			}
		}
		for _, l := range lines {
			if _, o, _ := s.Line(l, 0, emit); o >= NumOutcomes {
				t.Fatalf("outcome %d", o)
			}
		}
		s.Close(emit)
		if timeouts > len(lines) {
			t.Fatalf("%d timeouts from %d lines", timeouts, len(lines))
		}
	})
}

func joinLines(ls []string) string {
	var b bytes.Buffer
	for _, l := range ls {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
