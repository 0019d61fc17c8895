package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/slowroutes/slowroutes/internal/awslogs"
)

const subscribeSynopsis = `Usage: slowroutes subscribe --function-arn ARN (--log-group NAME ... | --log-group-prefix PREFIX ...) [flags]

Subscribes CloudWatch Logs log groups to a slowroutes function: one
subscription filter per log group, named slowroutes-harakiri or
slowroutes-slowlog, with the default pattern of the function's kind. Before
creating a filter it grants CloudWatch Logs permission to invoke the function
for that log group only (lambda:AddPermission, principal logs.amazonaws.com,
scoped by source ARN and account). Running it again changes nothing, and says so.

Log groups are looked up in the function's region (a subscription cannot
cross regions) with the standard AWS credential chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID, SSO, ...; AWS_ENDPOINT_URL points it at another endpoint).

With --destination kinesis the filters write to a Kinesis stream instead
(--stream-arn, and --role-arn: a role logs.amazonaws.com may assume with
kinesis:PutRecord on it) with distribution ByLogStream, so that each log
stream stays on one shard; the function reads the stream through an event
source mapping with ParallelizationFactor 1 (template.yaml), and a log
stream's multi-line state is never split between containers.

The function's own log group (/aws/lambda/NAME, or the one it is configured
to log to) is refused: it would feed the function its own output forever. A
log group that already has 2 subscription filters, the CloudWatch Logs
maximum, is reported and the others go on.

Exit status: 0 when every log group ends up as asked, 1 when some do not, 2 for bad usage.`

const subscribeExamples = `  # see what would change
  slowroutes subscribe --dry-run --function-arn arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-harakiri \
      --log-group-prefix /ecs/shop-
  # subscribe two log groups to the slowlog function, for a script
  slowroutes subscribe --format json --kind slowlog \
      --function-arn arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-slowlog \
      --log-group /ecs/shop-web --log-group /ecs/shop-api
  # through a Kinesis stream: each log stream on one shard, read in order
  slowroutes subscribe --kind harakiri --destination kinesis \
      --function-arn arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-harakiri \
      --stream-arn arn:aws:kinesis:eu-west-1:123456789012:stream/slowroutes-logs \
      --role-arn arn:aws:iam::123456789012:role/slowroutes-logs-to-kinesis --log-group-prefix /ecs/shop-
  # a narrower pattern of your own
  slowroutes subscribe --function-arn ARN --log-group /ecs/shop-web --filter-pattern '?HARAKIRI ?"upstream timed out"'
  # undo
  slowroutes subscribe --remove --function-arn ARN --log-group-prefix /ecs/shop-
`

// optionalString is a string flag that knows whether it was given, so that
// an explicit empty value can differ from the default.
type optionalString struct {
	value string
	set   bool
}

func (o *optionalString) String() string     { return o.value }
func (o *optionalString) Set(v string) error { o.value, o.set = v, true; return nil }

