package parse

import "bytes"

// The lines of Python stack dumps that servers and apps write into their
// logs: uWSGI's py-tracebacker at a harakiri, CPython's faulthandler (on a
// fatal signal such as gunicorn's SIGABRT, on a registered signal, from
// dump_traceback_later), and dogslow's watchdog. Each shape is read on its
// own; dumpstate.go assembles them into stuck frames.

// DumpLineKind says which line of a stack dump a line is.
type DumpLineKind uint8

const (
	DumpNone DumpLineKind = iota
	// *** uWSGI Python tracebacker output ***
	DumpTracebackerHeader
	// thread_id = uWSGIWorker2Core0 filename = /app/billing/pdf.py lineno = 15 function = rasterize_pages line = time.sleep(PAGE_SECONDS)
	DumpTracebackerFrame
	// Fatal Python error: Aborted
	DumpFatal
	// Timeout (0:00:01)!
	DumpTimeout
	// Current thread 0x00007fc43d0902c0 (most recent call first):
	// Thread 0x00007fdbb21ff6c0 (most recent call first):
	// Stack (most recent call first):
	DumpThread
	//   File "/app/billing/pdf.py", line 15 in rasterize_pages
	DumpFrame
	//   <no Python frame>
	DumpNoFrame
	//   ...   (faulthandler stops after 100 frames)
	DumpEllipsis
	//   File "/app/billing/pdf.py", line 15, in rasterize_pages   (traceback module, dogslow)
	DumpTracebackFrame
	// Slow Request Watchdog: invoice_pdf, GET http://shop/invoices/7/pdf - Undead request intercepted at: 01-12-2026 07:25:17 UTC
	DumpSlowRequest
	// a line that starts like a dump line but is broken: two processes
	// writing one stream byte by byte
	DumpGarbage
)

// DumpLine is one line of a stack dump. Its slices alias the line.
type DumpLine struct {
	Kind DumpLineKind
	// Current: a "Current thread" header (the thread that got the signal).
	Current bool
	// Thread is the tracebacker's thread_id.
	Thread []byte
	// Path and Func name a frame's file and function.
	Path, Func []byte
	// Reason is a fatal error's signal name ("Aborted"); Rest is what
	// follows "Fatal Python error: " when it is not a reason but another
	// process's line written into the middle of this one.
	Reason, Rest []byte
	// Method and URI are the request a watchdog names.
	Method, URI []byte
}

const (
	markFatal       = "Fatal Python error: "
	markThreadTail  = " (most recent call first):"
	markTracebacker = "*** uWSGI Python tracebacker output ***"
	markWatchdog    = "Slow Request Watchdog: "
)

