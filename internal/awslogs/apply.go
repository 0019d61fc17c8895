package awslogs

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Apply carries out the plan, group by group, going on after a group
// fails. Each Change records whether it was applied and what went wrong.
// Permission comes before the filter: CloudWatch Logs rejects a filter it
// may not deliver to.
func (s *Subscriber) Apply(ctx context.Context, plan *Plan) {
	for _, c := range plan.Changes {
		if c.Error != "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			if c.Changes() {
				c.Error = fmt.Sprintf("not applied: %v", err)
			}
			continue
		}
		if err := s.apply(ctx, plan, c); err != nil {
			c.Error = err.Error()
			continue
		}
		c.Applied = c.Changes()
	}
}

func (s *Subscriber) apply(ctx context.Context, plan *Plan, c *Change) error {
	fn := plan.Function
	switch c.Action {
	case Create, Update, Unchanged:
		if c.Permission == PermissionGrant {
			if err := s.grant(ctx, plan, c); err != nil {
				return err
			}
			c.PermissionApplied = c.Permission == PermissionGrant
		}
		if c.Action == Unchanged {
			return nil
		}
		in := &cloudwatchlogs.PutSubscriptionFilterInput{
			LogGroupName:   aws.String(c.LogGroup),
			FilterName:     aws.String(plan.FilterName),
			FilterPattern:  aws.String(plan.FilterPattern),
			DestinationArn: aws.String(plan.destinationARN()),
			Distribution:   plan.distribution(),
		}
		if r := plan.roleARN(); r != "" {
			in.RoleArn = aws.String(r)
		}
		_, err := s.Logs.PutSubscriptionFilter(ctx, in)
		if errorCode(err) == "LimitExceededException" {
			return errors.New(fullReason(c.OtherFilters))
		}
		if err != nil {
			return fmt.Errorf("creating subscription filter %s: %w", plan.FilterName, err)
		}
	case Delete:
		_, err := s.Logs.DeleteSubscriptionFilter(ctx, &cloudwatchlogs.DeleteSubscriptionFilterInput{
			LogGroupName: aws.String(c.LogGroup),
			FilterName:   aws.String(plan.FilterName),
		})
		if err != nil && errorCode(err) != "ResourceNotFoundException" {
			return fmt.Errorf("deleting subscription filter %s: %w", plan.FilterName, err)
		}
	}
	if c.Permission == PermissionRevoke {
		_, err := s.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{
			FunctionName: aws.String(fn.ARN),
			StatementId:  aws.String(StatementID(c.sourceARN)),
		})
		if err != nil && errorCode(err) != "ResourceNotFoundException" {
			return fmt.Errorf("removing permission statement %s: %w", StatementID(c.sourceARN), err)
		}
		c.PermissionApplied = true
	}
	return nil
}

// grant lets CloudWatch Logs invoke the function for the group, scoped to
// the group and its account.
func (s *Subscriber) grant(ctx context.Context, plan *Plan, c *Change) error {
	fn := plan.Function
	account := accountOf(c.sourceARN, fn.Account)
	sid := StatementID(c.sourceARN)
	_, err := s.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName:  aws.String(fn.ARN),
		StatementId:   aws.String(sid),
		Action:        aws.String("lambda:InvokeFunction"),
		Principal:     aws.String(LogsPrincipal),
		SourceArn:     aws.String(c.sourceARN),
		SourceAccount: aws.String(account),
	})
	switch errorCode(err) {
	case "":
		return nil
	case "ResourceConflictException":
		// The statement ID exists (another run got there first) or the
		// policy was being updated: what counts is whether it now allows us.
		p, perr := getPolicy(ctx, s.Lambda, fn.ARN)
		if perr == nil && (p.has(sid) || p.allowsLogs(c.sourceARN, account)) {
			plan.policy = p
			c.Permission = PermissionPresent
			return nil
		}
	case "PolicyLengthExceededException":
		return fmt.Errorf("the resource policy of %s is full (Lambda allows 20 KB, about 50 log groups): "+
			"grant all log groups of the account at once, then run again: aws lambda add-permission --function-name %s "+
			"--statement-id slowroutes-logs-all --action lambda:InvokeFunction --principal %s --source-arn 'arn:%s:logs:%s:%s:log-group:*' --source-account %s",
			fn.Name, fn.ARN, LogsPrincipal, fn.Partition, fn.Region, fn.Account, fn.Account)
	}
	return fmt.Errorf("granting CloudWatch Logs permission to invoke %s: %w", fn.Name, err)
}
