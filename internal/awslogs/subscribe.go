package awslogs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// MaxFiltersPerLogGroup is how many subscription filters CloudWatch Logs
// allows on one log group (a fixed quota).
const MaxFiltersPerLogGroup = 2

// DefaultPageSize is the largest page DescribeLogGroups returns.
const DefaultPageSize = 50

// ErrFunctionNotFound means the function to subscribe does not exist.
var ErrFunctionNotFound = errors.New("function not found")

// Action is what subscribing does to the subscription filter of one log group.
type Action string

// Actions. A plan holds one per log group; applying it carries them out.
const (
	Create    Action = "create"
	Update    Action = "update"    // a different pattern or function
	Unchanged Action = "unchanged" // already as asked
	Delete    Action = "delete"
	Absent    Action = "absent"         // nothing to delete
	Refused   Action = "refused"        // a slowroutes function's own log group
	Full      Action = "limit_exceeded" // already MaxFiltersPerLogGroup other filters
	NotFound  Action = "not_found"
)

// PermissionAction is what subscribing does to the function's resource
// policy for one log group.
type PermissionAction string

// Permission actions.
const (
	PermissionNone    PermissionAction = ""
	PermissionGrant   PermissionAction = "grant"   // add our statement
	PermissionPresent PermissionAction = "present" // some statement already allows it
	PermissionRevoke  PermissionAction = "revoke"  // remove our statement
)

// Subscription is what to subscribe log groups to.
type Subscription struct {
	// Function is the slowroutes function the events are for; with a
	// Kinesis destination, the one that reads the stream.
	Function FunctionARN
	Kind     Kind
	// Destination is ToLambda (the zero value means it too) or ToKinesis,
	// which writes to Kinesis.StreamARN with distribution ByLogStream.
	Destination Destination
	Kinesis     KinesisTarget
	// FilterPattern is the pattern of the filters; see Kind.DefaultPattern.
	FilterPattern string
	// Remove deletes the filters (and our permission statements) instead.
	Remove bool
}

// Selection names the log groups to act on: exact names and name prefixes.
type Selection struct {
	LogGroups []string
	Prefixes  []string
}

// Change is the plan, then the outcome, for one log group.
type Change struct {
	LogGroup   string           `json:"log_group"`
	Action     Action           `json:"action"`
	Permission PermissionAction `json:"permission,omitempty"`
	// FilterPattern is the pattern the filter has once applied.
	FilterPattern string `json:"filter_pattern"`
	// Destination and Distribution are where the filter delivers once
	// applied, and how a Kinesis destination spreads the log streams.
	Destination  string `json:"destination,omitempty"`
	Distribution string `json:"distribution,omitempty"`
	// PreviousPattern and PreviousDestination describe the filter an update replaces.
	PreviousPattern     *string `json:"previous_pattern,omitempty"`
	PreviousDestination string  `json:"previous_destination,omitempty"`
	// OtherFilters are the names of the group's other subscription filters.
	OtherFilters []string `json:"other_filters,omitempty"`
	// Reason explains a refusal, a limit, a missing group.
	Reason string `json:"reason,omitempty"`
	// Named is true for a group named exactly rather than matched by a prefix.
	Named bool `json:"named"`
	// Applied is true once the change was made; PermissionApplied once the
	// permission was granted or revoked.
	Applied           bool   `json:"applied"`
	PermissionApplied bool   `json:"permission_applied"`
	Error             string `json:"error,omitempty"`

	sourceARN string
}

// Failed reports whether the group did not or will not end up as asked:
// an error, no room for a filter, a missing group, or the refusal of a
// group named explicitly (a refused group that a prefix matched is only skipped).
func (c *Change) Failed() bool {
	return c.Error != "" || c.Action == Full || c.Action == NotFound || (c.Action == Refused && c.Named)
}

// Changes reports whether applying the change modifies anything.
func (c *Change) Changes() bool {
	switch c.Action {
	case Create, Update, Delete:
		return true
	}
	return c.Permission == PermissionGrant || c.Permission == PermissionRevoke
}

// Plan is what subscribing will do, log group by log group, in name order.
type Plan struct {
	Subscription
	FilterName string
	Changes    []*Change
	// Warnings are things the operator should know that change no decision.
	Warnings []string

	policy policy
}

// Subscriber plans and applies subscriptions.
type Subscriber struct {
	Logs   LogsAPI
	Lambda LambdaAPI
	// PageSize is the DescribeLogGroups page size (default and maximum DefaultPageSize).
	PageSize int32
}

