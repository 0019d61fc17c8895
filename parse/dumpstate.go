package parse

import "bytes"

// dumps assembles the stack dumps of one log stream into KindStuck
// records: a small state machine fed line by line (Stream.Line), with the
// uWSGI and gunicorn events and the records of the same stream, which say
// which request a dump belongs to. Everything it keeps is reused from dump
// to dump.
type dumps struct {
	cfg   *FrameConfig
	dl    DumpLine
	fault faultDump
	hk    harakiriDump
	kills []pendingKill  // gunicorn WORKER TIMEOUTs whose dump has not begun
	stuck []pendingStuck // dumps of killed gunicorn workers, waiting for the request's own line
	// rec is for the worker records, stuckRec for the stuck facts: one may
	// be emitted while the other is.
	rec, stuckRec Record
	stuckAt       StuckAt
	// lines counts the stream's lines; garbledUntil is the line until which
	// a dump that begins is suspect, because another one was just cut into.
	lines, garbledUntil int64
	// lastUS is the latest time a line of the stream carried: dumps carry none.
	lastUS int64
}

// faultDump is the faulthandler or dogslow dump being read.
type faultDump struct {
	open     bool
	watchdog bool // dogslow: frames outermost first, the request named in the header
	stackEnd bool // dogslow: past the stack (the locals' backtrace repeats it)
	// skip: a crash (a fatal signal other than SIGABRT), not a stuck request.
	skip bool
	// awaitingReason: the header's reason was cut off by another line.
	awaitingReason bool
	// tied to a kill: the worker and request it was written for.
	tied bool
	kill pendingKill
	// poisoned: another writer cut into the dump; no frame is taken from
	// then on. A dump that began mid-line, or while another was being
	// written, takes frames only after a clean thread header.
	poisoned, inThread bool
	bottom             bool // the last line ended a stack (<module>, _bootstrap, <no Python frame>)
	pid                int  // dogslow's Process ID
	method, uri        []byte
	cur, best          stackPick
}

// stackPick is one thread's frames as far as they matter: the innermost
// application frame and the innermost frame of all, formatted.
type stackPick struct {
	have, current, waitingSet bool
	frame, waiting            []byte
}

const (
	maxPendingKills = 8
	// pendingUS is how long a kill waits for its dump, and a dump for the
	// killed request's own line, in stream time.
	pendingUS = 10_000_000
	// garbleLines is how long after garbage a headerless dump is suspect.
	garbleLines = 64
)

// mayStartDump are the first bytes of the lines line looks at while no
// dump is open: dump lines, "HARAKIRI: -- wchan>".
var mayStartDump = [256]bool{' ': true, 'T': true, 'C': true, 'F': true, 'S': true, 't': true, '*': true, 'H': true}

// wants reports whether line may be a dump line or end the dump being
// read: the Stream gives line only those.
func (d *dumps) wants(line []byte) bool { return d.fault.open || mayStartDump[line[0]] }

// line reads one line of the stream when it is a dump line (or ends the
// dump being read); done is false for every other line, which the caller
// parses as usual.
func (d *dumps) line(s *Stream, line []byte, emit func(*Record)) (Parser, Outcome, Malformation, bool) {
	d.lines++
	if ParseDumpLine(line, &d.dl) {
		return d.dumpLine(s, line, emit)
	}
	switch line[0] {
	case 'H':
		if w, ok := cutPrefix(line, "HARAKIRI: -- wchan> "); ok && d.hk.open {
			d.hk.wchan = append(d.hk.wchan[:0], bytes.TrimSpace(w)...)
		}
		return 0, 0, 0, false // the uWSGI parser counts it
	}
	f := &d.fault
	if !f.open {
		return 0, 0, 0, false
	}
	if f.awaitingReason && len(line) < 64 && cleanReason(line) {
		// "Fatal Python error: [2026-…] … WORKER TIMEOUT (pid:N)" then "Aborted".
		f.awaitingReason = false
		f.skip = string(line) != "Aborted"
		return ParserDump, Matched, NotMalformed, true
	}
	if f.watchdog && d.watchdogBody(line) {
		return ParserDump, Matched, NotMalformed, true
	}
	// A JSON or bracketed line is another writer's own line, never the
	// rest of a dump line: it ends the dump and is read as usual.
	if line[0] != '{' && line[0] != '[' && dumpGarbage(line) {
		return d.garbage(s, line, emit)
	}
	d.endFault(s, emit)
	return 0, 0, 0, false
}

