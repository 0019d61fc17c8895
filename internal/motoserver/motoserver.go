// Package motoserver runs moto_server, a local emulator of the AWS APIs, on
// 127.0.0.1 for tests, and seeds it with what the AWS-facing code expects to
// find (IAM roles, Lambda functions).
package motoserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Account and Region are moto's default account and the region the tests use.
const (
	Account = "123456789012"
	Region  = "us-east-1"
)

// Program is the executable started.
const Program = "moto_server"

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
	pollEvery    = 50 * time.Millisecond
	startTries   = 3
	logTail      = 8 << 10
)

// ErrNotInstalled means moto_server is not on PATH.
var ErrNotInstalled = errors.New(Program + " not found on PATH (install it with: pip install 'moto[server]')")

// Server is one running moto_server process.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL string

	cmd    *exec.Cmd
	exited chan struct{}
	out    *tailBuffer
	once   sync.Once
}

// Start starts moto_server on a free port of 127.0.0.1 and returns once it
// answers HTTP. It returns ErrNotInstalled when the program is missing.
func Start() (*Server, error) {
	path, err := exec.LookPath(Program)
	if err != nil {
		return nil, ErrNotInstalled
	}
	var lastErr error
	for range startTries {
		s, err := start(path)
		if err == nil {
			return s, nil
		}
		lastErr = err // most likely the port was taken in between: try another
	}
	return nil, lastErr
}

func start(path string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		exited: make(chan struct{}),
		out:    &tailBuffer{max: logTail},
	}
	s.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	// Its own process group: moto_server may be a shim that starts python,
	// and Stop must reach both without touching anything else.
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", Program, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the server until it answers, it exits, or startTimeout passes.
func (s *Server) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before answering on %s:\n%s", Program, s.URL, s.out.String())
		case <-deadline.C:
			return fmt.Errorf("%s did not answer on %s within %s:\n%s", Program, s.URL, startTimeout, s.out.String())
		case <-tick.C:
		}
	}
}

// Stop ends the server's process group (only the one Start created) and
// waits for it to exit. It is safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		pid := s.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-s.exited:
			return
		case <-time.After(stopTimeout):
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.exited
	})
}

// Reset forgets every resource, so that a test starts from an empty account.
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		tb.Fatalf("resetting %s: %v", Program, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("resetting %s: %s", Program, resp.Status)
	}
}

// Log returns the end of the server's output, for test failure messages.
func (s *Server) Log() string { return s.out.String() }

// Config returns an SDK configuration that talks to the server with dummy
// credentials, whatever the environment holds.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// SetEnv points the standard credential, region and endpoint chain of the
// SDK at the server for the rest of the test (AWS_ENDPOINT_URL), so that code
// loading its configuration the ordinary way reaches it.
func (s *Server) SetEnv(tb testing.TB) {
	tb.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  Region,
		"AWS_DEFAULT_REGION":          Region,
		"AWS_ENDPOINT_URL":            s.URL,
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		tb.Setenv(k, v)
	}
}

// Shared is one server for a whole test binary, started on first use: call
// Server from the tests that need it, and Run from TestMain.
type Shared struct {
	mu      sync.Mutex
	srv     *Server
	err     error
	started bool
}

// Server returns the shared server, emptied of what earlier tests created.
// Without moto_server the test is skipped, or fails when CI=true.
func (sh *Shared) Server(tb testing.TB) *Server {
	tb.Helper()
	sh.mu.Lock()
	if !sh.started {
		sh.started = true
		sh.srv, sh.err = Start()
	}
	srv, err := sh.srv, sh.err
	sh.mu.Unlock()
	if err != nil {
		unavailable(tb, err)
	}
	srv.Reset(tb)
	return srv
}

// Stop stops the shared server if it was started.
func (sh *Shared) Stop() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.srv != nil {
		sh.srv.Stop()
	}
}

// Run runs the tests of m and stops the shared server after them: a test
// binary's TestMain is then os.Exit(shared.Run(m)).
func (sh *Shared) Run(m *testing.M) int {
	code := m.Run()
	sh.Stop()
	return code
}

// StartTB starts a server for one test and stops it when the test ends.
// Without moto_server the test is skipped, or fails when CI=true.
func StartTB(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		unavailable(tb, err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func unavailable(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case os.Getenv("CI") == "true":
		tb.Fatalf("AWS API tests need %s (CI=true makes this fatal): %v", Program, err)
	case errors.Is(err, ErrNotInstalled):
		tb.Skipf("skipping AWS API test: %v", err)
	default:
		tb.Fatalf("AWS API tests: %v", err)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// ctx bounds one seeding call.
func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
