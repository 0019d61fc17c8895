package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/slowroutes/slowroutes/internal/motoserver"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/report"
)

// runCLI runs the command line and returns its exit status and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// rows counts the table rows (lines starting with a log group name) that hold word.
func rows(out, word string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "/") && strings.Contains(l, word) {
			n++
		}
	}
	return n
}

// TestAWSCommands runs subscribe and backfill against one moto_server,
// reached the way a user's shell would: AWS_ENDPOINT_URL and dummy
// credentials in the environment.
func TestAWSCommands(t *testing.T) {
	srv := motoserver.StartTB(t)
	srv.SetEnv(t)
	t.Run("subscribe", func(t *testing.T) { testSubscribeCommand(t, srv) })
	t.Run("backfill", func(t *testing.T) { testBackfillEqualsReport(t, srv) })
}

func createGroups(t *testing.T, c *cloudwatchlogs.Client, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := c.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
}

func testSubscribeCommand(t *testing.T, srv *motoserver.Server) {
	srv.Reset(t)
	logs := cloudwatchlogs.NewFromConfig(srv.Config())
	fnARN := srv.CreateFunction(t, "slowroutes-harakiri")
	createGroups(t, logs, "/shop/web", "/shop/api", "/aws/lambda/slowroutes-harakiri")
	filterNames := func(group string) []string {
		t.Helper()
		out, err := logs.DescribeSubscriptionFilters(context.Background(), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range out.SubscriptionFilters {
			names = append(names, aws.ToString(f.FilterName))
		}
		return names
	}
	base := []string{"subscribe", "--function-arn", fnARN, "--log-group-prefix", "/shop/"}

	code, out, errOut := runCLI(append(base, "--dry-run")...)
	if code != 0 || rows(out, "would create") != 2 || rows(out, "would grant") != 2 || !strings.Contains(out, "dry run") ||
		!strings.Contains(out, "?HARAKIRI") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if names := filterNames("/shop/web"); len(names) != 0 {
		t.Fatalf("dry run created filters %v", names)
	}

	code, out, errOut = runCLI(base...)
	if code != 0 || rows(out, "created") != 2 || rows(out, "granted") != 2 {
		t.Fatalf("subscribe: exit %d\n%s%s", code, out, errOut)
	}
	if diff := cmp.Diff([]string{"slowroutes-harakiri"}, filterNames("/shop/api")); diff != "" {
		t.Errorf("filters of /shop/api (-want +got):\n%s", diff)
	}

	code, out, errOut = runCLI(base...)
	if code != 0 || !strings.Contains(out, "nothing to change") || rows(out, "unchanged") != 2 {
		t.Errorf("second subscribe: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(append(base, "--format", "json")...)
	var doc subscribeDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if doc.Changed || doc.Failed != 0 || len(doc.LogGroups) != 2 || doc.LogGroups[0].Action != "unchanged" || doc.FilterName != "slowroutes-harakiri" {
		t.Errorf("third subscribe, json: %s", out)
	}

	code, out, errOut = runCLI("subscribe", "--function-arn", fnARN, "--log-group", "/aws/lambda/slowroutes-harakiri")
	if code != 1 || !strings.Contains(out, "refused") || !strings.Contains(out, "its own output") {
		t.Errorf("own log group: exit %d, want 1 and the reason\n%s%s", code, out, errOut)
	}
	if names := filterNames("/aws/lambda/slowroutes-harakiri"); len(names) != 0 {
		t.Errorf("own log group got filters %v", names)
	}

	code, out, errOut = runCLI(append(base, "--remove")...)
	if code != 0 || rows(out, "deleted") != 2 || rows(out, "revoked") != 2 || !strings.Contains(out, "slowroutes-harakiri") {
		t.Errorf("remove: exit %d\n%s%s", code, out, errOut)
	}
	if names := filterNames("/shop/web"); len(names) != 0 {
		t.Errorf("filters left after --remove: %v", names)
	}
	code, out, _ = runCLI(append(base, "--remove")...)
	if code != 0 || !strings.Contains(out, "nothing to change") {
		t.Errorf("second remove: exit %d\n%s", code, out)
	}
}

func TestSubscribeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"subscribe", "--log-group", "/x"},
		{"subscribe", "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:f"},
		{"subscribe", "--function-arn", "slowroutes-harakiri", "--log-group", "/x"},
		{"subscribe", "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:f", "--log-group-prefix", ""},
		{"subscribe", "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:f", "--log-group", "/x", "--kind", "timeouts"},
		{"subscribe", "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:f", "--log-group", "/x", "--format", "yaml"},
		{"backfill"},
		{"backfill", "--log-group", "/x", "--since", "yesterday"},
		{"backfill", "--log-group", "/x", "--since", "1h", "--until", "2h"},
		{"backfill", "--log-group", "/x", "--progress", "sometimes"},
	} {
		if code, _, errOut := runCLI(args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	for _, name := range []string{"subscribe", "backfill"} {
		code, _, errOut := runCLI(name, "--help")
		if code != 0 || !strings.Contains(errOut, "Examples:") {
			t.Errorf("%s --help: exit %d\n%s", name, code, errOut)
		}
	}
}

// captureFiles are the real server logs a backfill is checked on.
func captureFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/captures/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	return append(files, "../../testdata/captures/nginx-access.json")
}

// captureStartMS is a time before the first line of the default capture
// (testdata/captures, written 2026-11-22 from 23:30:33 UTC).
var captureStartMS = time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC).UnixMilli()

