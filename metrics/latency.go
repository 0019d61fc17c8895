package metrics

import (
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// RelativeAccuracy is the relative accuracy of the latency quantiles: a
// quantile is within 1% of the value of a real sample of that rank, the
// accuracy Datadog's own distributions (DDSketch) give the same requests.
const RelativeAccuracy = 0.01

// presizedBins is the capacity a row's sketch store is given at its first
// value: 640 bins of 2% hold any span of durations within a factor of
// about 10^5 (1 ms to 100 s) without growing, so that in steady state a
// request costs no allocation. Wider spans grow the store once.
const presizedBins = 640

// spanBins is the range of bins a store covers from its first value on:
// 2.5 decades either side (115 bins of 2% a decade), so that later values
// land in place instead of extending the store, which re-centres (copies)
// its bins at every extension.
const spanBins = 287

// Latency summarizes request durations in microseconds: a DDSketch
// (github.com/DataDog/sketches-go, cubically interpolated mapping, 1%
// relative accuracy, mergeable) for the quantiles; count, sum and max are exact.
type Latency struct {
	Count int64
	SumUS int64
	MaxUS int64
	// pending holds the latest values not yet in the sketch: a row of a
	// Lambda batch has a few, and merging them one by one into the
	// report's sketch is much cheaper than merging a sketch, whose store
	// spans hundreds of bins however few values it holds.
	pending  [pendingMax]int64
	npending uint8
	// spread: the store was extended around its first value (see spread).
	spread bool
	// sketch is created at the first value it takes: rows live from batch
	// to batch in a Lambda container and are Reset, not replaced. pos is
	// its store of positive values, held in the Latency itself (and so in
	// its row) and fed directly: a request then touches its row and one
	// bin, not three more structures on the way. A Latency must not be
	// copied once it has a value.
	sketch *ddsketch.DDSketch
	pos    store.DenseStore
}

// pendingMax is how many values a Latency holds before it sketches them.
const pendingMax = 16

// sketchMapping is shared by every sketch (it is immutable), so that any
// two sketches merge. The cubically interpolated mapping keeps the 1%
// guarantee with about 1% more bins than the logarithmic one, and indexes a
// value without computing a logarithm: on the report's million lines,
// math.Log cost more than the rest of the sketch.
var sketchMapping = func() *mapping.CubicallyInterpolatedMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(RelativeAccuracy)
	if err != nil {
		panic(err) // a constant accuracy in (0, 1) cannot fail
	}
	return m
}()

// newSketch creates the sketch; presized, its store's bins are reserved
// for the values of a row (a sketch only merged into is sized by what it
// merges).
func (l *Latency) newSketch(presized bool) {
	l.pos = *store.NewDenseStore()
	if presized {
		// Reserve the bins once: Clear keeps the capacity, and the store
		// then extends within it without allocating.
		l.pos.AddWithCount(0, 1)
		l.pos.AddWithCount(presizedBins-64, 1) // the store adds 64 bins of its own
		l.pos.Clear()
	}
	l.sketch = ddsketch.NewDDSketch(sketchMapping, &l.pos, store.NewDenseStore())
}

// spreadAround makes an empty store cover spanBins either side of the bin
// of v: a count added and taken back at both ends leaves the store empty
// of values but extended once, instead of once per new extreme.
func (l *Latency) spreadAround(v float64) {
	l.spread = true
	if v <= sketchMapping.MinIndexableValue() {
		return
	}
	i := sketchMapping.Index(v)
	l.pos.AddWithCount(i-spanBins, 1)
	l.pos.AddWithCount(i+spanBins, 1)
	l.pos.AddWithCount(i-spanBins, -1)
	l.pos.AddWithCount(i+spanBins, -1)
}

// Add records one duration; negative durations count as zero.
func (l *Latency) Add(us int64) {
	us = max(us, 0)
	l.push(us)
	l.Count++
	l.SumUS += us
	if us > l.MaxUS {
		l.MaxUS = us
	}
}

// push holds one value (not negative) for the sketch, which is created
// at the first: a row's memory is then all taken when it is new.
func (l *Latency) push(us int64) {
	if l.sketch == nil {
		l.newSketch(true)
	}
	if l.npending == pendingMax {
		l.flush()
	}
	l.pending[l.npending] = us
	l.npending++
}

