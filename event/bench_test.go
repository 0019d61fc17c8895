package event

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds the generated corpus of ../shared/bench (gen -events-dir):
// 1 M lines in 318 Lambda events of about 1 MB of payload JSON each.
const corpusDir = "/tmp/slowroutes-bench/corpus/events"

// decodeAll splits and decodes every event and reads every log event, as
// a caller does; it returns the bytes of payload JSON read.
func decodeAll(tb testing.TB, d *Decoder, evs [][]byte) (payload int64, sum int) {
	for _, ev := range evs {
		dels, err := d.Split(ev)
		if err != nil {
			tb.Fatal(err)
		}
		for i := range dels {
			b, err := d.Decode(&dels[i])
			if err != nil {
				tb.Fatal(err)
			}
			payload += int64(len(b.payload))
			for ts, msg := range b.Events() {
				sum += len(msg) + int(ts&1)
			}
		}
	}
	return payload, sum
}

// TestNoAllocsPerDelivery: in steady state, splitting, decoding and reading
// a delivery allocates nothing, whatever its input and escapes.
func TestNoAllocsPerDelivery(t *testing.T) {
	var evs [][]byte
	for _, f := range []string{"uwsgi.log", "nginx-access.log", "nginx-access.json", "gunicorn-error.log"} {
		evs = append(evs, lambdaEvent(marshal(t, capturePayload(t, f))))
	}
	p := marshal(t, capturePayload(t, "nginx-error.log"))
	data := string(b64gz(p))
	evs = append(evs,
		kinesisEvent(data, strings.ReplaceAll(data, "/", `\/`), data),
		reordered(capturePayload(t, "gunicorn-access.log")),
		p,
		lambdaEvent([]byte(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1432826855000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}`)),
		lambdaEvent([]byte(`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"\/aws\/lambda\/caf\u00e9","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":"\u00e9"}]}`)),
	)
	var d Decoder
	pass := func() { decodeAll(t, &d, evs) }
	pass() // warm up: grow every buffer
	if n := testing.AllocsPerRun(20, pass); n != 0 {
		t.Errorf("%v allocations per pass of %d events", n, len(evs))
	}
}

// benchEvents is a 1 MB delivery of real capture lines (as lambdahandler's
// BenchmarkHandler builds it) and, when the corpus is there, its events.
func benchEvents(b *testing.B) map[string][][]byte {
	sets := map[string][][]byte{"capture": {lambdaEvent(marshal(b, largePayload(b, 1<<20, 10_000)))}}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	for _, f := range files {
		ev, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sets["corpus"] = append(sets["corpus"], ev)
	}
	return sets
}

// benchSets runs bench on each set of benchEvents there is, built once.
func benchSets(b *testing.B, bench func(b *testing.B, evs [][]byte)) {
	sets := benchEvents(b)
	for _, name := range []string{"capture", "corpus"} {
		if evs := sets[name]; evs != nil {
			b.Run(name, func(b *testing.B) { bench(b, evs) })
		}
	}
}

// BenchmarkDecode is the whole read of a delivery: Split, Decode and every
// log event yielded. Bytes are the payload JSON; an op is the whole set.
func BenchmarkDecode(b *testing.B) {
	benchSets(b, func(b *testing.B, evs [][]byte) {
		var d Decoder
		size, _ := decodeAll(b, &d, evs)
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			decodeAll(b, &d, evs)
		}
	})
}

// BenchmarkDecodeFloor is base64 and gunzip alone on the same deliveries:
// what any reader of them must spend.
func BenchmarkDecodeFloor(b *testing.B) {
	benchSets(b, func(b *testing.B, evs [][]byte) {
		var d Decoder
		var datas [][]byte
		var size int64
		for _, ev := range evs {
			dels, err := d.Split(ev)
			if err != nil {
				b.Fatal(err)
			}
			for _, del := range dels {
				// Data may alias the Decoder's scratch, which the next Split reuses.
				datas = append(datas, bytes.Clone(del.Data))
				p, err := d.decodeData(del.Data)
				if err != nil {
					b.Fatal(err)
				}
				size += int64(len(p))
			}
		}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, data := range datas {
				if _, err := d.decodeData(data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
