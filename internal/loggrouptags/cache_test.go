package loggrouptags

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/internal/motoserver"
)

var moto motoserver.Shared

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

const account = motoserver.Account

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingAPI counts the calls that reach the service, by operation.
type countingAPI struct {
	API
	forResource, logGroup int
	// unsupported makes ListTagsForResource fail as an endpoint without it would.
	unsupported bool
}

func (c *countingAPI) ListTagsForResource(ctx context.Context, in *cloudwatchlogs.ListTagsForResourceInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error) {
	c.forResource++
	if c.unsupported {
		return nil, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "ListTagsForResource"}
	}
	return c.API.ListTagsForResource(ctx, in, o...)
}

func (c *countingAPI) ListTagsLogGroup(ctx context.Context, in *cloudwatchlogs.ListTagsLogGroupInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsLogGroupOutput, error) {
	c.logGroup++
	return c.API.ListTagsLogGroup(ctx, in, o...)
}

func mustNew(tb testing.TB, api API, opts ...Option) *Cache {
	tb.Helper()
	c, err := New(api, motoserver.Region, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestTagsFromMotoWithTTL(t *testing.T) {
	srv := moto.Server(t)
	client := cloudwatchlogs.NewFromConfig(srv.Config())
	ctx := testContext(t)
	_, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/shop-web")})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:logs:" + motoserver.Region + ":" + account + ":log-group:/ecs/shop-web"
	tag := func(tags map[string]string) {
		t.Helper()
		if _, err := client.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	tag(map[string]string{"service": "Shop Web", "Team": "payments", "env": "prod", "cost-center": "42"})

	api := &countingAPI{API: client}
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c := mustNew(t, api, WithTTL(10*time.Minute), WithClock(clk.now))
	want := []string{"service:shop_web", "team:payments", "env:prod"}
	if diff := cmp.Diff(want, c.Tags(ctx, account, "/ecs/shop-web")); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	// Within the TTL the cache answers, even after the tags change.
	tag(map[string]string{"env": "staging"})
	clk.advance(9 * time.Minute)
	if diff := cmp.Diff(want, c.Tags(ctx, account, "/ecs/shop-web")); diff != "" {
		t.Errorf("tags within the TTL (-want +got):\n%s", diff)
	}
	if api.forResource != 1 {
		t.Errorf("%d ListTagsForResource calls within the TTL, want 1", api.forResource)
	}

	// Past it, they are read again.
	clk.advance(2 * time.Minute)
	want = []string{"service:shop_web", "team:payments", "env:staging"}
	if diff := cmp.Diff(want, c.Tags(ctx, account, "/ecs/shop-web")); diff != "" {
		t.Errorf("tags after the TTL (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Stats{Hits: 1, Lookups: 2}, c.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if api.logGroup != 0 {
		t.Errorf("ListTagsLogGroup called %d times without need", api.logGroup)
	}
}

func TestTagsFallBackToListTagsLogGroup(t *testing.T) {
	srv := moto.Server(t)
	client := cloudwatchlogs.NewFromConfig(srv.Config())
	ctx := testContext(t)
	for _, g := range []string{"/ecs/a", "/ecs/b"} {
		if _, err := client.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
		// The older tagging call, by name: the fallback under test reads
		// what it writes.
		//lint:ignore SA1019 the deprecated call is the point of this test
		if _, err := client.TagLogGroup(ctx, &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String(g), Tags: map[string]string{"team": "t" + g[len(g)-1:]}}); err != nil {
			t.Fatal(err)
		}
	}
	api := &countingAPI{API: client, unsupported: true}
	keys, err := ParseKeys("team")
	if err != nil {
		t.Fatal(err)
	}
	c := mustNew(t, api, WithKeys(keys...))
	if diff := cmp.Diff([]string{"team:ta"}, c.Tags(ctx, account, "/ecs/a")); diff != "" {
		t.Errorf("tags of /ecs/a (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"team:tb"}, c.Tags(ctx, account, "/ecs/b")); diff != "" {
		t.Errorf("tags of /ecs/b (-want +got):\n%s", diff)
	}
	if api.forResource != 1 || api.logGroup != 2 {
		t.Errorf("calls: %d ListTagsForResource, %d ListTagsLogGroup; want 1 then only the fallback (2)", api.forResource, api.logGroup)
	}
	if s := c.Stats(); s.Fallbacks != 1 || s.Failures != 0 {
		t.Errorf("stats %+v, want 1 fallback, no failure", s)
	}
}

func TestTagsFailureGivesNoTags(t *testing.T) {
	t.Run("cancelled context", func(t *testing.T) {
		srv := moto.Server(t)
		api := &countingAPI{API: cloudwatchlogs.NewFromConfig(srv.Config())}
		clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
		c := mustNew(t, api, WithClock(clk.now), WithFailureTTL(time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if tags := c.Tags(ctx, account, "/ecs/a"); tags != nil {
			t.Errorf("tags with a cancelled context = %q, want none", tags)
		}
		if s := c.Stats(); s.Failures != 1 || s.Lookups != 1 {
			t.Errorf("stats %+v, want 1 failed lookup", s)
		}
		// The failure is remembered for the failure TTL, then retried.
		c.Tags(testContext(t), account, "/ecs/a")
		if s := c.Stats(); s.Lookups != 1 || s.Hits != 1 {
			t.Errorf("stats %+v, want the failure answered from the cache", s)
		}
		clk.advance(time.Minute)
		c.Tags(testContext(t), account, "/ecs/a")
		if s := c.Stats(); s.Lookups != 2 {
			t.Errorf("stats %+v, want a new lookup after the failure TTL", s)
		}
	})
	t.Run("unreachable endpoint", func(t *testing.T) {
		// Port 9 (discard) on 127.0.0.1: nothing listens, connections are refused.
		cfg := aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String("http://127.0.0.1:9"),
			Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}
		c := mustNew(t, cloudwatchlogs.NewFromConfig(cfg), WithTimeout(3*time.Second))
		start := time.Now()
		if tags := c.Tags(testContext(t), account, "/ecs/a"); tags != nil {
			t.Errorf("tags from an unreachable endpoint = %q, want none", tags)
		}
		if s := c.Stats(); s.Failures != 1 {
			t.Errorf("stats %+v, want 1 failure", s)
		}
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("a failed lookup took %s, the timeout is 3s", el)
		}
	})
	t.Run("permission denied", func(t *testing.T) {
		denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: logs:ListTagsLogGroup"}
		c := mustNew(t, fakeAPI{err: denied})
		if tags := c.Tags(testContext(t), account, "/ecs/a"); tags != nil {
			t.Errorf("tags without permission = %q, want none", tags)
		}
		if s := c.Stats(); s.Failures != 1 || s.Fallbacks != 1 {
			t.Errorf("stats %+v, want the fallback tried and 1 failure", s)
		}
	})
}

// fakeAPI answers every call with the same tags or error.
type fakeAPI struct {
	tags map[string]string
	err  error
}

func (f fakeAPI) ListTagsForResource(context.Context, *cloudwatchlogs.ListTagsForResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error) {
	return &cloudwatchlogs.ListTagsForResourceOutput{Tags: f.tags}, f.err
}

func (f fakeAPI) ListTagsLogGroup(context.Context, *cloudwatchlogs.ListTagsLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsLogGroupOutput, error) {
	return &cloudwatchlogs.ListTagsLogGroupOutput{Tags: f.tags}, f.err
}

func TestCacheBoundedAndValidated(t *testing.T) {
	c := mustNew(t, fakeAPI{tags: map[string]string{"env": "prod"}}, WithMaxEntries(3))
	ctx := testContext(t)
	for i := range 10 {
		if got := c.Tags(ctx, account, string(rune('a'+i))); len(got) != 1 || got[0] != "env:prod" {
			t.Fatalf("tags = %q", got)
		}
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n > 3 {
		t.Errorf("%d entries cached, the bound is 3", n)
	}
	for _, opt := range []Option{WithTTL(0), WithFailureTTL(-time.Second), WithTimeout(0), WithMaxEntries(0), WithKeys(Key{AWS: "team", Tag: "Team"})} {
		if _, err := New(fakeAPI{}, "us-east-1", opt); err == nil {
			t.Error("New accepted an invalid option")
		}
	}
	if _, err := New(fakeAPI{}, ""); err == nil {
		t.Error("New accepted an empty region")
	}
}

func TestPartitionOf(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		if got := partitionOf(region); got != want {
			t.Errorf("partitionOf(%s) = %s, want %s", region, got, want)
		}
	}
}
