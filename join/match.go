package join

// How records without a shared request id are matched, and the window the
// rules derive.
//
// Two records can be one request only if their request lines agree: the
// same path, the same full target (query included) when both lines log it
// (an app's "path" and gunicorn's [DEBUG] line may lack the query), the
// same method when both say, no two different request ids, and no log
// twice in the outcome. Then their times must fit what the servers do:
//
//   - nginx's access line and its error line of one request are written
//     together: their times overlap (the same second, or the next one when
//     the second ticks between the two writes), and the error says what the
//     access line's status says (upstream timed out: 504; upstream
//     prematurely closed, connect() failed: 502);
//   - a worker starts a request after nginx did and before nginx gave up on
//     it (a request may wait in the worker's listen queue for seconds: the
//     worker's own start is when it accepted it);
//   - when nginx relayed the worker's answer, both logged the same status
//     and the worker finished before nginx, by at most RelaySlack;
//   - when nginx gave up (504, or 499 for the client), the worker finished
//     (or was killed) after that;
//   - when the worker was killed, nginx saw the connection close (502) at
//     the kill or up to KillSlack later (gunicorn aborts a worker, and
//     kills it at a later check if it does not exit).
//
// Every time is a span: a time written to the second ($time_local, the
// error log's time, uWSGI's request date and a harakiri's "since") is
// [t, t+1 s), one with milliseconds ($msec) [t, t+1 ms), a duration is good
// to 1 ms. Spans are compared with Skew to spare for clock differences
// between hosts and the few ms a proxy takes to connect and send. So the
// match window for two one-second clocks is 2 s + 2·Skew wide; with $msec
// on the nginx side, 1 s + 2·Skew.
//
// Of the records that fit, the closest wins: the nearest ends when nginx
// relayed the answer, the nearest starts otherwise; a worker timeout
// without a start goes to the oldest request that fits (the worker that
// began first is killed first).
const (
	// Skew is the time spared on every comparison, µs.
	Skew = 100_000
	// RelaySlack bounds how long after its worker nginx may finish a
	// request it relayed, µs.
	RelaySlack = 1_000_000
	// KillSlack bounds how long after a worker's kill nginx may see its
	// connection close, µs.
	KillSlack = 2_500_000
	// A record is compared with the outcomes of its path whose latest record
	// is at most nearUS older, at most nearCandidates of them, newest first: the
	// records of a request whose worker answered, or was killed under
	// nginx, are written within a few seconds of each other. Only a
	// worker's record may come long after nginx's (nginx gave up first):
	// it is also compared with up to farCandidates outcomes of its path
	// that nginx gave up on and no worker record joined yet, over the
	// whole window.
	nearUS         = 4_000_000
	nearCandidates = 8
	farCandidates  = 64
)

// sameRequest says whether o's request line can be ev's.
func (o *outcome) sameRequest(ev *evidence) bool {
	switch {
	case o.path != ev.path,
		o.hasFull && ev.hasFull && o.full != ev.full,
		o.method != 0 && ev.method != 0 && o.method != ev.method,
		o.hasID && ev.hasID && o.id != ev.id:
		return false
	}
	return true
}

// byRequestID joins ev to the outcome of its request id.
func (j *Joiner) byRequestID(ev *evidence) *outcome {
	if !ev.hasID {
		return nil
	}
	seq, ok := j.byID.get(ev.id)
	o := j.live(seq)
	if !ok || o == nil || o.slots&ev.slot != 0 || !o.sameRequest(ev) {
		return nil
	}
	j.attach(o, ev, true)
	return o
}

// byTime joins ev to the outcome of its path whose times fit best.
func (j *Joiner) byTime(ev *evidence) *outcome {
	best := j.bestFit(ev, nil)
	if best != nil {
		j.attach(best, ev, false)
	}
	return best
}

// absorb merges into o, which ev just joined by request id, an outcome
// begun by records without the id that fits ev: nginx's error line of a
// request is written before the records that carry its id.
func (j *Joiner) absorb(o *outcome, ev *evidence) {
	if c := j.bestFit(ev, o); c != nil {
		j.merge(o, c)
	}
}

// bestFit is the outcome of ev's path that ev fits best. With into set, only
// outcomes that could merge into it count: none of its logs, no other id.
func (j *Joiner) bestFit(ev *evidence, into *outcome) *outcome {
	var (
		best      *outcome
		bestTier  int
		bestScore int64
	)
	consider := func(o *outcome) {
		if o.row == nil || o.slots&ev.slot != 0 || !o.sameRequest(ev) {
			return
		}
		if into != nil && (o == into || o.slots&into.slots != 0 || o.hasID && into.hasID && o.id != into.id) {
			return
		}
		if fit, tier, score := o.fits(ev); fit && (best == nil || tier < bestTier || tier == bestTier && score < bestScore) {
			best, bestTier, bestScore = o, tier, score
		}
	}
	seq, ok := j.byPath.get(ev.path)
	for n := 0; ok && n < nearCandidates && seq >= j.head && seq < j.next; n++ {
		l := &j.links[seq&j.mask]
		if l.last < ev.at-nearUS {
			break // outcomes begun earlier are older still
		}
		if !l.gone && l.slots&ev.slot == 0 && (l.method == 0 || ev.method == 0 || l.method == ev.method) {
			consider(&j.outs[seq&j.mask])
			if best != nil && bestTier == 0 && bestScore == 0 {
				break // the times agree to their last digit: none fits better
			}
		}
		seq, ok = l.prev, l.prev != 0
	}
	if ev.slot != slotWorker {
		return best
	}
	seq, ok = j.byGaveUp.get(ev.path)
	for n := 0; ok && n < farCandidates; n++ {
		o := j.live(seq)
		if o == nil {
			break
		}
		seq, ok = o.prevGaveUp, o.prevGaveUp != 0
		consider(o)
	}
	return best
}

