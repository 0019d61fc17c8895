package join

// How long outcomes are held. Records of a request whose worker answered,
// or was killed under nginx, are written within seconds of each other
// (match.go): such an outcome is settled once retainUS of log time passed
// its latest record. Only an outcome nginx gave up on (a 504, a 499)
// waits longer for its worker's record — a worker runs on after nginx gave
// up until it answers or is killed: it moves to the far ring and is held
// until a Horizon after it began. So the ring of recent outcomes, which
// every record walks, stays small and in cache.
// (A record no older than the join's clock compares with outcomes at most
// nearUS older than itself; a second more covers records read a little
// out of order.)
const retainUS = nearUS + 1_000_000

// farRing holds the outcomes moved out of the window of recent ones, by
// the order they moved, with an index from sequence number to place.
type farRing struct {
	outs       []outcome
	mask       uint64
	head, next uint64
	pos        index // seq -> place+1
}

func (f *farRing) init(n int) {
	f.outs, f.mask = make([]outcome, n), uint64(n-1)
	f.pos.init(2 * n)
}

// at is the outcome at place p.
func (f *farRing) at(p uint64) *outcome { return &f.outs[p&f.mask] }

// live returns the outcome of seq if it is still held.
func (j *Joiner) live(seq uint64) *outcome {
	if seq >= j.head && seq < j.next {
		return &j.outs[seq&j.mask]
	}
	if seq != 0 && j.far.next > j.far.head {
		if p, ok := j.far.pos.get(seq); ok {
			return j.far.at(p - 1)
		}
	}
	return nil
}

// recent says whether o is in the ring of recent outcomes.
func (j *Joiner) recent(o *outcome) bool {
	return o.seq >= j.head && o.seq < j.next && &j.outs[o.seq&j.mask] == o
}

// expire settles or moves on the outcomes whose time has passed, and
// sweeps app lines that waited for their worker too long.
func (j *Joiner) expire() {
	nearLimit, farLimit := j.wm-retainUS, j.wm-j.horizon
	for j.head < j.next {
		o := &j.outs[j.head&j.mask]
		if o.row != nil && o.last == 0 {
			// Begun before any time was known (an app line at the top of
			// its stream): it takes the first time known.
			o.created, o.last = j.wm, j.wm
			j.sync(o)
		}
		if o.row != nil && o.last >= nearLimit {
			break
		}
		j.retire(o, farLimit)
		j.head++
	}
	if j.far.next > j.far.head && j.far.at(j.far.head).created < farLimit {
		j.expireFar(farLimit)
	}
	if j.wm >= j.nextSweep {
		j.sweep(farLimit)
		j.nextSweep = j.wm + retainUS
	}
}

// retire takes o out of the ring of recent outcomes: to the far ring if it
// waits for its worker, else settled.
func (j *Joiner) retire(o *outcome, farLimit int64) {
	if o.row == nil || !o.onGaveUp || o.slots&slotWorker != 0 || o.created < farLimit {
		j.settle(o)
		return
	}
	f := &j.far
	if f.next-f.head == uint64(len(f.outs)) {
		if len(f.outs) < j.max {
			f.grow()
		} else {
			j.settleFar()
			j.agg.Join.Early++
		}
	}
	*f.at(f.next) = *o
	f.pos.put(o.seq, f.next+1)
	f.next++
	o.row = nil // moved: settles as nothing here
}

// expireFar settles the far outcomes begun before limit.
func (j *Joiner) expireFar(limit int64) {
	for f := &j.far; f.next > f.head && (f.at(f.head).created < limit || f.at(f.head).row == nil); {
		j.settleFar()
	}
}

func (j *Joiner) settleFar() {
	f := &j.far
	o := f.at(f.head)
	j.settle(o)
	f.pos.del(o.seq)
	f.head++
}

func (f *farRing) grow() {
	n := 2 * len(f.outs)
	outs, mask := make([]outcome, n), uint64(n-1)
	for p := f.head; p < f.next; p++ {
		outs[p&mask] = *f.at(p)
	}
	f.outs, f.mask = outs, mask
}

// open starts an outcome with ev.
func (j *Joiner) open(ev *evidence) *outcome {
	if j.next-j.head == uint64(len(j.outs)) {
		if len(j.outs) < j.max {
			j.grow()
		} else {
			j.retire(&j.outs[j.head&j.mask], j.wm-j.horizon)
			j.head++
			j.agg.Join.Early++
		}
	}
	seq := j.next
	j.next++
	o := &j.outs[seq&j.mask]
	*o = outcome{seq: seq, created: ev.at, last: ev.at, path: ev.path}
	// The walk along the chain stops at an outcome no longer held.
	o.prevPath, _ = j.byPath.swap(ev.path, seq)
	j.attach(o, ev, false)
	return o
}

// grow doubles the ring of recent outcomes, keeping every outcome at its
// sequence number.
func (j *Joiner) grow() {
	n := 2 * len(j.outs)
	outs, links := make([]outcome, n), make([]link, n)
	mask := uint64(n - 1)
	for seq := j.head; seq < j.next; seq++ {
		outs[seq&mask], links[seq&mask] = j.outs[seq&j.mask], j.links[seq&j.mask]
	}
	j.outs, j.links, j.mask = outs, links, mask
}
