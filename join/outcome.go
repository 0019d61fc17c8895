package join

import "github.com/slowroutes/slowroutes/metrics"

// outcome is one request: what its records said, merged.
type outcome struct {
	seq, prevPath  uint64 // its sequence number; that of the previous outcome of its path
	prevGaveUp     uint64 // that of the previous outcome of its path nginx gave up on
	onGaveUp       bool   // it is in the chain of prevGaveUp
	created        int64  // log time of its first record
	last           int64  // log time of its latest record
	path, full, id uint64
	hasFull, hasID bool
	byID           bool // a record of it was joined by request id
	slots          slot // the logs of its records, one record of each
	method         uint8
	rowScore       uint8
	timeouts       metrics.Evidence
	wKill          bool
	pStatus        int  // nginx's status: the access line's, or what its error line stands for
	wStatus        int  // the worker's request-log status
	pStart, pEnd   span // nginx's access line
	errAt          span // nginx's error line
	wStart, wEnd   span // the worker's
	row            *metrics.Row
}

// attach adds ev to o.
func (j *Joiner) attach(o *outcome, ev *evidence, byID bool) {
	o.slots |= ev.slot
	o.last = max(o.last, ev.at)
	o.byID = o.byID || byID
	o.timeouts |= metrics.EvidenceOf(ev.timeout)
	if o.method == 0 {
		o.method = ev.method
	}
	if !o.hasFull && ev.hasFull {
		o.full, o.hasFull = ev.full, true
	}
	if ev.hasID && !o.hasID {
		o.id, o.hasID = ev.id, true
	}
	if ev.hasID && !byID { // joined by its id, the id maps to o already
		j.byID.put(ev.id, o.seq)
	}
	switch ev.slot {
	case slotProxy:
		o.pStatus, o.pStart, o.pEnd = ev.status, ev.start, ev.end
	case slotProxyError:
		if o.slots&slotProxy == 0 {
			o.pStatus = ev.status
		}
		o.errAt = ev.end
	case slotWorker:
		o.wStatus, o.wKill, o.wStart, o.wEnd = ev.status, ev.kill, ev.start, ev.end
	}
	if s := rowScore(ev); o.slots == ev.slot || s > o.rowScore {
		o.row, o.rowScore = ev.row, s // its first record, or a better row
	}
	j.noteGaveUp(o)
	j.sync(o)
}

// link is what the walk along a path's outcomes reads of each: a small
// array apart from the outcomes, so that passing over those that cannot be
// a record's costs little.
type link struct {
	prev   uint64 // prevPath
	last   int64
	slots  slot
	method uint8
	gone   bool // merged into another
}

// sync copies what the walk reads of o into its link.
func (j *Joiner) sync(o *outcome) {
	if j.recent(o) {
		j.links[o.seq&j.mask] = link{prev: o.prevPath, last: o.last, slots: o.slots, method: o.method, gone: o.row == nil}
	}
}

// noteGaveUp chains an outcome nginx gave up on (504, or 499 for the
// client), whose worker record may come much later.
func (j *Joiner) noteGaveUp(o *outcome) {
	if o.onGaveUp || o.slots&slotWorker != 0 || o.pStatus != 504 && o.pStatus != 499 {
		return
	}
	o.prevGaveUp, _ = j.byGaveUp.swap(o.path, o.seq) // as prevPath, the walk stops at one no longer held
	o.onGaveUp = true
}

// rowScore ranks the rows of an outcome's records: the row that names the
// route, then the GraphQL operation, then the method, wins; of equals,
// nginx's (the outermost server's).
func rowScore(ev *evidence) uint8 {
	// Every record here names its route: those that do not (a WORKER
	// TIMEOUT on route "unknown") never join.
	s := uint8(8)
	if ev.row.Operation != "" {
		s += 4
	}
	if ev.method != 0 {
		s += 2
	}
	if ev.slot == slotProxy {
		s++
	}
	return s
}

// merge moves what src knows into dst; src then settles as nothing.
func (j *Joiner) merge(dst, src *outcome) {
	if src.slots&slotProxy != 0 {
		dst.pStatus, dst.pStart, dst.pEnd = src.pStatus, src.pStart, src.pEnd
	} else if src.slots&slotProxyError != 0 && dst.slots&slotProxy == 0 {
		dst.pStatus = src.pStatus
	}
	if src.slots&slotProxyError != 0 {
		dst.errAt = src.errAt
	}
	if src.slots&slotWorker != 0 {
		dst.wStatus, dst.wKill, dst.wStart, dst.wEnd = src.wStatus, src.wKill, src.wStart, src.wEnd
	}
	dst.slots |= src.slots
	dst.last = max(dst.last, src.last)
	dst.byID = dst.byID || src.byID
	dst.timeouts |= src.timeouts
	if dst.method == 0 {
		dst.method = src.method
	}
	if !dst.hasFull && src.hasFull {
		dst.full, dst.hasFull = src.full, true
	}
	if src.rowScore > dst.rowScore {
		dst.row, dst.rowScore = src.row, src.rowScore
	}
	src.row = nil
	j.noteGaveUp(dst)
	j.sync(dst)
	j.sync(src)
}
