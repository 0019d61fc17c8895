// Package workers derives, per server stream, how many workers a uWSGI or
// gunicorn server runs and how many of them were busy over time, from the
// lines it writes: request lines (start and duration), harakiri kills
// (from "since" to the kill), worker spawns, exits and kills.
package workers

import (
	"math/bits"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// Busy time is kept in slots of SlotUS; windows of WindowUS are settled
// once the stream's time has moved ringWindows windows past their start,
// so a request's line may come that much after its start. Memory is that
// ring, whatever the number of requests.
const (
	SlotUS         = 250_000
	WindowUS       = 10_000_000
	slotsPerWindow = WindowUS / SlotUS
	ringWindows    = 8
	ringSlots      = ringWindows * slotsPerWindow
	maxPIDs        = 64  // workers told apart by pid at once
	maxLive        = 256 // gunicorn worker pids followed
	recentHolds    = 64  // intervals kept to name the rows that held a saturated server
)

// Tracker follows the workers of one stream. Feed it every record of the
// stream with Observe; Close settles what is left. Not safe for concurrent use.
type Tracker struct {
	server   parse.Source
	ids      [4]uint64 // uWSGI worker numbers seen (1-256)
	live     []int     // gunicorn worker pids booted and not gone
	workers  int
	starts   int64
	baseSlot int64 // absolute slot number of the oldest slot not settled; 0 before the first time
	busy     [ringSlots]uint64
	anon     [ringSlots]uint16
	seen     [ringWindows]bool
	pids     [maxPIDs]pidBit
	npids    int // pids[:npids] have been given out
	holds    [recentHolds]interval
	nextHold int
}

type pidBit struct {
	pid  int
	last int64 // slot of its last use, for eviction
}

type interval struct {
	a, b int64 // µs
	row  *metrics.Row
	held bool // counted as a holder of a saturated server already
}

// IsServer reports whether rec comes from a server whose workers a Tracker
// follows (uWSGI or gunicorn).
func IsServer(rec *parse.Record) bool {
	return rec.Source == parse.SourceUWSGI || rec.Source == parse.SourceGunicorn
}

// Wants reports whether Observe does anything with rec: lines of the
// servers and of an app that names its worker, not of a proxy.
func Wants(rec *parse.Record) bool {
	return IsServer(rec) || rec.Source == parse.SourceApp && rec.PID > 0
}

// Observe reads one record of the stream; row is the record's row when it
// has one. What it settles goes into out.
func (t *Tracker) Observe(rec *parse.Record, row *metrics.Row, out *metrics.StreamWorkers) {
	if t.server == parse.SourceUnknown && IsServer(rec) {
		t.server = rec.Source
	}
	switch rec.Kind {
	case parse.KindWorkerStart:
		t.start(rec)
	case parse.KindWorkerExit:
		t.gone(rec.PID)
	case parse.KindWorkerKill:
		out.Kills++
		t.gone(rec.PID)
	case parse.KindListenQueueFull:
		out.ListenQueueFull++
	case parse.KindRequest:
		if Wants(rec) {
			t.interval(rec, row, out)
		}
	case parse.KindTimeout:
		// A killed request: harakiri's from "since" to the kill, gunicorn's
		// from the kill less the run time its dying worker logged.
		if rec.Timeout == parse.TimeoutHarakiri || rec.Timeout == parse.TimeoutGunicornWorker {
			t.interval(rec, row, out)
		}
	}
	if rec.TimeUS > 0 && IsServer(rec) {
		t.touch(rec.TimeUS, out)
	}
	out.Server, out.Workers = t.server, t.workers
	if t.starts > int64(t.workers) {
		out.Respawns = t.starts - int64(t.workers)
	}
}

func (t *Tracker) start(rec *parse.Record) {
	t.starts++
	switch {
	case rec.Worker > 0 && rec.Worker <= 256:
		t.ids[(rec.Worker-1)/64] |= 1 << ((rec.Worker - 1) % 64)
		n := 0
		for _, w := range t.ids {
			n += bits.OnesCount64(w)
		}
		t.workers = max(t.workers, n)
	case rec.PID > 0:
		for _, p := range t.live {
			if p == rec.PID {
				return
			}
		}
		if len(t.live) < maxLive {
			t.live = append(t.live, rec.PID)
		}
		t.workers = max(t.workers, len(t.live))
	}
}

// gone forgets a worker that exited or was killed.
func (t *Tracker) gone(pid int) {
	for i, p := range t.live {
		if p == pid {
			t.live = append(t.live[:i], t.live[i+1:]...)
			break
		}
	}
	// Its busy bit stays its own until its marks are settled: the line of a
	// request another worker began before this one died may come later.
}
