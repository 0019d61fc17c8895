package parse

import (
	"bytes"
	"strings"
)

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
	NumParsers
)

var parserNames = [NumParsers]string{"none", "uwsgi", "nginx_access", "nginx_error", "gunicorn", "json"}

func (p Parser) String() string { return parserNames[p] }

// Config holds what a Stream needs to know beyond the lines themselves.
type Config struct {
	// JSONFields names the members of structured request logs; nil means DefaultJSONFields.
	JSONFields *JSONFields
	// AccessSource is the server that wrote combined-format access lines, which
	// nginx and gunicorn write alike. SourceUnknown means: gunicorn when the
	// stream's name contains "gunicorn", nginx otherwise.
	AccessSource Source
	// AccessIntUnitUS is the unit of an integer duration after a
	// combined-format line, in microseconds: 1 (gunicorn %(D)s, the default)
	// or 1e6 (gunicorn %(T)s).
	AccessIntUnitUS int64
}

// Stream reads the lines of one log stream (a file, or a CloudWatch Logs log
// stream) in order and emits records. It holds the state that facts spread
// over several lines need: uWSGI harakiri episodes and the last request each
// gunicorn worker started. Lines of other processes may be interleaved.
// A Stream is not safe for concurrent use.
type Stream struct {
	fields       *JSONFields
	accessSource Source
	accessParser Parser // the parser combined-format lines are counted under: that of accessSource
	intUnitUS    int64
	eventMS      int64 // of the line being read
	clock        timeCache

	rec     Record
	aux     Record // for records emitted while rec is being filled
	uev     UWSGIEvent
	gev     GunicornEvent
	scratch []byte

	episodes     []episode
	statusWorker int // worker whose harakiri status block is open, 0 for none
	starts       map[int]*requestStart
}

// episode is one harakiri of one worker process, across its tries.
type episode struct {
	worker, pid int
	counted     int    // route timeouts emitted
	seen        []byte // "core\x00uri\x00" of every request counted, for de-duplication
	closed      bool   // the worker died or was respawned
	banner      bool   // a banner of this episode was seen
}

// NewStream returns a Stream for the log stream called name (a file path or
// "logGroup/logStream"); the name only serves as a hint of the access-log source.
func NewStream(cfg Config, name string) *Stream {
	s := &Stream{fields: cfg.JSONFields, accessSource: cfg.AccessSource, intUnitUS: cfg.AccessIntUnitUS, starts: map[int]*requestStart{}}
	if s.intUnitUS <= 0 {
		s.intUnitUS = 1
	}
	if s.fields == nil {
		s.fields = DefaultJSONFields()
	}
	if s.accessSource == SourceUnknown {
		s.accessSource = SourceNginx
		if strings.Contains(strings.ToLower(name), "gunicorn") {
			s.accessSource = SourceGunicorn
		}
	}
	s.accessParser = ParserNginxAccess
	if s.accessSource == SourceGunicorn {
		s.accessParser = ParserGunicorn
	}
	return s
}

