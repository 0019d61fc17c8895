package motoserver

import (
	"errors"
	"fmt"
	"net/http"
	"syscall"
	"testing"
)

func TestStartStop(t *testing.T) {
	s, err := Start()
	if err != nil {
		unavailable(t, err)
	}
	pid := s.cmd.Process.Pid
	resp, err := http.Get(s.URL + "/moto-api/")
	if err != nil {
		t.Fatalf("server does not answer: %v\n%s", err, s.Log())
	}
	resp.Body.Close()
	s.Reset(t)
	s.Stop()
	s.Stop() // twice is fine
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still there after Stop: %v", pid, err)
	}
	if _, err := http.Get(s.URL + "/moto-api/"); err == nil {
		t.Error("server still answers after Stop")
	}
}

// recordingTB notes a skip or a failure instead of ending the test.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recordingTB) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestMissingServerSkipsOrFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "")
	r := &recordingTB{TB: t}
	unavailable(r, ErrNotInstalled)
	if r.skipped == "" || r.failed != "" {
		t.Errorf("without CI: skipped %q, failed %q; want a skip", r.skipped, r.failed)
	}
	t.Setenv("CI", "true")
	r = &recordingTB{TB: t}
	unavailable(r, ErrNotInstalled)
	if r.failed == "" || r.skipped != "" {
		t.Errorf("with CI=true: skipped %q, failed %q; want a failure", r.skipped, r.failed)
	}
}
