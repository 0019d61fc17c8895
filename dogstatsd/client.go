package dogstatsd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/slowroutes/slowroutes/internal/tag"
)

// Client is what an Emitter needs of a DogStatsD client; *statsd.Client has it.
// Distribution must not keep tags once it returns: the Emitter reuses them.
type Client interface {
	Distribution(name string, value float64, tags []string, rate float64) error
	Flush() error
}

// ClientConfig configures the DogStatsD client.
type ClientConfig struct {
	// Addr is host:port (UDP) or unix:///path; ignored when Writer is set.
	Addr string
	// Writer, if set, receives the datagrams instead of a socket (see DatagramWriter).
	Writer io.WriteCloser
	// Namespace prefixes every metric name; DefaultNamespace when empty.
	Namespace string
	// Tags are static tags put on every datagram, already sanitized (ParseStaticTags).
	Tags []string
	// OnError sees every datagram payload the client failed to send
	// (unreachable agent, full queue). It may be called from another goroutine.
	OnError func(error)
}

// NewClient returns the DogStatsD client an Emitter writes to: created once
// per process, with no telemetry, no client-side aggregation (every metric
// is a distribution; extended aggregation would pack values as
// name:v1:v2|d, of which the Lambda Extension keeps only the first) and no
// origin detection (there is no container to detect in Lambda). The client
// adds DD_ENV, DD_SERVICE and DD_VERSION from the environment as the env,
// service and version tags.
func NewClient(cfg ClientConfig) (*statsd.Client, error) {
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if err := CheckNamespace(ns); err != nil {
		return nil, fmt.Errorf("metrics namespace %q: %w", ns, err)
	}
	for _, t := range cfg.Tags {
		if !tag.Valid(t) {
			return nil, fmt.Errorf("static tag %q is not a valid tag", t)
		}
	}
	if len(cfg.Tags) > MaxStaticTags {
		return nil, fmt.Errorf("%d static tags: at most %d", len(cfg.Tags), MaxStaticTags)
	}
	opts := []statsd.Option{
		statsd.WithNamespace(ns + "."),
		statsd.WithoutTelemetry(),
		statsd.WithoutClientSideAggregation(),
		statsd.WithoutOriginDetection(),
	}
	if len(cfg.Tags) > 0 {
		opts = append(opts, statsd.WithTags(cfg.Tags))
	}
	if cfg.OnError != nil {
		opts = append(opts, statsd.WithErrorHandler(cfg.OnError))
	}
	if cfg.Writer != nil {
		return statsd.NewWithWriter(cfg.Writer, opts...)
	}
	if cfg.Addr == "" {
		return nil, fmt.Errorf("no DogStatsD address")
	}
	return statsd.New(cfg.Addr, opts...)
}

// CheckNamespace says what is wrong with a namespace that cannot prefix
// metric names, nil when it can: the settings reject a bad one as it is
// read, NewClient one given in code, and both say it in the same words.
func CheckNamespace(ns string) error {
	if !ValidNamespace(ns) {
		return errNamespace
	}
	return nil
}

var errNamespace = errors.New("want letters, digits, '_' and '.', starting with a letter")

// DatagramWriter turns the client's payloads (datagrams joined by '\n')
// into one datagram per line on W, for --dry-run and tests.
type DatagramWriter struct {
	mu sync.Mutex
	W  io.Writer
}

// Write writes each datagram of payload on its own line.
func (w *DatagramWriter) Write(payload []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(payload)
	payload = bytes.TrimRight(payload, "\n")
	if len(payload) == 0 {
		return n, nil
	}
	if _, err := w.W.Write(payload); err != nil {
		return 0, err
	}
	if _, err := w.W.Write(newline); err != nil {
		return 0, err
	}
	return n, nil
}

var newline = []byte{'\n'}

// Close does nothing: W belongs to the caller.
func (w *DatagramWriter) Close() error { return nil }

// ParseStaticTags reads a comma-separated list of static tags
// ("team:web,tier:1"), sanitizing each, at most MaxStaticTags of them.
func ParseStaticTags(spec string) ([]string, error) {
	var tags []string
	for _, t := range strings.Split(spec, ",") {
		if strings.TrimSpace(t) == "" {
			continue
		}
		s, err := tag.Sanitize(t)
		if err != nil {
			return nil, err
		}
		tags = append(tags, s)
	}
	if len(tags) > MaxStaticTags {
		return nil, fmt.Errorf("%d tags, at most %d", len(tags), MaxStaticTags)
	}
	return tags, nil
}