func runSubscribe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("subscribe", subscribeSynopsis, subscribeExamples, stderr)
	functionARN := fs.String("function-arn", "", "`ARN` of the slowroutes function to deliver to, e.g. arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-harakiri")
	var groups, prefixes stringList
	fs.Var(&groups, "log-group", "log group `NAME` to subscribe, e.g. /ecs/shop-web (repeatable)")
	fs.Var(&prefixes, "log-group-prefix", "subscribe every log group whose name starts with `PREFIX`, e.g. /ecs/shop- (repeatable)")
	kindFlag := fs.String("kind", "", "`KIND` of the function, harakiri or slowlog (default: slowlog if the function's name says slowlog, else harakiri)")
	var pattern optionalString
	fs.Var(&pattern, "filter-pattern", "CloudWatch Logs filter `PATTERN` instead of the kind's default, e.g. '?HARAKIRI ?\"WORKER TIMEOUT\"' ('' = every event)")
	dryRun := fs.Bool("dry-run", false, "print the plan (log group, action, pattern) and change nothing")
	remove := fs.Bool("remove", false, "delete the slowroutes filters (and the permission statements subscribe added) instead")
	format := fs.String("format", "table", "output `format`: table or json")
	destFlag := fs.String("destination", "lambda", "`DEST` of the filters: lambda (invoke the function) or kinesis (write to --stream-arn, distribution ByLogStream)")
	streamARN := fs.String("stream-arn", "", "Kinesis stream `ARN` for --destination kinesis, e.g. arn:aws:kinesis:eu-west-1:123456789012:stream/slowroutes-logs")
	roleARN := fs.String("role-arn", "", "IAM role `ARN` CloudWatch Logs assumes to write to the stream (--destination kinesis)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	usageErr := usageError(stderr, "subscribe")
	switch {
	case len(pos) > 0:
		return usageErr("unexpected argument %q (log groups are given with --log-group)", pos[0])
	case *format != "table" && *format != "json":
		return usageErr("--format: want table or json, got %q", *format)
	case *functionARN == "":
		return usageErr("--function-arn is required")
	case len(groups) == 0 && len(prefixes) == 0:
		return usageErr("give --log-group NAME or --log-group-prefix PREFIX")
	}
	for _, p := range prefixes {
		if p == "" {
			return usageErr("--log-group-prefix must not be empty (it would select every log group of the region)")
		}
	}
	fn, err := awslogs.ParseFunctionARN(*functionARN)
	if err != nil {
		return usageErr("--function-arn: %v", err)
	}
	kind := awslogs.KindOfFunction(fn.Name)
	if *kindFlag != "" {
		if kind, err = awslogs.ParseKind(*kindFlag); err != nil {
			return usageErr("--kind: %v", err)
		}
	}
	sub := awslogs.Subscription{Function: fn, Kind: kind, FilterPattern: kind.DefaultPattern(), Remove: *remove}
	if sub.Destination, err = awslogs.ParseDestination(*destFlag); err != nil {
		return usageErr("--destination: %v", err)
	}
	switch {
	case sub.Destination == awslogs.ToKinesis && !*remove:
		if sub.Kinesis, err = awslogs.ParseKinesisTarget(*streamARN, *roleARN, fn.Region); err != nil {
			return usageErr("--destination kinesis: %v", err)
		}
	case sub.Destination == awslogs.ToLambda && (*streamARN != "" || *roleARN != ""):
		return usageErr("--stream-arn and --role-arn go with --destination kinesis")
	}
	if pattern.set {
		sub.FilterPattern = pattern.value
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := awslogs.LoadConfig(ctx, fn.Region)
	if err != nil {
		fmt.Fprintf(stderr, "slowroutes subscribe: %v\n", err)
		return 1
	}
	s := &awslogs.Subscriber{Logs: cloudwatchlogs.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg)}
	plan, err := s.Plan(ctx, sub, awslogs.Selection{LogGroups: groups, Prefixes: prefixes})
	if err != nil {
		fmt.Fprintf(stderr, "slowroutes subscribe: %v\n", err)
		return 1
	}
	if !*dryRun {
		s.Apply(ctx, plan)
	}
	if *format == "json" {
		err = writeSubscribeJSON(stdout, plan, *dryRun)
	} else {
		err = writeSubscribeTable(stdout, plan, *dryRun)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slowroutes subscribe: %v\n", err)
		return 1
	}
	for _, c := range plan.Changes {
		if c.Failed() {
			return 1
		}
	}
	return 0
}

// subscribeDocument is the JSON output of subscribe. Fields are only ever added.
type subscribeDocument struct {
	FunctionARN   string            `json:"function_arn"`
	Kind          string            `json:"kind"`
	FilterName    string            `json:"filter_name"`
	FilterPattern string            `json:"filter_pattern"`
	DryRun        bool              `json:"dry_run"`
	Remove        bool              `json:"remove"`
	Changed       bool              `json:"changed"`
	Failed        int               `json:"failed"`
	Warnings      []string          `json:"warnings"`
	LogGroups     []*awslogs.Change `json:"log_groups"`
}