// dumpLine acts on a line ParseDumpLine read.
func (d *dumps) dumpLine(s *Stream, line []byte, emit func(*Record)) (Parser, Outcome, Malformation, bool) {
	dl, f := &d.dl, &d.fault
	switch dl.Kind {
	case DumpTracebackerHeader:
		d.hk.threads = d.hk.threads[:0]
	case DumpTracebackerFrame:
		d.tracebackerFrame(dl)
	case DumpFatal:
		suspect := f.open && !f.bottom
		d.endFault(s, emit)
		d.beginFault(suspect)
		// Only gunicorn's SIGABRT follows a kill; a dump of another fatal
		// signal is a crash. A reason cut off by another line may be it.
		if dl.Reason != nil && string(dl.Reason) != "Aborted" {
			f.skip = true
		} else {
			d.tie()
		}
		if dl.Rest != nil {
			f.awaitingReason = true
			// "Fatal Python error: [2026-…] [31689] [CRITICAL] WORKER TIMEOUT (pid:31973)":
			// the line another process wrote into this one is read as such.
			if p, o, m, ok := s.interleaved(line, emit); ok {
				return p, o, m, true
			}
		}
	case DumpTimeout:
		suspect := f.open && !f.bottom
		d.endFault(s, emit)
		d.beginFault(suspect)
	case DumpSlowRequest:
		d.endFault(s, emit)
		d.beginFault(false)
		f.watchdog = true
		f.method = append(f.method[:0], dl.Method...)
		f.uri = append(f.uri[:0], dl.URI...)
		if bytes.Contains(line, []byte(`\n  File "`)) {
			// dogslow 1.x under Python 3 logs the whole report as one
			// bytes repr: the frames are in this line, "\n" escaped.
			d.inlineFrames(line)
			d.endFault(s, emit)
		}
	case DumpThread:
		if f.watchdog {
			d.endFault(s, emit)
		}
		if !f.open {
			// faulthandler.register() dumps have no header line; one that
			// begins just after garbage may be the rest of a cut dump. One
			// that begins while a kill waits for its dump is that dump,
			// whose header another line swallowed.
			d.beginFault(d.lines <= d.garbledUntil)
			d.tie()
		}
		d.endThread()
		f.inThread, f.bottom = true, false
		f.cur.current = dl.Current
	case DumpFrame:
		if !f.open || f.watchdog {
			// A frame line outside a dump: nothing to attach it to.
			break
		}
		if f.inThread && !f.poisoned {
			d.frame(dl.Path, dl.Func, true)
		}
		f.bottom = string(dl.Func) == "<module>" || string(dl.Func) == "_bootstrap"
	case DumpNoFrame, DumpEllipsis:
		f.bottom = true
	case DumpTracebackFrame:
		if !f.open {
			return 0, 0, 0, false // an exception's traceback: not a dump
		}
		if !f.watchdog {
			return d.garbage(s, line, emit)
		}
		if !f.stackEnd {
			d.frame(dl.Path, dl.Func, false)
		}
	case DumpGarbage:
		return d.garbage(s, line, emit)
	}
	return ParserDump, Matched, NotMalformed, true
}

func (d *dumps) beginFault(suspect bool) {
	f := &d.fault
	frame, waiting, bf, bw := f.cur.frame[:0], f.cur.waiting[:0], f.best.frame[:0], f.best.waiting[:0]
	method, uri, km, ku := f.method[:0], f.uri[:0], f.kill.method[:0], f.kill.uri[:0]
	*f = faultDump{open: true, poisoned: suspect}
	f.cur.frame, f.cur.waiting, f.best.frame, f.best.waiting = frame, waiting, bf, bw
	f.method, f.uri, f.kill.method, f.kill.uri = method, uri, km, ku
}

// frame takes one frame of the current thread: faulthandler lists the
// innermost first, dogslow and the traceback module the outermost.
func (d *dumps) frame(path, fn []byte, innermostFirst bool) {
	c := &d.fault.cur
	if !innermostFirst || !c.waitingSet {
		c.waiting = d.cfg.AppendWaiting(c.waiting[:0], path, fn)
		c.waitingSet = true
	}
	if (!innermostFirst || !c.have) && d.cfg.IsApp(path) {
		c.frame = d.cfg.AppendFrame(c.frame[:0], path, fn)
		c.have = true
	}
}

// endThread keeps the thread just read if it is the dump's best: the first
// thread with an application frame, or the current thread if it has one.
func (d *dumps) endThread() {
	f := &d.fault
	if f.cur.have && (!f.best.have || f.cur.current && !f.best.current) {
		f.best.have, f.best.current = true, f.cur.current
		f.best.frame = append(f.best.frame[:0], f.cur.frame...)
		f.best.waiting = append(f.best.waiting[:0], f.cur.waiting...)
	}
	f.cur.have, f.cur.waitingSet, f.cur.current = false, false, false
	f.inThread = false
}

