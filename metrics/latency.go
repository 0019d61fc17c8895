package metrics

import (
	"math"
	"math/bits"
)

// Latency is a log-linear histogram of request durations in microseconds:
// exact below 64 µs, then 32 buckets per power of two, so a quantile is
// within 1/32 (about 3%) of a true sample value. Count, sum and max are exact.
type Latency struct {
	Count int64
	SumUS int64
	MaxUS int64
	// chunks holds the buckets by power of two (the linear range counts as
	// two), each allocated at its first value: the durations of one route in
	// one batch span a few powers of two, so a row costs a few hundred bytes
	// instead of the 4.5 KB of every bucket, and a Lambda handler allocates a
	// fresh row for every route of every batch.
	chunks [numChunks]*[subBuckets]uint32
}

const (
	subBits    = 5
	subBuckets = 1 << subBits // per power of two
	linearMax  = 2 * subBuckets
	maxExp     = 40 // 2^40 µs is 12.7 days: longer durations land in the last bucket
	numBuckets = linearMax + (maxExp-subBits-1)*subBuckets
	numChunks  = numBuckets / subBuckets
)

func bucketOf(us int64) int {
	if us < linearMax {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	e := bits.Len64(uint64(us)) - 1 // >= subBits+1
	if e >= maxExp {
		return numBuckets - 1
	}
	sub := int(us>>(e-subBits)) & (subBuckets - 1)
	return linearMax + (e-subBits-1)*subBuckets + sub
}

// bucketLow is the smallest value of bucket i; bucketHigh the largest.
func bucketLow(i int) int64 {
	if i < linearMax {
		return int64(i)
	}
	i -= linearMax
	e := i/subBuckets + subBits + 1
	sub := int64(i % subBuckets)
	return (subBuckets + sub) << (e - subBits)
}

func bucketHigh(i int) int64 {
	if i < linearMax {
		return int64(i)
	}
	if i == numBuckets-1 {
		return math.MaxInt64
	}
	return bucketLow(i+1) - 1
}

// bucket returns the counter of bucket i, allocating its chunk if need be.
func (l *Latency) bucket(i int) *uint32 {
	c := l.chunks[i/subBuckets]
	if c == nil {
		c = new([subBuckets]uint32)
		l.chunks[i/subBuckets] = c
	}
	return &c[i%subBuckets]
}

// Add records one duration.
func (l *Latency) Add(us int64) {
	if us < 0 {
		us = 0
	}
	*l.bucket(bucketOf(us))++
	l.Count++
	l.SumUS += us
	if us > l.MaxUS {
		l.MaxUS = us
	}
}

// Reset forgets every value and keeps the buckets' memory.
func (l *Latency) Reset() {
	for _, c := range l.chunks {
		if c != nil {
			*c = [subBuckets]uint32{}
		}
	}
	l.Count, l.SumUS, l.MaxUS = 0, 0, 0
}

// Merge adds o's values to l.
func (l *Latency) Merge(o *Latency) {
	if o.Count == 0 {
		return
	}
	for k, oc := range o.chunks {
		if oc == nil {
			continue
		}
		c := l.chunks[k]
		if c == nil {
			c = new([subBuckets]uint32)
			l.chunks[k] = c
		}
		for i, n := range oc {
			c[i] += n
		}
	}
	l.Count += o.Count
	l.SumUS += o.SumUS
	l.MaxUS = max(l.MaxUS, o.MaxUS)
}

// QuantileUS returns the q-quantile (0 < q <= 1) in microseconds: the value
// of the sample of rank ceil(q*Count), estimated as the middle of its bucket
// and never above the exact maximum. Zero when there are no values.
func (l *Latency) QuantileUS(q float64) float64 {
	if l.Count == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(l.Count)))
	rank = min(max(rank, 1), l.Count)
	var seen int64
	for k, chunk := range l.chunks {
		if chunk == nil {
			continue
		}
		for j, c := range chunk {
			if seen += int64(c); seen < rank {
				continue
			}
			i := k*subBuckets + j
			lo, hi := bucketLow(i), bucketHigh(i)
			hi = min(hi, l.MaxUS)
			if lo >= hi {
				return float64(lo)
			}
			return (float64(lo) + float64(hi)) / 2
		}
	}
	return float64(l.MaxUS)
}
