package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

// TestWhyContract: the JSON document has "stuck", "workers" and "findings"
// always (empty lists without dumps), with the fields of the contract.
func TestWhyContract(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Build(metrics.New(metrics.Config{}))); err != nil {
		t.Fatal(err)
	}
	var empty map[string]any
	if err := json.Unmarshal(buf.Bytes(), &empty); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"stuck", "workers", "findings"} {
		if l, ok := empty[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %v, want []", k, empty[k])
		}
	}
	d := incident(t)
	buf.Reset()
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Stuck    []map[string]any `json:"stuck"`
		Workers  []map[string]any `json:"workers"`
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"stuck":    {"route", "method", "graphql_operation", "frame", "waiting_in", "wchan", "kind", "count"},
		"workers":  {"stream", "server", "workers", "busy_max", "busy_p95", "saturated_s", "listen_queue_full", "kills"},
		"findings": {"kind", "route", "method", "stream", "proxy_timeout_ms", "worker_timeout_ms", "requests", "worker_s_after_proxy", "advice"},
	} {
		list := map[string][]map[string]any{"stuck": doc.Stuck, "workers": doc.Workers, "findings": doc.Findings}[name]
		if len(list) == 0 {
			t.Fatalf("no %s in the incident's report", name)
		}
		for _, k := range want {
			if _, ok := list[0][k]; !ok {
				t.Errorf("%s lacks %q: %v", name, k, list[0])
			}
		}
	}
}

// TestWhyTable: the table says why, under the ranking, in sentences with
// their numbers.
func TestWhyTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, incident(t), 25); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	why := strings.Index(out, "\nWHY\n")
	if why < 0 || why < strings.Index(out, "TIMEOUTS") {
		t.Fatalf("no WHY section under the ranking:\n%s", out)
	}
	for _, want := range []string{
		"killed   2× reports/queries.py:stream_rows",
		"waiting in socket.py:readinto; kernel: poll_schedule_timeout.constprop.0",
		"uwsgi.log (uwsgi, 2 workers): at most 2 busy",
		"proxy_timeout_first — GET /reports/:id/export: the proxy gives up after 1.0 s but the worker only after 3.0 s",
		"retry_after_timeout — GET /exports/:id/csv: 1 request came from a client",
		"saturation — uwsgi.log: all 2 workers were busy",
	} {
		if !strings.Contains(out[why:], want) {
			t.Errorf("WHY lacks %q:\n%s", want, out[why:])
		}
	}
	var quiet bytes.Buffer
	if err := WriteTable(&quiet, Build(metrics.New(metrics.Config{})), 25); err != nil || strings.Contains(quiet.String(), "WHY") {
		t.Errorf("a WHY section without anything to say: %v\n%s", err, quiet.String())
	}
}

func incident(t *testing.T) Document {
	t.Helper()
	p := pipeline.New(pipeline.Config{})
	for _, name := range []string{"uwsgi.log", "nginx-access.log"} {
		f, err := os.Open(filepath.Join("..", "testdata", "captures", "incidents", "uwsgi-noids", name))
		if err != nil {
			t.Fatal(err)
		}
		s := p.Stream(nil, []byte(name))
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.Line(s, sc.Bytes(), 0)
		}
		f.Close()
	}
	p.Close()
	return Build(p.Aggregates())
}
