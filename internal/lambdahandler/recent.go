package lambdahandler

import "hash/maphash"

// recent remembers the last deliveries a container processed, so that a
// batch CloudWatch Logs or Lambda delivers twice to the same warm container
// is counted once. Deliveries are known by a 64-bit hash of their base64
// data; the oldest is forgotten first.
type recent struct {
	seed maphash.Seed
	ring []uint64
	next int
	set  map[uint64]struct{}
}

// DefaultRecentBatches is how many deliveries a container remembers.
const DefaultRecentBatches = 4096

func newRecent(n int) *recent {
	if n <= 0 {
		n = DefaultRecentBatches
	}
	return &recent{seed: maphash.MakeSeed(), ring: make([]uint64, 0, n), set: make(map[uint64]struct{}, n)}
}

func (r *recent) key(data []byte) uint64 { return maphash.Bytes(r.seed, data) }

func (r *recent) has(k uint64) bool {
	_, ok := r.set[k]
	return ok
}

func (r *recent) add(k uint64) {
	if _, ok := r.set[k]; ok {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, k)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = k
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[k] = struct{}{}
}
