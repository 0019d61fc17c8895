package monitors

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/capture"
	"github.com/slowroutes/slowroutes/internal/lambdahandler"
	"github.com/slowroutes/slowroutes/pipeline"
)

// The shipped queries of slowroutes.timeouts, evaluated over the datagrams
// the timeout function sends for the incident capture's logs (what
// `slowroutes emit --dry-run --metrics harakiri` prints) and held to the
// client's own record of which requests timed out.

// datagram is one DogStatsD line: name:value|d|#tag:value,...
type datagram struct {
	name  string
	value float64
	tags  map[string]string
}

func parseDatagrams(t *testing.T, b []byte) []datagram {
	t.Helper()
	var out []datagram
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		dg, err := dogstatsd.ParseDatagram(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		d := datagram{name: dg.Name, value: dg.Value, tags: map[string]string{}}
		for _, tg := range dg.Tags {
			k, v, _ := strings.Cut(tg, ":")
			d.tags[k] = v
		}
		out = append(out, d)
	}
	return out
}

// emitted runs files (named by their base names, as log streams) through
// the timeout function's handler and returns its datagrams.
func emitted(t *testing.T, dir string, files []string) []datagram {
	t.Helper()
	var buf bytes.Buffer
	client, err := dogstatsd.NewClient(dogstatsd.ClientConfig{Writer: &dogstatsd.DatagramWriter{W: &buf}})
	if err != nil {
		t.Fatal(err)
	}
	h := lambdahandler.New(client, lambdahandler.Options{Emitter: dogstatsd.EmitterConfig{Families: dogstatsd.FamilyTimeouts}})
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		p := h.Pipeline()
		s := p.Stream(nil, []byte(f))
		var lr pipeline.LineReader
		if err := lr.Each(bytes.NewReader(b), func(l []byte) { p.Line(s, l, 0) }, p.LineTooLong); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	return parseDatagrams(t, buf.Bytes())
}

// sumByRoute evaluates one sum:NAME{FILTER} query over datagrams, per route
// (as the monitors group: a harakiri seen only in a "WAS managing" line has
// no method).
func sumByRoute(ds []datagram, name, filter string) map[string]float64 {
	out := map[string]float64{}
	for _, d := range ds {
		if d.name != name {
			continue
		}
		match := true
		for _, f := range strings.Split(filter, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(f), ":")
			if ok && d.tags[k] != v {
				match = false
			}
		}
		if match {
			out[d.tags["route"]] += d.value
		}
	}
	return out
}

// timeoutQuery is the filter of a shipped query of slowroutes.timeouts.
type timeoutQuery struct {
	file, query, filter, by string
}

var timeoutsRef = regexp.MustCompile(`sum:slowroutes\.timeouts\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?`)

// shippedTimeoutQueries are the monitors' and dashboard widgets' queries of
// slowroutes.timeouts, with the stack's TimeoutSource (the monitors' default
// source:nginx_504, the dashboard's $TimeoutSource) set to source, and the
// other template variables at "*".
func shippedTimeoutQueries(t *testing.T, source string) []timeoutQuery {
	t.Helper()
	files, _ := filepath.Glob("*.json")
	var out []timeoutQuery
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var qs []string
		queries(doc, &qs)
		for _, q := range qs {
			for _, m := range timeoutsRef.FindAllStringSubmatch(q, -1) {
				filter := strings.NewReplacer("source:nginx_504", "source:"+source, "$TimeoutSource", "source:"+source,
					"$env", "*", "$log_group", "*").Replace(m[1])
				out = append(out, timeoutQuery{f, q, filter, m[2]})
			}
		}
	}
	if len(out) < 3 {
		t.Fatalf("%d queries of slowroutes.timeouts", len(out))
	}
	return out
}

// incidentLayout is one documented way of shipping logs, on one incident setup.
type incidentLayout struct {
	name    string
	setup   string
	files   []string
	sources []string // the TimeoutSource values that exist in it
}

var incidentLayouts = []incidentLayout{
	{"nginx + uWSGI", "uwsgi-noids", []string{"nginx-access.log", "nginx-error.log", "uwsgi.log", "uwsgi-threads.log"}, []string{"nginx_504", "uwsgi_harakiri"}},
	{"nginx + gunicorn", "gunicorn-noids", []string{"nginx-access.log", "nginx-error.log", "gunicorn-error.log", "gunicorn-access.log"}, []string{"nginx_504", "gunicorn_worker_timeout"}},
	{"uWSGI alone", "uwsgi-noids", []string{"uwsgi.log", "uwsgi-threads.log"}, []string{"uwsgi_harakiri"}},
	{"gunicorn alone", "gunicorn-noids", []string{"gunicorn-error.log", "gunicorn-access.log"}, []string{"gunicorn_worker_timeout"}},
}

