// Package awslogs connects CloudWatch Logs to slowroutes from the operator's
// side: it subscribes log groups to the slowroutes functions (with the
// permission they need) and reads log groups' history back through the pipeline.
package awslogs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

// LogsAPI is the part of the CloudWatch Logs API that subscribing and
// backfilling use; *cloudwatchlogs.Client implements it.
type LogsAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
	cloudwatchlogs.DescribeSubscriptionFiltersAPIClient
	cloudwatchlogs.FilterLogEventsAPIClient
	PutSubscriptionFilter(context.Context, *cloudwatchlogs.PutSubscriptionFilterInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error)
	DeleteSubscriptionFilter(context.Context, *cloudwatchlogs.DeleteSubscriptionFilterInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteSubscriptionFilterOutput, error)
}

// LambdaAPI is the part of the Lambda API that subscribing uses;
// *lambda.Client implements it.
type LambdaAPI interface {
	GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	GetPolicy(context.Context, *lambda.GetPolicyInput, ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
	AddPermission(context.Context, *lambda.AddPermissionInput, ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error)
	RemovePermission(context.Context, *lambda.RemovePermissionInput, ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error)
}

// Retry settings for the CLI: FilterLogEvents and the subscription calls
// have low per-account rate quotas (a few requests per second), so a long
// backfill meets throttling as a matter of course and must wait it out
// rather than give up after the SDK's default 3 attempts.
const (
	MaxAttempts = 12
	MaxBackoff  = 30 * time.Second
)

// LoadConfig loads the SDK configuration the standard way (environment,
// shared config and credentials files, SSO, IMDS; AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> for another endpoint) with a retryer that
// backs off patiently. A non-empty region overrides the configured one.
func LoadConfig(ctx context.Context, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = MaxBackoff
				// The client-side retry quota would stop retrying a
				// throttled backfill after a few dozen attempts.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS region: set AWS_REGION or a region in the AWS profile")
	}
	return cfg, nil
}

// FunctionARN is a parsed Lambda function ARN:
// arn:aws:lambda:us-east-1:123456789012:function:NAME[:QUALIFIER].
type FunctionARN struct {
	ARN       string
	Partition string
	Region    string
	Account   string
	Name      string
	Qualifier string
}

// ParseFunctionARN parses a Lambda function ARN.
func ParseFunctionARN(s string) (FunctionARN, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" ||
		parts[1] == "" || parts[3] == "" || parts[4] == "" || parts[6] == "" {
		return FunctionARN{}, fmt.Errorf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", s)
	}
	f := FunctionARN{ARN: s, Partition: parts[1], Region: parts[3], Account: parts[4], Name: parts[6]}
	if len(parts) == 8 {
		f.Qualifier = parts[7]
	}
	return f, nil
}

// LogGroupSourceARN is the ARN by which CloudWatch Logs identifies a log
// group when it invokes a function (the AWS:SourceArn of the invocation).
func (f FunctionARN) LogGroupSourceARN(logGroup string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", f.Partition, f.Region, f.Account, logGroup)
}

// errorCode returns the API error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
