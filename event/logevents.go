package event

import (
	"github.com/slowroutes/slowroutes/internal/jsonscan"
)

// logEvents reads the logEvents array that starts at b[i] into d.events
// and returns the offset past it. Each event is read by the compact path
// when it is written as CloudWatch Logs writes it, else by the member loop.
func (d *Decoder) logEvents(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '[' {
		return i, syntaxError("logEvents is not an array", i)
	}
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		if n, ok := d.compactEvent(b, i); ok {
			i = n
		} else {
			var err error
			if i, err = d.event(b, i); err != nil {
				return i, err
			}
		}
		// CloudWatch Logs writes "},{" between events: test for it first.
		if i < len(b) && b[i] == ',' {
			i++
			if i < len(b) && b[i] == '{' {
				continue
			}
			i = jsonscan.SkipSpace(b, i)
			continue
		}
		if i = jsonscan.SkipSpace(b, i); i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		if i < len(b) && b[i] == ',' {
			i = jsonscan.SkipSpace(b, i+1)
			continue
		}
		return i, syntaxError("logEvents: expected , or ]", i)
	}
}

// The members of a log event as CloudWatch Logs writes them, in its order
// and without white space (aws-lambda-go's fixture, testdata/; the ids of
// real deliveries are 56 digits, as in the Lambda Developer Guide's example
// "34622316099697884706540976068822859012661220141643892546"):
//
//	{"id":"eventId1","timestamp":1440442987000,"message":"[ERROR] First test message"}
const (
	compactID        = `{"id":"`
	compactTimestamp = `","timestamp":`
	compactMessage   = `,"message":"`
)

func hasAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// compactEvent records the log event at b[i] if it is written exactly as
// CloudWatch Logs writes one, and returns the offset past it. Knowing the
// keys, it skips reading them and the member loop, which cost as much as
// the message itself; a plain message (no escape) is kept where it lies,
// an escaped one is unescaped into d.text in the same pass that finds its
// end. Anything else (other members, another order, white space, an
// escaped id, broken JSON) returns false, for the member loop to read or
// reject.
func (d *Decoder) compactEvent(b []byte, i int) (int, bool) {
	if !hasAt(b, i, compactID) {
		return 0, false
	}
	idStart := i + len(compactID)
	idEnd := jsonscan.PlainEnd(b, idStart)
	if !hasAt(b, idEnd, compactTimestamp) {
		return 0, false
	}
	ts, j, ok := jsonscan.Int(b, idEnd+len(compactTimestamp))
	if !ok || !hasAt(b, j, compactMessage) {
		return 0, false
	}
	mark := len(d.text)
	msg, end, ok := d.str(b, j+len(compactMessage)-1)
	if !ok || end >= len(b) || b[end] != '}' {
		d.text = d.text[:mark]
		return 0, false
	}
	d.events.add(rawEvent{ts: ts, msg: msg})
	return end + 1, true
}

// event reads the log event object at b[i] member by member and returns
// the offset past it. id and timestamp may be missing or null; message is
// required. encoding/json matches member names regardless of case, this
// reader does not: no encoder writes "Message".
func (d *Decoder) event(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return i, syntaxError("log event is not an object", i)
	}
	var (
		ev      rawEvent
		hasMsg  bool
		key     []byte
		err     error
		ok      bool
		text    = len(d.text)
		strBody span
	)
	i = jsonscan.SkipSpace(b, i+1)
	for i < len(b) && b[i] != '}' {
		if key, i, err = d.member(b, i); err != nil {
			return i, err
		}
		switch string(key) {
		case "id":
			if i, err = d.stringOrNull(b, i, &strBody); err != nil {
				return i, err
			}
		case "message":
			if isNull(b, i) {
				i += 4
				break
			}
			if i >= len(b) || b[i] != '"' {
				return i, syntaxError("log event message is not a string", i)
			}
			if ev.msg, i, ok = d.str(b, i); !ok {
				return i, syntaxError("bad log event message", i)
			}
			hasMsg = true
		case "timestamp":
			if isNull(b, i) {
				i += 4
				break
			}
			if ev.ts, i, ok = jsonscan.Int(b, i); !ok {
				return i, syntaxError("log event timestamp is not an integer", i)
			}
		default:
			if i, ok = jsonscan.Skip(b, i); !ok {
				return i, syntaxError("bad value of "+string(key), i)
			}
		}
		if i, err = nextMember(b, i, "log event: "); err != nil {
			return i, err
		}
	}
	if i >= len(b) {
		return i, syntaxError("unterminated log event", i)
	}
	if !hasMsg {
		d.text = d.text[:text]
		return i, syntaxError("log event without message", i)
	}
	d.events.add(ev)
	return i + 1, nil
}

// eventChunk is how many log events a chunk of an eventList holds (96 KB).
const eventChunk = 4096

// eventList keeps the log events of a batch in chunks of eventChunk, kept
// from one batch to the next. A batch of the 400,000 tiny events that
// MaxPayload can hold then grows no array by copying, and leaves no
// garbage: growing one slice by append left four times its size behind.
type eventList struct {
	chunks [][]rawEvent // chunks[:used] hold the events, each of capacity eventChunk
	used   int
	n      int
}

func (l *eventList) reset() {
	for i := range l.chunks[:l.used] {
		l.chunks[i] = l.chunks[i][:0]
	}
	l.used, l.n = 0, 0
}

func (l *eventList) add(e rawEvent) {
	if l.used == 0 || len(l.chunks[l.used-1]) == eventChunk {
		if l.used == len(l.chunks) {
			l.chunks = append(l.chunks, make([]rawEvent, 0, eventChunk))
		}
		l.used++
	}
	c := &l.chunks[l.used-1]
	*c = append(*c, e)
	l.n++
}
