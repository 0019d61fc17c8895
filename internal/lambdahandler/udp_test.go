package lambdahandler

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

// TestUDPNothingLostAtFlush sends a 1 MB delivery (thousands of datagrams)
// over a real UDP socket and counts every datagram on the other side: the
// handler's Flush before it returns must leave nothing in the client. A
// marker sent once Invoke has returned closes the count: on loopback it
// queues behind every datagram written before it, and ahead of any the
// client would send later, on its own flush interval.
func TestUDPNothingLostAtFlush(t *testing.T) {
	t.Setenv("DD_ENV", "")
	t.Setenv("DD_SERVICE", "")
	t.Setenv("DD_VERSION", "")
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadBuffer(16 << 20)
	const marker = "end of invocation"
	received := make(chan int, 1024) // datagrams per payload; -1 for the marker
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(received)
				return
			}
			if string(buf[:n]) == marker {
				received <- -1
				continue
			}
			received <- strings.Count(strings.TrimRight(string(buf[:n]), "\n"), "\n") + 1
		}
	}()
	c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Addr: conn.LocalAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := New(c, Options{})
	ev, _ := largeEvent(t, 1<<20)
	if _, err := invoke(t, h, ev); err != nil {
		t.Fatal(err)
	}
	sent := h.Sent()
	if sent < 1000 {
		t.Fatalf("only %d datagrams sent", sent)
	}
	mc, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if _, err := mc.Write([]byte(marker)); err != nil {
		t.Fatal(err)
	}
	var got int64
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case n, ok := <-received:
			switch {
			case !ok:
				t.Fatalf("socket closed after %d of %d datagrams", got, sent)
			case n < 0:
				done = true
			default:
				got += int64(n)
			}
		case <-timeout:
			t.Fatalf("received %d of %d datagrams, and no marker", got, sent)
		}
	}
	if got != sent {
		t.Errorf("received %d datagrams before Invoke returned, sent %d", got, sent)
	}
}

// TestStatsdUnreachable: with nothing listening, the handler still
// succeeds, quickly, and the client reports the payloads it could not send.
func TestStatsdUnreachable(t *testing.T) {
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := l.LocalAddr().String()
	l.Close()                 // nothing listens on addr any more: writes get ECONNREFUSED
	var failures atomic.Int64 // OnError runs on the client's sender goroutine
	c, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Addr: addr, OnError: func(error) { failures.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	h := New(c, Options{})
	names, evs := fixtureEvents(t)
	start := time.Now()
	for _, n := range names {
		if resp, err := invoke(t, h, evs[n]); err != nil || string(resp) != "null" {
			t.Fatalf("%s: %s, %v", n, resp, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%d deliveries took %s with DogStatsD unreachable", len(names), d)
	}
	// Close sends what is left; the ICMP "port unreachable" of the first
	// payloads makes later writes fail with ECONNREFUSED.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if failures.Load() == 0 {
		t.Errorf("no payload was reported as not sent to a closed port")
	}
}
