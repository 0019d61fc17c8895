package parse

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slowroutes/slowroutes/route"
)

// routeLatencies is the per-route view a report takes of one log: the
// durations of each (method, route), sorted.
type routeLatencies map[string][]int64

func (l routeLatencies) add(r *Record) {
	if r.Kind != KindRequest || !r.HasDuration {
		return
	}
	key := string(r.Method) + " " + string(route.Normalize(nil, r.URI))
	l[key] = append(l[key], r.DurationUS)
}

func (l routeLatencies) quantiles() map[string][3]int64 {
	out := map[string][3]int64{}
	for k, d := range l { // sorted
		q := func(p float64) int64 { return d[int(p*float64(len(d)-1)+0.5)] }
		out[k] = [3]int64{q(0.50), q(0.95), q(0.99)}
	}
	return out
}

// TestCustomFormatMatchesJSON: the same nginx requests logged in a custom
// log_format (read by the compiled format, and by name with
// ParseCombinedTimed) and in an escape=json log give the same per-route
// latencies, hence the same p50/p95/p99.
func TestCustomFormatMatchesJSON(t *testing.T) {
	ng := nginxConfFormats(t)
	read := func(file string, parse func(line []byte, r *Record) error) routeLatencies {
		t.Helper()
		l := routeLatencies{}
		for _, line := range captureLines(t, file) {
			var r Record
			if err := parse(line, &r); err != nil {
				t.Fatalf("%s: %q: %v", file, line, err)
			}
			l.add(&r)
		}
		for _, d := range l {
			slices.Sort(d)
		}
		return l
	}
	compiled := func(format string) func([]byte, *Record) error {
		f := mustCompile(t, "nginx", format)
		return func(line []byte, r *Record) error {
			var a AccessFields
			ok, err := f.Parse(line, r, &a)
			if !ok {
				return fmt.Errorf("not read")
			}
			return err
		}
	}
	fields := DefaultJSONFields()
	var scratch []byte
	jsonLog := read("nginx.json", func(line []byte, r *Record) error {
		ok, err := ParseJSON(line, fields, r, &scratch)
		if !ok {
			return fmt.Errorf("not read")
		}
		return err
	})
	others := map[string]routeLatencies{
		"perf (compiled)":       read("nginx-perf.log", compiled(ng["perf"])),
		"perf_named (compiled)": read("nginx-perf-named.log", compiled(ng["perf_named"])),
		"trace (compiled)":      read("nginx-trace.log", compiled(ng["trace"])),
		"json (compiled)":       read("nginx.json", compiled(ng["json"])),
		"perf (timing fields)": read("nginx-perf.log", func(line []byte, r *Record) error {
			var a AccessFields
			if ok, err := ParseCombinedTimed(line, r, &a); !ok || err != nil {
				return fmt.Errorf("ok=%v err=%v", ok, err)
			}
			return nil
		}),
		"perf_named (timing fields)": read("nginx-perf-named.log", func(line []byte, r *Record) error {
			var a AccessFields
			if ok, err := ParseCombinedTimed(line, r, &a); !ok || err != nil {
				return fmt.Errorf("ok=%v err=%v", ok, err)
			}
			return nil
		}),
	}
	want := jsonLog.quantiles()
	if len(want) < 8 {
		t.Fatalf("json log: %d routes", len(want))
	}
	if q := want["GET /invoices/:id/pdf"]; q[0] < 30000 || q[2] < 70000 {
		t.Fatalf("json log: /invoices/:id/pdf quantiles %v µs, the app slept 0-80 ms", q)
	}
	for name, l := range others {
		if diff := cmp.Diff(jsonLog, l); diff != "" {
			t.Errorf("%s: latencies differ from the JSON log (-json +%s):\n%s", name, name, diff)
		}
		if diff := cmp.Diff(want, l.quantiles()); diff != "" {
			t.Errorf("%s: p50/p95/p99 differ from the JSON log:\n%s", name, diff)
		}
	}
}