// flush puts the pending values into the sketch.
func (l *Latency) flush() {
	if l.npending == 0 {
		return
	}
	if !l.spread {
		l.spreadAround(float64(l.pending[0]))
	}
	for _, us := range l.pending[:l.npending] {
		if v := float64(us); v > sketchMapping.MinIndexableValue() {
			// What DDSketch.Add does for a positive value (an int64 is far
			// below the largest indexable one).
			l.pos.AddWithCount(sketchMapping.Index(v), 1)
		} else {
			_ = l.sketch.Add(v) // the zero bin
		}
	}
	l.npending = 0
}

// addKept adds the durations row r kept (Config.KeepDurations), whose
// Latency is then empty.
func (l *Latency) addKept(r *Row) {
	for _, ds := range r.Durations {
		for _, us := range ds {
			l.Add(us)
		}
	}
}

// Reset forgets every value and keeps the sketch's memory.
func (l *Latency) Reset() {
	if l.sketch != nil {
		l.sketch.Clear()
	}
	l.Count, l.SumUS, l.MaxUS = 0, 0, 0
	l.npending, l.spread = 0, false
}

// Merge adds o's values to l: o's sketch, if it has one, and the values
// o holds.
func (l *Latency) Merge(o *Latency) {
	if o.Count == 0 {
		return
	}
	if o.sketch != nil && !o.sketch.IsEmpty() {
		if l.sketch == nil {
			l.newSketch(false)
		}
		_ = l.sketch.MergeWith(o.sketch) // one mapping for all: never fails
	}
	for _, us := range o.pending[:o.npending] {
		l.push(us)
	}
	l.Count += o.Count
	l.SumUS += o.SumUS
	l.MaxUS = max(l.MaxUS, o.MaxUS)
}

// QuantileUS returns the q-quantile (0 <= q <= 1) in microseconds, as
// DDSketch computes it (the value of rank q·(Count−1), within 1%), never
// above the exact maximum. Zero when there are no values.
func (l *Latency) QuantileUS(q float64) float64 {
	var buf [1]float64
	return l.QuantilesUS(buf[:0], min(max(q, 0), 1))[0]
}

// QuantilesUS returns the qs-quantiles (ascending, 0 <= q <= 1) as
// QuantileUS does, in one pass over the sketch's bins: what DDSketch's
// GetValueAtQuantile computes for each (the first bin whose cumulative
// count passes the rank; the zero bin first), without its scan of every
// bin from the store's start for each quantile.
func (l *Latency) QuantilesUS(dst []float64, qs ...float64) []float64 {
	l.flush()
	dst = dst[:0]
	if l.Count == 0 || l.sketch == nil {
		for range qs {
			dst = append(dst, 0)
		}
		return dst
	}
	zero := l.sketch.GetZeroCount()
	count := zero + l.pos.TotalCount()
	i := 0
	for ; i < len(qs) && float64(qs[i]*(count-1)) < zero; i++ {
		dst = append(dst, 0) // in the zero bin
	}
	var seen float64
	l.pos.ForEach(func(index int, n float64) bool {
		seen += n
		for i < len(qs) && seen > float64(qs[i]*(count-1))-zero {
			dst = append(dst, min(sketchMapping.Value(index), float64(l.MaxUS)))
			i++
		}
		return i == len(qs)
	})
	for ; i < len(qs); i++ {
		dst = append(dst, float64(l.MaxUS))
	}
	return dst
}

// Histogram counts the durations into the buckets of upper bounds edges
// (microseconds, ascending; a last bucket past the last edge is added),
// from the sketch's bins: a value lands in the first bucket whose bound is
// at least the bin's value. dst is reused.
func (l *Latency) Histogram(dst []int64, edges []float64) []int64 {
	l.flush()
	dst = append(dst[:0], make([]int64, len(edges)+1)...)
	if l.Count == 0 || l.sketch == nil {
		return dst
	}
	l.sketch.ForEach(func(v, n float64) bool {
		i := 0
		for i < len(edges) && v > edges[i] {
			i++
		}
		dst[i] += int64(math.Round(n))
		return false
	})
	return dst
}
