package parse

import (
	"bytes"
	"fmt"
	"strings"
)

// formatVar is what a capture of a compiled log format means.
type formatVar uint8

const (
	varSkip            formatVar = iota // a variable we do not read: free text
	varSkipInt                          // a variable we do not read whose value is a number or "-" (sizes)
	varClientAddr                       // $remote_addr, %h, %(addr), %(h)s
	varRequestLine                      // $request, %r, %(r)s
	varMethod                           // $request_method, %m, %(method), %(m)s
	varURI                              // $request_uri, %(uri): the request target with its query
	varPath                             // $uri, %U, %(U)s: the path only
	varStatus                           // $status, %>s, %(status), %(s)s
	varStatusOriginal                   // Apache %s / %<s: the status before internal redirects
	varDuration                         // request duration, in unitUS microseconds per unit
	varUpstreamStatus                   // $upstream_status list
	varUpstreamTime                     // $upstream_response_time list, seconds
	varUpstreamConnect                  // $upstream_connect_time list
	varUpstreamHeader                   // $upstream_header_time list
	varRequestID                        // $request_id, X-Request-Id headers
	varOperation                        // an X-Apollo-Operation-Name header
	varBody                             // $request_body
	varPID                              // $pid, %P, %(pid)
	varPIDAngle                         // gunicorn %(p)s: "<4242>"
	varWorker                           // uWSGI %(wid)
	varUserAgent                        // the User-Agent header
	varTimeCLF                          // $time_local, %t, %(ltime), %(t)s: [22/Nov/2026:22:42:10 +0000], brackets optional
	varTimeISO                          // $time_iso8601
	varTimeEpoch                        // uWSGI %(time): request start, epoch seconds
	varTimeCtime                        // uWSGI %(ctime)
	varEndTime                          // nginx $msec: epoch seconds with ms, when the line was logged
	varStartText                        // another rendering of the request start (Apache %{fmt}t)
	varConnStatus                       // Apache %X: X aborted, + keep-alive, - closed
)

// escaping says how a server writes bytes of a value that could be taken
// for the format's own punctuation.
type escaping uint8

const (
	escHex       escaping = iota // nginx escape=default: '"' and '\' become \x22, \x5C
	escBackslash                 // nginx escape=json, Apache, gunicorn: '"' becomes \"
	escRaw                       // nginx escape=none, uWSGI: nothing is escaped
)

// maxCaptures bounds the variables of one format (the matcher keeps their
// values in an array on the stack).
const maxCaptures = 48

// maxLiteral bounds the text between two variables (matchOp keeps its length in a byte).
const maxLiteral = 255

// backtrackBudget bounds how often a free-text value may be extended past a
// literal it contains (a raw '"' in a uWSGI user agent) on one line.
const backtrackBudget = 32

type formatField struct {
	// What matchLinear reads for every field of every line comes first.
	after   []byte // the literal that ends the value; nil: the value is the rest of the line
	width   int32  // the value's usual width, tried first (CLF times)
	step    uint8  // how matchLinear finds its end: stepNumber, stepByte, stepLiteral, stepSuffix, stepGeneral
	number  uint8  // numberInt, numberDecimal: a plain number whose literal cannot start like it
	role    role   // where commit finds the value
	check   bool   // matchLinear validates the value
	special bool   // set decides whether it keeps the value (first id, finest duration, ...)
	v       formatVar
	rank    uint8 // varDuration: precision; the most precise duration of a line wins

	unitUS int64      // varDuration: microseconds per unit
	layout TimeLayout // roleTime: how the time is written
	start  bool       // roleTime: the time is the request's start
	name   string     // the variable as written in the format, for errors
	free   bool       // free text: may hold its closing literal (see match)
	list   bool       // an nginx upstream list before a space: ", " does not end it
	last   bool       // the last field, with a closing literal: the line ends with it
	plain  bool       // its end is the first occurrence of its literal (none of the above, no escaped quote)
	typed  bool       // valid checks something
}

const (
	stepGeneral = iota
	stepNumber
	stepByte
	stepLiteral
	stepSuffix
)

// clfChars are the bytes of a CLF time; a literal after one that starts
// with none of them is found at its fixed width.
const clfChars = "0123456789/: +-ADFJMNOSabceglnoprtuvy"

const (
	numberInt     = 1
	numberDecimal = 2
)

