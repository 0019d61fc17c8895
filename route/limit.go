package route

// Limiter caps the number of distinct values (routes, GraphQL operations) a
// process reports: past the cap, new values become Overflow (which the caller
// counts), so a scan of random URLs cannot blow up metric cardinality.
type Limiter struct {
	max  int
	seen map[string]struct{}
}

// DefaultMaxRoutes is the default cap on distinct routes per process.
const DefaultMaxRoutes = 500

// NewLimiter returns a Limiter admitting at most max distinct values (max >= 1).
func NewLimiter(max int) *Limiter {
	if max < 1 {
		max = 1
	}
	return &Limiter{max: max, seen: make(map[string]struct{}, min(max, 1024))}
}

// Admit returns v if it is known or there is room for it, else Overflow.
// Only the first sight of a value allocates.
func (l *Limiter) Admit(v []byte) []byte {
	if _, ok := l.seen[string(v)]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return overflowBytes
	}
	l.seen[string(v)] = struct{}{}
	return v
}

// Len is the number of distinct values admitted.
func (l *Limiter) Len() int { return len(l.seen) }

var overflowBytes = []byte(Overflow)
