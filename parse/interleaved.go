package parse

import "bytes"

// Two processes writing one stream at once interleave their bytes: when
// two gunicorn workers dump their stacks (faulthandler) while the arbiter
// logs, a gunicorn or app line can start in the middle of another line,
// e.g. (gunicorn 20.1.0, testdata/captures/incidents/gunicorn-ids/gunicorn-error.log):
//
//	Fatal Python error: [2026-12-01 07:24:41 +0000] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)
//
// interleaved finds such a line inside one that no parser recognized:
// a gunicorn line about a worker (its timeout, start, end or kill), or an
// app JSON object that ends the line. ok is false when there is none.
func (s *Stream) interleaved(line []byte, emit func(*Record)) (p Parser, o Outcome, m Malformation, ok bool) {
	for i := 1; i < len(line); i++ {
		j := bytes.IndexByte(line[i:], '[')
		if j < 0 {
			break
		}
		i += j
		if rest := line[i:]; len(rest) >= 31 && rest[5] == '-' && rest[8] == '-' && rest[11] == ' ' {
			if ok, err := ParseGunicorn(rest, &s.gev); ok && err == nil && s.gev.Kind != GunicornOther {
				s.gunicorn(emit)
				return ParserGunicorn, Matched, NotMalformed, true
			}
		}
	}
	if line[len(line)-1] != '}' {
		return ParserNone, Ignored, NotMalformed, false
	}
	r := &s.rec
	for i := 1; i < len(line); i++ {
		j := bytes.Index(line[i:], []byte(`{"`))
		if j < 0 {
			break
		}
		i += j
		r.Reset()
		r.EventMS = s.eventMS
		if ok, err := ParseJSON(line[i:], s.fields, r, &s.scratch); ok && err == nil && r.Kind != 0 {
			p, o, m = s.finish(ParserJSON, nil, emit)
			return p, o, m, true
		}
	}
	r.Reset()
	return ParserNone, Ignored, NotMalformed, false
}
