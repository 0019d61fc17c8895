package awslogs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/go-cmp/cmp"

	"github.com/slowroutes/slowroutes/pipeline"
	"github.com/slowroutes/slowroutes/report"
)

func TestParseDestinationAndKinesisTarget(t *testing.T) {
	for s, ok := range map[string]bool{"lambda": true, "kinesis": true, "firehose": false, "": false} {
		if _, err := ParseDestination(s); (err == nil) != ok {
			t.Errorf("ParseDestination(%q): %v", s, err)
		}
	}
	const stream, role = "arn:aws:kinesis:eu-west-1:123456789012:stream/slowroutes-logs", "arn:aws:iam::123456789012:role/logs-to-kinesis"
	if _, err := ParseKinesisTarget(stream, role, "eu-west-1"); err != nil {
		t.Error(err)
	}
	for _, bad := range [][3]string{
		{stream, role, "us-east-1"}, // another region
		{"arn:aws:kinesis:eu-west-1:123456789012:slowroutes-logs", role, "eu-west-1"},
		{"arn:aws:firehose:eu-west-1:123456789012:deliverystream/x", role, "eu-west-1"},
		{stream, "arn:aws:iam::123456789012:user/bob", "eu-west-1"},
		{stream, "", "eu-west-1"},
	} {
		if _, err := ParseKinesisTarget(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ParseKinesisTarget(%q, %q, %q) accepted", bad[0], bad[1], bad[2])
		}
	}
}

// TestTemplateKinesisInOrder: every Kinesis event source mapping of
// template.yaml reads each shard with one batch at a time
// (ParallelizationFactor 1), so that a log stream, which
// distribution ByLogStream keeps on one shard, is read in order by one
// container.
func TestTemplateKinesisInOrder(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Split the template at its top-level keys and resources ("  Name:").
	var blocks []string
	for _, l := range strings.Split(string(b), "\n") {
		if len(l) > 3 && l[:2] == "  " && l[2] != ' ' && l[2] != '#' || len(blocks) == 0 {
			blocks = append(blocks, "")
		}
		blocks[len(blocks)-1] += l + "\n"
	}
	n := 0
	for _, blk := range blocks {
		if !strings.Contains(blk, "Type: AWS::Lambda::EventSourceMapping") {
			continue
		}
		n++
		if !strings.Contains(blk, "\n      ParallelizationFactor: 1\n") {
			t.Errorf("event source mapping without ParallelizationFactor: 1:\n%s", blk)
		}
	}
	if n < 2 {
		t.Errorf("%d Kinesis event source mappings in template.yaml, want one per function", n)
	}
}

// recordingLogs keeps the subscription filters put.
type recordingLogs struct {
	LogsAPI
	mu  sync.Mutex
	put []cloudwatchlogs.PutSubscriptionFilterInput
}

func (r *recordingLogs) PutSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.PutSubscriptionFilterInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error) {
	r.mu.Lock()
	r.put = append(r.put, *in)
	r.mu.Unlock()
	return r.LogsAPI.PutSubscriptionFilter(ctx, in, o...)
}

// subscriptionPayload is the gzipped JSON of a CloudWatch Logs
// subscription delivery, as each Kinesis record carries it.
type subscriptionPayload struct {
	MessageType string `json:"messageType"`
	LogGroup    string `json:"logGroup"`
	LogStream   string `json:"logStream"`
	LogEvents   []struct {
		ID        json.RawMessage `json:"id"` // a string; moto writes a number
		Timestamp int64           `json:"timestamp"`
		Message   string          `json:"message"`
	} `json:"logEvents"`
}

