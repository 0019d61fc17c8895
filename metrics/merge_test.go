package metrics

import (
	"reflect"
	"testing"
)

// setCounts sets every int64 reachable from v through exported fields and
// arrays (not slices, maps or the latency sketch) to n, and returns how
// many it set.
func setCounts(v reflect.Value, n int64) int {
	switch v.Kind() {
	case reflect.Int64:
		v.SetInt(n)
		return 1
	case reflect.Array:
		set := 0
		for i := range v.Len() {
			set += setCounts(v.Index(i), n)
		}
		return set
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Latency]() {
			return 0
		}
		set := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				set += setCounts(v.Field(i), n)
			}
		}
		return set
	}
	return 0
}

// countsOf lists every int64 setCounts would set, in order.
func countsOf(v reflect.Value, out []int64) []int64 {
	switch v.Kind() {
	case reflect.Int64:
		return append(out, v.Int())
	case reflect.Array:
		for i := range v.Len() {
			out = countsOf(v.Index(i), out)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Latency]() {
			return out
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = countsOf(v.Field(i), out)
			}
		}
	}
	return out
}

// TestMergeAddsEveryCount: every count of a row and of the batch (lines,
// events, envelopes, join) survives Merge — a field added to Row or Events
// and forgotten in merge fails here. The report sums the batches a Lambda
// handler emits and resets, so a forgotten field would read zero there.
func TestMergeAddsEveryCount(t *testing.T) {
	src := New(Config{})
	r := src.Row([]byte("/invoices/:id"), []byte("GET"), nil)
	src.Touch(r)
	if n := setCounts(reflect.ValueOf(r).Elem(), 3); n < 50 {
		t.Fatalf("only %d counts in a row", n)
	}
	src.Minutes = map[int64]*Minute{29_000_000: {}}
	r.TimeoutMinutes = map[int64]int64{29_000_000: 3}
	src.OldestEventMS = 1_740_000_000_000
	for _, part := range []any{&src.Lines, &src.Events, &src.Envelopes, &src.Join, src.Minutes[29_000_000]} {
		setCounts(reflect.ValueOf(part).Elem(), 3)
	}
	dst := New(Config{})
	dst.Merge(src)
	dst.Merge(src)
	rows := dst.Rows()
	if len(rows) != 1 {
		t.Fatalf("%d rows after merging one twice", len(rows))
	}
	check := func(what string, v reflect.Value) {
		for i, n := range countsOf(v, nil) {
			if n != 6 {
				t.Errorf("%s: count %d of %s is %d after merging 3 twice", what, i, v.Type(), n)
			}
		}
	}
	check("row", reflect.ValueOf(rows[0]).Elem())
	check("lines", reflect.ValueOf(&dst.Lines).Elem())
	check("events", reflect.ValueOf(&dst.Events).Elem())
	check("envelopes", reflect.ValueOf(&dst.Envelopes).Elem())
	check("join", reflect.ValueOf(&dst.Join).Elem())
	if m := dst.Minutes[29_000_000]; m == nil || len(dst.Minutes) != 1 {
		t.Errorf("timeline %v after merging one minute twice", dst.Minutes)
	} else {
		check("minute", reflect.ValueOf(m).Elem())
	}
	if n := rows[0].TimeoutMinutes[29_000_000]; n != 6 || len(rows[0].TimeoutMinutes) != 1 {
		t.Errorf("row timeline %v after merging 3 twice", rows[0].TimeoutMinutes)
	}
	if dst.OldestEventMS != src.OldestEventMS {
		t.Errorf("oldest event %d, want %d", dst.OldestEventMS, src.OldestEventMS)
	}
}
