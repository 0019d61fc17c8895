package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/dogstatsd"
)

func emitCLI(t *testing.T, args ...string) (int, []string, string) {
	t.Helper()
	for _, k := range []string{"DD_ENV", "DD_SERVICE", "DD_VERSION"} {
		t.Setenv(k, "")
	}
	var out, errb bytes.Buffer
	code := run(append([]string{"emit"}, args...), strings.NewReader(""), &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if out.Len() == 0 {
		lines = nil
	}
	for _, l := range lines {
		if _, err := dogstatsd.ParseDatagram(l); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(lines)
	return code, lines, errb.String()
}

func withoutLag(lines []string) []string {
	return slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return strings.Contains(l, ".pipeline.lag_ms:") })
}

// fixtureOrder lists the event fixtures in the order the golden files
// deliver them (internal/lambdahandler: the captures' stream order): the
// request metrics learn which server is outermost as deliveries come.
func fixtureOrder(t *testing.T) []string {
	t.Helper()
	var events []string
	for _, stem := range []string{"uwsgi", "uwsgi-logdate", "nginx-access", "nginx-access-json", "nginx-error", "gunicorn-error", "gunicorn-access"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "events", "cw-"+stem+"-[0-9][0-9].json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no event fixtures for %s: %v", stem, err)
		}
		events = append(events, files...)
	}
	return events
}

// TestEmitSendsWhatTheFunctionsSend: emit --dry-run over the event fixtures
// prints exactly the golden datagrams of each function (the lag aside: the
// goldens run on a fixed clock).
func TestEmitSendsWhatTheFunctionsSend(t *testing.T) {
	events := fixtureOrder(t)
	for _, fn := range []string{"harakiri", "slowlog"} {
		t.Run(fn, func(t *testing.T) {
			code, got, stderr := emitCLI(t, append([]string{"--dry-run", "--metrics", fn, "--tags", "team:web"}, events...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "lambda-"+fn+".datagrams"))
			if err != nil {
				t.Fatal(err)
			}
			want := withoutLag(strings.Split(strings.TrimSpace(string(b)), "\n"))
			if got := withoutLag(got); !slices.Equal(got, want) {
				t.Errorf("emit and the %s function differ: %d datagrams, want %d", fn, len(got), len(want))
			}
		})
	}
}

// TestEmitLogFileAgreesWithReport: on local files, emit counts what report
// counts — the same pipeline — per route: timeouts by source, and requests
// once each, as the outermost server of the row logged them.
func TestEmitLogFileAgreesWithReport(t *testing.T) {
	files := []string{
		filepath.Join("..", "..", "testdata", "captures", "uwsgi.log"),
		filepath.Join("..", "..", "testdata", "captures", "nginx-access.log"),
		filepath.Join("..", "..", "testdata", "captures", "nginx-error.log"),
	}
	code, got, stderr := emitCLI(t, append([]string{"--dry-run", "--namespace", "web.sr"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	emitted := map[string]float64{}
	for _, l := range got {
		d, _ := dogstatsd.ParseDatagram(l)
		name, ok := strings.CutPrefix(d.Name, "web.sr.")
		if !ok {
			t.Errorf("%q: not in namespace web.sr", l)
		}
		if _, ok := d.Tag("log_group"); ok {
			t.Errorf("%q: a local file has no log group", l)
		}
		rt, _ := d.Tag("route")
		src, _ := d.Tag("source")
		if name == "timeouts" || name == "requests" {
			emitted[name+" "+rt+" "+src] += d.Value
		}
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"report", "--format", "json"}, files...), nil, &out, &errb); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	var doc struct {
		Routes []struct {
			Route    string           `json:"route"`
			Requests map[string]int64 `json:"requests"`
			Timeouts map[string]int64 `json:"timeouts"`
		} `json:"routes"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	reported := map[string]float64{}
	for _, r := range doc.Routes {
		for _, src := range []string{"nginx", "gunicorn", "uwsgi", "app"} { // outermost first
			if n := r.Requests[src]; n > 0 {
				reported["requests "+r.Route+" "] += float64(n)
				break
			}
		}
		for src, n := range r.Timeouts {
			if n > 0 {
				reported["timeouts "+r.Route+" "+src] += float64(n)
			}
		}
	}
	if len(reported) < 10 || !maps.Equal(emitted, reported) {
		t.Errorf("emit counted %v\nreport counted %v", emitted, reported)
	}
}

func TestEmitOverUDP(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	file := filepath.Join("..", "..", "testdata", "captures", "nginx-error.log")
	_, want, _ := emitCLI(t, "--dry-run", file)
	code, _, stderr := emitCLI(t, "--statsd", conn.LocalAddr().String(), file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	buf := make([]byte, 65536)
	for len(got) < len(want) {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), len(want), err)
		}
		got = append(got, strings.Split(strings.TrimSpace(string(buf[:n])), "\n")...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("sent %q, dry run printed %q", got, want)
	}
}

func TestEmitBadEnvelope(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"awslogs":{"data":"bm90IGd6aXA="}}`+"\n"), 0o644)
	code, got, stderr := emitCLI(t, "--dry-run", bad)
	if code != 0 || !strings.Contains(stderr, "bad gzip") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	want := []string{"slowroutes.pipeline.envelopes:1|d|#input:cloudwatch,result:rejected,reason:gzip"}
	if !slices.Equal(got, want) {
		t.Errorf("printed %q, want %q", got, want)
	}
}

func TestEmitUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"emit", "--help"}, nil, &out, &errb); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	help := errb.String()
	for _, flag := range []string{"-dry-run", "-statsd", "-metrics", "-namespace", "-tags", "-max-contexts", "-slow", "-routes", "-graphql-path", "Examples:"} {
		if !strings.Contains(help, flag) {
			t.Errorf("--help does not document %s", flag)
		}
	}
	for _, args := range [][]string{{}, {"--metrics", "nope", "x"}, {"--tags", "1bad", "x"}, {"--max-contexts", "0", "x"}} {
		var o, e bytes.Buffer
		if code := run(append([]string{"emit"}, args...), nil, &o, &e); code != 2 {
			t.Errorf("emit %q: exit %d, want 2", args, code)
		}
	}
}
