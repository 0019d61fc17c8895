package dogstatsd

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/parse"
)

// recorder is a Client that keeps every call.
type recorder struct {
	lines   []string
	flushes int
}

func (r *recorder) Distribution(name string, v float64, tags []string, rate float64) error {
	r.lines = append(r.lines, fmt.Sprintf("%s:%v|%s|@%v", name, v, strings.Join(tags, ","), rate))
	return nil
}

func (r *recorder) Flush() error { r.flushes++; return nil }

func (r *recorder) sum(prefix string) float64 {
	var n float64
	for _, l := range r.lines {
		if strings.HasPrefix(l, prefix) {
			var v float64
			fmt.Sscanf(l[strings.IndexByte(l, ':')+1:], "%g", &v)
			n += v
		}
	}
	return n
}

func request(a *metrics.Aggregates, route, method string, src parse.Source, status int, us int64) {
	rec := &parse.Record{Kind: parse.KindRequest, Source: src, Status: status, DurationUS: us, HasDuration: us >= 0, EventMS: 1000}
	a.Add(a.Row([]byte(route), []byte(method), nil), rec)
}

func newAggregates() *metrics.Aggregates {
	return metrics.New(metrics.Config{SlowUS: 1_000_000, KeepDurations: true})
}

func TestEmitRequests(t *testing.T) {
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{Now: func() time.Time { return time.UnixMilli(6000) }})
	a := newAggregates()
	request(a, "/a", "GET", parse.SourceNginx, 200, 1500)
	request(a, "/a", "GET", parse.SourceNginx, 204, 2_000_000)
	request(a, "/a", "GET", parse.SourceNginx, 504, 30_000_000)
	request(a, "/a", "GET", parse.SourceUWSGI, 200, -1)
	a.Lines.By[parse.ParserNginxAccess][parse.Matched] = 3
	a.Lines.Add(parse.ParserUWSGI, parse.Malformed, parse.BadStatus)
	n := e.Emit(a, Batch{LogGroup: "/web/nginx"})
	slices.Sort(r.lines)
	// nginx, the outermost server, logged the requests: uWSGI's is the same
	// request again and is not counted; per-deployment metrics carry no
	// log_group, the timeouts (per-server evidence) do; no method by default.
	want := []string{
		"pipeline.contexts:8||@1",
		"pipeline.lag_ms:5000|log_group:/web/nginx|@1",
		"pipeline.lines:1|log_group:/web/nginx,parser:uwsgi,result:malformed,reason:status|@1",
		"pipeline.lines:3|log_group:/web/nginx,parser:nginx_access,result:matched|@1",
		"request.duration_ms:1.5|route:/a|@1",
		"request.duration_ms:2000|route:/a|@1",
		"request.duration_ms:30000|route:/a|@1",
		"requests:1|route:/a,status_class:5xx|@1",
		"requests:2|route:/a,status_class:2xx|@1",
		"slow_requests:2|route:/a|@1",
		"timeouts:1|route:/a,log_group:/web/nginx,source:nginx_504|@1",
	}
	if !slices.Equal(r.lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(r.lines, "\n"), strings.Join(want, "\n"))
	}
	if n != int64(len(want)) || e.Sent != n {
		t.Errorf("Emit returned %d, Sent %d, want %d", n, e.Sent, len(want))
	}
	// Reset Aggregates send nothing.
	r.lines = nil
	a.Reset()
	e.Emit(a, Batch{})
	if len(r.lines) != 0 {
		t.Errorf("Emit of reset aggregates sent %q", r.lines)
	}
}

func TestEmitFamilies(t *testing.T) {
	for _, tc := range []struct {
		fam       Family
		has, hasn string
	}{
		{FamilyTimeouts, "timeouts:", "requests:"},
		{FamilyRequests, "requests:", "timeouts:"},
	} {
		r := &recorder{}
		e := NewEmitter(r, EmitterConfig{Families: tc.fam})
		a := newAggregates()
		request(a, "/a", "GET", parse.SourceNginx, 504, 10)
		a.Events.WorkerKills[parse.SourceUWSGI] = 2
		e.Emit(a, Batch{})
		if r.sum(tc.has) == 0 || r.sum(tc.hasn) != 0 {
			t.Errorf("family %b: %q", tc.fam, r.lines)
		}
		if (r.sum("worker_kills:") == 2) != (tc.fam == FamilyTimeouts) {
			t.Errorf("family %b: worker kills %q", tc.fam, r.lines)
		}
	}
}

