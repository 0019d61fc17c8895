package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// joined is sample() with what a join would have counted: the /slow/:id
// harakiri and nginx 504 are one request.
func joined() *metrics.Aggregates {
	a := sample()
	a.Join = metrics.JoinCounts{Enabled: true, ByTime: 1, Unmatched: 101}
	a.EachRow(func(r *metrics.Row) {
		switch r.Route {
		case "/slow/:id":
			r.Distinct.Requests, r.Distinct.TimedOut = 1, 1
			r.Distinct.AddEvidence(metrics.EvidenceOf(parse.TimeoutHarakiri)|metrics.EvidenceOf(parse.TimeoutNginx504), 1)
		case "/fast":
			r.Distinct.Requests = 100
		case "/p99":
			r.Distinct.Requests = 1
		}
	})
	return a
}

func TestJSONDistinct(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Build(joined())); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Join   map[string]int64 `json:"join"`
		Routes []struct {
			Route            string           `json:"route"`
			TimedOutRequests *int64           `json:"timed_out_requests"`
			RequestsDistinct *int64           `json:"requests_distinct"`
			TimeoutEvidence  map[string]int64 `json:"timeout_evidence"`
			TimeoutsTotal    int64            `json:"timeouts_total"`
		} `json:"routes"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Join["by_request_id"] != 0 || doc.Join["by_time"] != 1 || doc.Join["unmatched"] != 101 {
		t.Errorf("join %v", doc.Join)
	}
	for _, k := range []string{"by_request_id", "by_time", "unmatched", "settled_early"} {
		if _, ok := doc.Join[k]; !ok {
			t.Errorf("join lacks %q", k)
		}
	}
	slow := doc.Routes[0]
	if slow.Route != "/slow/:id" || *slow.TimedOutRequests != 1 || *slow.RequestsDistinct != 1 || slow.TimeoutsTotal != 2 ||
		len(slow.TimeoutEvidence) != 1 || slow.TimeoutEvidence["uwsgi_harakiri+nginx_504"] != 1 {
		t.Errorf("slow row %+v", slow)
	}
	for _, r := range doc.Routes {
		if r.TimedOutRequests == nil || r.RequestsDistinct == nil || r.TimeoutEvidence == nil {
			t.Errorf("row %s lacks a distinct count", r.Route)
		}
	}
}

func TestTableShowsDistinctCounts(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, Build(joined()), 0); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "requests after the join: 0 by request id, 1 by time, 101 unmatched") {
		t.Errorf("no join line:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, "/slow/:id") {
			// 1 timed-out request of 1 (the sources: 1 harakiri, 1 nginx 504).
			if f := strings.Fields(l); f[0] != "1" || f[1] != "1" || f[2] != "1" || f[5] != "1" {
				t.Errorf("slow row %q", l)
			}
			return
		}
	}
	t.Errorf("no /slow/:id row:\n%s", out)
}

// TestNoJoinKeepsPerSourceTotals: without a join, the table's columns are
// the per-source totals and the document has no join counts.
func TestNoJoinKeepsPerSourceTotals(t *testing.T) {
	d := Build(sample())
	if d.Join != nil {
		t.Errorf("join %+v without a join", d.Join)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, d, 0); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.HasSuffix(l, "/slow/:id") {
			if f := strings.Fields(l); f[0] != "2" || f[5] != "1" {
				t.Errorf("slow row %q", l)
			}
		}
	}
}
