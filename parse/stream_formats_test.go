package parse

import (
	"strings"
	"testing"
)

// streamLine is what Stream.Line made of one line.
type streamLine struct {
	parser  Parser
	outcome Outcome
	recs    []Record
}

// runStream feeds lines through one Stream and returns what each became.
// Records are copied with their slices, which alias the lines.
func runStream(tb testing.TB, cfg Config, lines [][]byte) []streamLine {
	tb.Helper()
	s := NewStream(cfg, "formats")
	out := make([]streamLine, len(lines))
	for i, l := range lines {
		p, o, _ := s.Line(l, 0, func(r *Record) { out[i].recs = append(out[i].recs, *r) })
		out[i].parser, out[i].outcome = p, o
	}
	return out
}

// TestStreamUserFormats: with the format that wrote it configured, every
// captured access log is read line by line by the Stream, each request once,
// under the parser of its server, with the duration and the request start
// or end time its format logs.
func TestStreamUserFormats(t *testing.T) {
	for _, c := range captureFormats(t) {
		t.Run(c.file, func(t *testing.T) {
			f := mustCompile(t, c.server, c.format)
			rows := clientRows(t, c.target)
			want := 0
			for _, row := range rows {
				if c.server != "uwsgi" || !strings.HasPrefix(row.uri, "/down/") { // they never reached uWSGI
					want++
				}
			}
			got := 0
			for _, sl := range runStream(t, Config{LogFormats: []*LogFormat{f}}, captureLines(t, c.file)) {
				for _, r := range sl.recs {
					if r.Kind != KindRequest {
						continue
					}
					got++
					if r.Source != f.Source() || sl.parser != parserOf(f.Source()) || sl.outcome != Matched {
						t.Errorf("%s %s: source %v, parser %v, outcome %v", r.Method, r.URI, r.Source, sl.parser, sl.outcome)
					}
					if hasVar(c.format, "$request_time", "%(micros)", "%(D)s", "%D", "%{us}T", "%{ms}T", "%T") && !r.HasDuration {
						t.Errorf("%s %s: no duration", r.Method, r.URI)
					}
					if r.TimeUS == 0 || r.StartUS == 0 && r.HasDuration {
						t.Errorf("%s %s: time %d, start %d", r.Method, r.URI, r.TimeUS, r.StartUS)
					}
				}
			}
			if got != want {
				t.Errorf("%d requests, the client record says %d", got, want)
			}
		})
	}
}

