package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/slowroutes/slowroutes/internal/motoserver"
)

// TestSubscribeKinesisCommand: subscribe --kind harakiri --destination
// kinesis puts filters that write to the stream with distribution
// ByLogStream and grants the function nothing; a second run changes nothing.
func TestSubscribeKinesisCommand(t *testing.T) {
	srv := motoserver.StartTB(t)
	srv.SetEnv(t)
	ctx := context.Background()
	fnARN := srv.CreateFunction(t, "slowroutes-harakiri")
	kc := kinesis.NewFromConfig(srv.Config())
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("slowroutes-logs"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	ds, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("slowroutes-logs")})
	if err != nil {
		t.Fatal(err)
	}
	streamARN := aws.ToString(ds.StreamDescriptionSummary.StreamARN)
	logs := cloudwatchlogs.NewFromConfig(srv.Config())
	createGroups(t, logs, "/shop/web", "/shop/api")
	args := []string{"subscribe", "--kind", "harakiri", "--destination", "kinesis", "--function-arn", fnARN,
		"--stream-arn", streamARN, "--role-arn", "arn:aws:iam::123456789012:role/slowroutes-logs-to-kinesis",
		"--log-group-prefix", "/shop/", "--format", "json"}

	for run, want := range []string{"create", "unchanged"} {
		code, out, errOut := runCLI(args...)
		var doc subscribeDocument
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.LogGroups) != 2 {
			t.Fatalf("run %d: exit %d, %v\n%s%s", run, code, err, out, errOut)
		}
		for _, c := range doc.LogGroups {
			if string(c.Action) != want || c.Destination != streamARN || c.Distribution != "ByLogStream" || c.Permission != "" {
				t.Errorf("run %d: %s: %+v", run, c.LogGroup, c)
			}
		}
	}
	out, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("/shop/web")})
	if err != nil || len(out.SubscriptionFilters) != 1 || aws.ToString(out.SubscriptionFilters[0].DestinationArn) != streamARN ||
		aws.ToString(out.SubscriptionFilters[0].RoleArn) == "" {
		t.Errorf("filters %+v %v", out, err)
	}
	code, text, _ := runCLI(append(args[:len(args)-2], "--dry-run")...)
	if code != 0 || !strings.Contains(text, "distribution ByLogStream") {
		t.Errorf("table: exit %d\n%s", code, text)
	}
}

func TestSubscribeKinesisUsage(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:slowroutes-harakiri"
	const stream = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
	const role = "arn:aws:iam::123456789012:role/r"
	for _, args := range [][]string{
		{"--destination", "kinesis"},
		{"--destination", "kinesis", "--stream-arn", stream},
		{"--destination", "kinesis", "--role-arn", role},
		{"--destination", "kinesis", "--stream-arn", "arn:aws:kinesis:eu-west-1:123456789012:stream/s", "--role-arn", role},
		{"--destination", "firehose"},
		{"--stream-arn", stream, "--role-arn", role},
	} {
		full := append([]string{"subscribe", "--function-arn", fn, "--log-group", "/x"}, args...)
		if code, _, errOut := runCLI(full...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, want 2 with a message", args, code)
		}
	}
}
