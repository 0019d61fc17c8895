package awslogs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// groupReader is where LogGroups is in one log group.
type groupReader struct {
	group string
	p     *cloudwatchlogs.FilterLogEventsPaginator
	page  []types.FilteredLogEvent
	i     int
}

// LogGroups feeds the events of several log groups merged in timestamp
// order (FilterLogEvents gives each group's in that order), as if read side
// by side: the pipeline's join then sees the records every server wrote
// about a request together, when nginx ships to one log group and the app
// servers to another. It holds one page of each group. A group that cannot
// be read is handed to failed and left out; the others go on. When ctx
// ends it feeds the events of the pages already read and returns ctx's
// error.
func (b *Backfill) LogGroups(ctx context.Context, groups []string, failed func(group string, err error)) error {
	var rs []*groupReader
	for _, g := range groups {
		rs = append(rs, &groupReader{group: g, p: b.paginator(g)})
	}
	// refill fetches r's next non-empty page; false when r is done or
	// failed, or ctx has ended (then the pages held are still fed).
	var stopped error
	refill := func(r *groupReader) bool {
		for stopped == nil && r.p.HasMorePages() {
			page, err := r.p.NextPage(ctx)
			if err != nil {
				if ctx.Err() != nil {
					stopped = ctx.Err()
					return false
				}
				failed(r.group, fmt.Errorf("reading log group %s: %w", r.group, err))
				return false
			}
			b.progress.Pages++
			b.progress.LogGroup = r.group
			if b.OnPage != nil {
				b.OnPage(b.progress)
			}
			if len(page.Events) > 0 {
				r.page, r.i = page.Events, 0
				return true
			}
		}
		return false
	}
	live := rs[:0]
	for _, r := range rs {
		if refill(r) {
			live = append(live, r)
		}
	}
	for len(live) > 0 {
		k := 0
		for i, r := range live {
			if aws.ToInt64(r.page[r.i].Timestamp) < aws.ToInt64(live[k].page[live[k].i].Timestamp) {
				k = i
			}
		}
		r := live[k]
		ev := &r.page[r.i]
		ms := aws.ToInt64(ev.Timestamp)
		b.event(r.group, aws.ToString(ev.LogStreamName), aws.ToString(ev.Message), ms)
		if ts := time.UnixMilli(ms); ts.After(b.progress.Latest) {
			b.progress.Latest = ts
		}
		if r.i++; r.i < len(r.page) {
			continue
		}
		if stopped == nil && ctx.Err() != nil {
			stopped = ctx.Err()
		}
		if !refill(r) {
			live = append(live[:k], live[k+1:]...)
		}
	}
	return stopped
}
