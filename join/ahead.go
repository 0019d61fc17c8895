package join

// Records read ahead of the reader's clock. A reader that reads its
// streams side by side (pipeline.Interleave) only learns a line's time by
// reading it: the first line after a gap in one stream is given to the
// join while the other streams are still seconds or minutes behind it.
// Joined at once, its outcome would sit in its path's chain before the
// outcomes the other streams then open with older times, and a walk along
// the chain, which stops at the first outcome too old (match.go), would
// not reach it. So a record more than nearUS ahead of the clock waits here
// until the clock comes within nearUS of it; records are then joined in
// log time order, those of one time in the order they came.

// hold keeps ev until the clock reaches it, in time order.
func (j *Joiner) hold(ev *evidence) {
	j.ahead = append(j.ahead, *ev)
	// Records come nearly in time order: the place is found from the end.
	i := len(j.ahead) - 1
	for i > 0 && j.ahead[i-1].at > ev.at {
		j.ahead[i] = j.ahead[i-1]
		i--
	}
	j.ahead[i] = *ev
}

// release joins the records held that the clock has come within nearUS
// of, or all of them.
func (j *Joiner) release(all bool) {
	n := 0
	for n < len(j.ahead) && (all || j.ahead[n].at <= j.wm+nearUS) {
		j.add(&j.ahead[n])
		n++
	}
	if n > 0 {
		j.ahead = j.ahead[:copy(j.ahead, j.ahead[n:])]
	}
}
