package capture

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Targets: which server the client sent a request to.
const (
	TargetUWSGI        = "uwsgi-via-nginx"         // nginx -> uWSGI writing uwsgi.log
	TargetUWSGILogdate = "uwsgi-logdate-via-nginx" // nginx -> uWSGI writing uwsgi-logdate.log
	TargetGunicorn     = "gunicorn"                // gunicorn, no proxy in front
)

// Outcomes: what the client itself observed.
const (
	OutcomeResponse    = "response"     // a status line arrived
	OutcomeClientAbort = "client_abort" // the client gave up on purpose first
	OutcomeClosed      = "closed"       // closed or reset without a response
)

// header is the first line of client.tsv.
var header = []string{"seq", "target", "method", "uri", "route_template",
	"graphql_operation", "outcome", "status", "elapsed_ms"}

// Request is one row of client.tsv.
type Request struct {
	Seq              int
	Target           string // TargetUWSGI, TargetUWSGILogdate or TargetGunicorn
	Method           string
	URI              string // path and query string, as sent
	Route            string // normalized template, e.g. /invoices/:id/pdf
	GraphQLOperation string // "" when not a GraphQL call
	Outcome          string // OutcomeResponse, OutcomeClientAbort or OutcomeClosed
	Status           int    // 0 when there was no response
	Elapsed          time.Duration
}

// ViaNginx reports whether the request went through nginx.
func (r Request) ViaNginx() bool {
	return r.Target == TargetUWSGI || r.Target == TargetUWSGILogdate
}

// ReadClientRecord reads a client.tsv file.
func ReadClientRecord(path string) ([]Request, error) {
	return readFile(path, ParseClientRecord)
}

// readFile parses the file at path, naming it in a parse error.
func readFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// SortedKeys returns the keys of m sorted by route, method, then operation.
func SortedKeys[V any](m map[Key]V) []Key {
	keys := make([]Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.GraphQLOperation < b.GraphQLOperation
	})
	return keys
}

// total returns the sum of m's counts.
func total[V interface{ Add(V) V }](m map[Key]V) V {
	var t V
	for _, c := range m {
		t = t.Add(c)
	}
	return t
}

// ParseClientRecord parses the client.tsv format: a header line, then one
// tab-separated row per request. "-" stands for an empty field.
func ParseClientRecord(r io.Reader) ([]Request, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var reqs []Request
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Split(sc.Text(), "\t")
		if line == 1 {
			if strings.Join(fields, "\t") != strings.Join(header, "\t") {
				return nil, fmt.Errorf("line 1: header is %q, want %q", sc.Text(), strings.Join(header, "\t"))
			}
			continue
		}
		req, err := parseRow(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		reqs = append(reqs, req)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("empty client record")
	}
	return reqs, nil
}

func parseRow(f []string) (Request, error) {
	if len(f) != len(header) {
		return Request{}, fmt.Errorf("%d fields, want %d", len(f), len(header))
	}
	var r Request
	var err error
	if r.Seq, err = strconv.Atoi(f[0]); err != nil {
		return r, fmt.Errorf("seq: %w", err)
	}
	r.Target, r.Method, r.URI, r.Route = f[1], f[2], f[3], f[4]
	switch r.Target {
	case TargetUWSGI, TargetUWSGILogdate, TargetGunicorn:
	default:
		return r, fmt.Errorf("unknown target %q", r.Target)
	}
	if r.Method == "" || !strings.HasPrefix(r.URI, "/") || !strings.HasPrefix(r.Route, "/") {
		return r, fmt.Errorf("bad method, uri or route: %q %q %q", r.Method, r.URI, r.Route)
	}
	if f[5] != "-" {
		r.GraphQLOperation = f[5]
	}
	r.Outcome = f[6]
	switch r.Outcome {
	case OutcomeResponse:
		if r.Status, err = strconv.Atoi(f[7]); err != nil || r.Status < 100 || r.Status > 599 {
			return r, fmt.Errorf("bad status %q for a response", f[7])
		}
	case OutcomeClientAbort, OutcomeClosed:
		if f[7] != "-" {
			return r, fmt.Errorf("status %q without a response", f[7])
		}
	default:
		return r, fmt.Errorf("unknown outcome %q", r.Outcome)
	}
	ms, err := strconv.ParseFloat(f[8], 64)
	if err != nil || ms < 0 {
		return r, fmt.Errorf("bad elapsed_ms %q", f[8])
	}
	r.Elapsed = time.Duration(ms * float64(time.Millisecond))
	return r, nil
}

// FilterTarget returns the requests sent to one of the given targets.
func FilterTarget(reqs []Request, targets ...string) []Request {
	var out []Request
	for _, r := range reqs {
		for _, t := range targets {
			if r.Target == t {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