// Line reads one line (without its newline; a trailing CR is dropped) that
// came in a log event of time eventMS (0 when unknown), and calls emit for
// each record it completes. The record passed to emit is valid only during
// the call. A line a parser recognized but could not read is Malformed, and
// the Malformation says why.
func (s *Stream) Line(line []byte, eventMS int64, emit func(*Record)) (Parser, Outcome, Malformation) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return ParserNone, Ignored, NotMalformed
	}
	if line[0] == 'F' {
		line = unwrapInterleaved(line)
	}
	s.eventMS = eventMS
	r := &s.rec
	r.Reset()
	r.EventMS = eventMS
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
	case '{':
		if ok, err := ParseJSON(line, s.fields, r, &s.scratch); ok {
			return s.finish(ParserJSON, err, emit)
		}
	default:
		// Parsers that do not recognize a line leave the record untouched.
		if ok, err := ParseNginxError(line, r); ok {
			return s.finish(ParserNginxError, err, emit)
		}
		if ok, err := ParseCombined(line, s.intUnitUS, r); ok {
			if err == nil {
				r.RequestID = combinedTextRequestID(line)
			}
			r.Source = s.accessSource
			return s.finish(s.accessParser, err, emit)
		}
	}
	if ok, err := ParseUWSGIEvent(line, &s.uev); ok {
		if err != nil {
			return ParserUWSGI, Malformed, MalformationOf(err)
		}
		s.uwsgi(emit)
		return ParserUWSGI, Matched, NotMalformed
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
		if r.PID > 0 && len(s.starts) > 0 {
			if st := s.starts[r.PID]; st != nil {
				st.active = false
			}
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
}

func (s *Stream) gunicorn(emit func(*Record)) {
	ev, r := &s.gev, &s.rec
	r.TimeText, r.TimeLayout = ev.Time, TimeYMD
	switch ev.Kind {
	case GunicornRequestStart:
		r.Kind, r.Source, r.PID, r.Method, r.URI = KindRequestStart, SourceGunicorn, ev.PID, ev.Method, ev.URI
		r.StartText, r.StartLayout = ev.Time, TimeYMD
		s.emit(r, emit)
		s.remember(r)
	case GunicornWorkerTimeout:
		// The arbiter names the worker; what it was doing is the last request
		// that worker started in this stream, if the stream shows it.
		r.Kind, r.Source, r.Timeout, r.PID = KindTimeout, SourceGunicorn, TimeoutGunicornWorker, ev.Worker
		s.attribute(r, ev.Worker)
		s.emit(r, emit)
	case GunicornWorkerKilled:
		r.Kind, r.Source, r.PID = KindWorkerKill, SourceGunicorn, ev.Worker
		s.emit(r, emit)
	}
}

func (s *Stream) uwsgi(emit func(*Record)) {
	ev, r := &s.uev, &s.rec
	r.Source = SourceUWSGI
	r.TimeText, r.TimeLayout = ev.Time, LayoutOf(ev.Time)
	switch ev.Kind {
	case UWSGIHarakiriBanner:
		e := s.episode(ev.Worker)
		// A first try opens an episode, unless the worker's own "WAS
		// managing" lines opened it (a SIGUSR2 across the deadline writes
		// them just before the master's banner, uWSGI 2.0.21):
		//	HARAKIRI: --- uWSGI worker 2 (pid: 31917) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:24:32 2026 ---
		//	Tue Dec  1 07:24:36 2026 - *** HARAKIRI ON WORKER 2 (pid: 31917, try: 1) ***
		if ev.Try == 1 && e.banner || e.pid != ev.PID || e.closed {
			s.closeEpisode(e, emit)
			*e = episode{worker: ev.Worker, pid: ev.PID, seen: e.seen[:0]}
		}
		e.banner = true
		r.Kind, r.PID, r.Try = KindHarakiri, ev.PID, ev.Try
		s.emit(r, emit)
	case UWSGIStatusBegin:
		s.statusWorker = ev.Worker
	case UWSGIStatusEnd:
		s.statusWorker = 0
	case UWSGIStatusCore:
		if s.statusWorker == 0 {
			return // a core line outside a status block: nothing to attribute it to
		}
		e := s.episode(s.statusWorker)
		r.StartText, r.StartLayout = ev.Since, TimeEpoch
		s.harakiriRequest(e, ev.Core, ev.Method, ev.URI, emit)
	case UWSGIWasManaging:
		e := s.episode(ev.Worker)
		if e.pid != ev.PID {
			// No banner of this process in the stream (it may have gone to
			// another batch): the line itself says the harakiri deadline passed.
			s.closeEpisode(e, emit)
			*e = episode{worker: ev.Worker, pid: ev.PID, seen: e.seen[:0]}
		}
		r.StartText, r.StartLayout = ev.Since, TimeCtime
		s.harakiriRequest(e, ev.Core, nil, ev.URI, emit)
	case UWSGIWorkerDied:
		if e := s.find(ev.Worker); e != nil && e.pid == ev.PID {
			s.closeEpisode(e, emit)
		}
		if ev.Signal > 0 {
			r.Kind, r.PID = KindWorkerKill, ev.PID
			s.emit(r, emit)
		}
	case UWSGIRespawned:
		if e := s.find(ev.Worker); e != nil {
			s.closeEpisode(e, emit)
		}
	case UWSGIListenQueueFull:
		r.Kind = KindListenQueueFull
		s.emit(r, emit)
	}
}

// harakiriRequest emits the timeout of a request a harakiri killed, once per
// episode however many tries and dumps name it.
func (s *Stream) harakiriRequest(e *episode, core int, method, uri []byte, emit func(*Record)) {
	if e.hasSeen(core, uri) {
		return
	}
	e.seen = append(e.seen, byte(core), byte(core>>8), 0)
	e.seen = append(e.seen, uri...)
	e.seen = append(e.seen, 0)
	e.counted++
	r := &s.rec
	r.Kind, r.Timeout, r.PID, r.Method, r.URI = KindTimeout, TimeoutHarakiri, e.pid, method, uri
	r.RequestID = s.startID(e.pid, uri)
	s.emit(r, emit)
}

func (e *episode) hasSeen(core int, uri []byte) bool {
	rest := e.seen
	for len(rest) >= 3 {
		c := int(rest[0]) | int(rest[1])<<8
		rest = rest[3:]
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return false
		}
		if c == core && bytes.Equal(rest[:end], uri) {
			return true
		}
		rest = rest[end+1:]
	}
	return false
}

func (s *Stream) find(worker int) *episode {
	for i := range s.episodes {
		if s.episodes[i].worker == worker {
			return &s.episodes[i]
		}
	}
	return nil
}

func (s *Stream) episode(worker int) *episode {
	if e := s.find(worker); e != nil {
		return e
	}
	s.episodes = append(s.episodes, episode{worker: worker})
	return &s.episodes[len(s.episodes)-1]
}

// closeEpisode ends an episode; one that named no request killed an idle
// worker, which is no route's timeout.
func (s *Stream) closeEpisode(e *episode, emit func(*Record)) {
	if e.closed || e.pid == 0 && e.counted == 0 {
		e.closed = true
		return
	}
	e.closed = true
	if e.counted == 0 {
		r := &s.aux
		r.Reset()
		r.Kind, r.Source, r.PID, r.EventMS = KindHarakiriIdle, SourceUWSGI, e.pid, s.eventMS
		// The line that settles the episode is about when the worker died.
		r.TimeText, r.TimeLayout = s.rec.TimeText, s.rec.TimeLayout
		s.emit(r, emit)
	}
}

// Close ends the stream: open harakiri episodes are settled.
func (s *Stream) Close(emit func(*Record)) {
	s.eventMS = 0
	s.rec.Reset() // its slices alias a line the caller may have reused
	for i := range s.episodes {
		s.closeEpisode(&s.episodes[i], emit)
	}
}