// testBackfillEqualsReport puts every line of the captures into a log
// group, one log stream per file, and checks that backfill reports exactly
// what report says of the files.
func testBackfillEqualsReport(t *testing.T, srv *motoserver.Server) {
	srv.Reset(t)
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(srv.Config())
	const group = "/captures/shop"
	createGroups(t, logs, group, "/captures/empty")
	at := time.Now().Add(-time.Hour)
	files := captureFiles(t)
	for _, f := range files {
		stream := filepath.Base(f)
		if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		// uWSGI's log goes in as a shipper that joins lines would send it:
		// three lines per event.
		var messages []string
		if stream == "uwsgi.log" {
			for i := 0; i < len(lines); i += 3 {
				messages = append(messages, strings.Join(lines[i:min(i+3, len(lines))], "\n"))
			}
		} else {
			messages = lines
		}
		// Each event is stamped as a shipper would: about when its line was
		// written (the line's own time, or the last one before it), a
		// millisecond apart, moved into the last hour.
		evs := make([]types.InputLogEvent, len(messages))
		ps := parse.NewStream(parse.Config{}, stream)
		var lineMS int64
		for i, m := range messages {
			for _, l := range strings.Split(m, "\n") {
				ps.Line([]byte(l), 0, func(r *parse.Record) { lineMS = max(lineMS, max(r.TimeUS, r.StartUS)/1000) })
			}
			ms := at.UnixMilli() + int64(i)
			if lineMS > 0 {
				ms = at.UnixMilli() + lineMS - captureStartMS
			}
			evs[i] = types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(ms)}
		}
		out, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs})
		if err != nil || out.RejectedLogEventsInfo != nil {
			t.Fatalf("putting %s: %v %+v", f, err, out)
		}
	}

	code, out, errOut := runCLI("backfill", "--format", "json", "--since", "2h", "--log-group", group, "--log-group", "/captures/empty")
	if code != 0 {
		t.Fatalf("backfill: exit %d\n%s", code, errOut)
	}
	var got report.Document
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("backfill output: %v\n%s", err, out)
	}
	code, out, errOut = runCLI(append([]string{"report", "--format", "json"}, files...)...)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	var want report.Document
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Routes) < 5 || want.Lines.Total < 1000 {
		t.Fatalf("report of the captures has %d routes, %d lines: the comparison proves little", len(want.Routes), want.Lines.Total)
	}
	// report's cost is what emit sends for its inputs; backfill reads
	// history, which no function batched.
	want.Cost = nil
	// A stream is named by its file to report and by group/stream to backfill.
	baseStreams(&want)
	baseStreams(&got)
	// The join's outcomes depend on the order records come in: report reads
	// the files in the order of their lines' times, FilterLogEvents in that
	// of the events' timestamps, which only follow them.
	joinFree := cmp.Options{
		cmpopts.IgnoreFields(report.Document{}, "Join"),
		cmpopts.IgnoreFields(report.Route{}, "TimedOutRequests", "RequestsDistinct", "TimeoutEvidence"),
		cmpopts.SortSlices(func(a, b report.Route) bool {
			return a.Route+" "+a.Method+" "+a.GraphQLOperation < b.Route+" "+b.Method+" "+b.GraphQLOperation
		}),
	}
	if diff := cmp.Diff(want, got, joinFree); diff != "" {
		t.Errorf("backfill differs from report over the same lines (-report +backfill):\n%s", diff)
	}
	// (moto_server answers FilterLogEvents stream after stream, not
	// interleaved by time as CloudWatch Logs does, so the join sees little
	// here; internal/awslogs tests the join of a backfill.)
	if got.Join == nil {
		t.Errorf("backfill ran no join")
	}

	// The table, and a log group that does not exist: reported, the rest still counted.
	code, out, errOut = runCLI("backfill", "--since", "2h", "--log-group", "/captures/nope", "--log-group", group, "--top", "3")
	if code != 1 || !strings.Contains(errOut, "/captures/nope") || !strings.Contains(out, "TIMEOUTS") || !strings.Contains(out, "more rows") {
		t.Errorf("backfill with a missing group: exit %d, want 1 and the report\n%s%s", code, out, errOut)
	}
}

