// Package loggrouptags turns the AWS tags a team put on its log groups
// (service, team, env) into DogStatsD tags, read once per log group and
// cached, so that metrics carry the ownership already recorded in AWS.
package loggrouptags

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
)

// API is the part of the CloudWatch Logs API the cache reads tags with;
// *cloudwatchlogs.Client implements it.
type API interface {
	ListTagsForResource(context.Context, *cloudwatchlogs.ListTagsForResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error)
	ListTagsLogGroup(context.Context, *cloudwatchlogs.ListTagsLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsLogGroupOutput, error)
}

// Defaults.
const (
	DefaultTTL        = 15 * time.Minute
	DefaultFailureTTL = time.Minute
	DefaultTimeout    = 2 * time.Second
	DefaultMaxEntries = 1000
)

// DefaultKeys are the AWS tag keys copied when none are configured.
var DefaultKeys = []Key{{AWS: "service", Tag: "service"}, {AWS: "team", Tag: "team"}, {AWS: "env", Tag: "env"}}

// Cache maps log groups to DogStatsD tags. It is safe for concurrent use.
type Cache struct {
	api        API
	region     string
	partition  string
	keys       []Key
	ttl        time.Duration
	failureTTL time.Duration
	timeout    time.Duration
	maxEntries int
	now        func() time.Time

	mu      sync.Mutex
	entries map[string]entry
	// legacy is set once ListTagsForResource turned out not to be
	// supported: later lookups go straight to ListTagsLogGroup.
	legacy atomic.Bool

	lookups, hits, failures, fallbacks atomic.Int64
}

type entry struct {
	tags    []string
	expires time.Time
}

// Option configures a Cache.
type Option func(*Cache) error

// WithKeys sets which AWS tags become DogStatsD tags (default DefaultKeys).
func WithKeys(keys ...Key) Option {
	return func(c *Cache) error {
		for _, k := range keys {
			if err := k.validate(); err != nil {
				return err
			}
		}
		c.keys = keys
		return nil
	}
}

// WithTTL sets how long tags read for a log group are reused (default DefaultTTL).
func WithTTL(d time.Duration) Option {
	return func(c *Cache) error {
		if d <= 0 {
			return fmt.Errorf("loggrouptags: TTL must be positive, got %s", d)
		}
		c.ttl = d
		return nil
	}
}

// WithFailureTTL sets how long a failed read is remembered before the next
// attempt (default DefaultFailureTTL; 0 tries again on every call). It keeps
// a missing permission from costing an API call, and a timeout, per invocation.
func WithFailureTTL(d time.Duration) Option {
	return func(c *Cache) error {
		if d < 0 {
			return fmt.Errorf("loggrouptags: failure TTL must not be negative, got %s", d)
		}
		c.failureTTL = d
		return nil
	}
}

// WithTimeout bounds one read of a log group's tags, retries included
// (default DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(c *Cache) error {
		if d <= 0 {
			return fmt.Errorf("loggrouptags: timeout must be positive, got %s", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxEntries bounds the number of log groups remembered (default DefaultMaxEntries).
func WithMaxEntries(n int) Option {
	return func(c *Cache) error {
		if n < 1 {
			return fmt.Errorf("loggrouptags: max entries must be at least 1, got %d", n)
		}
		c.maxEntries = n
		return nil
	}
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *Cache) error {
		c.now = now
		return nil
	}
}

// WithPartition sets the ARN partition (default: derived from the region).
func WithPartition(p string) Option {
	return func(c *Cache) error {
		c.partition = p
		return nil
	}
}

// New returns a cache reading tags through api for log groups of region
// (the function's own region: a subscription never crosses regions).
func New(api API, region string, opts ...Option) (*Cache, error) {
	if api == nil {
		return nil, errors.New("loggrouptags: nil API")
	}
	if region == "" {
		return nil, errors.New("loggrouptags: empty region")
	}
	c := &Cache{
		api: api, region: region, partition: partitionOf(region), keys: DefaultKeys,
		ttl: DefaultTTL, failureTTL: DefaultFailureTTL, timeout: DefaultTimeout, maxEntries: DefaultMaxEntries,
		now: time.Now, entries: map[string]entry{},
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Tags returns the DogStatsD tags ("team:payments") of the log group
// logGroup of account owner (the owner field of a subscription delivery),
// in the order of the configured keys. They are read from AWS at most once
// per TTL. A failure to read them (permissions, throttling, timeout, ctx
// ending) only costs the tags: Tags returns none and counts the failure.
// The slice is shared: do not modify it.
func (c *Cache) Tags(ctx context.Context, owner, logGroup string) []string {
	key := owner + "\x00" + logGroup
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		c.hits.Add(1)
		return e.tags
	}
	c.lookups.Add(1)
	tags, err := c.read(ctx, owner, logGroup)
	ttl := c.ttl
	if err != nil {
		c.failures.Add(1)
		tags, ttl = nil, c.failureTTL
	}
	if ttl > 0 {
		c.store(key, entry{tags: tags, expires: c.now().Add(ttl)})
	}
	return tags
}

func (c *Cache) store(key string, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.maxEntries {
		now := c.now()
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.maxEntries {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

// read asks AWS for the tags: ListTagsForResource with the log group's ARN,
// or ListTagsLogGroup (the older call, by name, own account only) where the
// first is not available.
func (c *Cache) read(ctx context.Context, owner, logGroup string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if owner != "" && !c.legacy.Load() {
		arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", c.partition, c.region, owner, logGroup)
		out, err := c.api.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err == nil {
			return c.dogstatsd(out.Tags), nil
		}
		if ctx.Err() != nil || !unsupported(err) {
			return nil, err
		}
		c.fallbacks.Add(1)
		c.legacy.Store(true)
	}
	out, err := c.api.ListTagsLogGroup(ctx, &cloudwatchlogs.ListTagsLogGroupInput{LogGroupName: aws.String(logGroup)})
	if err != nil {
		return nil, err
	}
	return c.dogstatsd(out.Tags), nil
}

// unsupported tells an endpoint or a policy that does not offer
// ListTagsForResource for log groups from a failure of the lookup itself.
func unsupported(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "UnknownOperationException", "InvalidAction", "UnsupportedOperation", "UnsupportedOperationException",
			"NotImplemented", "InvalidParameterException", "ValidationException", "AccessDeniedException":
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case 404, 405, 501:
			return true
		}
	}
	return false
}

// Stats are the cache's counters since it was created.
type Stats struct {
	// Hits are calls answered from the cache (failures remembered included).
	Hits int64
	// Lookups are calls that asked AWS.
	Lookups int64
	// Failures are lookups that gave no tags because of an error.
	Failures int64
	// Fallbacks counts switches from ListTagsForResource to ListTagsLogGroup.
	Fallbacks int64
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Lookups: c.lookups.Load(), Failures: c.failures.Load(), Fallbacks: c.fallbacks.Load()}
}
