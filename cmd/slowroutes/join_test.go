package main

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/report"
)

// TestCapturesDistinct: on the default capture, with each nginx access-log
// format, timed_out_requests per route is the client's count of requests
// that timed out (a 504, a harakiri'd request's 502, a connection gunicorn's
// worker timeout cut), no row has more timeouts than requests, in the JSON
// or in the table, and requests_distinct counts every request once except
// the app lines that nothing ties to gunicorn's access lines (no id, no
// time, no pid in gunicorn's access format).
func TestCapturesDistinct(t *testing.T) {
	dir := "../../testdata/captures"
	reqs, err := capture.ReadClientRecord(filepath.Join(dir, "client.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[rm]distinctFacts{}
	for _, r := range reqs {
		e, err := capture.Expect([]capture.Request{r}, capture.DefaultScenario())
		if err != nil {
			t.Fatal(err)
		}
		c := e.Total()
		d := want[rm{r.Route, r.Method}]
		d.TimedOut += int64(c.Timeouts.UWSGIHarakiri + c.Timeouts.Nginx504 + c.Timeouts.GunicornWorkerTimeout)
		d.Sent++
		if r.Target == capture.TargetGunicorn {
			d.Unjoinable += int64(c.Requests.App)
		}
		want[rm{r.Route, r.Method}] = d
	}
	for _, access := range []string{"nginx-access.log", "nginx-access-combined.log", "nginx-access.json"} {
		t.Run(access, func(t *testing.T) {
			var paths []string
			for _, f := range []string{"uwsgi.log", "uwsgi-logdate.log", access, "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"} {
				paths = append(paths, filepath.Join(dir, f))
			}
			d := inProcess(t, paths)
			got := map[rm]distinctFacts{}
			for _, r := range d.Routes {
				if r.TimedOutRequests > r.RequestsDistinct {
					t.Errorf("%s %s: %d timed-out requests of %d", r.Method, r.Route, r.TimedOutRequests, r.RequestsDistinct)
				}
				k := rm{canonical(r.Route), r.Method}
				g := got[k]
				g.TimedOut += r.TimedOutRequests
				g.Sent += r.RequestsDistinct
				got[k] = g
			}
			wantTimedOut, gotTimedOut := map[rm]int64{}, map[rm]int64{}
			for k, w := range want {
				if w.TimedOut > 0 {
					wantTimedOut[k] = w.TimedOut
				}
				if g := got[k]; g.Sent < w.Sent || g.Sent > w.Sent+w.Unjoinable {
					t.Errorf("%s %s: %d distinct requests, the client sent %d (%d app lines cannot be joined)", k.Method, k.Route, g.Sent, w.Sent, w.Unjoinable)
				}
			}
			for k, g := range got {
				if g.TimedOut > 0 {
					gotTimedOut[k] = g.TimedOut
				}
			}
			if diff := cmp.Diff(wantTimedOut, gotTimedOut); diff != "" {
				t.Errorf("timed-out requests per route (-client +report):\n%s", diff)
			}
			if d.Join == nil || d.Join.ByTime == 0 {
				t.Fatalf("join %+v", d.Join)
			}
			checkTable(t, d)
		})
	}
}

type distinctFacts struct{ TimedOut, Sent, Unjoinable int64 }

// checkTable holds the table's TIMEOUTS and REQUESTS columns to the
// document's distinct counts.
func checkTable(t *testing.T, d report.Document) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteTable(&buf, d, 0); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	rows := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 15 || f[0] == "TIMEOUTS" {
			continue
		}
		timeouts, err1 := strconv.ParseInt(f[0], 10, 64)
		requests, err2 := strconv.ParseInt(f[5], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		r := d.Routes[rows]
		if timeouts != r.TimedOutRequests || requests != r.RequestsDistinct {
			t.Errorf("table row %q: TIMEOUTS %d REQUESTS %d, the document says %d of %d", sc.Text(), timeouts, requests, r.TimedOutRequests, r.RequestsDistinct)
		}
		if timeouts > requests {
			t.Errorf("table row %q: more timeouts than requests", sc.Text())
		}
		rows++
	}
	if rows != len(d.Routes) {
		t.Errorf("%d table rows, %d routes", rows, len(d.Routes))
	}
}