// clientCounts reads what the client saw of each route: requests
// that timed out (a 504, a killed worker's 502, a connection the kill cut),
// 504s, and requests the worker's timeout killed.
func clientCounts(t *testing.T, dir string, setup string) (timedOut, saw504, killed map[string]float64) {
	t.Helper()
	var s capture.IncidentSetup
	for _, x := range capture.IncidentSetups() {
		if x.Name == setup {
			s = x
		}
	}
	facts, err := capture.LoadIncidentFacts(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	timedOut, saw504, killed = map[string]float64{}, map[string]float64{}, map[string]float64{}
	for k, c := range capture.TallyIncidents(facts) {
		key := k.Route
		timedOut[key] += float64(c.TimedOut)
		saw504[key] += float64(c.Status504)
		killed[key] += float64(c.Killed)
	}
	return timedOut, saw504, killed
}

// TestShippedQueriesCountEachRequestOnce evaluates every shipped query of
// slowroutes.timeouts, for each TimeoutSource a layout has, over the
// datagrams of that layout's logs: per route it counts exactly what that
// server saw time out (nginx's 504s, the worker's kills), never more than
// the requests that timed out. Summing the sources (the query these
// replaced) counts some requests twice.
func TestShippedQueriesCountEachRequestOnce(t *testing.T) {
	root := filepath.Join("..", "testdata", "captures", "incidents")
	for _, l := range incidentLayouts {
		t.Run(l.name, func(t *testing.T) {
			dir := filepath.Join(root, l.setup)
			ds := emitted(t, dir, l.files)
			timedOut, saw504, killed := clientCounts(t, dir, l.setup)
			for _, source := range l.sources {
				want := killed
				if source == "nginx_504" {
					want = saw504
				}
				for _, q := range shippedTimeoutQueries(t, source) {
					if q.by == "source" {
						continue // the per-source breakdown: one series per source
					}
					got := sumByRoute(ds, "slowroutes.timeouts", q.filter)
					if q.by == "team" {
						// A team's routes together: the incident has no owners,
						// so one team holds every route.
						var sum, w, truth float64
						for k, n := range got {
							sum += n
							truth += timedOut[k]
						}
						for _, n := range want {
							w += n
						}
						if sum != w || sum > truth {
							t.Errorf("%s with %s: %q counts %v, the client saw %v (%v timed out)", q.file, source, q.query, sum, w, truth)
						}
						continue
					}
					if !strings.Contains(q.by, "route") {
						t.Errorf("%s: %q is not per route", q.file, q.query)
						continue
					}
					for k, n := range got {
						if n > timedOut[k] {
							t.Errorf("%s with %s: %s: %v timeouts, %v requests timed out", q.file, source, k, n, timedOut[k])
						}
					}
					for k, w := range want {
						if got[k] != w {
							t.Errorf("%s with %s: %s: %v, the client saw %v", q.file, source, k, got[k], w)
						}
					}
				}
			}
			if len(l.sources) == 2 {
				// Each route's timeouts fire in one order: the larger source is exact.
				a, b := sumByRoute(ds, "slowroutes.timeouts", "source:"+l.sources[0]), sumByRoute(ds, "slowroutes.timeouts", "source:"+l.sources[1])
				for k, w := range timedOut {
					if got := max(a[k], b[k]); got != w {
						t.Errorf("%s: the larger of %s and %s is %v, the client saw %v timed out", k, l.sources[0], l.sources[1], got, w)
					}
				}
			}
			var all, truth float64
			for _, n := range sumByRoute(ds, "slowroutes.timeouts", "*") {
				all += n
			}
			for _, n := range timedOut {
				truth += n
			}
			if strings.HasPrefix(l.name, "nginx") && all <= truth {
				t.Errorf("summing every source gives %v for %v timed-out requests: the test proves nothing", all, truth)
			}
		})
	}
}

// TestTemplateRendersTheMonitors: the template's outputs are the timeout
// monitors' queries with the stack's TimeoutSource and Namespace.
func TestTemplateRendersTheMonitors(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tmpl), "AllowedValues: [nginx_504, uwsgi_harakiri, gunicorn_worker_timeout]") {
		t.Error("template.yaml has no TimeoutSource parameter with the three sources")
	}
	for _, f := range []string{"timeouts-by-route.json", "timeout-ratio-by-route.json"} {
		var m struct{ Query string }
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Query, "timeouts{source:nginx_504}") {
			t.Errorf("%s does not count one source: %s", f, m.Query)
		}
		want := strings.NewReplacer("slowroutes.", "${Namespace}.", "source:nginx_504", "source:${TimeoutSource}").Replace(m.Query)
		if !strings.Contains(string(tmpl), `!Sub "`+want+`"`) {
			t.Errorf("template.yaml has no output `!Sub %q` (%s)", want, f)
		}
	}
}