// TestStreamReadsEveryFormat: without configuration, the Stream reads
// Traefik (CLF and JSON), ALB entries and Apache's error log by their shape,
// and Apache's access log with --access-source apache.
func TestStreamReadsEveryFormat(t *testing.T) {
	type tally struct {
		requests, timeouts, failures, other int
		bySource                            map[Source]int
	}
	count := func(out []streamLine, p Parser) tally {
		t.Helper()
		tl := tally{bySource: map[Source]int{}}
		for i, sl := range out {
			if sl.parser != p || sl.outcome != Matched {
				tl.other++
				continue
			}
			for _, r := range sl.recs {
				tl.bySource[r.Source]++
				switch r.Kind {
				case KindRequest:
					tl.requests++
				case KindTimeout:
					tl.timeouts++
				case KindUpstreamFailure:
					tl.failures++
				default:
					t.Errorf("line %d: kind %d", i, r.Kind)
				}
			}
		}
		return tl
	}
	// Traefik: one CLF line has status "-" (no request), the JSON file ends
	// with Traefik's own log line.
	if tl := count(runStream(t, Config{}, thirdPartyLines(t, "traefik/common.log")), ParserTraefik); tl.requests != 9 || tl.other != 0 || tl.bySource[SourceTraefik] != 9 {
		t.Errorf("traefik common: %+v", tl)
	}
	if tl := count(runStream(t, Config{}, thirdPartyLines(t, "traefik/json.log")), ParserTraefik); tl.requests != 5 || tl.other != 1 || tl.bySource[SourceTraefik] != 5 {
		t.Errorf("traefik json: %+v", tl)
	}
	// genericCLF is the combined shape: nginx's by default.
	if tl := count(runStream(t, Config{}, thirdPartyLines(t, "traefik/generic-clf.log")), ParserNginxAccess); tl.other != 0 || tl.requests == 0 {
		t.Errorf("traefik genericCLF: %+v", tl)
	}
	// ALB: the last line is a request the load balancer could not read.
	if tl := count(runStream(t, Config{}, thirdPartyLines(t, "alb/access.log")), ParserALB); tl.requests != 6 || tl.other != 0 || tl.bySource[SourceALB] != 6 {
		t.Errorf("alb: %+v", tl)
	}
	// Apache's error log: two backend timeouts, on /slow/9 and /graphql.
	out := runStream(t, Config{}, captureLines(t, "apache-error.log"))
	if tl := count(out, ParserApacheError); tl.timeouts != 2 || tl.failures != 0 || tl.other != 0 {
		t.Errorf("apache error log: %+v", tl)
	}
	var routes []string
	for _, sl := range out {
		for _, r := range sl.recs {
			routes = append(routes, string(r.URI)+" "+r.Timeout.String())
		}
	}
	if strings.Join(routes, ",") != "/slow/9 apache_proxy_timeout,/graphql apache_proxy_timeout" {
		t.Errorf("apache timeouts %q", routes)
	}
	// Apache's access log: the combined shape, and Apache's with --access-source apache.
	for _, c := range []struct {
		file   string
		unitUS int64
	}{{"apache-access-D.log", 1}, {"apache-access-ms.log", 1000}} {
		out := runStream(t, Config{AccessSource: SourceApache, AccessIntUnitUS: c.unitUS}, captureLines(t, c.file))
		tl := count(out, ParserApacheAccess)
		if tl.requests != len(clientRows(t, "apache")) || tl.other != 0 || tl.bySource[SourceApache] != tl.requests {
			t.Errorf("%s: %+v", c.file, tl)
		}
		for _, sl := range out {
			if r := sl.recs[0]; r.StartUS == 0 || r.TimeUS != r.StartUS+r.DurationUS {
				t.Errorf("%s: %s %s start %d time %d duration %d", c.file, r.Method, r.URI, r.StartUS, r.TimeUS, r.DurationUS)
			}
		}
	}
}

// TestStreamNoCrossTalk: the lines of the real captures of other servers
// never go to the Traefik, Apache or ALB parsers.
func TestStreamNoCrossTalk(t *testing.T) {
	n := 0
	for _, name := range allCaptureFiles(t) {
		if strings.Contains(name, "apache") {
			continue
		}
		lines := readLines(t, name)
		for i, sl := range runStream(t, Config{}, lines) {
			n++
			switch sl.parser {
			case ParserTraefik, ParserApacheAccess, ParserApacheError, ParserALB:
				t.Errorf("%s:%d: %q read by %v", name, i+1, lines[i], sl.parser)
			}
		}
	}
	if n < 1000 {
		t.Errorf("%d lines read", n)
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		out = append(out, []byte(l))
	}
	return out
}

// FuzzStreamFormats feeds arbitrary input through Streams configured with
// the captured user formats and each access source: no panic, every
// outcome and record sane.
func FuzzStreamFormats(f *testing.F) {
	var formats []*LogFormat
	for _, c := range captureFormats(f) {
		formats = append(formats, mustCompile(f, c.server, c.format))
		f.Add(captureLines(f, c.file)[0], uint8(0))
	}
	for _, name := range []string{"traefik/common.log", "traefik/json.log", "alb/access.log"} {
		for _, l := range thirdPartyLines(f, name) {
			f.Add(l, uint8(1))
		}
	}
	for _, l := range captureLines(f, "apache-error.log") {
		f.Add(l, uint8(2))
	}
	sources := [...]Source{SourceUnknown, SourceNginx, SourceGunicorn, SourceApache}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		cfg := Config{AccessSource: sources[int(mode)%len(sources)]}
		if mode&4 != 0 {
			cfg.LogFormats = formats
		}
		s := NewStream(cfg, "fuzz")
		emit := func(r *Record) { checkRecord(t, in, r) }
		for _, l := range splitLines(in) {
			p, o, m := s.Line(l, 0, emit)
			if p >= NumParsers || o >= NumOutcomes || m >= NumMalformations || (o == Malformed) != (m != NotMalformed) {
				t.Fatalf("%q: parser %d outcome %d malformation %d", l, p, o, m)
			}
		}
		s.Close(emit)
	})
}
