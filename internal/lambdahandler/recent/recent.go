// Package recent remembers the last keys a Lambda container counted — the
// hash of a CloudWatch Logs delivery, an S3 object's identity — so that an
// event delivered twice to the same warm container (event sources and S3
// notifications deliver at least once) is counted once.
package recent

// Set holds the last n keys added; the oldest is forgotten first. It grows
// as keys come, so that a container that never sees n events never pays
// for them at cold start. It is not safe for concurrent use.
type Set[K comparable] struct {
	ring []K // in the order added, from next on once it is full
	next int
	max  int
	set  map[K]struct{}
}

// New returns a Set of at most n keys (at least one).
func New[K comparable](n int) *Set[K] {
	return &Set[K]{max: max(n, 1), set: map[K]struct{}{}}
}

// Has reports whether k is one of the last keys added.
func (s *Set[K]) Has(k K) bool {
	_, ok := s.set[k]
	return ok
}

// Add remembers k, forgetting the oldest key when the Set is full.
func (s *Set[K]) Add(k K) {
	if s.Has(k) {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, k)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % len(s.ring)
	}
	s.set[k] = struct{}{}
}
