package metrics

import "github.com/slowroutes/slowroutes/parse"

// StuckKind says what a stack dump was written for.
type StuckKind uint8

const (
	// StuckTimeout: the dump of a request a timeout killed (uWSGI
	// py-tracebacker at a harakiri, faulthandler on gunicorn's SIGABRT).
	StuckTimeout StuckKind = iota
	// StuckSlow: a watchdog's or a signal's dump of a request still running
	// (faulthandler.dump_traceback_later or register, dogslow).
	StuckSlow
	NumStuckKinds
)

var stuckKindNames = [NumStuckKinds]string{"timeout", "slow"}

func (k StuckKind) String() string { return stuckKindNames[k] }

// StuckKindOf is the kind of a KindStuck record.
func StuckKindOf(rec *parse.Record) StuckKind {
	if rec.Timeout != parse.TimeoutNone {
		return StuckTimeout
	}
	return StuckSlow
}

// Stuck counts the dumps of one row that found its code at one place.
type Stuck struct {
	// Frame is the innermost application frame ("billing/views.py:render_invoice_pdf"),
	// WaitingIn the innermost frame of all ("socket.py:readinto"), Wchan the
	// kernel function a uWSGI worker slept in ("" when not logged).
	Frame, WaitingIn, Wchan string
	Kind                    StuckKind
	Count                   int64
}

// MaxStuckPerRow bounds the distinct places one row records; past it the
// dumps count under the frame "overflow".
const MaxStuckPerRow = 32

// AddStuck counts the stack dump rec of a request of row, whose frame (a
// value the cardinality cap admitted) may differ from rec.Stuck.Frame.
func (a *Aggregates) AddStuck(row *Row, rec *parse.Record, frame []byte) {
	a.Touch(row)
	a.seen(rec)
	kind, at := StuckKindOf(rec), rec.Stuck
	for i := range row.Stuck {
		s := &row.Stuck[i]
		if s.Kind == kind && s.Frame == string(frame) && s.WaitingIn == string(at.WaitingIn) && s.Wchan == string(at.Wchan) {
			s.Count++
			return
		}
	}
	s := Stuck{Frame: string(frame), WaitingIn: string(at.WaitingIn), Wchan: string(at.Wchan), Kind: kind, Count: 1}
	if len(row.Stuck) >= MaxStuckPerRow {
		for i := range row.Stuck {
			if o := &row.Stuck[i]; o.Kind == kind && o.Frame == overflowFrame {
				o.Count++
				return
			}
		}
		s = Stuck{Frame: overflowFrame, Kind: kind, Count: 1}
	}
	row.Stuck = append(row.Stuck, s)
}

const overflowFrame = "overflow"

// StuckTotal is the number of stack dumps of a row.
func (r *Row) StuckTotal() int64 {
	var n int64
	for _, s := range r.Stuck {
		n += s.Count
	}
	return n
}

// mergeWhy adds the stuck and finding counts of o to r.
func (r *Row) mergeWhy(o *Row) {
	for _, s := range o.Stuck {
		found := false
		for i := range r.Stuck {
			if x := &r.Stuck[i]; x.Kind == s.Kind && x.Frame == s.Frame && x.WaitingIn == s.WaitingIn && x.Wchan == s.Wchan {
				x.Count += s.Count
				found = true
				break
			}
		}
		if !found {
			r.Stuck = append(r.Stuck, s)
		}
	}
	for k, n := range o.Findings {
		r.Findings[k] += n
	}
}
