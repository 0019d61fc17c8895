package albhandler

// recent remembers the last objects a container read, so that an
// ObjectCreated event S3 delivers twice (it may: S3 event notifications are
// delivered at least once) is counted once; the oldest is forgotten first.
type recent struct {
	ring []string
	next int
	set  map[string]struct{}
}

func newRecent(n int) *recent {
	if n <= 0 {
		n = DefaultRecentObjects
	}
	return &recent{ring: make([]string, 0, n), set: make(map[string]struct{}, n)}
}

func (r *recent) has(k string) bool {
	_, ok := r.set[k]
	return ok
}

func (r *recent) add(k string) {
	if r.has(k) {
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