// pagedEvents serves one page of events, then blocks the next page until
// its context ends, as a long backfill interrupted by Ctrl-C would.
type pagedEvents struct {
	first  []types.FilteredLogEvent
	cancel context.CancelFunc
	calls  int
}

func (p *pagedEvents) FilterLogEvents(ctx context.Context, _ *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	p.calls++
	if p.calls == 1 {
		return &cloudwatchlogs.FilterLogEventsOutput{Events: p.first, NextToken: aws.String("page-2")}, nil
	}
	p.cancel() // the Ctrl-C
	<-ctx.Done()
	return nil, errors.Join(errors.New("operation error CloudWatch Logs: FilterLogEvents"), ctx.Err())
}

func TestBackfillInterruptedPrintsWhatWasRead(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts := time.Date(2026, 11, 22, 23, 30, 34, 0, time.UTC)
	msg := `127.0.0.1 - - [22/Nov/2026:23:30:34 +0000] "GET /reports/17/export HTTP/1.1" 504 167 "-" "slowroutes-capture/1.0" 1.000 1.001`
	fake := &pagedEvents{cancel: cancel, first: []types.FilteredLogEvent{
		{LogStreamName: aws.String("nginx-access"), Message: aws.String(msg), Timestamp: aws.Int64(ts.UnixMilli())},
		{LogStreamName: aws.String("nginx-access"), Message: aws.String(msg), Timestamp: aws.Int64(ts.UnixMilli())},
	}}
	o := backfillOptions{groups: []string{"/shop/nginx", "/shop/other"}, since: ts.Add(-time.Hour), until: ts.Add(time.Hour), out: jsonOutput()}
	var stdout, stderr bytes.Buffer
	code := backfill(ctx, o, fake, &stdout, &stderr)
	if code != 130 || !strings.Contains(stderr.String(), "interrupted") || !strings.Contains(stderr.String(), "2 events") {
		t.Errorf("exit %d, want 130 and a note\n%s", code, stderr.String())
	}
	if fake.calls != 2 {
		t.Errorf("%d FilterLogEvents calls, want 2 (none for the second group)", fake.calls)
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("report after the interruption: %v\n%s", err, stdout.String())
	}
	if doc.Lines.Total != 2 || len(doc.Routes) != 1 || doc.Routes[0].Timeouts["nginx_504"] != 2 {
		t.Errorf("report after the interruption: %+v, want the 2 lines read", doc)
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"720h":                      now.Add(-720 * time.Hour),
		"90m":                       now.Add(-90 * time.Minute),
		"30d":                       now.AddDate(0, 0, -30),
		"0s":                        now,
		"2026-11-01T00:00:00Z":      time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T01:00:00+01:00": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-1h", "2026-11-01", "1.5d"} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("parseWhen(%q) accepted it", bad)
		}
	}
}

// baseStreams names the streams of a document by the last part of their
// names, in that order.
func baseStreams(d *report.Document) {
	for i := range d.Workers {
		d.Workers[i].Stream = path.Base(d.Workers[i].Stream)
	}
	for i := range d.Findings {
		if d.Findings[i].Stream != "" {
			d.Findings[i].Stream = path.Base(d.Findings[i].Stream)
		}
	}
	sort.Slice(d.Workers, func(i, j int) bool { return d.Workers[i].Stream < d.Workers[j].Stream })
}

// jsonOutput is the output of --format json and the other defaults.
func jsonOutput() *outputFlags {
	format, groupBy, baseline, top := "json", "route", "", 25
	return &outputFlags{format: &format, groupBy: &groupBy, baseline: &baseline, top: &top, th: report.DefaultThresholds}
}
