package join

// index maps a nonzero 64-bit hash to an outcome's sequence number: an
// open-addressing table with linear probing and backward-shift deletion,
// so that a steady flow of insertions and deletions neither allocates nor
// leaves tombstones. It holds at most half its slots.
type index struct {
	keys []uint64 // 0: empty
	vals []uint64
	mask uint64
	n    int
}

func (x *index) init(slots int) {
	slots = ceilPow2(max(slots, 16))
	x.keys, x.vals, x.mask, x.n = make([]uint64, slots), make([]uint64, slots), uint64(slots-1), 0
}

// slot is where k's probe starts: the key is a hash already, its high bits
// mixed in so that a small table uses all of it.
func (x *index) slot(k uint64) uint64 { return (k ^ k>>29) & x.mask }

func (x *index) get(k uint64) (uint64, bool) {
	if i, ok := x.find(k); ok {
		return x.vals[i], true
	}
	return 0, false
}

func (x *index) put(k, v uint64) { x.swap(k, v) }

// delIf deletes k if it maps to v.
func (x *index) delIf(k, v uint64) {
	if i, ok := x.find(k); ok && x.vals[i] == v {
		x.delAt(i)
	}
}

// swap maps k to v and returns what k mapped to.
func (x *index) swap(k, v uint64) (old uint64, ok bool) {
	if 2*(x.n+1) > len(x.keys) {
		x.grow(2 * len(x.keys))
	}
	i := x.slot(k)
	for ; x.keys[i] != 0; i = (i + 1) & x.mask {
		if x.keys[i] == k {
			old, x.vals[i] = x.vals[i], v
			return old, true
		}
	}
	x.keys[i], x.vals[i] = k, v
	x.n++
	return 0, false
}

func (x *index) del(k uint64) {
	if i, ok := x.find(k); ok {
		x.delAt(i)
	}
}

// find is the slot of k.
func (x *index) find(k uint64) (uint64, bool) {
	for i := x.slot(k); ; i = (i + 1) & x.mask {
		switch x.keys[i] {
		case k:
			return i, true
		case 0:
			return 0, false
		}
	}
}

// delAt empties slot i.
func (x *index) delAt(i uint64) {
	// Shift back the keys after i whose probe would pass over the hole.
	for j := (i + 1) & x.mask; x.keys[j] != 0; j = (j + 1) & x.mask {
		home := x.slot(x.keys[j])
		if (j-home)&x.mask >= (j-i)&x.mask {
			x.keys[i], x.vals[i] = x.keys[j], x.vals[j]
			i = j
		}
	}
	x.keys[i], x.vals[i] = 0, 0
	x.n--
}

// grow makes room for slots/2 keys, when the table has fewer slots.
func (x *index) grow(slots int) {
	if slots <= len(x.keys) {
		return
	}
	keys, vals := x.keys, x.vals
	x.init(slots)
	for i, k := range keys {
		if k != 0 {
			x.put(k, vals[i])
		}
	}
}

func (x *index) clear() {
	clear(x.keys)
	clear(x.vals)
	x.n = 0
}
