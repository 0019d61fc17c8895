package metrics

import (
	"testing"

	"github.com/slowroutes/slowroutes/parse"
)

func TestEvidenceNames(t *testing.T) {
	for e, want := range map[Evidence]string{
		0:                                 "",
		EvidenceOf(parse.TimeoutHarakiri): "uwsgi_harakiri",
		EvidenceOf(parse.TimeoutHarakiri) | EvidenceOf(parse.TimeoutNginx504):                                                                                    "uwsgi_harakiri+nginx_504",
		EvidenceOf(parse.TimeoutNginxUpstream) | EvidenceOf(parse.TimeoutNginx504):                                                                               "nginx_504+nginx_upstream_timeout",
		EvidenceOf(parse.TimeoutGunicornWorker) | EvidenceOf(parse.TimeoutNginx504):                                                                              "nginx_504+gunicorn_worker_timeout",
		EvidenceOf(parse.TimeoutHarakiri) | EvidenceOf(parse.TimeoutNginx504) | EvidenceOf(parse.TimeoutNginxUpstream) | EvidenceOf(parse.TimeoutGunicornWorker): "uwsgi_harakiri+nginx_504+nginx_upstream_timeout+gunicorn_worker_timeout",
	} {
		if got := e.String(); got != want {
			t.Errorf("%08b: %q, want %q", e, got, want)
		}
	}
	if EvidenceOf(parse.TimeoutNone) != 0 || EvidenceOf(parse.NumTimeouts) != 0 {
		t.Error("no mechanism must be the empty set")
	}
}

func TestDistinctResetAndMerge(t *testing.T) {
	a := New(Config{})
	r := a.Row([]byte("/x"), []byte("GET"), nil)
	a.Add(r, &parse.Record{Kind: parse.KindRequest, Source: parse.SourceNginx, Status: 504})
	r.Distinct.Requests, r.Distinct.TimedOut = 2, 1
	r.Distinct.AddEvidence(EvidenceOf(parse.TimeoutNginx504), 1)
	var m Row
	m.Merge(r)
	m.Merge(r)
	if m.Distinct.Requests != 4 || m.Distinct.TimedOut != 2 || m.Distinct.EvidenceOf(EvidenceOf(parse.TimeoutNginx504)) != 2 {
		t.Errorf("merged %+v", m.Distinct)
	}
	a.Join = JoinCounts{Enabled: true, ByTime: 3}
	a.Reset()
	if r.Distinct.Requests != 0 || r.Distinct.TimedOut != 0 || len(r.Distinct.Evidence) != 0 || a.Join != (JoinCounts{Enabled: true}) {
		t.Errorf("after Reset: %+v, %+v", r.Distinct, a.Join)
	}
}
