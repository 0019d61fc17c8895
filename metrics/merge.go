package metrics

// Merge adds every fact of o to a, row by row (each request's duration
// only when a keeps them). A report accumulates so the batches a Lambda
// handler emits and resets.
func (a *Aggregates) Merge(o *Aggregates) {
	for _, or := range o.live {
		r := a.Row([]byte(or.Route), []byte(or.Method), []byte(or.Operation))
		if r.Team == "" {
			r.Team = or.Team
		}
		a.Touch(r)
		r.merge(or, a.cfg.KeepDurations, o.cfg.KeepDurations)
	}
	for p := range o.Lines.By {
		for x, n := range o.Lines.By[p] {
			a.Lines.By[p][x] += n
		}
		for x, n := range o.Lines.Malformed[p] {
			a.Lines.Malformed[p][x] += n
		}
	}
	a.Events.add(&o.Events)
	a.Join.add(&o.Join)
	a.mergeWorkers(o)
	a.Findings = append(a.Findings, o.Findings...)
	for in := range o.Envelopes {
		for res := range o.Envelopes[in] {
			for why, n := range o.Envelopes[in][res] {
				a.Envelopes[in][res][why] += n
			}
		}
	}
	a.older(o.OldestEventMS)
	for m, om := range o.Minutes {
		mm := a.minuteAt(m)
		for s, n := range om.Requests {
			mm.Requests[s] += n
		}
		for t, n := range om.Timeouts {
			mm.Timeouts[t] += n
		}
		mm.Slow += om.Slow
	}
}
