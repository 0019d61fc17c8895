package awslogs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

// putEvents writes messages to a log stream (created if need be), one
// millisecond apart from at.
func (e *awsEnv) putEvents(tb testing.TB, group, stream string, at time.Time, messages ...string) {
	tb.Helper()
	ctx := testContext(tb)
	c := cloudwatchlogs.NewFromConfig(e.srv.Config())
	_, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)})
	var exists *types.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		tb.Fatalf("creating log stream %s/%s: %v", group, stream, err)
	}
	evs := make([]types.InputLogEvent, len(messages))
	for i, m := range messages {
		evs[i] = types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(at.Add(time.Duration(i) * time.Millisecond).UnixMilli())}
	}
	out, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs})
	if err != nil {
		tb.Fatalf("putting events into %s/%s: %v", group, stream, err)
	}
	if r := out.RejectedLogEventsInfo; r != nil {
		tb.Fatalf("events rejected by %s/%s: %+v", group, stream, r)
	}
}

func linesTotal(p *pipeline.Pipeline) int64 {
	return report.Build(p.Aggregates()).Lines.Total
}

func TestBackfillPagesAndSplitsEvents(t *testing.T) {
	e := newAWSEnv(t)
	e.createGroups(t, "/ecs/web")
	now := time.Now()
	var a []string
	for i := range 23 {
		a = append(a, fmt.Sprintf("[pid: 6845|app: 0|req: %d/%d] 127.0.0.1 () {34 vars in 480 bytes} [Sun Nov 22 23:30:30 2026] GET /items/%d => generated 2 bytes in 101 msecs (HTTP/1.1 200) 2 headers in 79 bytes (1 switches on core 0)", i+1, i+1, i))
	}
	e.putEvents(t, "/ecs/web", "a", now.Add(-time.Hour), a...)
	// A shipper that joined lines: three lines, a trailing newline, an empty line inside.
	e.putEvents(t, "/ecs/web", "b", now.Add(-50*time.Minute), "one\ntwo\nthree\n", "four\n\nsix")
	// Outside the range.
	e.putEvents(t, "/ecs/web", "old", now.Add(-3*time.Hour), "too old", "too old too")

	p := pipeline.New(pipeline.Config{})
	var pages []Progress
	b := &Backfill{Logs: e.logs, Pipeline: p, Start: now.Add(-2 * time.Hour), End: now, PageSize: 10,
		OnPage: func(pr Progress) { pages = append(pages, pr) }}
	if err := b.LogGroup(testContext(t), "/ecs/web"); err != nil {
		t.Fatal(err)
	}
	pr := b.Progress()
	if pr.Events != 25 || pr.Pages != 3 || len(pages) != 3 || e.logs.n("FilterLogEvents") != 3 {
		t.Errorf("progress %+v after %d pages, %d calls; want 25 events in 3 pages of 10", pr, len(pages), e.logs.n("FilterLogEvents"))
	}
	if pr.Latest.Before(now.Add(-51*time.Minute)) || pr.Latest.After(now) {
		t.Errorf("latest event %s, want about %s", pr.Latest, now.Add(-50*time.Minute))
	}
	if got, want := linesTotal(p), int64(23+3+3); got != want {
		t.Errorf("pipeline saw %d lines, want %d", got, want)
	}
	d := report.Build(p.Aggregates())
	if len(d.Routes) != 1 || d.Routes[0].Route != "/items/:id" || d.Routes[0].Requests["uwsgi"] != 23 {
		t.Errorf("routes = %+v, want /items/:id with 23 uWSGI requests", d.Routes)
	}
}

func TestBackfillStopsWhenCancelled(t *testing.T) {
	e := newAWSEnv(t)
	e.createGroups(t, "/ecs/web")
	now := time.Now()
	var msgs []string
	for i := range 30 {
		msgs = append(msgs, fmt.Sprintf("line %d", i))
	}
	e.putEvents(t, "/ecs/web", "a", now.Add(-time.Hour), msgs...)
	ctx, cancel := context.WithCancel(testContext(t))
	p := pipeline.New(pipeline.Config{})
	b := &Backfill{Logs: e.logs, Pipeline: p, Start: now.Add(-2 * time.Hour), PageSize: 10, OnPage: func(Progress) { cancel() }}
	err := b.LogGroup(ctx, "/ecs/web")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LogGroup = %v, want context.Canceled", err)
	}
	if pr := b.Progress(); pr.Pages != 1 || pr.Events != 10 || linesTotal(p) != 10 {
		t.Errorf("after cancelling on the first page: %+v, %d lines; want what that page held (10)", pr, linesTotal(p))
	}
}

func TestBackfillMissingLogGroup(t *testing.T) {
	e := newAWSEnv(t)
	b := &Backfill{Logs: e.logs, Pipeline: pipeline.New(pipeline.Config{}), Start: time.Now().Add(-time.Hour)}
	err := b.LogGroup(testContext(t), "/ecs/nope")
	if err == nil || !strings.Contains(err.Error(), "/ecs/nope") || errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("LogGroup of a missing group = %v, want a ResourceNotFoundException naming it", err)
	}
}
