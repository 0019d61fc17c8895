package parse

import (
	"bytes"
	"fmt"
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

// backtrackBudget bounds how often a free-text value may be extended past a
// literal it contains (a raw '"' in a uWSGI user agent) on one line.
const backtrackBudget = 32

type formatField struct {
	v      formatVar
	unitUS int64  // varDuration: microseconds per unit
	rank   uint8  // varDuration: precision; the most precise duration of a line wins
	after  []byte // the literal that ends the value; nil: the value is the rest of the line
	name   string // the variable as written in the format, for errors
}

// LogFormat is a compiled user log format: literals and captures, read by
// finding each literal after the previous capture (Grafana Loki's pattern
// parser is the model). Build one with CompileLogFormat; it is immutable and
// safe for concurrent use.
type LogFormat struct {
	server AccessServer
	esc    escaping
	prefix []byte
	fields []formatField
	format string
}

// Server returns the server whose format f was compiled from.
func (f *LogFormat) Server() AccessServer { return f.server }

// String returns the format as compiled from.
func (f *LogFormat) String() string { return f.format }

// CompileLogFormat compiles a server's log format string into a parser.
// server is "nginx" (a log_format's arguments: optional escape=default|json|none,
// then the format, quoted as in nginx.conf or bare; "combined" is nginx's
// built-in), "uwsgi" (log-format), "gunicorn" (access_log_format; "default"
// is gunicorn's) or "apache" (a LogFormat string, quoted as in the config or
// bare; "combined" and "common" are Debian's). Variables it does not know
// are captured and skipped. Errors name the position in the format.
func CompileLogFormat(server, format string) (*LogFormat, error) {
	var (
		toks []formatToken
		f    = &LogFormat{format: format}
		err  error
	)
	switch server {
	case "nginx":
		f.server = ServerNginx
		toks, f.esc, err = tokenizeNginx(format)
	case "uwsgi":
		f.server, f.esc = ServerUWSGI, escRaw
		toks, err = tokenizeUWSGI(format)
	case "gunicorn":
		f.server, f.esc = ServerGunicorn, escBackslash
		toks, err = tokenizeGunicorn(format)
	case "apache":
		f.server, f.esc = ServerApache, escBackslash
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
		fd := t.spec
		fd.after = lit
		f.fields = append(f.fields, fd)
	}
	if len(f.fields) == 0 {
		return fmt.Errorf("position 0: no variables")
	}
	return nil
}

// Parse reads a line written in format f. ok is false when the line does not
// fit the format; err is set when it fits the format's literals but a value
// is not what its variable holds (a status that is not a number, a broken
// request line). The record and a alias line; they are written only when ok.
func (f *LogFormat) Parse(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	if len(line) < len(f.prefix) || string(line[:len(f.prefix)]) != string(f.prefix) {
		return false, nil
	}
	var vals [maxCaptures][]byte
	budget := backtrackBudget
	if !f.match(line, len(f.prefix), 0, &vals, &budget, true) {
		// Does it fit the literals, with a value that is not what it should be?
		budget = backtrackBudget
		if !f.match(line, len(f.prefix), 0, &vals, &budget, false) {
			return false, nil
		}
		for i := range f.fields {
			if !f.fields[i].valid(vals[i]) {
				return true, errMalformed("logformat: value of " + f.fields[i].name)
			}
		}
		return true, errMalformed("logformat: values")
	}
	return true, f.fill(&vals, r, a)
}

// match reads fields i... from line[pos:]. A free-text value that runs into
// its closing literal too early (a raw quote in a value) is extended to the
// next occurrence when the rest of the line does not fit.
func (f *LogFormat) match(line []byte, pos, i int, vals *[maxCaptures][]byte, budget *int, validate bool) bool {
	for ; i < len(f.fields); i++ {
		fd := &f.fields[i]
		if fd.after == nil {
			v := line[pos:]
			if validate && !fd.valid(v) {
				return false
			}
			vals[i] = v
			return true
		}
		idx := f.find(line, pos, pos, fd.after)
		if i == len(f.fields)-1 && f.esc == escRaw && bytes.HasSuffix(line[pos:], fd.after) {
			// Unescaped values may hold the closing literal: a format that
			// ends with one ends where the line does.
			idx = len(line) - len(fd.after)
		}
		for idx >= 0 && fd.isList() && isListSeparator(line, idx) {
			idx = f.find(line, pos, idx+1, fd.after)
		}
		if idx < 0 {
			return false
		}
		if fd.freeText() {
			for {
				vals[i] = line[pos:idx]
				if f.match(line, idx+len(fd.after), i+1, vals, budget, validate) {
					return true
				}
				if *budget--; *budget <= 0 {
					return false
				}
				if idx = f.find(line, pos, idx+1, fd.after); idx < 0 {
					return false
				}
			}
		}
		v := line[pos:idx]
		if validate && !fd.valid(v) {
			return false
		}
		vals[i] = v
		pos = idx + len(fd.after)
	}
	return true
}

// find returns the index of lit in line at or after from. With backslash
// escaping a quote preceded by an odd number of backslashes (within the
// value, which starts at start) is part of the value.
func (f *LogFormat) find(line []byte, start, from int, lit []byte) int {
	for from <= len(line) {
		i := bytes.Index(line[from:], lit)
		if i < 0 {
			return -1
		}
		i += from
		if f.esc != escBackslash || lit[0] != '"' {
			return i
		}
		n := 0
		for j := i - 1; j >= start && line[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		from = i + 1
	}
	return -1
}

// isList says whether the value is an nginx upstream list, whose items are
// joined by ", " and " : ": a space there does not end the value.
func (fd *formatField) isList() bool {
	switch fd.v {
	case varUpstreamStatus, varUpstreamTime, varUpstreamConnect, varUpstreamHeader:
		return fd.after[0] == ' '
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
	case varMethod, varURI, varPath, varConnStatus, varTimeISO:
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
