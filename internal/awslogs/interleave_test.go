package awslogs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/slowroutes/slowroutes/join"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
)

// fakeLogs serves FilterLogEvents from memory, a few events a page, each
// log group's events in timestamp order as CloudWatch Logs gives them.
type fakeLogs struct {
	groups map[string][]types.FilteredLogEvent
	fail   string // a log group that answers with an error
}

func (f *fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	g := aws.ToString(in.LogGroupName)
	if g == f.fail {
		return nil, errors.New("AccessDeniedException")
	}
	evs := f.groups[g]
	from := 0
	if in.NextToken != nil {
		from, _ = strconv.Atoi(*in.NextToken)
	}
	to := min(from+7, len(evs))
	out := &cloudwatchlogs.FilterLogEventsOutput{Events: evs[from:to]}
	if to < len(evs) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

// captureEvents turns a capture file into log events of one stream, each
// stamped with the time of its line (or of the line before it).
func captureEvents(t *testing.T, path, stream string) []types.FilteredLogEvent {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := parse.NewStream(parse.Config{}, stream)
	var evs []types.FilteredLogEvent
	var ms int64
	for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		s.Line(line, 0, func(r *parse.Record) {
			if t := max(r.TimeUS, r.StartUS) / 1000; t > ms {
				ms = t
			}
		})
		evs = append(evs, types.FilteredLogEvent{Message: aws.String(string(line)), LogStreamName: aws.String(stream), Timestamp: aws.Int64(ms)})
	}
	return evs
}

// TestLogGroupsSideBySide: nginx's logs in one log group and uWSGI's in
// another (real lines of the incident capture's uwsgi-noids setup): read
// side by side, every request they both logged is one; read one group after
// the other, the join sees them too far apart.
func TestLogGroupsSideBySide(t *testing.T) {
	dir := "../../testdata/captures/incidents/uwsgi-noids/"
	logs := &fakeLogs{groups: map[string][]types.FilteredLogEvent{
		"/ecs/nginx": captureEvents(t, dir+"nginx-access.log", "nginx-access"),
		"/ecs/web":   captureEvents(t, dir+"uwsgi.log", "uwsgi"),
	}, fail: "/ecs/denied"}
	run := func(side bool) (pipeline.Pipeline, []string) {
		p := pipeline.New(pipeline.Config{Join: &join.Config{}})
		b := &Backfill{Logs: logs, Pipeline: p, Start: time.UnixMilli(0)}
		var failed []string
		groups := []string{"/ecs/nginx", "/ecs/denied", "/ecs/web"}
		if side {
			if err := b.LogGroups(context.Background(), groups, func(g string, err error) { failed = append(failed, g) }); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, g := range groups {
				if err := b.LogGroup(context.Background(), g); err != nil {
					failed = append(failed, g)
				}
			}
		}
		p.Close()
		return *p, failed
	}
	side, failed := run(true)
	if len(failed) != 1 || failed[0] != "/ecs/denied" {
		t.Errorf("failed groups %v", failed)
	}
	one, _ := run(false)
	a, b := side.Aggregates(), one.Aggregates()
	if a.Lines != b.Lines {
		t.Errorf("lines differ:\n%+v\n%+v", a.Lines, b.Lines)
	}
	// uwsgi.log serves 34 of the 47 requests nginx logged (the rest went
	// to the threaded instance, not shipped here).
	if n := a.Join.ByTime + a.Join.Unmatched; n != 47 {
		t.Errorf("side by side: %+v, want 47 requests", a.Join)
	}
	if n := b.Join.ByTime + b.Join.Unmatched; n < 47+15 {
		t.Errorf("one group after the other: %+v, want most requests apart", b.Join)
	}
}
