package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/slowroutes/slowroutes/internal/awslogs"
	"github.com/slowroutes/slowroutes/internal/settings"
	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

const backfillSynopsis = `Usage: slowroutes backfill --log-group NAME [--log-group NAME ...] [--since WHEN] [--until WHEN] [flags]

Reads the history of CloudWatch Logs log groups (FilterLogEvents, paginated,
waiting out throttling) and ranks the worst routes exactly as
'slowroutes report' does: same pipeline flags, same table, same JSON. Each log
stream is a stream of its own ("group/stream"). Events are processed page by
page, so memory stays bounded however long the range.

WHEN is a duration ago (90m, 720h, 30d) or an RFC 3339 time
(2026-11-01T00:00:00Z). Credentials and region come from the standard AWS
chain (AWS_PROFILE, AWS_REGION, ...; AWS_ENDPOINT_URL points it at another
endpoint).

On a terminal, progress (events, bytes, time covered, rate) goes to stderr.
Ctrl-C stops reading and prints the report of what was read (exit status 130).`

const backfillExamples = `  # the worst routes of the last 30 days
  slowroutes backfill --log-group /ecs/shop-web --log-group /ecs/shop-nginx --since 720h
  # one week in November, as JSON
  slowroutes backfill --format json --log-group /ecs/shop-web --since 2026-11-01T00:00:00Z --until 2026-11-08T00:00:00Z > week.json
  # only the timeout lines, counted from 2 hours ago until 1 hour ago
  slowroutes backfill --log-group /ecs/shop-web --since 2h --until 1h --filter-pattern '?HARAKIRI ?"upstream timed out"'
  # another region, no progress line, report flags as for 'slowroutes report'
  slowroutes backfill --region eu-west-1 --progress never --slow 500ms --routes routes.txt --top 0 --log-group /ecs/shop-web
`

// backfillOptions are the parsed flags of backfill.
type backfillOptions struct {
	groups        []string
	since, until  time.Time
	filterPattern string
	out           *outputFlags
	progress      bool
	pipeline      pipeline.Config
}

