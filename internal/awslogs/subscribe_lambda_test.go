package awslogs

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// fakeLambda answers from a policy it keeps, with scripted failures, for
// what moto does not do: Lambda's ResourceConflictException and
// PolicyLengthExceededException, and a function logging to a custom group.
type fakeLambda struct {
	logGroup   string
	statements []string
	addErr     error
	getPolicy  int
}

func (f *fakeLambda) GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	out := &lambda.GetFunctionConfigurationOutput{}
	if f.logGroup != "" {
		out.LoggingConfig = &lambdatypes.LoggingConfig{LogGroup: aws.String(f.logGroup)}
	}
	return out, nil
}

func (f *fakeLambda) GetPolicy(context.Context, *lambda.GetPolicyInput, ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	f.getPolicy++
	if len(f.statements) == 0 {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("The resource you requested does not exist.")}
	}
	return &lambda.GetPolicyOutput{Policy: aws.String(`{"Statement":[` + strings.Join(f.statements, ",") + `]}`)}, nil
}

func (f *fakeLambda) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	if f.addErr != nil {
		return nil, f.addErr
	}
	f.statements = append(f.statements, fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"Service":%q},"Action":%q,"Condition":{"ArnLike":{"AWS:SourceArn":%q}}}`,
		aws.ToString(in.StatementId), aws.ToString(in.Principal), aws.ToString(in.Action), aws.ToString(in.SourceArn)))
	return &lambda.AddPermissionOutput{}, nil
}

func (f *fakeLambda) RemovePermission(context.Context, *lambda.RemovePermissionInput, ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	return &lambda.RemovePermissionOutput{}, nil
}

func TestSubscribeCustomFunctionLogGroup(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := "arn:aws:lambda:us-east-1:123456789012:function:slowroutes-harakiri"
	e.createGroups(t, "/slowroutes/functions", "/slowroutes/shop")
	s := &Subscriber{Logs: e.logs, Lambda: &fakeLambda{logGroup: "/slowroutes/functions"}}
	plan, err := s.Plan(testContext(t), harakiriSubscription(t, fnARN), Selection{Prefixes: []string{"/slowroutes/"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/slowroutes/functions": "refused", "/slowroutes/shop": "create+grant"}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

func TestSubscribePermissionConflicts(t *testing.T) {
	e := newAWSEnv(t)
	// The function exists on moto for PutSubscriptionFilter; its policy is the fake's.
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	e.createGroups(t, "/ecs/a")
	sub := harakiriSubscription(t, fnARN)
	src := sub.Function.LogGroupSourceARN("/ecs/a")
	ctx := testContext(t)

	t.Run("statement added meanwhile", func(t *testing.T) {
		fake := &fakeLambda{}
		s := &Subscriber{Logs: e.logs, Lambda: fake}
		plan, err := s.Plan(ctx, sub, Selection{LogGroups: []string{"/ecs/a"}})
		if err != nil {
			t.Fatal(err)
		}
		// Another run adds the statement between our plan and our apply.
		fake.statements = []string{fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":%q}}}`, StatementID(src), src)}
		fake.addErr = &smithy.GenericAPIError{Code: "ResourceConflictException", Message: "The statement id (x) provided already exists."}
		s.Apply(ctx, plan)
		c := plan.Changes[0]
		if c.Permission != PermissionPresent || c.Error != "" || !c.Applied {
			t.Errorf("after a conflict: permission %s, applied %v, error %q; want present, applied", c.Permission, c.Applied, c.Error)
		}
	})
	t.Run("policy full", func(t *testing.T) {
		fake := &fakeLambda{addErr: &lambdatypes.PolicyLengthExceededException{Message: aws.String("The final policy size (20539) is bigger than the limit (20480).")}}
		s := &Subscriber{Logs: e.logs, Lambda: fake}
		plan, err := s.Plan(ctx, sub, Selection{LogGroups: []string{"/ecs/a"}})
		if err != nil {
			t.Fatal(err)
		}
		e.logs.reset()
		s.Apply(ctx, plan)
		c := plan.Changes[0]
		if !c.Failed() || !strings.Contains(c.Error, "log-group:*") {
			t.Errorf("policy full: error %q, want the account-wide add-permission hint", c.Error)
		}
		if n := e.logs.n("PutSubscriptionFilter"); n != 0 {
			t.Errorf("a filter was put (%d) without permission", n)
		}
	})
}
