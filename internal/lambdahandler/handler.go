// Package lambdahandler is the Lambda handler both functions share: it
// takes the raw bytes of a CloudWatch Logs subscription event (or of a
// Kinesis event carrying the same payloads), feeds each delivery to the
// pipeline and emits the batch's metrics as DogStatsD distributions. It
// keeps only what is Lambda's: dropping duplicate deliveries, deadlines,
// partial batch responses and the count of envelopes.
package lambdahandler

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/event"
	"github.com/slowroutes/slowroutes/internal/lambdahandler/recent"
	"github.com/slowroutes/slowroutes/internal/loggrouptags"
	"github.com/slowroutes/slowroutes/metrics"
	"github.com/slowroutes/slowroutes/pipeline"
)

// Options configures a Handler.
type Options struct {
	// Pipeline configures the pipeline; MaxStreams defaults to DefaultMaxStreams.
	Pipeline pipeline.Config
	Emitter  dogstatsd.EmitterConfig
	// RecentBatches is how many deliveries are remembered to drop
	// duplicates (DefaultRecentBatches when zero).
	RecentBatches int
	// DeadlineReserve is the time left before the deadline under which no
	// further batch is started (DefaultDeadlineReserve when zero).
	DeadlineReserve time.Duration
	// OnInvocation, if set, sees what each invocation did (for logging).
	OnInvocation func(context.Context, Summary)
	// LogGroupTags, if set, gives the tags of a log group (its AWS tags,
	// mapped to DogStatsD tags) to put on every metric of its batches.
	LogGroupTags LogGroupTagger
}

// LogGroupTagger reads a log group's tags (loggrouptags.Cache). Tags never
// fails: on any error it returns none and counts it in Stats().Failures.
type LogGroupTagger interface {
	Tags(ctx context.Context, owner, logGroup string) []string
	Stats() loggrouptags.Stats
}

// Defaults of Options.
const (
	// DefaultMaxStreams bounds the log streams whose multi-line state a
	// container keeps; the least recently used is settled and forgotten first.
	DefaultMaxStreams      = 1024
	DefaultDeadlineReserve = 250 * time.Millisecond
	DefaultRecentBatches   = 4096
)

// Summary says what one invocation did.
type Summary struct {
	RequestID  string
	Input      string // "cloudwatch" or "kinesis"
	Batches    int    // payloads counted
	Control    int    // CONTROL_MESSAGE payloads acknowledged
	Duplicates int    // payloads skipped as already counted
	Rejected   int    // payloads that did not decode
	Retried    int    // Kinesis records left for a retry (rejected or out of time)
	Lines      int64
	Datagrams  int64
	Err        error // the error returned, if any
}

// ErrDeadline is returned when too little time is left to process an event.
var ErrDeadline = errors.New("too close to the invocation deadline")

// Handler is a lambda.Handler. It is safe for concurrent use, though Lambda
// invokes it one event at a time.
type Handler struct {
	mu  sync.Mutex
	opt Options
	p   *pipeline.Pipeline
	dec event.Decoder
	em  *dogstatsd.Emitter
	// seen holds the deliveries counted, known by a 64-bit hash of their
	// base64 data.
	seen *recent.Set[uint64]
	seed maphash.Seed
	sum  Summary
}

var _ lambda.Handler = (*Handler)(nil)

// New returns a Handler that emits through c.
func New(c dogstatsd.Client, opt Options) *Handler {
	if opt.Pipeline.MaxStreams <= 0 {
		opt.Pipeline.MaxStreams = DefaultMaxStreams
	}
	if opt.DeadlineReserve <= 0 {
		opt.DeadlineReserve = DefaultDeadlineReserve
	}
	if opt.RecentBatches <= 0 {
		opt.RecentBatches = DefaultRecentBatches
	}
	h := &Handler{opt: opt, em: dogstatsd.NewEmitter(c, opt.Emitter),
		seen: recent.New[uint64](opt.RecentBatches), seed: maphash.MakeSeed()}
	pc := opt.Pipeline
	pc.KeepDurations = h.em.KeepsDurations()
	h.p = pipeline.New(pc)
	return h
}

var nullResponse = []byte("null")

// Invoke handles one Lambda event: CloudWatch Logs ({"awslogs":...}) or
// Kinesis ({"Records":...}). A CloudWatch Logs event that does not decode
// fails before any of its facts is emitted, so that Lambda retries it and
// then hands it to the on-failure destination; once facts are emitted it
// never fails (a retry would count them twice). A Kinesis event answers
// with a partial batch response naming the first record not counted.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sum = Summary{}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		h.sum.RequestID = lc.AwsRequestID
	}
	sent := h.em.Sent
	var (
		resp []byte
		err  error
	)
	if shape := event.ShapeOf(payload); shape == event.ShapeKinesis {
		resp, err = h.kinesis(ctx, payload)
	} else {
		resp, err = h.cloudwatch(ctx, shape, payload)
	}
	// The sandbox freezes as soon as the handler returns.
	_ = h.em.Flush()
	h.sum.Datagrams, h.sum.Err = h.em.Sent-sent, err
	if h.opt.OnInvocation != nil {
		h.opt.OnInvocation(ctx, h.sum)
	}
	return resp, err
}

