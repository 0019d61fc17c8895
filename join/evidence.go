package join

import (
	"bytes"
	"hash/maphash"
	"math"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// slot is the log a record came from; an outcome holds one record of each.
type slot uint8

const (
	slotProxy      slot = 1 << iota // nginx's access log (text or JSON)
	slotProxyError                  // nginx's error log: upstream timed out, closed, connect failed
	slotWorker                      // uWSGI or gunicorn: a request-log line, a harakiri, a WORKER TIMEOUT
	slotApp                         // the app's own JSON request line
)

// span is when something happened, as far as a line tells: from lo to hi
// (µs since the epoch). A time written to the second is [t, t+1 s).
type span struct{ lo, hi int64 }

// unknown is the span of a time a line does not tell. Its bounds leave
// room for the tolerances added to them.
var unknown = span{math.MinInt64 / 4, math.MaxInt64 / 4}

func (s span) known() bool { return s.lo != unknown.lo }

// mid is the middle of a known span.
func (s span) mid() int64 { return s.lo + (s.hi-s.lo)/2 }

// shift moves a span by d, widened by e on both sides.
func (s span) shift(d, e int64) span {
	if !s.known() {
		return s
	}
	return span{s.lo + d - e, s.hi + d + e}
}

// durationErrUS is the resolution of a logged duration: nginx
// $request_time and uWSGI msecs are milliseconds.
const durationErrUS = 1000

// evidence is what one record says about its request.
type evidence struct {
	slot    slot
	timeout parse.Timeout // the timeout it is evidence of, TimeoutNone for none
	kill    bool          // worker slot: the worker was killed (harakiri, WORKER TIMEOUT)
	method  uint8         // methodCode, 0 when the line did not say
	status  int           // as logged; a proxy error stands for 504 (timed out) or 502
	hasFull bool          // the line logs the full request target, query included
	hasID   bool
	path    uint64 // hash of the request target up to '?'
	full    uint64 // hash of the whole request target
	id      uint64 // hash of the request id
	pid     int
	stream  uint32
	// start and end of the request as this server saw it.
	start, end span
	at         int64 // the line's log time, or the stream's when it has none
	row        *metrics.Row
}

// read fills ev from rec; it is false for a record that names no request
// (a gunicorn WORKER TIMEOUT whose stream did not show what the worker was
// doing): such a timeout stays its own outcome, on route "unknown".
func (j *Joiner) read(ev *evidence, row *metrics.Row, rec *parse.Record, stream uint32, clock int64) bool {
	// Field by field: every one is set below, and a composite literal
	// would zero and copy the whole struct.
	ev.row, ev.stream, ev.pid, ev.status, ev.start, ev.end = row, stream, rec.PID, rec.Status, unknown, unknown
	ev.timeout, ev.kill, ev.hasID, ev.id = parse.TimeoutNone, false, false, 0
	switch rec.Source {
	case parse.SourceNginx:
		ev.slot = slotProxy
		if rec.Kind != parse.KindRequest {
			ev.slot = slotProxyError
			ev.status = 502
		}
	case parse.SourceUWSGI, parse.SourceGunicorn:
		ev.slot = slotWorker
		ev.kill = rec.Kind == parse.KindTimeout
	case parse.SourceApp:
		ev.slot = slotApp
	default:
		return false
	}
	switch {
	case rec.Kind == parse.KindTimeout:
		ev.timeout = rec.Timeout
		if rec.Timeout == parse.TimeoutNginxUpstream {
			ev.status = 504
		}
	case rec.Kind == parse.KindRequest && rec.Source == parse.SourceNginx && rec.Status == 504:
		ev.timeout = parse.TimeoutNginx504
	}
	// A line without a time of its own was written after its stream's last
	// time, and (read side by side) after the join's clock.
	ev.at = rec.TimeUS
	if ev.at == 0 {
		ev.at = max(rec.StartUS, clock, j.wm)
	}
	if len(rec.URI) == 0 {
		j.settleAlone(ev)
		return false
	}
	uri := rec.URI
	pathEnd := bytes.IndexByte(uri, '?')
	if pathEnd < 0 {
		pathEnd = len(uri)
	}
	ev.path = nonzero(maphash.Bytes(j.seed, uri[:pathEnd]))
	ev.full = ev.path
	if pathEnd < len(uri) {
		ev.full = nonzero(maphash.Bytes(j.seed, uri))
	}
	// uWSGI, nginx and gunicorn's access log write the request target as
	// the client sent it; an app's "path" and gunicorn's [DEBUG] start line
	// (the URI of a WORKER TIMEOUT) may lack the query.
	ev.hasFull = rec.Source != parse.SourceApp && !(rec.Source == parse.SourceGunicorn && ev.kill)
	ev.method = methodCode(rec.Method)
	if len(rec.RequestID) > 0 {
		ev.id, ev.hasID = nonzero(maphash.Bytes(j.seed, rec.RequestID)), true
	}
	j.times(ev, rec)
	return true
}

// times reads when the request started and ended as the record's server saw
// it, from the times the line itself writes (rec.TimeText, rec.StartText)
// and the duration it logs:
//
//   - an access-log line (nginx, gunicorn) and an app line are written when
//     the request ended; minus the duration, when it began;
//   - a uWSGI request-log line's date is the request start; plus the
//     duration, its end;
//   - nginx's error log is written when nginx gave up on (or lost) the upstream;
//   - a harakiri's "since" is the request start; the kill time is not read
//     (a "WAS managing" line is written before it);
//   - a gunicorn WORKER TIMEOUT is written at the kill; its start is that of
//     the worker's start line, when it had a time.
func (j *Joiner) times(ev *evidence, rec *parse.Record) {
	line := spanOf(rec.TimeText, rec.TimeLayout, rec.TimeUS)
	start := spanOf(rec.StartText, rec.StartLayout, rec.StartUS)
	if !start.known() && len(rec.StartText) == 0 && rec.StartUS > 0 && rec.Kind == parse.KindTimeout {
		// A WORKER TIMEOUT's start comes from a [DEBUG] line: seconds.
		start = span{rec.StartUS, rec.StartUS + 1_000_000}
	}
	switch {
	case rec.Kind == parse.KindRequest:
		ev.start, ev.end = start, line
		if rec.HasDuration {
			if !ev.end.known() {
				ev.end = start.shift(rec.DurationUS, durationErrUS)
			}
			if !ev.start.known() {
				ev.start = line.shift(-rec.DurationUS, durationErrUS)
			}
		}
	case rec.Timeout == parse.TimeoutHarakiri:
		ev.start = start
	default: // nginx error log, gunicorn WORKER TIMEOUT
		ev.start, ev.end = start, line
	}
}

// spanOf is the span of a time written as text in layout l, read as us. A
// time with a fraction of a second is good to its last digit; one without
// to the second.
func spanOf(text []byte, l parse.TimeLayout, us int64) span {
	if len(text) == 0 || us == 0 {
		return unknown
	}
	res := int64(1_000_000)
	switch l {
	case parse.TimeCtime, parse.TimeCLF: // never a fraction
	case parse.TimeEpochMS:
		res = 1000
	default:
		digits := -1
		for _, c := range text {
			switch {
			case digits < 0:
				if c == '.' || c == ',' {
					digits = 0
				}
			case c >= '0' && c <= '9':
				digits++
				continue
			}
			if digits > 0 {
				break
			}
		}
		for ; digits > 0 && res > 1; digits-- {
			res /= 10
		}
	}
	return span{us, us + res}
}

func nonzero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// methodCode numbers the methods (0: none, 10: any other).
func methodCode(m []byte) uint8 {
	switch string(m) {
	case "":
		return 0
	case "GET":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "PATCH":
		return 4
	case "DELETE":
		return 5
	case "HEAD":
		return 6
	case "OPTIONS":
		return 7
	case "CONNECT":
		return 8
	case "TRACE":
		return 9
	}
	return 10
}
