package dogstatsd

import (
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/route"
)

// overflowTag is the route of rows folded past every other tag.
var overflowTag = TagRoute + ":" + route.Overflow

// maxKeyTags bounds the rows whose tags are cached.
const maxKeyTags = 16384

// rows sends the per-route metrics of agg. While every function's window
// has room for the new contexts of all rows, they go out in the rows'
// order with their tags (or as folded as earlier in the window); else
// the worst rows (most timeouts, then highest p99) go first and each row
// takes the first fold level whose new contexts fit.
func (e *Emitter) rows(agg *metrics.Aggregates) {
	if agg.Len() == 0 {
		return
	}
	if !e.cfg.CountOnly && e.surelyFits(agg) {
		agg.EachRow(func(r *metrics.Row) {
			for b := budgetTimeouts; b < budgetHealth; b++ {
				e.row(r, b, e.levels[rowFold{r, b}])
			}
		})
		return
	}
	var want [numBudgets]int
	e.found = e.found[:0]
	agg.EachRow(func(r *metrics.Row) {
		for b := budgetTimeouts; b < budgetHealth; b++ {
			want[b] += e.newContexts(r, b, e.levels[rowFold{r, b}])
			if e.cfg.CountOnly {
				for h, pct := range e.pass {
					e.found = append(e.found, found{h, b, pct})
				}
			}
		}
	})
	fits := true
	for b := budgetTimeouts; b < budgetHealth; b++ {
		if want[b] > 0 && len(e.budgets[b].seen)+want[b] > e.limit(0) {
			fits = false
		}
	}
	if fits && e.cfg.CountOnly {
		// What the pass found is what sending would register.
		for _, f := range e.found {
			e.register(f.budget, f.h, f.percentiles)
		}
		return
	}
	if fits {
		agg.EachRow(func(r *metrics.Row) {
			for b := budgetTimeouts; b < budgetHealth; b++ {
				e.row(r, b, e.levels[rowFold{r, b}])
			}
		})
		return
	}
	for _, r := range agg.Rows() {
		for b := budgetTimeouts; b < budgetHealth; b++ {
			k := e.foldLevel(r, b)
			e.row(r, b, k)
			if k > 0 {
				e.refuse(r, b, k)
			}
		}
	}
}

// surelyFits says whether every function's window has room for all the
// contexts of agg's rows, new or not: then the rows go out as they are
// without the counting pass, which builds and hashes the tags of every
// context only to find them known. The values each row would put bound
// its contexts, and counting them needs neither tags nor hashes.
func (e *Emitter) surelyFits(agg *metrics.Aggregates) bool {
	var n [numBudgets]int
	agg.EachRow(func(r *metrics.Row) {
		for b := budgetTimeouts; b < budgetHealth; b++ {
			e.bounds = 0
			for _, s := range e.specs {
				if s.row != nil && s.budget == b {
					e.begin(s, 0)
					s.contextsOf()(r, e.bound)
				}
			}
			n[b] += e.bounds
		}
	})
	for b := budgetTimeouts; b < budgetHealth; b++ {
		if n[b] > 0 && len(e.budgets[b].seen)+n[b] > e.limit(0) {
			return false
		}
	}
	return true
}

// found is a context a counting pass found new.
type found struct {
	h           uint64
	budget      int
	percentiles bool
}

// refuse counts, once per window, the full contexts of row r (budget b)
// that the window does not have once the row went out folded at level k.
func (e *Emitter) refuse(r *metrics.Row, b, k int) {
	e.newContexts(r, b, 0)
	st := &e.budgets[b]
	for h := range e.pass {
		if _, ok := st.refused[h]; !ok {
			st.refused[h] = struct{}{}
			e.folded[k]++
		}
	}
}

// foldLevel chooses the fold level of row r in budget b: the first, from
// the level it had earlier in the window, whose new contexts fit. Folding
// counts the row's full contexts that were refused, once per window.
func (e *Emitter) foldLevel(r *metrics.Row, b int) int {
	key := rowFold{r, b}
	k := e.levels[key]
	for ; k < foldOverflow; k++ {
		if n := e.newContexts(r, b, k); n == 0 || len(e.budgets[b].seen)+n <= e.limit(k) {
			break
		}
	}
	if k > 0 {
		e.levels[key] = k
	}
	return k
}

// newContexts counts the contexts of row r's metrics of budget b at fold
// level k that the window does not have yet; e.pass holds them.
func (e *Emitter) newContexts(r *metrics.Row, b, k int) int {
	clear(e.pass)
	e.eachRowSpec(r, b, k, true)
	return len(e.pass)
}

// row sends the metrics of budget b of row r at fold level k; when the
// Emitter only counts, it registers their contexts.
func (e *Emitter) row(r *metrics.Row, b, k int) {
	if e.cfg.CountOnly {
		e.newContexts(r, b, k)
		for h, pct := range e.pass {
			e.register(b, h, pct)
		}
		return
	}
	e.eachRowSpec(r, b, k, false)
}

// eachRowSpec puts the values of row r's metrics of budget b at fold level
// k: to count their contexts (Spec.contexts) or to send them.
func (e *Emitter) eachRowSpec(r *metrics.Row, b, k int, count bool) {
	kt := e.keyTagsOf(r)
	for _, s := range e.specs {
		if s.row == nil || s.budget != b {
			continue
		}
		e.begin(s, k)
		e.prefix = e.prefixOf(kt, s, k)
		if count {
			s.contextsOf()(r, e.count)
			continue
		}
		s.row(r, e.put)
		e.flushPending()
	}
}

// prefixOf builds the tags of a row's metric s before its own, at fold
// level k, into e.prefix's buffer.
func (e *Emitter) prefixOf(kt *keyTags, s *specInfo, k int) []string {
	t := e.rowPre[:0]
	if k >= foldOverflow {
		e.rowPre = append(t, overflowTag)
		return e.rowPre
	}
	t = append(t, kt.route)
	if e.cfg.MethodTag && kt.method != "" && k < foldMethod {
		t = append(t, kt.method)
	}
	if kt.op != "" && k < foldOperation {
		t = append(t, kt.op)
	}
	if kt.team != "" {
		t = append(t, kt.team)
	}
	if k < foldLogGroup {
		if e.lg != "" && (!s.Deployment || e.cfg.LogGroupOnRequests) {
			t = append(t, e.lg)
		}
		t = append(t, e.awsTags...)
	}
	e.rowPre = t
	return t
}

func (e *Emitter) keyTagsOf(r *metrics.Row) *keyTags {
	if kt, ok := e.keyTags[r]; ok {
		return kt
	}
	kt := &keyTags{route: tag.Make(TagRoute, r.Route)}
	if r.Method != "" {
		kt.method = tag.Make(TagMethod, r.Method)
	}
	if r.Operation != "" {
		kt.op = tag.Make(TagOperation, r.Operation)
	}
	if r.Team != "" {
		kt.team = tag.Make(TagTeam, r.Team)
	}
	if len(e.keyTags) >= maxKeyTags {
		clear(e.keyTags)
	}
	e.keyTags[r] = kt
	return kt
}