// ParseDumpLine reads a line of a stack dump that starts at the beginning
// of the line. It returns false, cheaply, for lines that cannot be one:
// every line of a log goes through it. d aliases line.
//
// The shapes are CPython's (Python/traceback.c, Modules/faulthandler.c,
// 3.11 here):
//
//	Fatal Python error: Aborted
//	Timeout (0:00:01)!
//	Current thread 0x00007fc43d0902c0 (most recent call first):
//	  File "/usr/lib/python3.11/socket.py", line 706 in readinto
//	  <no Python frame>
//
// uWSGI 2.0.21's py-tracebacker (plugins/python/tracebacker.c), outermost
// frame first:
//
//	*** uWSGI Python tracebacker output ***
//	thread_id = uWSGIWorker1Core0 filename = /usr/lib/python3.11/socket.py lineno = 706 function = readinto line = return self._sock.recv_into(b)
//
// and dogslow's (dogslow/__init__.py), whose frames are the traceback
// module's, with a comma before "in".
func ParseDumpLine(line []byte, d *DumpLine) bool {
	*d = DumpLine{}
	if len(line) < 5 {
		return false
	}
	switch line[0] {
	case ' ':
		if line[1] != ' ' {
			return false
		}
		switch {
		case bytes.HasPrefix(line, []byte(`  File `)):
			parseFrameLine(line, d)
			return true
		case string(line) == "  <no Python frame>":
			d.Kind = DumpNoFrame
			return true
		case string(line) == "  ...":
			d.Kind = DumpEllipsis
			return true
		}
	case 'F':
		if rest, ok := cutPrefix(line, markFatal); ok {
			d.Kind = DumpFatal
			if cleanReason(rest) {
				d.Reason = rest
			} else {
				d.Rest = rest
			}
			return true
		}
	case 'T':
		if rest, ok := cutPrefix(line, "Thread 0x"); ok {
			return threadLine(rest, false, d)
		}
		if rest, ok := cutPrefix(line, "Timeout ("); ok {
			// "Timeout (%lu:%02lu:%02lu[.%06d])!" (faulthandler_dump_traceback_later)
			if len(rest) >= 9 && rest[len(rest)-2] == ')' && rest[len(rest)-1] == '!' && clock(rest[:len(rest)-2]) {
				d.Kind = DumpTimeout
				return true
			}
		}
	case 'C':
		if rest, ok := cutPrefix(line, "Current thread 0x"); ok {
			return threadLine(rest, true, d)
		}
	case 'S':
		if string(line) == "Stack"+markThreadTail {
			d.Kind = DumpThread
			return true
		}
		if rest, ok := cutPrefix(line, markWatchdog); ok {
			return watchdogHeader(rest, d)
		}
	case 't':
		if rest, ok := cutPrefix(line, "thread_id = "); ok {
			return tracebackerFrame(rest, d)
		}
	case '*':
		if string(line) == markTracebacker {
			d.Kind = DumpTracebackerHeader
			return true
		}
	}
	return false
}

// parseFrameLine reads `  File "PATH", line N in FUNC` (faulthandler) or
// `  File "PATH", line N, in FUNC` (traceback module). A frame must parse
// cleanly to count: when two processes dump at once their bytes interleave
// inside lines (`  File   File ""/app.py/app.py""`), and such a line is
// garbage, never a frame.
func parseFrameLine(line []byte, d *DumpLine) {
	d.Kind = DumpGarbage
	rest, ok := cutPrefix(line, `  File "`)
	if !ok {
		return
	}
	q := bytes.IndexByte(rest, '"')
	if q <= 0 || !printable(rest[:q]) {
		return
	}
	path := rest[:q]
	rest, ok = cutPrefix(rest[q:], `", line `)
	if !ok {
		return
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 {
		// faulthandler writes "???" for an unknown line number.
		if !bytes.HasPrefix(rest, []byte("???")) {
			return
		}
		i = 3
	}
	rest = rest[i:]
	kind := DumpFrame
	if r, ok := cutPrefix(rest, " in "); ok {
		rest = r
	} else if r, ok := cutPrefix(rest, ", in "); ok {
		rest, kind = r, DumpTracebackFrame
	} else {
		return
	}
	if !identifier(rest) {
		return
	}
	d.Kind, d.Path, d.Func = kind, path, rest
}

// tracebackerFrame reads what follows "thread_id = ":
// "T filename = PATH lineno = N function = FUNC line = CODE".
func tracebackerFrame(rest []byte, d *DumpLine) bool {
	d.Kind = DumpGarbage
	f := bytes.Index(rest, []byte(" filename = "))
	if f <= 0 {
		return true
	}
	d.Thread, rest = rest[:f], rest[f+len(" filename = "):]
	l := bytes.Index(rest, []byte(" lineno = "))
	if l <= 0 {
		return true
	}
	path, rest := rest[:l], rest[l+len(" lineno = "):]
	_, rest, ok := leadingInt(rest)
	rest, okF := cutPrefix(rest, " function = ")
	if !ok || !okF {
		return true
	}
	end := bytes.Index(rest, []byte(" line = "))
	if end < 0 {
		end = len(rest)
	}
	if !printable(path) || !identifier(rest[:end]) {
		return true
	}
	d.Kind, d.Path, d.Func = DumpTracebackerFrame, path, rest[:end]
	return true
}

// threadLine reads what follows "Thread 0x" or "Current thread 0x":
// hex digits, then " (most recent call first):".
func threadLine(rest []byte, current bool, d *DumpLine) bool {
	i := 0
	for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] >= 'a' && rest[i] <= 'f') {
		i++
	}
	d.Kind = DumpGarbage
	if i > 0 && string(rest[i:]) == markThreadTail {
		d.Kind, d.Current = DumpThread, current
	}
	return true
}

