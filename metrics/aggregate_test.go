package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sampleAt is the sample of rank q·(n−1) (rounded down), the value DDSketch
// estimates for the q-quantile.
func sampleAt(samples []int64, q float64) float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	return float64(max(s[int(q*float64(len(s)-1))], 0))
}

// within says whether got is within the sketch's relative accuracy of want.
func within(got, want float64) bool {
	return math.Abs(got-want) <= RelativeAccuracy*want+1e-9
}

func TestLatency(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all []int64
	var l, a, b Latency
	for i := range 5000 {
		// durations from 0 to about 50 days, most of them small
		us := int64(math.Exp(rng.Float64() * 36))
		if i%97 == 0 {
			us = -1
		}
		all = append(all, us)
		l.Add(us)
		if i%2 == 0 {
			a.Add(us)
		} else {
			b.Add(us)
		}
	}
	a.Merge(&b)
	for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.95, 0.99, 1} {
		want := sampleAt(all, q)
		if got := l.QuantileUS(q); !within(got, want) {
			t.Errorf("QuantileUS(%v) = %v, want %v within 1%%", q, got, want)
		}
		if got := a.QuantileUS(q); got != l.QuantileUS(q) {
			t.Errorf("merged QuantileUS(%v) = %v, want %v: merging loses nothing", q, got, l.QuantileUS(q))
		}
	}
	// One pass over the bins finds what DDSketch finds for each quantile.
	qs := l.QuantilesUS(nil, 0, 0.01, 0.5, 0.9, 0.95, 0.99, 1)
	for i, q := range []float64{0, 0.01, 0.5, 0.9, 0.95, 0.99, 1} {
		want, err := l.sketch.GetValueAtQuantile(q)
		if want = min(want, float64(l.MaxUS)); err != nil || qs[i] != want {
			t.Errorf("QuantilesUS: q%v = %v, DDSketch says %v (%v)", q, qs[i], want, err)
		}
	}
	if l.Count != int64(len(all)) || a.Count != l.Count || a.SumUS != l.SumUS || a.MaxUS != l.MaxUS {
		t.Errorf("count %d, merged %d", l.Count, a.Count)
	}
	if l.QuantileUS(1) > float64(l.MaxUS) {
		t.Errorf("p100 %v above the exact max %d", l.QuantileUS(1), l.MaxUS)
	}
	var empty Latency
	if empty.QuantileUS(0.5) != 0 {
		t.Errorf("empty: %v", empty.QuantileUS(0.5))
	}
	// A reset sketch is empty and counts afresh.
	l.Reset()
	if l.Count != 0 || l.QuantileUS(0.5) != 0 {
		t.Errorf("reset: count %d p50 %v", l.Count, l.QuantileUS(0.5))
	}
	l.Add(1000)
	if got := l.QuantileUS(0.99); !within(got, 1000) || got > 1000 {
		t.Errorf("after reset: p99 %v, want 1000 (the only value) within 1%%, not above the exact max", got)
	}
}

func TestLatencyHistogram(t *testing.T) {
	var l Latency
	for _, us := range []int64{0, 500, 980, 1500, 20_000, 20_000, 3_000_000} {
		l.Add(us)
	}
	got := l.Histogram(nil, []float64{1000, 10_000, 100_000})
	// 980 and 500 are at most 1% off: still below 1000; 0 is the zero bin.
	if want := []int64{3, 1, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("histogram %v, want %v", got, want)
	}
}

// TestLatencyNoAllocs: once a row's sketch exists, a duration within its
// pre-sized span (a factor of 10^5) costs no allocation, nor does a Reset.
func TestLatencyNoAllocs(t *testing.T) {
	var l Latency
	l.Add(1000)
	rng := rand.New(rand.NewPCG(3, 4))
	n := testing.AllocsPerRun(100, func() {
		for range 100 {
			l.Add(1000 + rng.Int64N(99_000_000)) // 1 ms to 100 s
		}
		l.Reset()
	})
	if n != 0 {
		t.Errorf("%v allocations per 100 durations", n)
	}
}

func BenchmarkLatencyAdd(b *testing.B) {
	var l Latency
	rng := rand.New(rand.NewPCG(5, 6))
	durations := make([]int64, 4096)
	for i := range durations {
		durations[i] = int64(math.Exp(7 + rng.Float64()*10)) // 1 ms to 20 s
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Add(durations[i&4095])
	}
}

// BenchmarkLatencyBatchMerge: what the report does per row and batch — a
// row's few durations of one batch merged into the report's sketch, then
// reset for the next batch.
func BenchmarkLatencyBatchMerge(b *testing.B) {
	var row, acc Latency
	rng := rand.New(rand.NewPCG(5, 6))
	durations := make([]int64, 4096)
	for i := range durations {
		durations[i] = int64(math.Exp(7 + rng.Float64()*5)) // 1 ms to 160 ms
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j := range 16 {
			row.Add(durations[(i*16+j)&4095])
		}
		acc.Merge(&row)
		row.Reset()
	}
}