// LogFormat is a compiled user log format: literals and captures, read by
// finding each literal after the previous capture (Grafana Loki's pattern
// parser is the model). Build one with CompileLogFormat; it is immutable and
// safe for concurrent use.
type LogFormat struct {
	source Source
	esc    escaping
	prefix []byte
	fields []formatField
	ops    []matchOp // the fields' program for matchLinear
	format string
	// The one field of roleTime, roleDuration, when there is one only.
	timeField, durField uint8
}

// Source returns the server whose format f was compiled from.
func (f *LogFormat) Source() Source { return f.source }

// String returns the format as compiled from.
func (f *LogFormat) String() string { return f.format }

// CompileLogFormat compiles a server's log format string into a parser.
// server is "nginx" (a log_format's arguments: optional escape=default|json|none,
// then the format, quoted as in nginx.conf or bare; "combined" is nginx's
// built-in), "uwsgi" (log-format), "gunicorn" (access_log_format; "default"
// is gunicorn's) or "apache" (a LogFormat string, quoted as in the config or
// bare; "combined" and "common" are Debian's). Variables it does not know
// are captured and skipped. Errors name the position in the format.
//
// For example uWSGI 2.0.21 with the log-format
//
//	%(addr) - %(user) [%(ltime)] "%(method) %(uri) %(proto)" %(status) %(size) "%(referer)" "%(uagent)" %(msecs) %(micros) pid=%(pid) wid=%(wid) rid=%(var.HTTP_X_REQUEST_ID)
//
// wrote (testdata/captures/formats/uwsgi.log; uWSGI escapes nothing):
//
//	127.0.0.1 - - [01/Dec/2026:07:23:48 +0000] "GET /search?q="refund" HTTP/1.1" 200 87 "-" "odd "agent" \ 1.0" 500 500535 pid=30712 wid=1 rid=c4146385806afc38b2b3a97781a86f86
//
// which the compiled format reads as GET /search?q="refund", status 200,
// 500535 µs (micros wins over msecs), pid 30712, worker 1, that request id.
func CompileLogFormat(server, format string) (*LogFormat, error) {
	var (
		toks []formatToken
		f    = &LogFormat{format: format}
		err  error
	)
	switch server {
	case "nginx":
		f.source = SourceNginx
		toks, f.esc, err = tokenizeNginx(format)
	case "uwsgi":
		f.source, f.esc = SourceUWSGI, escRaw
		toks, err = tokenizeUWSGI(format)
	case "gunicorn":
		f.source, f.esc = SourceGunicorn, escBackslash
		toks, err = tokenizeGunicorn(format)
	case "apache":
		f.source, f.esc = SourceApache, escBackslash
		toks, err = tokenizeApache(format)
	default:
		return nil, fmt.Errorf("log format: unknown server %q (want nginx, uwsgi, gunicorn or apache)", server)
	}
	if err != nil {
		return nil, fmt.Errorf("%s log format: %w", server, err)
	}
	if err := f.build(toks); err != nil {
		return nil, fmt.Errorf("%s log format: %w", server, err)
	}
	return f, nil
}

// formatToken is a literal (lit != "") or a variable.
type formatToken struct {
	lit  string
	spec formatField
	pos  int // byte offset in the format string, for errors
}

