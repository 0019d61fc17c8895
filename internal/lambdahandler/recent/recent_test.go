package recent

import "testing"

func TestSetForgetsTheOldestFirst(t *testing.T) {
	s := New[string](3)
	for _, k := range []string{"a", "b", "c", "b"} {
		s.Add(k)
	}
	// "b" again is no new key: nothing is forgotten yet.
	for _, k := range []string{"a", "b", "c"} {
		if !s.Has(k) {
			t.Errorf("%q forgotten with room left", k)
		}
	}
	s.Add("d")
	s.Add("e")
	for k, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true, "e": true, "x": false} {
		if got := s.Has(k); got != want {
			t.Errorf("Has(%q) = %v, want %v", k, got, want)
		}
	}
	if len(s.set) != 3 || len(s.ring) != 3 {
		t.Errorf("%d keys in the set, %d in the ring, want 3", len(s.set), len(s.ring))
	}
}

func TestSetOfNone(t *testing.T) {
	s := New[uint64](0)
	s.Add(1)
	s.Add(2)
	if s.Has(1) || !s.Has(2) {
		t.Errorf("a Set of at most one key holds %v", s.set)
	}
}
