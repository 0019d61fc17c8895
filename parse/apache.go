package parse

import "bytes"

// ParseApacheAccess reads an Apache httpd access line in Debian's combined
// format followed by an optional integer duration of unitUS microseconds:
// %D or %{us}T (1), %{ms}T (1000), %T or %{s}T (1e6), e.g. (Apache 2.4.71,
// LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\" %D",
// testdata/captures/formats/apache-access-D.log):
//
//	127.0.0.1 - - [01/Dec/2026:07:23:53 +0000] "GET /slow/9 HTTP/1.1" 502 563 "-" "slowroutes-formats/1.0" 1001445
//
// Apache writes '"' and '\' inside %r and %i as \" and \\ ("GET
// /search?q=\"refund\" HTTP/1.1"), unlike nginx's \x22. %t is when the
// request was received: the record's start time. mod_proxy_http answers a backend timeout with 502,
// like any other backend failure: only the error log (ParseApacheError)
// tells them apart. A client that went away is not visible either: Apache
// logs the status it sent. The record and a alias line.
func ParseApacheAccess(line []byte, unitUS int64, r *Record, a *AccessFields) (ok bool, err error) {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || sp > 64 {
		return false, nil
	}
	open := bytes.IndexByte(line[sp:], '[')
	if open < 0 || line[sp+open-1] != ' ' {
		return false, nil
	}
	open += sp + 1
	end := bytes.IndexByte(line[open:], ']')
	if end < 0 || end > 40 || !bytes.HasPrefix(line[open+end:], []byte(`] "`)) {
		return false, nil
	}
	start := line[open : open+end]
	rest := line[open+end+3:]
	q := indexUnescapedQuote(rest)
	if q < 0 {
		return true, BadRequestLine
	}
	req, rest := rest[:q], rest[q+1:]
	if len(rest) < 4 || rest[0] != ' ' {
		return true, BadStatus
	}
	status, rest, okS := leadingInt(rest[1:])
	if !okS || status < 100 || status > 999 {
		return true, BadStatus
	}
	method, uri, okR := splitRequestLine(req)
	if !okR {
		return true, BadRequestLine
	}
	var agent []byte
	durUS, hasDur := int64(0), false
	// " <size> \"<referer>\" \"<agent>\"[ <duration>]"; common format stops after the size.
	if i := bytes.Index(rest, []byte(` "`)); i >= 0 {
		rest = rest[i+2:]
		if q = indexUnescapedQuote(rest); q < 0 || !bytes.HasPrefix(rest[q:], []byte(`" "`)) {
			return true, BadShape
		}
		rest = rest[q+3:]
		if q = indexUnescapedQuote(rest); q < 0 {
			return true, BadShape
		}
		agent, rest = rest[:q], rest[q+1:]
		if len(rest) > 1 && rest[0] == ' ' {
			n, after, okN := leadingInt(rest[1:])
			if okN && (len(after) == 0 || after[0] == ' ') {
				durUS, hasDur = int64(n)*unitUS, true
			}
		}
	}
	r.Kind, r.Source, r.Status, r.Method, r.URI = KindRequest, SourceApache, status, method, uri
	r.StartText, r.StartLayout = start, TimeCLF
	r.DurationUS, r.HasDuration = durUS, hasDur
	r.ClientAddr, r.UserAgent = line[:sp], agent
	return true, nil
}

// indexUnescapedQuote finds the first '"' of b that is not written \" (an
// even number of backslashes before it).
func indexUnescapedQuote(b []byte) int {
	for from := 0; ; {
		i := bytes.IndexByte(b[from:], '"')
		if i < 0 {
			return -1
		}
		if i += from; !escapedAt(b, i) {
			return i
		}
		from = i + 1
	}
}

// ApacheErrorKind says what an Apache error-log line reports about a proxied request.
type ApacheErrorKind uint8

const (
	ApacheErrorOther       ApacheErrorKind = iota // any other error-log line
	ApacheBackendTimeout                          // AH01102 after (70007)The timeout specified has expired
	ApacheBackendReadError                        // AH01102 with another cause (a reset)
	ApacheProxyError                              // AH00898: Error reading from remote server returned by /path
	ApacheConnectFailed                           // AH00957, AH00959, AH01114: no connection to the backend
)

// ApacheErrorEvent is one line of Apache httpd's error log.
type ApacheErrorEvent struct {
	Kind      ApacheErrorKind
	Time      []byte // "Tue Dec 01 06:54:28.973107 2026"
	Module    []byte // proxy_http
	Level     []byte // error
	PID, TID  int
	APRStatus int    // (70007), (111); 0 when the line has none
	Client    []byte // "127.0.0.1:53934" of [client ...]
	Code      []byte // AH01102
	Path      []byte // the path of an AH00898 line
}

