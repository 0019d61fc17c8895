package capture

// The client record of the incident capture (testdata/capture/incidents):
// client.tsv, one row per request, and signals.tsv, one row per request the
// client sent signals about. Both are written by
// testdata/capture/incidents/client.py; "-" stands for an empty field.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Targets of the incident capture: who the client sent a request to.
const (
	IncidentTargetUWSGI          = "uwsgi"           // nginx -> uWSGI "uwsgi" (processes 2)
	IncidentTargetUWSGIThreads   = "uwsgi-threads"   // nginx -> uWSGI "uwsgi-threads" (processes 2, threads 2)
	IncidentTargetGunicorn       = "gunicorn"        // nginx -> gunicorn's unix socket
	IncidentTargetGunicornDirect = "gunicorn-direct" // gunicorn's TCP port, no proxy
)

var incidentHeader = []string{"seq", "setup", "target", "method", "uri", "route_template",
	"graphql_operation", "x_request_id", "client_addr", "user_agent", "start", "end",
	"outcome", "status", "retry_of"}

var incidentSignalHeader = []string{"seq", "setup", "target", "signal", "pid", "sent", "first", "last"}

// IncidentRequest is one row of an incident client.tsv.
type IncidentRequest struct {
	Seq              int
	Setup            string // e.g. "uwsgi-ids"
	Target           string // IncidentTarget...
	Method           string
	URI              string // path and query string, as sent
	Route            string // normalized template, e.g. /invoices/:id/pdf
	GraphQLOperation string // "" when not a GraphQL call
	RequestID        string // the X-Request-ID header the client sent
	ClientAddr       string // the source address the client bound
	UserAgent        string
	Start, End       time.Time // connection opened; response read, given up or closed
	Outcome          string    // OutcomeResponse, OutcomeClientAbort or OutcomeClosed
	Status           int       // 0 when there was no response
	RetryOf          int       // seq of the request this one repeats, 0 when none
}

// Key is the request's row in a per-route report.
func (r IncidentRequest) Key() Key {
	return Key{Route: r.Route, Method: r.Method, GraphQLOperation: r.GraphQLOperation}
}

// Path is the URI without its query string.
func (r IncidentRequest) Path() string {
	p, _, _ := strings.Cut(r.URI, "?")
	return p
}

// ViaNginx reports whether the request went through nginx.
func (r IncidentRequest) ViaNginx() bool { return r.Target != IncidentTargetGunicornDirect }

// ToUWSGI reports whether the request was served by a uWSGI instance.
func (r IncidentRequest) ToUWSGI() bool {
	return r.Target == IncidentTargetUWSGI || r.Target == IncidentTargetUWSGIThreads
}

// IncidentSignal is one row of an incident signals.tsv: the signals the
// client sent to the worker serving request Seq.
type IncidentSignal struct {
	Seq         int
	Setup       string
	Target      string
	Signal      string // "SIGUSR2" or "SIGSYS"
	PID         int    // the worker, as the app's request_started line named it
	Sent        int    // how many signals were sent
	First, Last time.Time
}

// ReadIncidentRecord reads an incident client.tsv file.
func ReadIncidentRecord(path string) ([]IncidentRequest, error) {
	return readFile(path, ParseIncidentRecord)
}

// ReadIncidentSignals reads an incident signals.tsv file.
func ReadIncidentSignals(path string) ([]IncidentSignal, error) {
	return readFile(path, ParseIncidentSignals)
}

// ParseIncidentRecord parses the client.tsv format of the incident capture.
func ParseIncidentRecord(r io.Reader) ([]IncidentRequest, error) {
	var reqs []IncidentRequest
	err := scanTSV(r, incidentHeader, func(f []string) error {
		req, err := parseIncidentRow(f)
		if err == nil {
			reqs = append(reqs, req)
		}
		return err
	})
	if err == nil && len(reqs) == 0 {
		err = fmt.Errorf("no requests")
	}
	return reqs, err
}

// ParseIncidentSignals parses the signals.tsv format of the incident capture.
func ParseIncidentSignals(r io.Reader) ([]IncidentSignal, error) {
	var sigs []IncidentSignal
	err := scanTSV(r, incidentSignalHeader, func(f []string) error {
		var s IncidentSignal
		var err error
		if s.Seq, err = strconv.Atoi(f[0]); err != nil {
			return fmt.Errorf("seq: %w", err)
		}
		s.Setup, s.Target, s.Signal = f[1], f[2], f[3]
		if s.Signal != "SIGUSR2" && s.Signal != "SIGSYS" {
			return fmt.Errorf("unknown signal %q", s.Signal)
		}
		if s.PID, err = strconv.Atoi(f[4]); err != nil || s.PID <= 0 {
			return fmt.Errorf("bad pid %q", f[4])
		}
		if s.Sent, err = strconv.Atoi(f[5]); err != nil || s.Sent <= 0 {
			return fmt.Errorf("bad count %q", f[5])
		}
		if s.First, err = parseEpochMillis(f[6]); err != nil {
			return fmt.Errorf("first: %w", err)
		}
		if s.Last, err = parseEpochMillis(f[7]); err != nil {
			return fmt.Errorf("last: %w", err)
		}
		if s.Last.Before(s.First) {
			return fmt.Errorf("last %s before first %s", f[7], f[6])
		}
		sigs = append(sigs, s)
		return nil
	})
	return sigs, err
}