// watchdogHeader reads what follows "Slow Request Watchdog: ", as dogslow
// logs it: "URL_NAME, METHOD SCHEME://HOST/PATH - OUTPUT"; under Python 3,
// dogslow 1.x formats bytes, so the request and the output come as b'…'.
func watchdogHeader(rest []byte, d *DumpLine) bool {
	c := bytes.Index(rest, []byte(", "))
	if c < 0 {
		return false
	}
	req := rest[c+2:]
	req = bytes.TrimPrefix(req, []byte("b'"))
	sp := bytes.IndexByte(req, ' ')
	if sp <= 0 || !isMethod(req[:sp]) {
		return false
	}
	url := req[sp+1:]
	end := bytes.Index(url, []byte(" - "))
	if end < 0 {
		end = len(url)
	}
	url = bytes.TrimSuffix(url[:end], []byte("'"))
	if !bytes.Contains(url, []byte("://")) {
		return false
	}
	d.Kind, d.Method, d.URI = DumpSlowRequest, req[:sp], stripSchemeHost(url)
	return true
}

// cleanReason accepts a fatal error's text as faulthandler writes it: a
// signal's name ("Aborted", "Segmentation fault") or CPython's
// "func: message". Another line cut into it ("[2026-…] [1] [CRITICAL] …",
// a JSON object) is not one.
func cleanReason(b []byte) bool {
	if len(b) == 0 || !(b[0] >= 'A' && b[0] <= 'Z' || b[0] >= 'a' && b[0] <= 'z' || b[0] == '_') {
		return false
	}
	return printable(b) && !bytes.Contains(b, []byte(markFatal)) && !bytes.Contains(b, []byte(`File "`))
}

// clock accepts "H:MM:SS" with an optional ".ffffff".
func clock(b []byte) bool {
	_, rest, ok := leadingInt(b)
	if !ok || len(rest) < 6 || rest[0] != ':' || rest[3] != ':' {
		return false
	}
	if _, ok := atoi(rest[1:3]); !ok {
		return false
	}
	sec := rest[4:]
	if dot := bytes.IndexByte(sec, '.'); dot >= 0 {
		if _, ok := atoi(sec[dot+1:]); !ok {
			return false
		}
		sec = sec[:dot]
	}
	_, ok = atoi(sec)
	return ok && len(sec) == 2
}

// identifier accepts a function name as CPython writes it: a Python
// identifier, a qualified name, or a code object's <name> ("<module>",
// "<lambda>", "<listcomp>").
func identifier(b []byte) bool {
	if len(b) == 0 || len(b) > 256 {
		return false
	}
	if b[0] == '<' {
		return b[len(b)-1] == '>' && len(b) > 2 && identifier(b[1:len(b)-1])
	}
	for i, c := range b {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
		case c >= '0' && c <= '9' || c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// printable rejects control bytes and quotes: what a path written whole
// does not hold.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f || c == '"' {
			return false
		}
	}
	return true
}

// dumpGarbage reports whether a line holds pieces of a stack dump somewhere
// other than at its start: what two processes dumping at once write.
func dumpGarbage(line []byte) bool {
	for _, m := range [...]string{markFatal, `File "`, "  File ", ", line ", "(most recent call first)", "Current thread 0x", "<no Python frame>"} {
		if bytes.Contains(line, []byte(m)) {
			return true
		}
	}
	return false
}