func (f *LogFormat) build(toks []formatToken) error {
	i := 0
	var prefix []byte
	for ; i < len(toks) && toks[i].lit != ""; i++ {
		prefix = append(prefix, toks[i].lit...)
	}
	f.prefix = prefix
	for i < len(toks) {
		t := toks[i]
		i++
		var lit []byte
		for ; i < len(toks) && toks[i].lit != ""; i++ {
			lit = append(lit, toks[i].lit...)
		}
		if lit == nil && i < len(toks) {
			return fmt.Errorf("position %d: %s is followed directly by %s: nothing tells their values apart", t.pos, t.spec.name, toks[i].spec.name)
		}
		if len(f.fields) == maxCaptures {
			return fmt.Errorf("position %d: more than %d variables", t.pos, maxCaptures)
		}
		if len(lit) > maxLiteral {
			return fmt.Errorf("position %d: the text after %s is longer than %d bytes", t.pos, t.spec.name, maxLiteral)
		}
		fd := t.spec
		fd.after = lit
		fd.free, fd.list = fd.freeText(), fd.isList()
		fd.last = lit != nil && i == len(toks)
		fd.plain = lit != nil && !fd.list && !fd.last && (f.esc != escBackslash || lit[0] != '"')
		fd.typed = !fd.valid([]byte("\x00 ")) // only free text accepts this value
		if fd.plain && strings.IndexByte("0123456789.-", lit[0]) < 0 {
			switch fd.v {
			case varSkipInt, varPID, varWorker, varTimeEpoch, varStatus, varStatusOriginal:
				fd.number = numberInt
			case varDuration, varEndTime:
				fd.number = numberDecimal
			}
		}
		fd.role = roleOf(fd.v)
		if fd.role == roleTime {
			fd.layout, fd.start = timeLayout(f.source, fd.v)
		}
		switch {
		case fd.last:
			fd.step = stepSuffix
		case fd.number != 0:
			fd.step = stepNumber
		case fd.plain && len(lit) == 1:
			fd.step = stepByte
		case fd.plain:
			fd.step = stepLiteral
		}
		if fd.plain && fd.v == varTimeCLF && strings.IndexByte(clfChars, lit[0]) < 0 {
			fd.width = 26 // $time_local, %(ltime): "01/Dec/2026:06:54:21 +0000"
		}
		fd.check = fd.typed && fd.number == 0
		f.fields = append(f.fields, fd)
	}
	if len(f.fields) == 0 {
		return fmt.Errorf("position 0: no variables")
	}
	// A role that several fields fill needs set to choose (the first id,
	// the finest duration, the CLF time over an epoch); an operation name
	// must be valid. Any other value is noted as it is.
	var count [numRoles]int
	for i := range f.fields {
		count[f.fields[i].role]++
	}
	for i := range f.fields {
		fd := &f.fields[i]
		switch {
		case fd.role == roleOperation:
			fd.special = true
		case fd.role == roleRequestID || fd.role == roleTime || fd.role == roleDuration:
			fd.special = count[fd.role] > 1
			if !fd.special && fd.role == roleTime {
				f.timeField = uint8(i + 1)
			}
			if !fd.special && fd.role == roleDuration {
				f.durField = uint8(i + 1)
			}
		}
	}
	f.compileOps()
	return nil
}

// isList says whether the value is an nginx upstream list, whose items are
// joined by ", " and " : ": a space there does not end the value.
func (fd *formatField) isList() bool {
	switch fd.v {
	case varUpstreamStatus, varUpstreamTime, varUpstreamConnect, varUpstreamHeader:
		return len(fd.after) > 0 && fd.after[0] == ' '
	}
	return false
}

// isListSeparator says whether the space at line[i] is inside ", " or " : ".
func isListSeparator(line []byte, i int) bool {
	return i > 0 && line[i-1] == ',' ||
		i+2 < len(line) && line[i+1] == ':' && line[i+2] == ' ' ||
		i > 1 && line[i-1] == ':' && line[i-2] == ' '
}

func (fd *formatField) freeText() bool {
	switch fd.v {
	case varSkip, varRequestLine, varUserAgent, varBody, varOperation, varRequestID, varClientAddr, varStartText:
		return true
	}
	return false
}

// valid is the cheap check of a value that decides where a value ends when
// a free-text value before it contains its literal.
func (fd *formatField) valid(v []byte) bool {
	switch fd.v {
	case varStatus, varStatusOriginal:
		return len(v) == 3 && isDigits(v)
	case varSkipInt, varPID, varWorker, varTimeEpoch:
		return isMissing(v) || isDigits(v)
	case varDuration, varEndTime:
		return isMissing(v) || isDecimal(v)
	case varUpstreamStatus, varUpstreamTime, varUpstreamConnect, varUpstreamHeader:
		for _, c := range v {
			if !(c >= '0' && c <= '9' || c == '.' || c == ',' || c == ' ' || c == ':' || c == '-') {
				return false
			}
		}
		return true
	case varPIDAngle:
		return len(v) >= 3 && v[0] == '<' && v[len(v)-1] == '>' && isDigits(v[1:len(v)-1])
	case varMethod:
		return isMissing(v) || isMethod(v)
	case varURI, varPath, varConnStatus, varTimeISO:
		return len(v) > 0 && bytes.IndexByte(v, ' ') < 0
	}
	return true
}

func isDigits(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isDecimal(v []byte) bool {
	dot := false
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return len(v) > 0
}

// malformation says what is broken when the field's value is not what its
// variable writes.
func (fd *formatField) malformation() Malformation {
	switch fd.v {
	case varStatus, varStatusOriginal:
		return BadStatus
	case varDuration, varEndTime, varUpstreamTime, varUpstreamConnect, varUpstreamHeader:
		return BadDuration
	case varMethod, varURI, varPath, varRequestLine:
		return BadRequestLine
	case varPID, varPIDAngle, varWorker, varSkipInt:
		return BadNumber
	}
	return BadShape
}
