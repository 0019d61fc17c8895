package awslogs

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Destination is where a subscription filter delivers a log group's events.
type Destination string

const (
	// ToLambda invokes the function directly, one asynchronous invocation
	// per delivery: concurrent deliveries of one log stream may run in
	// different containers.
	ToLambda Destination = "lambda"
	// ToKinesis writes to a Kinesis stream that the function reads. With
	// the filter's distribution ByLogStream, CloudWatch Logs keeps each log
	// stream on one shard, and an event source mapping with
	// ParallelizationFactor 1 reads a shard in order in one container at a
	// time: the state of a log stream (a harakiri block, a gunicorn worker's
	// last lines) is never split between containers (docs/metrics.md).
	ToKinesis Destination = "kinesis"
)

// ParseDestination parses "lambda" or "kinesis".
func ParseDestination(s string) (Destination, error) {
	switch d := Destination(s); d {
	case ToLambda, ToKinesis:
		return d, nil
	}
	return "", fmt.Errorf("want lambda or kinesis, got %q", s)
}

// KinesisTarget is a Kinesis stream and the role CloudWatch Logs assumes to
// write to it (kinesis:PutRecord on the stream, trusted by logs.amazonaws.com).
type KinesisTarget struct {
	StreamARN string
	RoleARN   string
}

// ParseKinesisTarget checks a stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME),
// which must be in region, the region of the log groups, and a role ARN
// (arn:aws:iam::ACCOUNT:role/NAME).
func ParseKinesisTarget(streamARN, roleARN, region string) (KinesisTarget, error) {
	p := strings.SplitN(streamARN, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[2] != "kinesis" || p[3] == "" || p[4] == "" || !strings.HasPrefix(p[5], "stream/") || len(p[5]) == len("stream/") {
		return KinesisTarget{}, fmt.Errorf("%q is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)", streamARN)
	}
	if p[3] != region {
		return KinesisTarget{}, fmt.Errorf("stream %s is in %s, the log groups in %s: a subscription cannot cross regions", streamARN, p[3], region)
	}
	r := strings.SplitN(roleARN, ":", 6)
	if len(r) != 6 || r[0] != "arn" || r[2] != "iam" || r[4] == "" || !strings.HasPrefix(r[5], "role/") || len(r[5]) == len("role/") {
		return KinesisTarget{}, fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", roleARN)
	}
	return KinesisTarget{StreamARN: streamARN, RoleARN: roleARN}, nil
}

// destinationARN is what the filters of sub deliver to.
func (sub Subscription) destinationARN() string {
	if sub.Destination == ToKinesis {
		return sub.Kinesis.StreamARN
	}
	return sub.Function.ARN
}

// distribution is the filters' distribution: ByLogStream into Kinesis
// (Lambda destinations take none).
func (sub Subscription) distribution() types.Distribution {
	if sub.Destination == ToKinesis {
		return types.DistributionByLogStream
	}
	return ""
}

// roleARN is the role CloudWatch Logs assumes to deliver, "" for Lambda.
func (sub Subscription) roleARN() string {
	if sub.Destination == ToKinesis {
		return sub.Kinesis.RoleARN
	}
	return ""
}