// TestEmitOptionalTags: method on every per-route metric, log_group on the
// per-deployment ones, a team, and a fixed request source.
func TestEmitOptionalTags(t *testing.T) {
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{MethodTag: true, LogGroupOnRequests: true})
	a := metrics.New(metrics.Config{RequestSource: parse.SourceUWSGI, KeepDurations: true})
	request(a, "/a", "GET", parse.SourceNginx, 200, 1000)
	request(a, "/a", "GET", parse.SourceUWSGI, 200, 900)
	a.Row([]byte("/a"), []byte("GET"), nil).Team = "billing"
	e.Emit(a, Batch{LogGroup: "/web/app", Tags: []string{"service:web"}})
	want := []string{
		"request.duration_ms:0.9|route:/a,method:GET,team:billing,log_group:/web/app,service:web|@1",
		"requests:1|route:/a,method:GET,team:billing,log_group:/web/app,service:web,status_class:2xx|@1",
	}
	for _, w := range want {
		if !slices.Contains(r.lines, w) {
			t.Errorf("no %s in\n%s", w, strings.Join(r.lines, "\n"))
		}
	}
	if got := r.sum("requests:"); got != 1 {
		t.Errorf("%v requests: only uWSGI's count", got)
	}
}

// contextsOf returns the distinct contexts (name and tags) of recorded lines by metric.
func contextsOf(lines []string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, l := range lines {
		name := l[:strings.IndexByte(l, ':')]
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		out[name][strings.Split(l, "|")[1]] = true
	}
	return out
}

// TestEmitContextBudget: past the budget, rows lose tags in foldOrder —
// never values: every request and timeout is still sent, and still by
// route for all but the last rows. Each function keeps its own budget.
func TestEmitContextBudget(t *testing.T) {
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{MaxContexts: 100, MethodTag: true})
	a := newAggregates()
	for i := range 500 {
		request(a, fmt.Sprintf("/r%d", i), "GET", parse.SourceNginx, 200+i%2*304, int64(i))
	}
	for range 3 {
		request(a, "/worst", "GET", parse.SourceNginx, 504, 5)
	}
	e.Emit(a, Batch{LogGroup: "/web"})
	ctx := contextsOf(r.lines)
	timeouts := len(ctx["timeouts"]) + len(ctx["upstream_failures"]) + len(ctx["client_aborts"])
	requests := len(ctx["requests"]) + len(ctx["request.duration_ms"]) + len(ctx["slow_requests"])
	// route:overflow is always admitted: one context per metric and source.
	if timeouts > 100+4 || requests > 100+3 {
		t.Errorf("%d timeout-function and %d request-function contexts, budget 100 each", timeouts, requests)
	}
	if got := r.sum("requests:"); got != 503 {
		t.Errorf("%v requests, want 503", got)
	}
	if got := r.sum("timeouts:"); got != 253 {
		t.Errorf("%v timeouts, want 253", got)
	}
	if !slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasPrefix(l, "timeouts:3|route:/worst,method:GET,") }) {
		t.Errorf("the worst row was folded")
	}
	// The first tag folded is method: some rows keep their route without it.
	if !slices.ContainsFunc(r.lines, func(l string) bool {
		return strings.HasPrefix(l, "requests:1|route:/r") && !strings.Contains(l, "method:")
	}) {
		t.Errorf("no row kept its route without its method:\n%s", strings.Join(r.lines[:20], "\n"))
	}
	if got := r.sum("pipeline.contexts_folded:"); got < 400 {
		t.Errorf("%v contexts folded, want most of the 1,000", got)
	}
	// The same rows again in the same hour add no context.
	before := len(contextsOf(r.lines))
	e.Emit(a, Batch{LogGroup: "/web"})
	if after := len(contextsOf(r.lines)); after != before {
		t.Errorf("%d contexts after the same batch again, %d before", after, before)
	}
}

// TestEmitContextWindow: the budget counts the contexts of one hour, as
// Datadog bills them.
func TestEmitContextWindow(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{MaxContexts: 10, Now: func() time.Time { return now }})
	a := newAggregates()
	for i := range 20 {
		request(a, fmt.Sprintf("/r%d", i), "GET", parse.SourceNginx, 200, -1)
	}
	e.Emit(a, Batch{})
	if n := len(contextsOf(r.lines)["requests"]); n > 10+1 { // route:overflow is always admitted
		t.Errorf("%d request contexts, budget 10", n)
	}
	r.lines = nil
	now = now.Add(time.Hour)
	e.Emit(a, Batch{})
	if !slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasPrefix(l, "requests:1|route:/r") }) {
		t.Errorf("a new hour did not start a new budget: %q", r.lines)
	}
}