func runBackfill(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("backfill", backfillSynopsis, backfillExamples, stderr)
	sf := settings.Register(fs, settings.ScopePipeline)
	var groups stringList
	fs.Var(&groups, "log-group", "log group `NAME` to read, e.g. /ecs/shop-web (repeatable)")
	since := fs.String("since", "720h", "read events from `WHEN`: a duration ago (720h, 30d) or an RFC 3339 time")
	until := fs.String("until", "", "read events up to `WHEN`: a duration ago (1h) or an RFC 3339 time (default: now)")
	filterPattern := fs.String("filter-pattern", "", "read only the events matching this CloudWatch Logs filter `PATTERN`, e.g. '?HARAKIRI ?\"WORKER TIMEOUT\"'")
	outFlags := addOutputFlags(fs)
	progress := fs.String("progress", "auto", "`MODE` of the progress line on stderr: auto (when stderr is a terminal), always or never")
	region := fs.String("region", "", "AWS `REGION` of the log groups, e.g. eu-west-1 (default: the configured region)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	usageErr := usageError(stderr, "backfill")
	now := time.Now()
	o := backfillOptions{groups: groups, filterPattern: *filterPattern, out: outFlags}
	switch {
	case len(pos) > 0:
		return usageErr("unexpected argument %q (log groups are given with --log-group)", pos[0])
	case len(groups) == 0:
		return usageErr("give at least one --log-group NAME")
	}
	if err := outFlags.check(); err != nil {
		return usageErr("%v", err)
	}
	var err error
	if o.since, err = parseWhen(*since, now); err != nil {
		return usageErr("--since: %v", err)
	}
	o.until = now
	if *until != "" {
		if o.until, err = parseWhen(*until, now); err != nil {
			return usageErr("--until: %v", err)
		}
	}
	if !o.since.Before(o.until) {
		return usageErr("--since (%s) must be before --until (%s)", o.since.Format(time.RFC3339), o.until.Format(time.RFC3339))
	}
	if o.progress, err = parseProgress(*progress, stderr); err != nil {
		return usageErr("%v", err)
	}
	sc, err := sf.Config()
	if err != nil {
		return usageErr("%v", err)
	}
	o.pipeline = sc.Pipeline
	o.pipeline.Join = &join.Config{}
	o.pipeline.Timeline = true

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := awslogs.LoadConfig(ctx, *region)
	if err != nil {
		fmt.Fprintf(stderr, "slowroutes backfill: %v\n", err)
		return 1
	}
	return backfill(ctx, o, cloudwatchlogs.NewFromConfig(cfg), stdout, stderr)
}

// backfill reads the log groups and prints the report. When ctx ends
// (Ctrl-C) it prints the report of what was read and returns 130.
func backfill(ctx context.Context, o backfillOptions, logs cloudwatchlogs.FilterLogEventsAPIClient, stdout, stderr io.Writer) int {
	p := pipeline.New(o.pipeline)
	b := &awslogs.Backfill{Logs: logs, Pipeline: p, Start: o.since, End: o.until, FilterPattern: o.filterPattern}
	var meter *progressMeter
	if o.progress {
		meter = &progressMeter{statusLine: statusLine{w: stderr, start: time.Now()}, since: o.since, until: o.until, groups: len(o.groups)}
		b.OnPage = meter.page
	}
	status := 0
	// The log groups are read side by side, in timestamp order, so that the
	// join sees the records every server wrote about a request together.
	err := b.LogGroups(ctx, o.groups, func(_ string, err error) {
		meter.clear()
		fmt.Fprintf(stderr, "slowroutes backfill: %v\n", err)
		status = 1
	})
	interrupted := err != nil && ctx.Err() != nil
	meter.finish(b.Progress())
	if interrupted {
		pr := b.Progress()
		upTo := "nothing read yet"
		if !pr.Latest.IsZero() {
			upTo = "events up to " + pr.Latest.UTC().Format(time.RFC3339) + " of " + pr.LogGroup
		}
		fmt.Fprintf(stderr, "slowroutes backfill: interrupted: the report covers %d events read so far (%s)\n", pr.Events, upTo)
		status = 130
	}
	p.Close()
	doc := report.Build(p.Aggregates())
	if err := o.out.write(doc, stdout); err != nil {
		fmt.Fprintf(stderr, "slowroutes backfill: %v\n", err)
		return 1
	}
	return status
}

// parseWhen parses a duration ago (Go syntax, plus a whole number of days
// "30d") or an RFC 3339 time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration ago must not be negative", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration ago (720h, 30d) nor an RFC 3339 time (2026-11-01T00:00:00Z)", s)
	}
	return t, nil
}

// progressMeter shows how far the backfill has come.
type progressMeter struct {
	statusLine
	since, until time.Time
	groups       int
}

func (m *progressMeter) page(pr awslogs.Progress) {
	if now := time.Now(); m.due(now) {
		m.show(pr, now)
	}
}

func (m *progressMeter) show(pr awslogs.Progress, now time.Time) {
	covered := "-"
	if !pr.Latest.IsZero() {
		covered = pr.Latest.UTC().Format("2006-01-02 15:04")
		if span := m.until.Sub(m.since); span > 0 {
			covered += fmt.Sprintf(" (%.0f%%)", 100*float64(pr.Latest.Sub(m.since))/float64(span))
		}
	}
	// Every group is read at once: the count is of groups being read.
	m.printf("%s [%d/%d]: %d events, %.1f MB, up to %s, %.0f events/s",
		pr.LogGroup, m.groups, m.groups, pr.Events, float64(pr.Bytes)/1e6, covered, m.perSecond(pr.Events, now))
}

// clear erases the status line before another message.
func (m *progressMeter) clear() {
	if m != nil {
		m.statusLine.clear()
	}
}

// finish leaves the final counts on their own line.
func (m *progressMeter) finish(pr awslogs.Progress) {
	if m == nil || pr.Pages == 0 {
		return
	}
	m.show(pr, time.Now())
	m.end()
}