// ParseApacheError reads a line of Apache httpd 2.4's error log
// (server/log.c default ErrorLogFormat "[%t] [%m:%l] [pid %P:tid %T] %7F: %E: [client %a] %M"),
// e.g. the two lines mod_proxy_http writes for one backend timeout (Apache
// 2.4.71, ProxyTimeout 1, testdata/captures/formats/apache-error.log):
//
//	[Tue Dec 01 07:23:54.728669 2026] [proxy_http:error] [pid 30653:tid 30707] (70007)The timeout specified has expired: [client 127.0.0.1:55020] AH01102: error reading status line from remote server 127.0.0.1:37183
//	[Tue Dec 01 07:23:54.728717 2026] [proxy:error] [pid 30653:tid 30707] [client 127.0.0.1:55020] AH00898: Error reading from remote server returned by /slow/9
//
// Only the second names the request, by its path alone (no method, no query
// string); ApacheProxyErrors pairs them. ev aliases line.
func ParseApacheError(line []byte, ev *ApacheErrorEvent) (ok bool, err error) {
	*ev = ApacheErrorEvent{}
	if len(line) < 30 || line[0] != '[' {
		return false, nil
	}
	end := bytes.IndexByte(line, ']')
	if end < 20 || end > 40 || !bytes.HasPrefix(line[end:], []byte("] [")) {
		return false, nil
	}
	rest := line[end+3:]
	mod := bytes.IndexByte(rest, ']')
	colon := bytes.IndexByte(rest, ':')
	if mod < 0 || colon < 0 || colon > mod || !bytes.HasPrefix(rest[mod:], []byte("] [pid ")) {
		return false, nil
	}
	ev.Time, ev.Module, ev.Level = line[1:end], rest[:colon], rest[colon+1:mod]
	rest = rest[mod+len("] [pid "):]
	var okP bool
	if ev.PID, rest, okP = leadingInt(rest); !okP {
		return true, BadNumber
	}
	if r2, found := cutPrefix(rest, ":tid "); found {
		ev.TID, rest, _ = leadingInt(r2)
	}
	if rest, okP = cutPrefix(rest, "] "); !okP {
		return true, BadNumber
	}
	if len(rest) > 0 && rest[0] == '(' {
		ev.APRStatus, _, _ = leadingInt(rest[1:])
	}
	if i := bytes.Index(rest, []byte("[client ")); i >= 0 {
		c := rest[i+len("[client "):]
		if e := bytes.IndexByte(c, ']'); e >= 0 {
			ev.Client, rest = c[:e], c[e+1:]
		}
	}
	ah := bytes.Index(rest, []byte("AH"))
	if ah < 0 || ah+8 > len(rest) || rest[ah+7] != ':' || !isDigits(rest[ah+2:ah+7]) {
		return true, nil // a line without an AH code (third-party modules)
	}
	ev.Code = rest[ah : ah+7]
	msg := rest[ah+8:]
	switch string(ev.Code) {
	case "AH01102":
		ev.Kind = ApacheBackendReadError
		if ev.APRStatus == 70007 {
			ev.Kind = ApacheBackendTimeout
		}
	case "AH00898":
		const by = " returned by "
		i := bytes.Index(msg, []byte(by))
		if i < 0 || i+len(by) == len(msg) {
			return true, BadRequestLine
		}
		ev.Kind, ev.Path = ApacheProxyError, msg[i+len(by):]
	case "AH00957", "AH00959", "AH01114":
		ev.Kind = ApacheConnectFailed
	}
	return true, nil
}

// ApacheProxyErrors turns the mod_proxy lines of one Apache error log into
// records: an AH00898 line after an AH01102 of the same worker thread and
// client is a backend timeout (70007) or failure on its path; an AH00898
// alone is a backend failure. Connection failures (AH00957, AH01114) name no
// path and become no record (the access log has their 503). The zero value is
// ready; it is not safe for concurrent use.
type ApacheProxyErrors struct {
	ev      ApacheErrorEvent
	pending [8]apachePending
	next    int
}

type apachePending struct {
	pid, tid int
	timeout  bool
	client   [64]byte
	n        uint8
}

// Line reads one error-log line. It returns ok when the line is an Apache
// error-log line; r (with a) holds a record when r.Kind != 0. The record
// aliases line.
func (p *ApacheProxyErrors) Line(line []byte, r *Record, a *AccessFields) (ok bool, err error) {
	ev := &p.ev
	if ok, err = ParseApacheError(line, ev); !ok || err != nil {
		return ok, err
	}
	switch ev.Kind {
	case ApacheBackendTimeout, ApacheBackendReadError:
		slot := &p.pending[p.next]
		p.next = (p.next + 1) % len(p.pending)
		slot.pid, slot.tid, slot.timeout = ev.PID, ev.TID, ev.Kind == ApacheBackendTimeout
		slot.n = uint8(copy(slot.client[:], ev.Client))
	case ApacheProxyError:
		timeout := false
		for i := range p.pending {
			s := &p.pending[i]
			if s.n > 0 && s.pid == ev.PID && s.tid == ev.TID && string(s.client[:s.n]) == string(ev.Client) {
				timeout, s.n = s.timeout, 0
				break
			}
		}
		r.Source, r.Method, r.URI, r.ClientAddr = SourceApache, nil, ev.Path, ev.Client
		r.TimeText, r.TimeLayout = ev.Time, TimeNone
		a.ErrorReason = ev.Code
		if timeout {
			r.Kind, r.Timeout = KindTimeout, TimeoutApacheProxy
		} else {
			r.Kind, r.Status = KindUpstreamFailure, 502
		}
	}
	return true, nil
}