// proxyView is nginx's side of a request.
type proxyView struct {
	start, end span
	status     int
}

// workerView is the worker's side of a request.
type workerView struct {
	start, end span
	status     int
	kill       bool
}

func (o *outcome) proxy() proxyView {
	if o.slots&slotProxy != 0 {
		return proxyView{o.pStart, o.pEnd, o.pStatus}
	}
	return proxyView{unknown, o.errAt, o.pStatus}
}

func (o *outcome) worker() workerView { return workerView{o.wStart, o.wEnd, o.wStatus, o.wKill} }

// fits says whether ev's times fit o's, and how well: of two fits, the one
// of lower tier wins, then the lower score. Tier 0 scores the distance of
// the times the servers share; tier 1, when none is known, the age of the
// outcome (older wins).
func (o *outcome) fits(ev *evidence) (ok bool, tier int, score int64) {
	switch ev.slot {
	case slotProxy:
		if o.slots&slotProxyError != 0 && (ev.status != o.pStatus || !overlaps(ev.end, o.errAt, Skew)) {
			return false, 0, 0
		}
		if o.slots&slotWorker != 0 {
			return workerFits(proxyView{ev.start, ev.end, ev.status}, o.worker(), o.created)
		}
		if o.slots&slotProxyError != 0 {
			return true, 0, distance(ev.end, o.errAt)
		}
	case slotProxyError:
		if o.slots&slotProxy != 0 && (ev.status != o.pStatus || !overlaps(ev.end, o.pEnd, Skew)) {
			return false, 0, 0
		}
		if o.slots&slotWorker != 0 {
			p := proxyView{unknown, ev.end, ev.status}
			if o.slots&slotProxy != 0 {
				p = o.proxy()
			}
			return workerFits(p, o.worker(), o.created)
		}
		if o.slots&slotProxy != 0 {
			return true, 0, distance(ev.end, o.pEnd)
		}
	case slotWorker:
		if o.slots&(slotProxy|slotProxyError) != 0 {
			return workerFits(o.proxy(), workerView{ev.start, ev.end, ev.status, ev.kill}, o.created)
		}
	}
	// No time to match: an app line's outcome joins by request id or by
	// its worker only.
	return false, 0, 0
}

// workerFits applies the rules above to nginx's and the worker's sides of
// one request; created ranks fits without a shared time.
func workerFits(p proxyView, w workerView, created int64) (ok bool, tier int, score int64) {
	if p.start.known() && w.start.known() && w.start.hi+Skew < p.start.lo {
		return false, 0, 0 // the worker began before nginx did
	}
	if p.end.known() && w.start.known() && w.start.lo-Skew > p.end.hi {
		return false, 0, 0 // the worker began after nginx was done
	}
	var d int64 = -1
	switch gaveUp := p.status == 504 || p.status == 499; {
	case gaveUp:
		if p.end.known() && w.end.known() && w.end.hi+Skew < p.end.lo {
			return false, 0, 0 // the worker was done before nginx gave up
		}
		d = startDistance(p, w)
	case w.kill:
		if p.status != 502 {
			return false, 0, 0 // a killed worker sent no answer
		}
		if p.end.known() && w.end.known() {
			if p.end.hi+Skew < w.end.lo || p.end.lo > w.end.hi+KillSlack {
				return false, 0, 0
			}
			d = distance(p.end, w.end)
		}
		if s := startDistance(p, w); s >= 0 {
			d = max(d, 0) + s
		}
	default: // nginx relayed the worker's answer
		if p.status != w.status {
			return false, 0, 0
		}
		if p.end.known() && w.end.known() {
			if p.end.hi+Skew < w.end.lo || p.end.lo > w.end.hi+RelaySlack {
				return false, 0, 0
			}
			d = distance(p.end, w.end)
		} else {
			d = startDistance(p, w)
		}
	}
	if d < 0 {
		return true, 1, created
	}
	return true, 0, d
}

// startDistance is the distance of the two sides' starts, -1 when one is unknown.
func startDistance(p proxyView, w workerView) int64 {
	if !p.start.known() || !w.start.known() {
		return -1
	}
	return distance(p.start, w.start)
}

func overlaps(a, b span, slack int64) bool { return a.lo <= b.hi+slack && b.lo <= a.hi+slack }

func distance(a, b span) int64 {
	d := a.mid() - b.mid()
	if d < 0 {
		return -d
	}
	return d
}
