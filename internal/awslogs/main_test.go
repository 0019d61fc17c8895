package awslogs

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/slowroutes/slowroutes/internal/motoserver"
)

// moto is one moto_server for the package's tests, started by the first
// test that needs it.
var moto motoserver.Shared

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// awsEnv is a moto_server emptied for one test, with clients.
type awsEnv struct {
	srv    *motoserver.Server
	logs   *countingLogs
	lambda *lambda.Client
}

func newAWSEnv(tb testing.TB) *awsEnv {
	tb.Helper()
	srv := moto.Server(tb)
	cfg := srv.Config()
	return &awsEnv{
		srv:    srv,
		logs:   &countingLogs{LogsAPI: cloudwatchlogs.NewFromConfig(cfg), calls: map[string]int{}},
		lambda: lambda.NewFromConfig(cfg),
	}
}

func (e *awsEnv) createGroups(tb testing.TB, names ...string) {
	tb.Helper()
	client := cloudwatchlogs.NewFromConfig(e.srv.Config())
	for _, n := range names {
		if _, err := client.CreateLogGroup(testContext(tb), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(n)}); err != nil {
			tb.Fatalf("creating log group %s: %v", n, err)
		}
	}
}

func (e *awsEnv) putFilter(tb testing.TB, group, name, pattern, destination string) {
	tb.Helper()
	_, err := e.logs.LogsAPI.PutSubscriptionFilter(testContext(tb), &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(pattern), DestinationArn: aws.String(destination),
	})
	if err != nil {
		tb.Fatalf("putting filter %s on %s: %v", name, group, err)
	}
}

func (e *awsEnv) filters(tb testing.TB, group string) []types.SubscriptionFilter {
	tb.Helper()
	out, err := e.logs.LogsAPI.DescribeSubscriptionFilters(testContext(tb), &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group)})
	if err != nil {
		tb.Fatalf("describing filters of %s: %v", group, err)
	}
	return out.SubscriptionFilters
}

func (e *awsEnv) policy(tb testing.TB, function string) policy {
	tb.Helper()
	p, err := getPolicy(testContext(tb), e.lambda, function)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// countingLogs counts the calls that reach CloudWatch Logs, by operation.
type countingLogs struct {
	LogsAPI
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingLogs) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *countingLogs) reset() {
	c.mu.Lock()
	clear(c.calls)
	c.mu.Unlock()
}

func (c *countingLogs) n(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *countingLogs) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	c.count("DescribeLogGroups")
	return c.LogsAPI.DescribeLogGroups(ctx, in, o...)
}

func (c *countingLogs) PutSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.PutSubscriptionFilterInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error) {
	c.count("PutSubscriptionFilter")
	return c.LogsAPI.PutSubscriptionFilter(ctx, in, o...)
}

func (c *countingLogs) DeleteSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.DeleteSubscriptionFilterInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteSubscriptionFilterOutput, error) {
	c.count("DeleteSubscriptionFilter")
	return c.LogsAPI.DeleteSubscriptionFilter(ctx, in, o...)
}

func (c *countingLogs) FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	c.count("FilterLogEvents")
	return c.LogsAPI.FilterLogEvents(ctx, in, o...)
}

// countingLambda counts the calls that change a function's policy.
type countingLambda struct {
	LambdaAPI
	added, removed int
}

func (c *countingLambda) AddPermission(ctx context.Context, in *lambda.AddPermissionInput, o ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	c.added++
	return c.LambdaAPI.AddPermission(ctx, in, o...)
}

func (c *countingLambda) RemovePermission(ctx context.Context, in *lambda.RemovePermissionInput, o ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	c.removed++
	return c.LambdaAPI.RemovePermission(ctx, in, o...)
}
