package dogstatsd

// Lookup returns the spec of a metric name without the namespace.
func Lookup(name string) (Spec, bool) {
	for _, s := range Contract {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// HasTag reports whether the metric may carry tag key k (GlobalTags aside).
func (s Spec) HasTag(k string) bool {
	for _, t := range s.Tags {
		if t == k {
			return true
		}
	}
	return false
}

// AllowsValue reports whether v is a value the metric's tag k may take.
func (s Spec) AllowsValue(k, v string) bool {
	vals, closed := s.Values[k]
	if !closed {
		return true
	}
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}
