package lambdahandler

import (
	"context"
	"testing"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/internal/lambdahandler/recent"
)

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// BenchmarkHandler runs a 1 MB delivery of real capture lines through the
// handler, DogStatsD client included. Bytes are the decoded payload JSON;
// event's BenchmarkDecodeFloor is base64 and gunzip alone on such a delivery.
func BenchmarkHandler(b *testing.B) {
	ev, _ := largeEvent(b, 1<<20)
	var dec event.Decoder
	dels, err := dec.Split(ev)
	if err != nil {
		b.Fatal(err)
	}
	batch, err := dec.Decode(&dels[0])
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, msg := range batch.Events() {
		size += len(msg) + 60 // the message and its JSON around it, about
	}
	c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Writer: discard{}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	h := New(c, Options{})
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		h.seen = recent.New[uint64](1) // the same delivery again is not a duplicate here
		if _, err := h.Invoke(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(h.Sent())/float64(b.N), "datagrams/op")
}
