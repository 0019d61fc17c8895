package pipeline

import (
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// realTimeout (gunicorn 20.1.0) waits for its worker's last lines:
// settling its stream counts it.
const realTimeout = `[2026-11-22 23:31:08 +0000] [6837] [CRITICAL] WORKER TIMEOUT (pid:6847)`

// gunicornTimeouts sums the gunicorn worker timeouts of every row.
func gunicornTimeouts(a *metrics.Aggregates) int64 {
	var n int64
	a.EachRow(func(r *metrics.Row) { n += r.Timeouts[parse.TimeoutGunicornWorker] })
	return n
}

func TestStreamNames(t *testing.T) {
	p := New(Config{})
	a := p.Stream([]byte("/ecs/web"), []byte("uwsgi/1"))
	b := p.Stream([]byte("/ecs/web"), []byte("uwsgi/1"))
	c := p.Stream(nil, []byte("/ecs/web/uwsgi/1.log"))
	if a != b || a == c || a.name != "/ecs/web/uwsgi/1" || a.Group() != "/ecs/web" || c.Group() != "" {
		t.Errorf("streams %+v %+v %+v", a, b, c)
	}
	// The name decides nothing: "gunicorn" is the usual name of the nginx in
	// front of gunicorn. This plain combined line (no sign of gunicorn) is
	// nginx's, and its 504 a timeout.
	g := p.Stream([]byte("/ecs/web"), []byte("gunicorn/1"))
	p.Line(g, []byte(`127.0.0.1 - - [22/Nov/2026:23:31:06 +0000] "GET /healthz HTTP/1.1" 504 16 "-" "curl/7.88.1"`), 0)
	rows := p.Aggregates().Rows()
	if len(rows) != 1 || rows[0].RequestsOf(parse.SourceNginx) != 1 || rows[0].Timeouts[parse.TimeoutNginx504] != 1 ||
		p.Aggregates().Lines.By[parse.ParserNginxAccess][parse.Matched] != 1 {
		t.Errorf("combined line in stream gunicorn/1 counted as %+v, lines %+v", rows, p.Aggregates().Lines.By)
	}
}

func TestMessageSplitsLines(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		lines int64
	}{
		{"", 1}, {"one", 1}, {"one\n", 1}, {"one\ntwo", 2}, {"one\n\ntwo\n", 3},
	} {
		p := New(Config{})
		p.Message(p.Stream(nil, []byte("s")), []byte(tc.msg), 0)
		if got := p.Aggregates().Lines.Total(); got != tc.lines {
			t.Errorf("%q: %d lines, want %d", tc.msg, got, tc.lines)
		}
	}
}

func TestEvictLeastRecentlyUsed(t *testing.T) {
	p := New(Config{MaxStreams: 2})
	p.Line(p.Stream([]byte("/a"), []byte("1")), []byte(realTimeout), 1000)
	p.Stream([]byte("/b"), []byte("1"))
	p.Stream([]byte("/a"), []byte("1")) // /a is used again: /b is now the oldest
	p.Stream([]byte("/c"), []byte("1"))
	if g, ok := p.Evict(); !ok || g != "/b" {
		t.Fatalf("evicted %q %v, want /b", g, ok)
	}
	if _, ok := p.Evict(); ok || p.Streams() != 2 {
		t.Fatalf("evicted below the bound: %d streams", p.Streams())
	}
	p.Stream([]byte("/d"), []byte("1"))
	p.Stream([]byte("/d"), []byte("1"))
	if n := gunicornTimeouts(p.Aggregates()); n != 0 {
		t.Fatalf("%d timeouts before /a was settled", n)
	}
	if g, ok := p.Evict(); !ok || g != "/a" {
		t.Fatalf("evicted %q %v, want /a", g, ok)
	}
	// Settling /a counted the timeout that waited for its worker's end.
	if n := gunicornTimeouts(p.Aggregates()); n != 1 {
		t.Errorf("%d timeouts after /a was settled, want 1", n)
	}
}

func TestCloseGroup(t *testing.T) {
	p := New(Config{})
	p.Line(p.Stream(nil, []byte("gunicorn.log")), []byte(realTimeout), 0)
	p.Line(p.Stream([]byte("/web"), []byte("gunicorn")), []byte(realTimeout), 0)
	p.CloseGroup("")
	if n := gunicornTimeouts(p.Aggregates()); p.Streams() != 1 || n != 1 {
		t.Errorf("%d streams left, %d timeouts settled", p.Streams(), n)
	}
}

func TestEventTimeAndReset(t *testing.T) {
	p := New(Config{KeepDurations: true})
	s := p.Stream([]byte("/web"), []byte("nginx"))
	line := []byte(`127.0.0.1 - - [22/Nov/2026:23:31:06 +0000] "GET /healthz HTTP/1.1" 200 16 "-" "curl/7.88.1" 0.002 0.002`)
	p.Line(s, line, 2000)
	p.Line(s, line, 1000)
	a := p.Aggregates()
	r := a.Rows()[0]
	if a.OldestEventMS != 1000 || len(r.Durations[parse.SourceNginx]) != 2 {
		t.Errorf("oldest %d, durations %v", a.OldestEventMS, r.Durations)
	}
	a.Reset()
	if a.Len() != 0 || a.OldestEventMS != 0 || a.Lines.Total() != 0 {
		t.Errorf("after reset: %d rows, oldest %d", a.Len(), a.OldestEventMS)
	}
	p.Line(s, line, 3000)
	if r2 := a.Rows(); len(r2) != 1 || r2[0] != r || r.RequestsOf(parse.SourceNginx) != 1 || len(r.Durations[parse.SourceNginx]) != 1 {
		t.Errorf("the row is not reused afresh: %+v", r2)
	}
}
