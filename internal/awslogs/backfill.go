package awslogs

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/slowroutes/slowroutes/pipeline"
)

// Progress is how far a backfill has come.
type Progress struct {
	// Pages, Events and Bytes (of messages) count over all log groups.
	Pages  int64
	Events int64
	Bytes  int64
	// LogGroup is the log group being read and Latest the timestamp of its
	// latest event read so far (events come in time order).
	LogGroup string
	Latest   time.Time
}

// Backfill reads the history of log groups with FilterLogEvents and feeds
// every event to a pipeline, one stream per log group and log stream
// ("group/stream"), as the subscription delivery would. It holds one page
// of events at a time, however long the range.
type Backfill struct {
	Logs     cloudwatchlogs.FilterLogEventsAPIClient
	Pipeline *pipeline.Pipeline
	// Start and End bound event timestamps (End inclusive, zero: now).
	Start, End time.Time
	// FilterPattern, if set, keeps only the events it matches.
	FilterPattern string
	// PageSize caps events per page (0: the service's default, 10,000).
	PageSize int32
	// OnPage, if set, is called after every page.
	OnPage func(Progress)

	progress Progress
	group    []byte
	name     []byte
	msg      []byte
}

// Progress returns how far the backfill has come over all log groups.
func (b *Backfill) Progress() Progress { return b.progress }

// LogGroup feeds the events of one log group. When ctx ends it stops after
// the events already read and returns ctx's error: what was fed stays in
// the pipeline.
func (b *Backfill) LogGroup(ctx context.Context, logGroup string) error {
	b.progress.Latest = time.Time{}
	var failure error
	if err := b.LogGroups(ctx, []string{logGroup}, func(_ string, err error) { failure = err }); err != nil {
		return err
	}
	return failure
}

// event feeds one log event to the stream of its log group and log stream,
// as a subscription delivery would.
func (b *Backfill) event(logGroup, logStream, message string, ts int64) {
	b.group = append(b.group[:0], logGroup...)
	b.name = append(b.name[:0], logStream...)
	s := b.Pipeline.Stream(b.group, b.name)
	b.msg = append(b.msg[:0], message...)
	b.progress.Events++
	b.progress.Bytes += int64(len(b.msg))
	b.Pipeline.Message(s, b.msg, ts)
}

// paginator reads the events of one log group in the backfill's range.
func (b *Backfill) paginator(logGroup string) *cloudwatchlogs.FilterLogEventsPaginator {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(logGroup),
		StartTime:    aws.Int64(b.Start.UnixMilli()),
	}
	if !b.End.IsZero() {
		in.EndTime = aws.Int64(b.End.UnixMilli())
	}
	if b.FilterPattern != "" {
		in.FilterPattern = aws.String(b.FilterPattern)
	}
	return cloudwatchlogs.NewFilterLogEventsPaginator(b.Logs, in, func(o *cloudwatchlogs.FilterLogEventsPaginatorOptions) {
		o.Limit = b.PageSize
		o.StopOnDuplicateToken = true
	})
}
