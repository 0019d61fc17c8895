package dogstatsd

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

// TestEmitWhy sends the stuck frames, busy workers and findings of a real
// uWSGI incident (its server log and nginx's access log) as the slowlog
// function would: every datagram well-formed, one stuck value per killed
// request in its frame, one busy value per settled window and no stream
// tag, the 504s of the routes whose proxy gave up first.
func TestEmitWhy(t *testing.T) {
	p := pipeline.New(pipeline.Config{})
	for _, name := range []string{"uwsgi.log", "nginx-access.log"} {
		f, err := os.Open(filepath.Join("..", "testdata", "captures", "incidents", "uwsgi-noids", name))
		if err != nil {
			t.Fatal(err)
		}
		s := p.Stream([]byte("/shop/web"), []byte(name))
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.Line(s, sc.Bytes(), 0)
		}
		f.Close()
	}
	p.Close()
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{Families: FamilyRequests, Now: func() time.Time { return time.UnixMilli(6000) }})
	e.Emit(p.Aggregates(), Batch{LogGroup: "/shop/web"})
	var busy, stuck int
	var timeoutFrames, ptf float64
	for _, l := range r.lines {
		parts := strings.Split(l, "|")
		dg := DefaultNamespace + "." + parts[0] + "|d"
		if parts[1] != "" {
			dg += "|#" + parts[1]
		}
		d, err := ParseDatagram(dg)
		if err != nil {
			t.Errorf("%s: %v", dg, err)
			continue
		}
		tags := parts[1]
		switch d.Name {
		case DefaultNamespace + ".workers.busy":
			busy++
			if tags != "log_group:/shop/web" {
				t.Errorf("workers.busy tags %q: want the log group alone", tags)
			}
		case DefaultNamespace + ".stuck":
			stuck++
			if _, ok := d.Tag("frame"); !ok {
				t.Errorf("stuck without its frame: %s", dg)
			}
			if k, _ := d.Tag("kind"); k == "timeout" {
				timeoutFrames += d.Value
			}
		case DefaultNamespace + ".findings":
			if k, _ := d.Tag("kind"); k == "proxy_timeout_first" {
				ptf += d.Value
			}
		}
	}
	ws := 0
	p.Aggregates().EachStreamWorkers(func(w *metrics.StreamWorkers) { ws += len(w.Windows) })
	if busy == 0 || busy != ws {
		t.Errorf("%d workers.busy values, %d windows settled", busy, ws)
	}
	if stuck == 0 {
		t.Error("no stuck datagram")
	}
	if got := r.sum("stuck:"); got != 18 {
		t.Errorf("%v stack dumps sent, want 18 (5 harakiri tracebacks, 13 watchdog and signal dumps)", got)
	}
	if timeoutFrames != 5 {
		t.Errorf("%v frames of killed requests, want 5", timeoutFrames)
	}
	if ptf != 5 {
		t.Errorf("%v proxy_timeout_first requests, want the 5 504s of /reports/ and /exports/", ptf)
	}
}
