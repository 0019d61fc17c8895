package parse

// Outcome is what became of one line.
type Outcome uint8

const (
	Ignored   Outcome = iota // no parser recognized the line
	Matched                  // a parser read it (it may or may not carry a record)
	Malformed                // a parser recognized it but could not read it
	NumOutcomes
)

var outcomeNames = [NumOutcomes]string{"ignored", "matched", "malformed"}

func (o Outcome) String() string { return outcomeNames[o] }

// Parser names the parser that recognized a line.
type Parser uint8

const (
	ParserNone Parser = iota
	ParserUWSGI
	ParserNginxAccess
	ParserNginxError
	ParserGunicorn
	ParserJSON
	ParserDump         // lines of Python stack dumps: tracebacker, faulthandler, dogslow
	ParserTraefik      // Traefik's access log, CLF or JSON
	ParserApacheAccess // Apache httpd's access log (--access-source apache, an apache: log format)
	ParserApacheError  // Apache httpd's error log
	ParserALB          // AWS Application Load Balancer access log entries
	NumParsers
)

var parserNames = [NumParsers]string{"none", "uwsgi", "nginx_access", "nginx_error", "gunicorn", "json", "dump",
	"traefik", "apache_access", "apache_error", "alb"}

func (p Parser) String() string { return parserNames[p] }

// Config holds what a Stream needs to know beyond the lines themselves.
type Config struct {
	// JSONFields names the members of structured request logs; nil means DefaultJSONFields.
	JSONFields *JSONFields
	// AccessSource is the server that wrote combined-format access lines,
	// which nginx, gunicorn and Apache write alike: SourceNginx,
	// SourceGunicorn or SourceApache (read with ParseApacheAccess).
	// SourceUnknown means: the line's shape decides (ParseCombined), nginx
	// when it does not tell. A stream's name never decides: whoever wrote a
	// line, its 504, 502 and 499 count.
	AccessSource Source
	// AccessIntUnitUS is the unit of an integer duration after a
	// combined-format line, in microseconds: 1 (gunicorn %(D)s, the default)
	// or 1e6 (gunicorn %(T)s).
	AccessIntUnitUS int64
	// Frames says which frames of a stack dump are the application's and
	// how a stuck frame is written.
	Frames FrameConfig
	// LogFormats are the user's own access-log formats (CompileLogFormat),
	// tried in order before any other parser.
	LogFormats []*LogFormat
}

// Stream reads the lines of one log stream (a file, or a CloudWatch Logs log
// stream) in order and emits records. It holds the state that facts spread
// over several lines need: uWSGI harakiri kills (harakiri.go), the request
// each gunicorn worker serves when it times out (gunicornstate.go), uWSGI
// write errors (clientabort.go). Lines of other processes may be interleaved.
// A Stream is not safe for concurrent use.
type Stream struct {
	fields       *JSONFields
	accessSource Source // as configured; SourceUnknown: by the line's shape
	formats      []*LogFormat
	intUnitUS    int64
	eventMS      int64 // of the line being read
	clock        timeCache

	rec     Record
	aux     Record // for records emitted while rec is being filled
	uev     UWSGIEvent
	gev     GunicornEvent
	acc     AccessFields // details of access lines, which the pipeline does not count
	apache  ApacheProxyErrors
	scratch []byte

	frames FrameConfig
	dumps  dumps // stack dumps and the kills they belong to (dumpstate.go)

	hk harakiriState // harakiri.go
	gs gunicornState // gunicornstate.go
	ca clientAborts  // clientabort.go
}

// NewStream returns a Stream for the log stream called name (a file path or
// "logGroup/logStream"). The name decides nothing: what a line is, and who
// wrote it, is read from the line itself (and cfg).
func NewStream(cfg Config, name string) *Stream {
	_ = name
	s := &Stream{fields: cfg.JSONFields, accessSource: cfg.AccessSource, formats: cfg.LogFormats, intUnitUS: cfg.AccessIntUnitUS}
	s.gs.starts = map[int]*requestStart{}
	if s.intUnitUS <= 0 {
		s.intUnitUS = 1
	}
	if s.fields == nil {
		s.fields = DefaultJSONFields()
	}
	s.frames = cfg.Frames
	s.dumps.cfg = &s.frames
	return s
}

