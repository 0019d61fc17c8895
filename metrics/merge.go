package metrics

import "github.com/slowroutes/slowroutes/parse"

// Merge adds every fact of o to a, row by row (each request's duration
// only when a keeps them).
func (a *Aggregates) Merge(o *Aggregates) { a.merge(o, false) }

// Absorb adds every fact of o to a, as Merge does, but takes over the rows
// of o that a does not have instead of copying them: o no longer has
// them. A report accumulates so the batches a Lambda handler emits and
// resets; the rows of a batch of local files are all new to it.
func (a *Aggregates) Absorb(o *Aggregates) { a.merge(o, true) }

func (a *Aggregates) merge(o *Aggregates, take bool) {
	kept := o.live[:0]
	for _, or := range o.live {
		key := or.Route + "\x00" + or.Method + "\x00" + or.Operation
		r := a.rows[key]
		if r == nil && take {
			if !a.cfg.KeepDurations {
				or.Durations = [parse.NumSources][]int64{}
			}
			delete(o.rows, key)
			or.fixed = a.cfg.RequestSource
			a.rows[key] = or
			a.live = append(a.live, or)
			continue
		}
		kept = append(kept, or)
		if r == nil {
			r = a.Row([]byte(or.Route), []byte(or.Method), []byte(or.Operation))
		}
		if r.Team == "" {
			r.Team = or.Team
		}
		if !r.live {
			r.live = true
			a.live = append(a.live, r)
		}
		r.merge(or, a.cfg.KeepDurations)
	}
	if take {
		clear(o.live[len(kept):])
		o.live = kept
	}
	for p := range o.Lines.By {
		for x, n := range o.Lines.By[p] {
			a.Lines.By[p][x] += n
		}
		for x, n := range o.Lines.Malformed[p] {
			a.Lines.Malformed[p][x] += n
		}
	}
	e, oe := &a.Events, &o.Events
	e.HarakiriBanners += oe.HarakiriBanners
	e.HarakiriRetries += oe.HarakiriRetries
	e.HarakiriIdle += oe.HarakiriIdle
	for s, n := range oe.WorkerKills {
		e.WorkerKills[s] += n
	}
	e.ListenQueueFull += oe.ListenQueueFull
	e.RouteOverflow += oe.RouteOverflow
	e.OperationOverflow += oe.OperationOverflow
	e.LogGroupTagFailures += oe.LogGroupTagFailures
	for in := range o.Envelopes {
		for res := range o.Envelopes[in] {
			for why, n := range o.Envelopes[in][res] {
				a.Envelopes[in][res][why] += n
			}
		}
	}
	if ms := o.OldestEventMS; ms > 0 && (a.OldestEventMS == 0 || ms < a.OldestEventMS) {
		a.OldestEventMS = ms
	}
	for m, om := range o.Minutes {
		if a.Minutes == nil {
			a.Minutes = map[int64]*Minute{}
		}
		mm := a.Minutes[m]
		if mm == nil {
			mm = &Minute{}
			a.Minutes[m] = mm
		}
		for s, n := range om.Requests {
			mm.Requests[s] += n
		}
		for t, n := range om.Timeouts {
			mm.Timeouts[t] += n
		}
		mm.Slow += om.Slow
	}
}