// garbage counts a line cut into by another writer, and acts on the
// pieces it holds: a second dump's header, or a gunicorn kill line.
func (d *dumps) garbage(s *Stream, line []byte, emit func(*Record)) (Parser, Outcome, Malformation, bool) {
	d.garbledUntil = d.lines + garbleLines
	f := &d.fault
	if f.open {
		f.poisoned = true
	}
	if i := bytes.Index(line, []byte(markFatal)); i > 0 {
		// A second process began its dump in the middle of this line: its
		// frames count from its own clean thread header on, until the
		// first writer, which was cut mid-line, goes on.
		d.endFault(s, emit)
		d.beginFault(false)
		d.tie()
	}
	// A gunicorn or app line another process wrote into this one is read
	// as such (interleaved.go); what is left is garbage.
	if p, o, m, ok := s.interleaved(line, emit); ok {
		return p, o, m, true
	}
	return ParserDump, Malformed, BadShape, true
}

// endFault settles the dump being read.
func (d *dumps) endFault(s *Stream, emit func(*Record)) {
	f := &d.fault
	if !f.open {
		return
	}
	d.endThread()
	f.open = false
	if f.skip || !f.best.have {
		return
	}
	b := &f.best
	switch {
	case f.tied:
		d.holdStuck(b.frame, b.waiting)
	case f.watchdog:
		d.emitStuck(s, emit, stuckFact{frame: b.frame, waiting: b.waiting, source: SourceApp,
			pid: f.pid, method: f.method, uri: f.uri, timeUS: d.lastUS})
	default:
		method, uri, pid := d.serving(s)
		d.emitStuck(s, emit, stuckFact{frame: b.frame, waiting: b.waiting, source: SourceApp,
			pid: pid, method: method, uri: uri, timeUS: d.lastUS})
	}
}

// serving returns the request the stream says a worker is serving, when
// only one request (method and URI) is in flight: a faulthandler dump does
// not say which process wrote it.
func (d *dumps) serving(s *Stream) (method, uri []byte, pid int) {
	found := false
	for p, st := range s.gs.starts {
		if !st.active {
			continue
		}
		if found {
			if !bytes.Equal(st.method, method) || !bytes.Equal(st.uri, uri) {
				return nil, nil, 0
			}
			pid = 0 // the same request on two workers: which one dumped is not known
			continue
		}
		method, uri, pid, found = st.method, st.uri, p, true
	}
	return method, uri, pid
}

// watchdogBody consumes the lines dogslow writes after its header.
func (d *dumps) watchdogBody(line []byte) bool {
	f := &d.fault
	switch {
	case line[0] == ' ':
		return true // frames' code lines, locals
	case bytes.HasPrefix(line, []byte("This report does not contain")),
		bytes.HasPrefix(line, []byte("To enable this")),
		bytes.HasPrefix(line, []byte("Full backtrace with local variables")):
		f.stackEnd = true
		return true
	case f.stackEnd:
		return false
	case bytes.HasPrefix(line, []byte("Process ID: ")):
		f.pid, _, _ = leadingInt(bytes.TrimLeft(line[len("Process ID: "):], " "))
		return true
	case bytes.HasPrefix(line, []byte("Hostname: ")), bytes.HasPrefix(line, []byte("Thread ID: ")),
		bytes.HasPrefix(line, []byte("Parent PID: ")), bytes.HasPrefix(line, []byte("Started: ")):
		return true
	}
	sp := bytes.IndexByte(line, ' ')
	return sp > 0 && isMethod(line[:sp]) && bytes.Contains(line, []byte("://")) // the request again
}

// inlineFrames reads the frames of a one-line dogslow report.
func (d *dumps) inlineFrames(line []byte) {
	if end := bytes.Index(line, []byte(`This report does not contain`)); end > 0 {
		line = line[:end]
	}
	if end := bytes.Index(line, []byte(`Full backtrace with local variables`)); end > 0 {
		line = line[:end]
	}
	for {
		i := bytes.Index(line, []byte(`\n  File "`))
		if i < 0 {
			return
		}
		line = line[i+2:]
		end := bytes.Index(line, []byte(`\n`))
		fr := line
		if end >= 0 {
			fr = line[:end]
		}
		var dl DumpLine
		if parseFrameLine(fr, &dl); dl.Kind == DumpTracebackFrame {
			d.frame(dl.Path, dl.Func, false)
		}
	}
}