// TestKinesisByLogStreamEndToEnd subscribes a log group through a Kinesis
// stream on moto_server, writes two real captured log streams into it,
// reads the shard back in order and runs the deliveries through one warm
// pipeline, as the function behind an event source mapping with
// ParallelizationFactor 1 would: every log stream arrives whole and in
// order, and the counts are those of the files. moto delivers every event
// (it does not apply filter patterns) with a random partition key (it
// does not apply the distribution), so the stream has one shard; the
// filter is checked to ask for ByLogStream.
func TestKinesisByLogStreamEndToEnd(t *testing.T) {
	e := newAWSEnv(t)
	ctx := testContext(t)
	cfg := e.srv.Config()
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	kc := kinesis.NewFromConfig(cfg)
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("slowroutes-logs"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	ds, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("slowroutes-logs")})
	if err != nil {
		t.Fatal(err)
	}
	streamARN := aws.ToString(ds.StreamDescriptionSummary.StreamARN)
	const group = "/ecs/shop-web"
	e.createGroups(t, group)

	fn, err := ParseFunctionARN(fnARN)
	if err != nil {
		t.Fatal(err)
	}
	target, err := ParseKinesisTarget(streamARN, "arn:aws:iam::123456789012:role/slowroutes-logs-to-kinesis", fn.Region)
	if err != nil {
		t.Fatal(err)
	}
	// Every event: the whole files are what the pipeline must count.
	sub := Subscription{Function: fn, Kind: Harakiri, FilterPattern: "", Destination: ToKinesis, Kinesis: target}
	logs := &recordingLogs{LogsAPI: e.logs}
	lam := &countingLambda{LambdaAPI: e.lambda}
	s := &Subscriber{Logs: logs, Lambda: lam}
	plan, err := s.Plan(ctx, sub, Selection{LogGroups: []string{group}})
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ctx, plan)
	if c := plan.Changes[0]; !c.Applied || c.Failed() || c.Permission != PermissionNone || c.Distribution != "ByLogStream" || c.Destination != streamARN {
		t.Fatalf("change %+v", c)
	}
	if len(logs.put) != 1 || logs.put[0].Distribution != types.DistributionByLogStream ||
		aws.ToString(logs.put[0].DestinationArn) != streamARN || aws.ToString(logs.put[0].RoleArn) != target.RoleARN {
		t.Fatalf("PutSubscriptionFilter calls %+v", logs.put)
	}
	if lam.added != 0 {
		t.Errorf("%d Lambda permissions added for a Kinesis destination", lam.added)
	}
	if fs := e.filters(t, group); len(fs) != 1 || aws.ToString(fs[0].DestinationArn) != streamARN || fs[0].Distribution != types.DistributionByLogStream {
		t.Fatalf("filters %+v", fs)
	}
	again, err := s.Plan(ctx, sub, Selection{LogGroups: []string{group}})
	if err != nil || again.Changes[0].Action != Unchanged {
		t.Fatalf("second plan: %v %+v", err, again)
	}

	// Two log streams of real lines, written in alternating batches.
	files := map[string]string{
		"uwsgi/web-1":    "../../testdata/captures/incidents/uwsgi-noids/uwsgi.log",
		"gunicorn/api-1": "../../testdata/captures/incidents/gunicorn-noids/gunicorn-error.log",
	}
	lines := map[string][]string{}
	lc := cloudwatchlogs.NewFromConfig(cfg)
	for name, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines[name] = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if _, err := lc.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	const batch = 150
	start := time.Now().Add(-time.Hour).UnixMilli()
	for off := 0; off < len(lines["uwsgi/web-1"]) || off < len(lines["gunicorn/api-1"]); off += batch {
		for _, name := range []string{"uwsgi/web-1", "gunicorn/api-1"} {
			ls := lines[name]
			if off >= len(ls) {
				continue
			}
			var evs []types.InputLogEvent
			for i := off; i < min(off+batch, len(ls)); i++ {
				evs = append(evs, types.InputLogEvent{Message: aws.String(ls[i]), Timestamp: aws.Int64(start + int64(i))})
			}
			if _, err := lc.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name), LogEvents: evs}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Read the shard from its start, in order, as the event source mapping does.
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("slowroutes-logs")})
	if err != nil || len(shards.Shards) != 1 {
		t.Fatalf("shards %v %v", shards, err)
	}
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("slowroutes-logs"),
		ShardId: shards.Shards[0].ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(pipeline.Config{})
	got := map[string][]string{}
	iter, records := it.ShardIterator, 0
	for range 1000 {
		out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range out.Records {
			records++
			pl := decodePayload(t, rec.Data)
			if pl.MessageType != "DATA_MESSAGE" || pl.LogGroup != group {
				t.Fatalf("payload %s of %s", pl.MessageType, pl.LogGroup)
			}
			st := p.Stream([]byte(pl.LogGroup), []byte(pl.LogStream))
			for _, ev := range pl.LogEvents {
				got[pl.LogStream] = append(got[pl.LogStream], ev.Message)
				p.Message(st, []byte(ev.Message), ev.Timestamp)
			}
		}
		if len(out.Records) == 0 || out.NextShardIterator == nil {
			break
		}
		iter = out.NextShardIterator
	}
	p.Close()
	if records == 0 {
		t.Fatal("no Kinesis records")
	}
	if diff := cmp.Diff(lines, got); diff != "" {
		t.Fatalf("log streams read from the shard differ from those written (-written +read):\n%.2000s", diff)
	}

	// The same lines read directly from the files (uwsgi.log: 5 harakiri
	// kills, gunicorn-error.log: 12 worker timeouts).
	direct := pipeline.New(pipeline.Config{})
	for name, ls := range lines {
		st := direct.Stream([]byte(group), []byte(name))
		for i, l := range ls {
			direct.Line(st, []byte(l), start+int64(i))
		}
	}
	direct.Close()
	want, have := report.Build(direct.Aggregates()), report.Build(p.Aggregates())
	if diff := cmp.Diff(want.Routes, have.Routes); diff != "" {
		t.Errorf("routes through Kinesis (-files +kinesis):\n%s", diff)
	}
	var timeouts int64
	for _, r := range have.Routes {
		timeouts += r.TimeoutsTotal
	}
	if timeouts != 5+12 || have.Events.HarakiriIdle != 0 || have.Events.GunicornTimeoutsAttributed != 12 {
		t.Errorf("%d timeouts, %d idle, %d gunicorn attributed", timeouts, have.Events.HarakiriIdle, have.Events.GunicornTimeoutsAttributed)
	}
}

func decodePayload(tb testing.TB, data []byte) subscriptionPayload {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("record data is not gzip: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	var pl subscriptionPayload
	if err := json.Unmarshal(raw, &pl); err != nil {
		tb.Fatal(err)
	}
	return pl
}