// Plan lists the selected log groups, reads their subscription filters and
// the function's resource policy, and decides what to do to each group. It
// changes nothing. An error means no plan (the function or the listing
// failed); a problem with one group is recorded in its Change.
func (s *Subscriber) Plan(ctx context.Context, sub Subscription, sel Selection) (*Plan, error) {
	if len(sel.LogGroups) == 0 && len(sel.Prefixes) == 0 {
		return nil, errors.New("no log group or prefix selected")
	}
	plan := &Plan{Subscription: sub, FilterName: sub.Kind.FilterName()}
	own := map[string]string{}
	var err error
	// Removing needs no function: its filters outlive a deleted stack.
	if !sub.Remove {
		if own, err = s.ownLogGroups(ctx, plan); err != nil {
			return nil, err
		}
	}
	// Only a Lambda destination needs the function's permission.
	if sub.Destination != ToKinesis {
		if plan.policy, err = getPolicy(ctx, s.Lambda, sub.Function.ARN); err != nil {
			return nil, err
		}
	}
	groups, err := s.listGroups(ctx, sel)
	if err != nil {
		return nil, err
	}
	filters := make(map[string][]filter, len(groups))
	for _, g := range groups {
		if g.Action == NotFound {
			continue
		}
		fs, err := s.filters(ctx, g.LogGroup)
		if err != nil {
			g.Error = err.Error()
			continue
		}
		filters[g.LogGroup] = fs
		// A group feeding another slowroutes function marks that
		// function's own log group as one not to subscribe either.
		for _, f := range fs {
			if strings.HasPrefix(f.name, "slowroutes-") {
				if fn, err := ParseFunctionARN(f.destination); err == nil {
					if _, ok := own["/aws/lambda/"+fn.Name]; !ok {
						own["/aws/lambda/"+fn.Name] = fn.Name
					}
				}
			}
		}
	}
	for _, g := range groups {
		if g.Action != NotFound && g.Error == "" {
			plan.decide(g, filters[g.LogGroup], own)
		}
	}
	plan.Changes = groups
	return plan, nil
}

// ownLogGroups returns the log groups the function writes to: they must
// never feed it. A function may log to a group of its choosing
// (LoggingConfig); the default is /aws/lambda/NAME.
func (s *Subscriber) ownLogGroups(ctx context.Context, plan *Plan) (map[string]string, error) {
	fn := plan.Function
	own := map[string]string{"/aws/lambda/" + fn.Name: fn.Name}
	out, err := s.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn.ARN)})
	switch {
	case errorCode(err) == "ResourceNotFoundException":
		return nil, fmt.Errorf("%s: %w", fn.ARN, ErrFunctionNotFound)
	case err != nil:
		plan.Warnings = append(plan.Warnings, fmt.Sprintf(
			"could not read the function's configuration (%v): assuming it logs to /aws/lambda/%s only", err, fn.Name))
	case out.LoggingConfig != nil && aws.ToString(out.LoggingConfig.LogGroup) != "":
		own[aws.ToString(out.LoggingConfig.LogGroup)] = fn.Name
	}
	return own, nil
}

// listGroups returns one Change per selected log group, sorted by name.
func (s *Subscriber) listGroups(ctx context.Context, sel Selection) ([]*Change, error) {
	byName := map[string]*Change{}
	for _, prefix := range sel.Prefixes {
		p := cloudwatchlogs.NewDescribeLogGroupsPaginator(s.Logs, &cloudwatchlogs.DescribeLogGroupsInput{
			LogGroupNamePrefix: aws.String(prefix),
			Limit:              aws.Int32(s.pageSize()),
		}, func(o *cloudwatchlogs.DescribeLogGroupsPaginatorOptions) { o.StopOnDuplicateToken = true })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing log groups with prefix %q: %w", prefix, err)
			}
			for _, lg := range page.LogGroups {
				name := aws.ToString(lg.LogGroupName)
				if byName[name] == nil {
					byName[name] = &Change{LogGroup: name, sourceARN: aws.ToString(lg.Arn)}
				}
			}
		}
	}
	for _, name := range sel.LogGroups {
		if c := byName[name]; c != nil {
			c.Named = true
			continue
		}
		// Names sort after their prefixes, so the group itself, if it
		// exists, is the first one whose name starts with its name.
		out, err := s.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{
			LogGroupNamePrefix: aws.String(name),
			Limit:              aws.Int32(1),
		})
		if err != nil {
			return nil, fmt.Errorf("looking up log group %s: %w", name, err)
		}
		c := &Change{LogGroup: name, Named: true}
		if len(out.LogGroups) > 0 && aws.ToString(out.LogGroups[0].LogGroupName) == name {
			c.sourceARN = aws.ToString(out.LogGroups[0].Arn)
		} else {
			c.Action, c.Reason = NotFound, "no such log group in this account and region"
		}
		byName[name] = c
	}
	groups := make([]*Change, 0, len(byName))
	for _, c := range byName {
		groups = append(groups, c)
	}
	slices.SortFunc(groups, func(a, b *Change) int { return strings.Compare(a.LogGroup, b.LogGroup) })
	return groups, nil
}