func writeSubscribeJSON(w io.Writer, plan *awslogs.Plan, dryRun bool) error {
	doc := subscribeDocument{
		FunctionARN: plan.Function.ARN, Kind: string(plan.Kind), FilterName: plan.FilterName, FilterPattern: plan.FilterPattern,
		DryRun: dryRun, Remove: plan.Remove, Warnings: plan.Warnings, LogGroups: plan.Changes,
	}
	if doc.Warnings == nil {
		doc.Warnings = []string{}
	}
	if doc.LogGroups == nil {
		doc.LogGroups = []*awslogs.Change{}
	}
	for _, c := range plan.Changes {
		if c.Failed() {
			doc.Failed++
		}
		if c.Changes() && (dryRun || c.Applied || c.PermissionApplied) {
			doc.Changed = true
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeSubscribeTable(w io.Writer, plan *awslogs.Plan, dryRun bool) error {
	fmt.Fprintf(w, "function:  %s\n", plan.Function.ARN)
	if plan.Destination == awslogs.ToKinesis && !plan.Remove {
		fmt.Fprintf(w, "through:   %s (distribution ByLogStream, role %s)\n", plan.Kinesis.StreamARN, plan.Kinesis.RoleARN)
	}
	if plan.Remove {
		fmt.Fprintf(w, "removing:  subscription filter %s\n", plan.FilterName)
	} else {
		p := plan.FilterPattern
		if p == "" {
			p = `"" (every event)`
		}
		fmt.Fprintf(w, "filter:    %s (%s)\npattern:   %s\n", plan.FilterName, plan.Kind, p)
	}
	if dryRun {
		fmt.Fprintln(w, "dry run:   nothing is changed")
	}
	for _, warn := range plan.Warnings {
		fmt.Fprintf(w, "warning:   %s\n", warn)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LOG GROUP\tACTION\tPERMISSION\tDETAIL")
	counts := map[string]int{}
	changes, failed := 0, 0
	for _, c := range plan.Changes {
		status := actionWord(c, dryRun)
		counts[status]++
		if c.Failed() {
			failed++
		}
		if c.Changes() && (dryRun || c.Applied || c.PermissionApplied) {
			changes++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.LogGroup, status, permissionWord(c, dryRun), oneLine(detail(c)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	var parts []string
	for _, k := range []string{"would create", "created", "would update", "updated", "would delete", "deleted",
		"unchanged", "absent", "refused", "limit exceeded", "not found", "failed"} {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.Replace(k, "would ", "to ", 1)))
		}
	}
	fmt.Fprintf(w, "%d log groups: %s\n", len(plan.Changes), strings.Join(parts, ", "))
	switch {
	case changes > 0:
	case plan.Remove && failed == 0:
		fmt.Fprintln(w, "nothing to change: no log group has a slowroutes filter to delete")
	case failed == 0:
		fmt.Fprintln(w, "nothing to change: every log group is already subscribed as asked")
	default:
		fmt.Fprintf(w, "nothing to change, but %d log groups are not as asked (see DETAIL)\n", failed)
	}
	_, err := fmt.Fprintln(w)
	return err
}

func actionWord(c *awslogs.Change, dryRun bool) string {
	if c.Error != "" {
		return "failed"
	}
	switch c.Action {
	case awslogs.Create, awslogs.Update, awslogs.Delete:
		if dryRun {
			return "would " + string(c.Action)
		}
		return string(c.Action) + "d"
	case awslogs.Full:
		return "limit exceeded"
	case awslogs.NotFound:
		return "not found"
	}
	return string(c.Action)
}

func permissionWord(c *awslogs.Change, dryRun bool) string {
	switch c.Permission {
	case awslogs.PermissionGrant:
		if dryRun {
			return "would grant"
		}
		if c.PermissionApplied {
			return "granted"
		}
		return "not granted"
	case awslogs.PermissionRevoke:
		if dryRun {
			return "would revoke"
		}
		if c.PermissionApplied {
			return "revoked"
		}
		return "not revoked"
	case awslogs.PermissionPresent:
		return "present"
	}
	return "-"
}

func detail(c *awslogs.Change) string {
	switch {
	case c.Error != "":
		return c.Error
	case c.Reason != "":
		return c.Reason
	case c.PreviousDestination != "":
		return "was delivering to " + c.PreviousDestination
	case c.PreviousPattern != nil:
		return fmt.Sprintf("pattern was %q", *c.PreviousPattern)
	case c.Action == awslogs.Delete && c.FilterPattern != "":
		return fmt.Sprintf("pattern %q", c.FilterPattern)
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