func TestEmitFlushesLargeBatches(t *testing.T) {
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{FlushEvery: 10})
	a := newAggregates()
	for i := range 35 {
		request(a, "/a", "GET", parse.SourceNginx, 200, int64(i))
	}
	e.Emit(a, Batch{})
	if want := len(r.lines) / 10; r.flushes != want {
		t.Errorf("%d flushes for %d datagrams, want %d", r.flushes, len(r.lines), want)
	}
}

func TestEnvelopes(t *testing.T) {
	r := &recorder{}
	e := NewEmitter(r, EmitterConfig{})
	a := newAggregates()
	a.Envelopes.Add(event.InputCloudWatch, metrics.EnvelopeRejected, event.ReasonGzip)
	e.Emit(a, Batch{})
	a.Reset()
	a.Envelopes.Add(event.InputKinesis, metrics.EnvelopeAccepted, event.ReasonNone)
	a.Envelopes.Add(event.InputKinesis, metrics.EnvelopeAccepted, event.ReasonNone)
	a.Events.LogGroupTagFailures = 1
	e.Emit(a, Batch{LogGroup: "/a|b", Tags: []string{"team:web"}})
	slices.Sort(r.lines)
	want := []string{
		"pipeline.envelopes:1|input:cloudwatch,result:rejected,reason:gzip|@1",
		"pipeline.envelopes:2|input:kinesis,result:accepted,log_group:/a_b|@1",
		"pipeline.log_group_tag_failures:1|log_group:/a_b|@1",
	}
	if !slices.Equal(r.lines, want) {
		t.Errorf("%q", r.lines)
	}
}

// TestCountOnlyCountsWhatIsSent: an Emitter that only counts finds the
// contexts (and the cost) of one that sends, from rows without their
// durations: Spec.contexts agrees with Spec.row for every metric.
func TestCountOnlyCountsWhatIsSent(t *testing.T) {
	fill := func(a *metrics.Aggregates) {
		for i := range 300 {
			request(a, fmt.Sprintf("/r%d", i%40), []string{"GET", "POST"}[i%2], []parse.Source{parse.SourceNginx, parse.SourceUWSGI}[i%3%2], 200+100*(i%4), int64(i*1000))
			if i%7 == 0 {
				a.Add(a.Row([]byte(fmt.Sprintf("/r%d", i%40)), []byte("GET"), nil), &parse.Record{Kind: parse.KindTimeout, Timeout: parse.TimeoutHarakiri})
			}
		}
	}
	for _, budget := range []int{0, 30} {
		var sent, counted Cost
		send := NewEmitter(&recorder{}, EmitterConfig{Cost: &sent, MaxContexts: budget, MethodTag: true})
		count := NewEmitter(Discard{}, EmitterConfig{Cost: &counted, MaxContexts: budget, MethodTag: true, CountOnly: true})
		if count.KeepsDurations() {
			t.Error("a counting emitter asks for every duration")
		}
		a, b := newAggregates(), metrics.New(metrics.Config{SlowUS: 1_000_000})
		fill(a)
		fill(b)
		send.Emit(a, Batch{LogGroup: "/web"})
		count.Emit(b, Batch{LogGroup: "/web"})
		if sent.Contexts < 50 || sent.Contexts != counted.Contexts || sent.CustomMetrics != counted.CustomMetrics {
			t.Errorf("budget %d: sent %+v, counted %+v", budget, sent, counted)
		}
	}
}

// BenchmarkEmit sends a batch of 200 rows of 20 requests each, within the
// budget: the path every Lambda invocation takes.
func BenchmarkEmit(b *testing.B) {
	a := newAggregates()
	for i := range 4000 {
		request(a, fmt.Sprintf("/r%d", i%200), "GET", parse.SourceNginx, 200+i%3*152, int64(i*100))
	}
	e := NewEmitter(Discard{}, EmitterConfig{})
	b.ReportAllocs()
	for b.Loop() {
		e.Emit(a, Batch{LogGroup: "/web"})
	}
}
