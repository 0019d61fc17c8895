package workers

import (
	"math/bits"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// interval marks a request busy from its start to its end. Times a line
// writes to the second (uWSGI's ctime, a harakiri's "since", $time_local)
// stand for the middle of their second. A worker is busy once however many
// requests it serves at once (threads) and however many lines log one
// request (uWSGI's request log and the app's own line); requests of no
// known pid are busy on their own, and those shorter than their time's
// resolution cannot be placed.
func (t *Tracker) interval(rec *parse.Record, row *metrics.Row, out *metrics.StreamWorkers) {
	a, b := rec.StartUS, rec.TimeUS
	if a <= 0 || b < a {
		return
	}
	anchor := b
	if len(rec.StartText) > 0 {
		anchor = a
	}
	if anchor%1_000_000 == 0 {
		if rec.PID <= 0 && b-a < 1_000_000 {
			return
		}
		a, b = a+500_000, b+500_000
	}
	t.begin(a)
	t.advance(b, out)
	first := max(slotOf(a), t.baseSlot)
	last := slotOf(b) // the first slot whose middle b does not reach
	if first >= last {
		return
	}
	bit := uint64(0)
	if rec.PID > 0 {
		bit = 1 << t.bitOf(rec.PID, last)
	}
	for s := first; s < last; s++ {
		i := s % ringSlots
		if bit != 0 {
			t.busy[i] |= bit
		} else if t.anon[i] < 1<<16-1 {
			t.anon[i]++
		}
	}
	for w := first / slotsPerWindow; w <= (last-1)/slotsPerWindow; w++ {
		t.seen[w%ringWindows] = true
	}
	if row != nil {
		t.holds[t.nextHold] = interval{a: a, b: b, row: row}
		t.nextHold = (t.nextHold + 1) % recentHolds
	}
}

// slotOf is the first slot whose middle is at or after us.
func slotOf(us int64) int64 { return (us + SlotUS/2 - 1) / SlotUS }

func windowStart(slot int64) int64 { return slot - slot%slotsPerWindow }

// touch marks the window of a line's time as observed.
func (t *Tracker) touch(us int64, out *metrics.StreamWorkers) {
	t.begin(us)
	t.advance(us, out)
	if s := us / SlotUS; s >= t.baseSlot {
		t.seen[(s/slotsPerWindow)%ringWindows] = true
	}
}

// begin starts the ring at the stream's first time us, with one window of
// room before it: the requests whose lines come next may have begun earlier.
func (t *Tracker) begin(us int64) {
	if t.baseSlot == 0 {
		t.baseSlot = windowStart(us/SlotUS) - slotsPerWindow
	}
}

// advance settles the oldest windows until time us fits in the ring.
func (t *Tracker) advance(us int64, out *metrics.StreamWorkers) {
	end := us / SlotUS
	if end-t.baseSlot >= 2*ringSlots {
		// A long gap: settle what is kept, then start again at us.
		for range ringWindows {
			t.settle(out)
		}
		t.baseSlot = windowStart(end) - (ringWindows-1)*slotsPerWindow
	}
	for end-t.baseSlot >= ringSlots {
		t.settle(out)
	}
}

// Close settles every window kept.
func (t *Tracker) Close(out *metrics.StreamWorkers) {
	if t.baseSlot == 0 {
		return
	}
	for range ringWindows {
		t.settle(out)
	}
}

// settle adds the oldest window to out and frees its slots.
func (t *Tracker) settle(out *metrics.StreamWorkers) {
	w := t.baseSlot / slotsPerWindow
	observed := t.seen[w%ringWindows]
	peak := 0
	satFrom := int64(-1)
	for s := t.baseSlot; s < t.baseSlot+slotsPerWindow; s++ {
		i := s % ringSlots
		known := bits.OnesCount64(t.busy[i])
		n := known + int(t.anon[i])
		if t.workers > 0 && n > t.workers {
			// Requests of no known pid cannot make more workers busy than there are.
			n = max(known, t.workers)
		}
		n = min(n, metrics.MaxBusyLevels-1)
		t.busy[i], t.anon[i] = 0, 0
		if !observed {
			continue
		}
		peak = max(peak, n)
		out.BusyUS[n] += SlotUS
		saturated := t.workers > 0 && n >= t.workers
		if saturated {
			out.SaturatedUS += SlotUS
			if satFrom < 0 {
				satFrom = s
			}
		}
		if satFrom >= 0 && (!saturated || s == t.baseSlot+slotsPerWindow-1) {
			to := s
			if saturated {
				to = s + 1
			}
			t.hold(satFrom*SlotUS, to*SlotUS, out)
			satFrom = -1
		}
	}
	if observed {
		out.Windows = append(out.Windows, int32(peak))
		out.BusyMax = max(out.BusyMax, peak)
	}
	t.seen[w%ringWindows] = false
	t.baseSlot += slotsPerWindow
}

// hold credits the rows whose requests were in flight while the server was
// saturated, from a to b.
func (t *Tracker) hold(a, b int64, out *metrics.StreamWorkers) {
	for i := range t.holds {
		h := &t.holds[i]
		if h.row == nil || h.b <= a || h.a >= b {
			continue
		}
		us := min(h.b, b) - max(h.a, a)
		requests := int64(0)
		if !h.held {
			h.held, requests = true, 1
			h.row.Findings[metrics.FindingSaturation]++
		}
		out.Hold(h.row, requests, us)
	}
}

// bitOf is the busy bit of a worker pid, which it keeps until its last
// busy slot is settled; then a new pid may take it over. Past maxPIDs pids
// busy in the ring at once, the longest idle one's bit is shared.
func (t *Tracker) bitOf(pid int, lastSlot int64) int {
	for i := range t.pids[:t.npids] {
		if p := &t.pids[i]; p.pid == pid {
			p.last = max(p.last, lastSlot)
			return i
		}
	}
	free := t.npids
	if free == maxPIDs {
		free = 0
		for i := range t.pids {
			if p := &t.pids[i]; p.last < t.baseSlot {
				free = i
				break
			}
			if t.pids[i].last < t.pids[free].last {
				free = i
			}
		}
	} else {
		t.npids++
	}
	t.pids[free] = pidBit{pid: pid, last: lastSlot}
	return free
}
