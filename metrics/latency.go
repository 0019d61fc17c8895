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

// Latency summarizes request durations in microseconds: a DDSketch
// (github.com/DataDog/sketches-go, logarithmic mapping, 1% relative
// accuracy, mergeable) for the quantiles; count, sum and max are exact.
type Latency struct {
	Count int64
	SumUS int64
	MaxUS int64
	// sketch is created at the first value: rows live from batch to batch
	// in a Lambda container and are Reset, not replaced.
	sketch *ddsketch.DDSketch
}

// sketchMapping is shared by every sketch (it is immutable), so that any
// two sketches merge.
var sketchMapping = func() mapping.IndexMapping {
	m, err := mapping.NewLogarithmicMapping(RelativeAccuracy)
	if err != nil {
		panic(err) // a constant accuracy in (0, 1) cannot fail
	}
	return m
}()

func newSketch() *ddsketch.DDSketch {
	pos := store.NewDenseStore()
	// Reserve the bins once: Clear keeps the capacity, and the store then
	// extends within it without allocating.
	pos.AddWithCount(0, 1)
	pos.AddWithCount(presizedBins-64, 1) // the store adds 64 bins of its own
	pos.Clear()
	return ddsketch.NewDDSketch(sketchMapping, pos, store.NewDenseStore())
}

// Add records one duration; negative durations count as zero.
func (l *Latency) Add(us int64) {
	if us < 0 {
		us = 0
	}
	if l.sketch == nil {
		l.sketch = newSketch()
	}
	_ = l.sketch.Add(float64(us)) // a finite value below 2^63 is always trackable
	l.Count++
	l.SumUS += us
	if us > l.MaxUS {
		l.MaxUS = us
	}
}

// Reset forgets every value and keeps the sketch's memory.
func (l *Latency) Reset() {
	if l.sketch != nil {
		l.sketch.Clear()
	}
	l.Count, l.SumUS, l.MaxUS = 0, 0, 0
}

// Merge adds o's values to l.
func (l *Latency) Merge(o *Latency) {
	if o.Count == 0 {
		return
	}
	if l.sketch == nil {
		l.sketch = newSketch()
	}
	_ = l.sketch.MergeWith(o.sketch) // one mapping for all: never fails
	l.Count += o.Count
	l.SumUS += o.SumUS
	l.MaxUS = max(l.MaxUS, o.MaxUS)
}

// QuantileUS returns the q-quantile (0 <= q <= 1) in microseconds, as
// DDSketch computes it (the value of rank q·(Count−1), within 1%), never
// above the exact maximum. Zero when there are no values.
func (l *Latency) QuantileUS(q float64) float64 {
	if l.Count == 0 || l.sketch == nil {
		return 0
	}
	v, err := l.sketch.GetValueAtQuantile(min(max(q, 0), 1))
	if err != nil || math.IsNaN(v) {
		return 0
	}
	return min(v, float64(l.MaxUS))
}

// Histogram counts the durations into the buckets of upper bounds edges
// (microseconds, ascending; a last bucket past the last edge is added),
// from the sketch's bins: a value lands in the first bucket whose bound is
// at least the bin's value. dst is reused.
func (l *Latency) Histogram(dst []int64, edges []float64) []int64 {
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
