package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// quantileOf is QuantileUS computed from the samples themselves.
func quantileOf(samples []int64, q float64) float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := min(max(int(math.Ceil(q*float64(len(s)))), 1), len(s))
	v := max(s[rank-1], 0)
	i := bucketOf(v)
	lo, hi := bucketLow(i), min(bucketHigh(i), max(s[len(s)-1], 0))
	if lo >= hi {
		return float64(lo)
	}
	return (float64(lo) + float64(hi)) / 2
}

func TestLatency(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all []int64
	var l, a, b Latency
	for i := range 5000 {
		// durations from 0 to past the last bucket, most of them small
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
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 1} {
		want := quantileOf(all, q)
		if got := l.QuantileUS(q); got != want {
			t.Errorf("QuantileUS(%v) = %v, want %v", q, got, want)
		}
		if got := a.QuantileUS(q); got != want {
			t.Errorf("merged QuantileUS(%v) = %v, want %v", q, got, want)
		}
	}
	if l.Count != int64(len(all)) || a.Count != l.Count || a.SumUS != l.SumUS || a.MaxUS != l.MaxUS {
		t.Errorf("count %d, merged %d", l.Count, a.Count)
	}
	var empty Latency
	if empty.QuantileUS(0.5) != 0 {
		t.Errorf("empty: %v", empty.QuantileUS(0.5))
	}
	// A reset histogram is empty and counts afresh.
	l.Reset()
	if l.Count != 0 || l.QuantileUS(0.5) != 0 {
		t.Errorf("reset: count %d p50 %v", l.Count, l.QuantileUS(0.5))
	}
	l.Add(1000)
	if got := l.QuantileUS(0.99); got != quantileOf([]int64{1000}, 0.99) {
		t.Errorf("after reset: p99 %v", got)
	}
}