// Line reads one line (without its newline; a trailing CR and one log
// collector's prefix are dropped, see SkipCollectorPrefix) that
// came in a log event of time eventMS (0 when unknown), and calls emit for
// each record it completes. The record passed to emit is valid only during
// the call. A line a parser recognized but could not read is Malformed, and
// the Malformation says why.
func (s *Stream) Line(line []byte, eventMS int64, emit func(*Record)) (Parser, Outcome, Malformation) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if mayHaveCollectorPrefix(line) {
		line = SkipCollectorPrefix(line) // docker compose, syslog, Heroku, CRI: every parser sees the server's line
	}
	if len(line) == 0 {
		return ParserNone, Ignored, NotMalformed
	}
	s.eventMS = eventMS
	if s.dumps.wants(line) {
		if p, o, m, done := s.dumps.line(s, line, emit); done {
			return p, o, m
		}
	}
	r := &s.rec
	r.Reset()
	r.EventMS = eventMS
	if len(s.formats) > 0 {
		if p, ok, err := s.userFormat(line); ok {
			return s.finish(p, err, emit)
		}
	}
	switch line[0] {
	case '[':
		if ok, err := ParseUWSGIRequest(line, r); ok {
			if err == nil {
				r.RequestID = uwsgiTextRequestID(line)
			}
			return s.finish(ParserUWSGI, err, emit)
		}
		if ok, err := ParseGunicorn(line, &s.gev); ok {
			if err != nil {
				return ParserGunicorn, Malformed, MalformationOf(err)
			}
			s.gunicorn(emit)
			return ParserGunicorn, Matched, NotMalformed
		}
		// "[Tue Dec 01 07:23:54.728669 2026] [proxy:error] ...": a weekday
		if len(line) > 1 && line[1] >= 'A' && line[1] <= 'Z' {
			if ok, err := s.apache.Line(line, r, s.details()); ok {
				return s.finish(ParserApacheError, err, emit)
			}
		}
	case '{':
		// logrus writes Traefik's fields sorted, upper-case names first.
		if len(line) > 2 && line[2] >= 'A' && line[2] <= 'Z' {
			if ok, err := ParseTraefikJSON(line, r, s.details(), &s.scratch); ok {
				return s.finish(ParserTraefik, err, emit)
			}
		}
		if ok, err := ParseJSON(line, s.fields, r, &s.scratch); ok {
			return s.finish(ParserJSON, err, emit)
		}
	default:
		// Parsers that do not recognize a line leave the record untouched.
		if ok, err := ParseNginxError(line, r); ok {
			return s.finish(ParserNginxError, err, emit)
		}
		if p, ok, err := s.access(line); ok {
			if err == nil && r.RequestID == nil {
				r.RequestID = combinedTextRequestID(line)
			}
			return s.finish(p, err, emit)
		}
	}
	if ok, err := ParseUWSGIEvent(line, &s.uev); ok {
		if err != nil {
			return ParserUWSGI, Malformed, MalformationOf(err)
		}
		s.uwsgi(emit)
		s.dumps.uwsgi(s, emit)
		return ParserUWSGI, Matched, NotMalformed
	}
	if p, o, m, ok := s.interleaved(line, emit); ok {
		return p, o, m
	}
	return ParserNone, Ignored, NotMalformed
}

func (s *Stream) finish(p Parser, err error, emit func(*Record)) (Parser, Outcome, Malformation) {
	if err != nil {
		return p, Malformed, MalformationOf(err)
	}
	r := &s.rec
	switch r.Kind {
	case 0:
		return p, Matched, NotMalformed
	case KindRequestStart:
		s.emit(r, emit)
		s.remember(r)
		return p, Matched, NotMalformed
	case KindRequest:
		if s.requestFinished(r, emit) {
			return p, Matched, NotMalformed // the killed request of a gunicorn worker timeout
		}
		if r.Source == SourceUWSGI {
			s.abortFinished(r, emit)
		}
	}
	s.emit(r, emit)
	return p, Matched, NotMalformed
}

// emit reads the times of r and hands it to the caller's emit.
func (s *Stream) emit(r *Record, emit func(*Record)) {
	if t, ok := s.clock.parse(r.TimeLayout, r.TimeText); ok {
		r.TimeUS = t
	}
	if t, ok := s.clock.parse(r.StartLayout, r.StartText); ok {
		r.StartUS = t
	}
	if r.HasDuration {
		switch {
		case r.StartUS == 0 && r.TimeUS > 0:
			r.StartUS = r.TimeUS - r.DurationUS
		case r.TimeUS == 0 && r.StartUS > 0:
			r.TimeUS = r.StartUS + r.DurationUS
		}
	}
	emit(r)
	if s.dumps.seen(r) {
		s.dumps.record(s, r, emit)
	}
}

// Close ends the stream: what waited for lines that did not come is
// settled (gunicorn timeouts without their worker's end, SIGPIPE reports
// without their request's end).
func (s *Stream) Close(emit func(*Record)) {
	s.eventMS = 0
	s.rec.Reset() // its slices alias a line the caller may have reused
	s.dumps.close(s, emit)
	s.closeGunicorn(emit)
	s.closeAborts(emit)
}
