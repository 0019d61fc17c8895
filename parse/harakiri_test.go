package parse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHarakiriAfterWasManaging: testdata/captures/incidents/uwsgi-ids/uwsgi.log
// (uWSGI 2.0.21) — the client's SIGUSR2 across the deadline makes the
// worker write "WAS managing" before the master's banner; the status block
// then names the same request. One timeout.
func TestHarakiriAfterWasManaging(t *testing.T) {
	recs, _ := collect(t, Config{}, "uwsgi.log",
		`HARAKIRI: --- uWSGI worker 2 (pid: 31917) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:24:32 2026 ---`,
		`HARAKIRI: --- uWSGI worker 2 (pid: 31917) WAS managing request /invoices/4242/pdf?regenerate=1 since Tue Dec  1 07:24:32 2026 ---`,
		`Tue Dec  1 07:24:36 2026 - *** HARAKIRI ON WORKER 2 (pid: 31917, try: 1) ***`,
		`HARAKIRI: -- syscall> 230 0x1 0x1 0x7fff7e951fa0 0x0 0x0 0x0 0x7fff7e951f60 0x7f2a41d41545`,
		`Tue Dec  1 07:24:36 2026 - HARAKIRI !!! worker 2 status !!!`,
		`Tue Dec  1 07:24:36 2026 - HARAKIRI [core 0] 127.0.0.2 - GET /invoices/4242/pdf?regenerate=1 since 1796109872`,
		`Tue Dec  1 07:24:36 2026 - HARAKIRI !!! end of worker 2 status !!!`,
		`DAMN ! worker 2 (pid: 31917) died, killed by signal 9 :( trying respawn ...`,
	)
	if diff := cmp.Diff([]string{"uwsgi_harakiri  /invoices/4242/pdf?regenerate=1"}, timeouts(recs)); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if n := kinds(recs, KindHarakiri); n != 1 {
		t.Errorf("banners = %d, want 1", n)
	}
}
