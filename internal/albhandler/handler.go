// Package albhandler is the Lambda handler of the albaccess function: it
// takes the S3 ObjectCreated events of load balancer access-log objects,
// streams and gunzips each object through the pipeline — one pipeline per
// target group — and emits the metric contract with a target_group tag. It
// keeps only what is Lambda's and S3's: decoding the event, dropping
// objects seen before, emitting an object's facts once it is read whole.
package albhandler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/internal/lambdahandler/recent"
	"github.com/slowroutes/slowroutes/internal/s3logs"
	"github.com/slowroutes/slowroutes/internal/tag"
	"github.com/slowroutes/slowroutes/parse"
	"github.com/slowroutes/slowroutes/pipeline"
)

// Options configures a Handler.
type Options struct {
	Pipeline pipeline.Config
	Emitter  dogstatsd.EmitterConfig
	// S3 reads the objects.
	S3 s3logs.Client
	// MaxTargetGroups bounds the target groups counted apart (each with a
	// pipeline of its own); entries of the others share one tagged
	// target_group:overflow. DefaultMaxTargetGroups when zero.
	MaxTargetGroups int
	// RecentObjects is how many objects are remembered to drop the events
	// S3 delivers twice (DefaultRecentObjects when zero).
	RecentObjects int
	// OnInvocation, if set, sees what each invocation did (for logging).
	OnInvocation func(context.Context, Summary)
}

// Defaults of Options.
const (
	DefaultMaxTargetGroups = 64
	DefaultRecentObjects   = 1024
)

// TagTargetGroup is the tag key of the target group's name.
const TagTargetGroup = "target_group"

// Summary says what one invocation did.
type Summary struct {
	RequestID  string
	Objects    int // objects read and emitted
	Duplicates int // objects skipped as already counted
	Ignored    int // records that are no ObjectCreated event
	Lines      int64
	Datagrams  int64
	Err        error
}

// ErrNotS3Event is returned for an event without S3 records.
var ErrNotS3Event = errors.New("not an S3 event")

// Handler handles S3 events (Handle). It is safe for concurrent use,
// though Lambda invokes it one event at a time.
type Handler struct {
	mu     sync.Mutex
	opt    Options
	em     *dogstatsd.Emitter
	groups map[string]*group
	order  []*group            // in creation order, for a deterministic emit
	seen   *recent.Set[string] // objects read, by bucket, key, ETag and sequencer
	lines  s3logs.Lines
	sum    Summary
}

// group is the pipeline of one target group and its tags.
type group struct {
	p      *pipeline.Pipeline
	stream *pipeline.Stream
	tags   []string
}

// New returns a Handler that emits through c.
func New(c dogstatsd.Client, opt Options) *Handler {
	if opt.MaxTargetGroups <= 0 {
		opt.MaxTargetGroups = DefaultMaxTargetGroups
	}
	if opt.RecentObjects <= 0 {
		opt.RecentObjects = DefaultRecentObjects
	}
	em := dogstatsd.NewEmitter(c, opt.Emitter)
	opt.Pipeline.KeepDurations = em.KeepsDurations()
	return &Handler{opt: opt, em: em, groups: map[string]*group{}, seen: recent.New[string](opt.RecentObjects)}
}

// Handle handles one S3 event, as lambda.Start(h.Handle) decodes it. Each
// object is read whole before its facts are emitted: one that cannot be
// read fails the invocation before anything of it is sent, so that Lambda
// retries it (the objects before it, already emitted, are then skipped as
// duplicates by this container).
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sum = Summary{}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		h.sum.RequestID = lc.AwsRequestID
	}
	sent := h.em.Sent
	err := h.event(ctx, ev)
	_ = h.em.Flush() // the sandbox freezes as soon as the handler returns
	h.sum.Datagrams, h.sum.Err = h.em.Sent-sent, err
	if h.opt.OnInvocation != nil {
		h.opt.OnInvocation(ctx, h.sum)
	}
	return err
}

func (h *Handler) event(ctx context.Context, ev events.S3Event) error {
	if len(ev.Records) == 0 {
		return ErrNotS3Event
	}
	for _, rec := range ev.Records {
		if rec.EventSource != "aws:s3" || !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			h.sum.Ignored++
			continue
		}
		// Keys are URL-encoded in S3 events, a space as "+".
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			return fmt.Errorf("object key %q: %w", rec.S3.Object.Key, err)
		}
		bucket := rec.S3.Bucket.Name
		id := bucket + "/" + key + "\x00" + rec.S3.Object.ETag + "\x00" + rec.S3.Object.Sequencer
		if h.seen.Has(id) {
			h.sum.Duplicates++
			continue
		}
		if err := h.object(ctx, bucket, key); err != nil {
			return err
		}
		h.seen.Add(id)
		h.sum.Objects++
	}
	return nil
}

// object reads one object into the target groups' pipelines and emits it;
// on an error, what it counted is forgotten.
func (h *Handler) object(ctx context.Context, bucket, key string) error {
	var eventMS int64
	if end, ok := s3logs.KeyTime(key); ok {
		eventMS = end.UnixMilli() // for the lag: the end of the object's five minutes
	}
	name := "s3://" + bucket
	_, err := h.lines.Object(ctx, h.opt.S3, bucket, key, func(line []byte) {
		g := h.group(parse.ALBTargetGroup(line), name)
		g.p.Line(g.stream, line, eventMS)
	}, func() {
		h.group(nil, name).p.LineTooLong()
	})
	for _, g := range h.order {
		agg := g.p.Aggregates()
		if err == nil && agg.Lines.Total() > 0 {
			h.sum.Lines += agg.Lines.Total()
			h.em.Emit(agg, dogstatsd.Batch{Tags: g.tags})
		}
		agg.Reset()
	}
	return err
}

// group returns the pipeline of a target group, made on first use.
func (h *Handler) group(tg []byte, stream string) *group {
	if g, ok := h.groups[string(tg)]; ok {
		return g
	}
	name := string(tg)
	var tags []string
	switch {
	case len(h.groups) >= h.opt.MaxTargetGroups:
		name = "\x00overflow"
		if g, ok := h.groups[name]; ok {
			return g
		}
		tags = []string{tag.Make(TagTargetGroup, "overflow")}
	case name != "":
		tags = []string{tag.Make(TagTargetGroup, name)}
	}
	p := pipeline.New(h.opt.Pipeline)
	g := &group{p: p, stream: p.Stream(nil, []byte(stream)), tags: tags}
	h.groups[name] = g
	h.order = append(h.order, g)
	return g
}