// scanTSV checks the header line and calls row for every further line,
// split on tabs and with the header's number of fields.
func scanTSV(r io.Reader, header []string, row func([]string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Split(sc.Text(), "\t")
		if line == 1 {
			if want := strings.Join(header, "\t"); sc.Text() != want {
				return fmt.Errorf("line 1: header is %q, want %q", sc.Text(), want)
			}
			continue
		}
		if len(fields) != len(header) {
			return fmt.Errorf("line %d: %d fields, want %d", line, len(fields), len(header))
		}
		if err := row(fields); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if line == 0 {
		return fmt.Errorf("empty file")
	}
	return nil
}

func parseIncidentRow(f []string) (IncidentRequest, error) {
	var r IncidentRequest
	var err error
	if r.Seq, err = strconv.Atoi(f[0]); err != nil || r.Seq <= 0 {
		return r, fmt.Errorf("bad seq %q", f[0])
	}
	r.Setup, r.Target, r.Method, r.URI, r.Route = f[1], f[2], f[3], f[4], f[5]
	switch r.Target {
	case IncidentTargetUWSGI, IncidentTargetUWSGIThreads, IncidentTargetGunicorn, IncidentTargetGunicornDirect:
	default:
		return r, fmt.Errorf("unknown target %q", r.Target)
	}
	if r.Method == "" || !strings.HasPrefix(r.URI, "/") || !strings.HasPrefix(r.Route, "/") {
		return r, fmt.Errorf("bad method, uri or route: %q %q %q", r.Method, r.URI, r.Route)
	}
	if f[6] != "-" {
		r.GraphQLOperation = f[6]
	}
	r.RequestID, r.ClientAddr, r.UserAgent = f[7], f[8], f[9]
	if r.RequestID == "-" || r.ClientAddr == "-" || r.UserAgent == "-" {
		return r, fmt.Errorf("request id, client address and user agent are required")
	}
	if r.Start, err = parseEpochMillis(f[10]); err != nil {
		return r, fmt.Errorf("start: %w", err)
	}
	if r.End, err = parseEpochMillis(f[11]); err != nil {
		return r, fmt.Errorf("end: %w", err)
	}
	if r.End.Before(r.Start) {
		return r, fmt.Errorf("end %s before start %s", f[11], f[10])
	}
	r.Outcome = f[12]
	switch r.Outcome {
	case OutcomeResponse:
		if r.Status, err = strconv.Atoi(f[13]); err != nil || r.Status < 100 || r.Status > 599 {
			return r, fmt.Errorf("bad status %q for a response", f[13])
		}
	case OutcomeClientAbort, OutcomeClosed:
		if f[13] != "-" {
			return r, fmt.Errorf("status %q without a response", f[13])
		}
	default:
		return r, fmt.Errorf("unknown outcome %q", r.Outcome)
	}
	if f[14] != "-" {
		if r.RetryOf, err = strconv.Atoi(f[14]); err != nil || r.RetryOf <= 0 || r.RetryOf >= r.Seq {
			return r, fmt.Errorf("bad retry_of %q", f[14])
		}
	}
	return r, nil
}

// parseEpochMillis parses epoch seconds with up to three decimals
// ("1796108694.919").
func parseEpochMillis(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	if len(frac) > 3 {
		return time.Time{}, fmt.Errorf("more than ms precision in %q", s)
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, fmt.Errorf("bad epoch seconds %q", s)
	}
	ms := int64(0)
	if frac != "" {
		frac += strings.Repeat("0", 3-len(frac))
		if ms, err = strconv.ParseInt(frac, 10, 64); err != nil || ms < 0 {
			return time.Time{}, fmt.Errorf("bad epoch seconds %q", s)
		}
	}
	return time.UnixMilli(n*1000 + ms), nil
}

// IncidentsDir is the incident capture: the committed one under the
// repository root root (a package's tests give ".." or "../.."), or a
// fresh run of testdata/capture/incidents/capture.sh named by
// SLOWROUTES_INCIDENTS_DIR.
func IncidentsDir(root string) string {
	if d := os.Getenv("SLOWROUTES_INCIDENTS_DIR"); d != "" {
		return d
	}
	return filepath.Join(root, "testdata", "captures", "incidents")
}

// LoadIncidentFacts reads what the client of setup s recorded in dir (its
// client.tsv and signals.tsv) and applies the plan to it.
func LoadIncidentFacts(dir string, s IncidentSetup) ([]IncidentFact, error) {
	reqs, err := ReadIncidentRecord(filepath.Join(dir, "client.tsv"))
	if err != nil {
		return nil, err
	}
	sigs, err := ReadIncidentSignals(filepath.Join(dir, "signals.tsv"))
	if err != nil {
		return nil, err
	}
	return DeriveIncidentFacts(s, reqs, sigs)
}
