package metrics

import (
	"testing"

	"github.com/slowroutes/slowroutes/parse"
)

// TestAccessOutcomesCountWhoeverWroteTheLine: a 504, 499 or 502 counts in
// every access log; the source only says under which name.
func TestAccessOutcomesCountWhoeverWroteTheLine(t *testing.T) {
	type fact struct {
		timeout parse.Timeout
		failure Failure
		abort   bool
	}
	none := fact{failure: NumFailures}
	for _, c := range []struct {
		src     parse.Source
		status  int
		outcome parse.AccessOutcome // the line's own reading, if any
		want    fact
	}{
		{parse.SourceNginx, 504, 0, fact{timeout: parse.TimeoutNginx504, failure: NumFailures}},
		{parse.SourceGunicorn, 504, 0, fact{timeout: parse.TimeoutApp504, failure: NumFailures}},
		{parse.SourceUWSGI, 504, 0, fact{timeout: parse.TimeoutApp504, failure: NumFailures}},
		{parse.SourceApp, 504, 0, fact{timeout: parse.TimeoutApp504, failure: NumFailures}},
		{parse.SourceTraefik, 504, 0, fact{timeout: parse.TimeoutTraefik504, failure: NumFailures}},
		{parse.SourceApache, 504, 0, fact{timeout: parse.TimeoutApache504, failure: NumFailures}},
		{parse.SourceALB, 504, 0, fact{timeout: parse.TimeoutALB504, failure: NumFailures}},
		// an ALB entry whose 504 the target sent: the target's answer
		{parse.SourceALB, 504, parse.OutcomeServed, none},
		{parse.SourceNginx, 499, 0, fact{abort: true, failure: NumFailures}},
		{parse.SourceGunicorn, 499, 0, fact{abort: true, failure: NumFailures}},
		{parse.SourceALB, 460, 0, fact{abort: true, failure: NumFailures}},
		{parse.SourceNginx, 460, 0, none},
		// Apache %X "X": the client went away, whatever the status
		{parse.SourceApache, 200, parse.OutcomeClientAbort, fact{abort: true, failure: NumFailures}},
		{parse.SourceNginx, 502, 0, fact{failure: FailureNginx502}},
		{parse.SourceGunicorn, 502, 0, fact{failure: FailureApp502}},
		{parse.SourceTraefik, 502, 0, fact{failure: FailureTraefik502}},
		{parse.SourceTraefik, 503, 0, fact{failure: FailureTraefik503}},
		{parse.SourceApache, 502, 0, fact{failure: FailureApache502}},
		{parse.SourceApache, 503, 0, fact{failure: FailureApache503}},
		{parse.SourceALB, 502, 0, fact{failure: FailureALB502}},
		{parse.SourceALB, 503, 0, fact{failure: FailureALB503}},
		// nginx's own 503 is limit_req / limit_conn, not a backend failure
		{parse.SourceNginx, 503, 0, none},
		{parse.SourceNginx, 200, 0, none},
	} {
		a := New(Config{})
		row := a.Row([]byte("/x"), []byte("GET"), nil)
		a.Add(row, &parse.Record{Kind: parse.KindRequest, Source: c.src, Status: c.status, Outcome: c.outcome})
		got := fact{failure: NumFailures, abort: row.ClientAbortTotal() == 1}
		for to, n := range row.Timeouts {
			if n == 1 {
				got.timeout = parse.Timeout(to)
			}
		}
		for f, n := range row.UpstreamFailures {
			if n == 1 {
				got.failure = Failure(f)
			}
		}
		if got != c.want || row.TimeoutTotal()+row.FailureTotal()+row.ClientAbortTotal() > 1 || row.RequestsOf(c.src) != 1 {
			t.Errorf("%v %d (%v): got %+v, want %+v (%d facts)", c.src, c.status, c.outcome, got, c.want, row.TimeoutTotal()+row.FailureTotal()+row.ClientAbortTotal())
		}
	}
	// The Apache error log: a timeout pair is a timeout, an AH00898 alone a failure.
	a := New(Config{})
	row := a.Row([]byte("/x"), nil, nil)
	a.Add(row, &parse.Record{Kind: parse.KindTimeout, Source: parse.SourceApache, Timeout: parse.TimeoutApacheProxy})
	a.Add(row, &parse.Record{Kind: parse.KindUpstreamFailure, Source: parse.SourceApache, Status: 502})
	if row.Timeouts[parse.TimeoutApacheProxy] != 1 || row.UpstreamFailures[FailureApacheProxy] != 1 || row.FailureTotal() != 1 {
		t.Errorf("apache error log: timeouts %v failures %v", row.Timeouts, row.UpstreamFailures)
	}
}