func (h *Handler) timeLeft(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < h.opt.DeadlineReserve {
		return ErrDeadline
	}
	return nil
}

// cloudwatch handles what is not a Kinesis event, of the shape ShapeOf
// told: a decoded payload is no Lambda event either.
func (h *Handler) cloudwatch(ctx context.Context, shape event.Shape, payload []byte) ([]byte, error) {
	h.sum.Input = event.InputCloudWatch.String()
	if err := h.timeLeft(ctx); err != nil {
		return nil, err
	}
	if shape != event.ShapeCloudWatch {
		return nil, h.reject(event.InputCloudWatch, event.ErrNotEvent)
	}
	dels, err := h.dec.Split(payload)
	if err != nil {
		return nil, h.reject(event.InputCloudWatch, err)
	}
	if err := h.delivery(ctx, &dels[0]); err != nil {
		return nil, fmt.Errorf("rejected %s event: %w", event.InputCloudWatch, err)
	}
	return nullResponse, nil
}

// delivery counts one delivery unless it was counted before. Nothing of
// it is counted when it returns an error (but the rejection).
func (h *Handler) delivery(ctx context.Context, d *event.Delivery) error {
	key := maphash.Bytes(h.seed, d.Data)
	if h.seen.Has(key) {
		h.sum.Duplicates++
		h.p.Envelope(d.Input, metrics.EnvelopeDuplicate, event.ReasonNone)
		h.emit("", nil)
		return nil
	}
	b, err := h.p.Deliver(&h.dec, d)
	if err != nil {
		h.sum.Rejected++
		h.emit("", nil)
		return err
	}
	h.seen.Add(key)
	lg := string(b.LogGroup)
	if b.Control() {
		h.sum.Control++
		h.emit(lg, nil)
		return nil
	}
	h.sum.Batches++
	var tags []string
	if t := h.opt.LogGroupTags; t != nil {
		before := t.Stats().Failures
		tags = t.Tags(ctx, string(b.Owner), lg)
		h.p.Aggregates().Events.LogGroupTagFailures += t.Stats().Failures - before
	}
	h.emit(lg, tags)
	for {
		group, ok := h.p.Evict()
		if !ok {
			break
		}
		h.emit(group, nil)
	}
	return nil
}

// emit sends what the pipeline counted since the last emit and forgets it.
func (h *Handler) emit(logGroup string, tags []string) {
	agg := h.p.Aggregates()
	h.sum.Lines += agg.Lines.Total()
	h.em.Emit(agg, dogstatsd.Batch{LogGroup: logGroup, Tags: tags})
	agg.Reset()
}

// reject counts an event whose envelope is broken and returns the error.
func (h *Handler) reject(in event.Input, err error) error {
	h.sum.Rejected++
	h.p.Envelope(in, metrics.EnvelopeRejected, event.ReasonOf(err))
	h.emit("", nil)
	return fmt.Errorf("rejected %s event: %w", in, err)
}

func (h *Handler) kinesis(ctx context.Context, payload []byte) ([]byte, error) {
	h.sum.Input = event.InputKinesis.String()
	if err := h.timeLeft(ctx); err != nil {
		return nil, err
	}
	dels, err := h.dec.Split(payload)
	if err != nil {
		return nil, h.reject(event.InputKinesis, err)
	}
	var failed []byte
	for i := range dels {
		d := &dels[i]
		if h.timeLeft(ctx) != nil {
			failed = d.Seq
			h.sum.Retried = len(dels) - i
			break
		}
		if err := h.delivery(ctx, d); err != nil {
			// Lambda retries the batch from the first record it is told
			// failed: stop here so that nothing after it is counted twice.
			failed = d.Seq
			h.sum.Retried = len(dels) - i
			break
		}
	}
	return batchResponse(failed), nil
}

// batchResponse writes events.KinesisEventResponse for at most one failed
// record, by hand: a sequence number is digits, quoted to be safe.
func batchResponse(seq []byte) []byte {
	if seq == nil {
		return []byte(`{"batchItemFailures":[]}`)
	}
	b := []byte(`{"batchItemFailures":[{"itemIdentifier":`)
	b = strconv.AppendQuote(b, string(seq))
	return append(b, "}]}"...)
}

// Pipeline is the handler's pipeline, for feeding local log files (the CLI)
// through the same path; call Finish once they are in.
func (h *Handler) Pipeline() *pipeline.Pipeline { return h.p }

// Finish settles the streams of local files fed through Pipeline, emits
// what they and any other line or envelope fed through Pipeline yield, and
// flushes. Streams of Lambda events are left open, as in a function, whose
// streams outlive an invocation.
func (h *Handler) Finish() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.p.CloseGroup("")
	h.emit("", nil)
	return h.em.Flush()
}

// Sent is the number of datagrams handed to the client so far.
func (h *Handler) Sent() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.em.Sent
}