func (s *Subscriber) pageSize() int32 {
	if s.PageSize <= 0 || s.PageSize > DefaultPageSize {
		return DefaultPageSize
	}
	return s.PageSize
}

type filter struct {
	name, pattern, destination, role string
	distribution                     types.Distribution
}

func (s *Subscriber) filters(ctx context.Context, logGroup string) ([]filter, error) {
	var fs []filter
	p := cloudwatchlogs.NewDescribeSubscriptionFiltersPaginator(s.Logs, &cloudwatchlogs.DescribeSubscriptionFiltersInput{
		LogGroupName: aws.String(logGroup),
	}, func(o *cloudwatchlogs.DescribeSubscriptionFiltersPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the subscription filters of %s: %w", logGroup, err)
		}
		for _, f := range page.SubscriptionFilters {
			fs = append(fs, filter{name: aws.ToString(f.FilterName), pattern: aws.ToString(f.FilterPattern),
				destination: aws.ToString(f.DestinationArn), role: aws.ToString(f.RoleArn), distribution: f.Distribution})
		}
	}
	return fs, nil
}

// decide fills in the action for a group whose filters are known.
func (plan *Plan) decide(c *Change, filters []filter, own map[string]string) {
	fn := plan.Function
	if c.sourceARN == "" {
		c.sourceARN = fn.LogGroupSourceARN(c.LogGroup)
	}
	var ours *filter
	for i := range filters {
		if filters[i].name == plan.FilterName {
			ours = &filters[i]
		} else {
			c.OtherFilters = append(c.OtherFilters, filters[i].name)
		}
	}
	if plan.Remove {
		c.Action = Absent
		if ours != nil {
			c.Action, c.FilterPattern = Delete, ours.pattern
		}
		stillFeeds := false
		for _, f := range filters {
			if f.name != plan.FilterName && f.destination == fn.ARN {
				stillFeeds = true
			}
		}
		if plan.policy.has(StatementID(c.sourceARN)) && !stillFeeds {
			c.Permission = PermissionRevoke
		}
		return
	}
	c.FilterPattern = plan.FilterPattern
	c.Destination, c.Distribution = plan.destinationARN(), string(plan.distribution())
	if owner, ok := own[c.LogGroup]; ok {
		c.Action = Refused
		c.Reason = fmt.Sprintf("function %s writes its own logs here: subscribing it would feed a slowroutes function its own output forever", owner)
		return
	}
	switch {
	case ours == nil && len(filters) >= MaxFiltersPerLogGroup:
		c.Action = Full
		c.Reason = fullReason(c.OtherFilters)
		return
	case ours == nil:
		c.Action = Create
	case ours.pattern == plan.FilterPattern && ours.destination == plan.destinationARN() &&
		(plan.Destination != ToKinesis || ours.role == plan.roleARN() && ours.distribution == plan.distribution()):
		c.Action = Unchanged
	default:
		c.Action = Update
		prev := ours.pattern
		c.PreviousPattern = &prev
		if ours.destination != plan.destinationARN() {
			c.PreviousDestination = ours.destination
		}
	}
	if plan.Destination == ToKinesis {
		return // CloudWatch Logs writes to the stream with the role, not through the function's policy
	}
	c.Permission = PermissionGrant
	if plan.policy.allowsLogs(c.sourceARN, accountOf(c.sourceARN, fn.Account)) {
		c.Permission = PermissionPresent
	}
}

func fullReason(others []string) string {
	return fmt.Sprintf("the log group already has %d subscription filters (%s), the most CloudWatch Logs allows: delete one to subscribe it",
		MaxFiltersPerLogGroup, strings.Join(others, ", "))
}

// accountOf returns the account field of an ARN, or def.
func accountOf(arn, def string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return def
}
