package awslogs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/go-cmp/cmp"
)

func harakiriSubscription(tb testing.TB, functionARN string) Subscription {
	tb.Helper()
	fn, err := ParseFunctionARN(functionARN)
	if err != nil {
		tb.Fatal(err)
	}
	return Subscription{Function: fn, Kind: Harakiri, FilterPattern: Harakiri.DefaultPattern()}
}

// summary is the action and permission of every group, for comparisons.
func summary(plan *Plan) map[string]string {
	m := map[string]string{}
	for _, c := range plan.Changes {
		s := string(c.Action)
		if c.Permission != PermissionNone {
			s += "+" + string(c.Permission)
		}
		if c.Error != "" {
			s += " error: " + c.Error
		}
		m[c.LogGroup] = s
	}
	return m
}

func TestSubscribePrefixAcrossPagesThenIdempotent(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	var shop []string
	for i := range 53 {
		shop = append(shop, fmt.Sprintf("/ecs/shop-%02d", i))
	}
	e.createGroups(t, shop...)
	e.createGroups(t, "/ecs/blog", "/ecs/shoe") // not matched by the prefix
	lam := &countingLambda{LambdaAPI: e.lambda}
	s := &Subscriber{Logs: e.logs, Lambda: lam}
	sub := harakiriSubscription(t, fnARN)
	ctx := testContext(t)

	plan, err := s.Plan(ctx, sub, Selection{Prefixes: []string{"/ecs/shop-"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.logs.n("DescribeLogGroups"); got != 2 {
		t.Errorf("53 log groups took %d DescribeLogGroups pages, want 2 (pages of %d)", got, DefaultPageSize)
	}
	want := map[string]string{}
	for _, g := range shop {
		want[g] = "create+grant"
	}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	s.Apply(ctx, plan)
	for _, c := range plan.Changes {
		if !c.Applied || !c.PermissionApplied || c.Failed() {
			t.Errorf("%s: applied=%v permission=%v error=%q", c.LogGroup, c.Applied, c.PermissionApplied, c.Error)
		}
	}
	for _, g := range []string{shop[0], shop[52]} {
		fs := e.filters(t, g)
		if len(fs) != 1 || aws.ToString(fs[0].FilterName) != "slowroutes-harakiri" ||
			aws.ToString(fs[0].FilterPattern) != Harakiri.DefaultPattern() || aws.ToString(fs[0].DestinationArn) != fnARN {
			t.Errorf("%s filters = %+v", g, fs)
		}
	}
	pol := e.policy(t, fnARN)
	if len(pol.Statement) != 53 {
		t.Errorf("policy has %d statements, want 53", len(pol.Statement))
	}
	src := sub.Function.LogGroupSourceARN(shop[7])
	if !pol.has(StatementID(src)) || !pol.allowsLogs(src, "123456789012") {
		t.Errorf("policy does not let CloudWatch Logs invoke the function for %s: %+v", shop[7], pol.Statement[7])
	}
	if pol.allowsLogs(sub.Function.LogGroupSourceARN("/ecs/blog"), "123456789012") {
		t.Error("policy lets an unsubscribed log group invoke the function")
	}

	// A second run finds everything in place and changes nothing.
	e.logs.reset()
	lam.added = 0
	again, err := s.Plan(ctx, sub, Selection{Prefixes: []string{"/ecs/shop-"}, LogGroups: []string{shop[3]}})
	if err != nil {
		t.Fatal(err)
	}
	for g := range want {
		want[g] = "unchanged+present"
	}
	if diff := cmp.Diff(want, summary(again)); diff != "" {
		t.Fatalf("second plan (-want +got):\n%s", diff)
	}
	s.Apply(ctx, again)
	for _, c := range again.Changes {
		if c.Changes() || c.Applied || c.Failed() {
			t.Errorf("second run changed %s: %+v", c.LogGroup, c)
		}
	}
	if n := e.logs.n("PutSubscriptionFilter") + lam.added; n != 0 {
		t.Errorf("second run made %d changing calls, want 0", n)
	}
}

func TestSubscribeUpdatesPatternAndDestination(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	oldARN := e.srv.CreateFunction(t, "old-harakiri")
	e.createGroups(t, "/ecs/a", "/ecs/b")
	e.putFilter(t, "/ecs/a", "slowroutes-harakiri", "HARAKIRI", fnARN)
	e.putFilter(t, "/ecs/b", "slowroutes-harakiri", Harakiri.DefaultPattern(), oldARN)
	s := &Subscriber{Logs: e.logs, Lambda: e.lambda}
	ctx := testContext(t)
	plan, err := s.Plan(ctx, harakiriSubscription(t, fnARN), Selection{LogGroups: []string{"/ecs/a", "/ecs/b"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"/ecs/a": "update+grant", "/ecs/b": "update+grant"}, summary(plan)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if p := plan.Changes[0].PreviousPattern; p == nil || *p != "HARAKIRI" {
		t.Errorf("previous pattern of /ecs/a = %v, want HARAKIRI", p)
	}
	if d := plan.Changes[1].PreviousDestination; d != oldARN {
		t.Errorf("previous destination of /ecs/b = %q, want %q", d, oldARN)
	}
	s.Apply(ctx, plan)
	for _, g := range []string{"/ecs/a", "/ecs/b"} {
		fs := e.filters(t, g)
		if len(fs) != 1 || aws.ToString(fs[0].FilterPattern) != Harakiri.DefaultPattern() || aws.ToString(fs[0].DestinationArn) != fnARN {
			t.Errorf("%s filters after update = %+v", g, fs)
		}
	}
}

func TestSubscribeRefusesOwnLogGroups(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	slowlogARN := e.srv.CreateFunction(t, "slowroutes-slowlog")
	e.createGroups(t, "/aws/lambda/slowroutes-harakiri", "/aws/lambda/slowroutes-slowlog", "/aws/lambda/shop-api")
	// The slowlog function is fed by shop-api: its own log group is a
	// slowroutes function's output too.
	e.putFilter(t, "/aws/lambda/shop-api", "slowroutes-slowlog", "", slowlogARN)
	s := &Subscriber{Logs: e.logs, Lambda: e.lambda}
	ctx := testContext(t)

	plan, err := s.Plan(ctx, harakiriSubscription(t, fnARN), Selection{Prefixes: []string{"/aws/lambda/"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/aws/lambda/shop-api":            "create+grant",
		"/aws/lambda/slowroutes-harakiri": "refused",
		"/aws/lambda/slowroutes-slowlog":  "refused",
	}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	for _, c := range plan.Changes {
		if c.Action == Refused && (c.Failed() || !strings.Contains(c.Reason, "its own output")) {
			t.Errorf("%s: a refusal matched by a prefix should be skipped with a reason, got failed=%v reason=%q", c.LogGroup, c.Failed(), c.Reason)
		}
	}
	s.Apply(ctx, plan)
	if fs := e.filters(t, "/aws/lambda/slowroutes-harakiri"); len(fs) != 0 {
		t.Errorf("the function's own log group got filters: %+v", fs)
	}

	// Named explicitly, the refusal is a failure the exit status shows.
	plan, err = s.Plan(ctx, harakiriSubscription(t, fnARN), Selection{LogGroups: []string{"/aws/lambda/slowroutes-harakiri"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Changes[0]; c.Action != Refused || !c.Failed() {
		t.Errorf("named own log group: action %s, failed %v; want refused, failed", c.Action, c.Failed())
	}
}

func TestSubscribeRemove(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	groups := []string{"/ecs/a", "/ecs/b", "/ecs/c"}
	e.createGroups(t, groups...)
	e.putFilter(t, "/ecs/c", "other-team", "", fnARN)
	s := &Subscriber{Logs: e.logs, Lambda: e.lambda}
	ctx := testContext(t)
	sub := harakiriSubscription(t, fnARN)
	plan, err := s.Plan(ctx, sub, Selection{Prefixes: []string{"/ecs/"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ctx, plan)

	sub.Remove = true
	plan, err = s.Plan(ctx, sub, Selection{Prefixes: []string{"/ecs/"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/ecs/a": "delete+revoke",
		"/ecs/b": "delete+revoke",
		// Another filter still delivers /ecs/c to the function: its permission stays.
		"/ecs/c": "delete",
	}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Fatalf("remove plan (-want +got):\n%s", diff)
	}
	s.Apply(ctx, plan)
	for _, g := range groups {
		for _, f := range e.filters(t, g) {
			if aws.ToString(f.FilterName) == "slowroutes-harakiri" {
				t.Errorf("%s still has filter slowroutes-harakiri", g)
			}
		}
	}
	if fs := e.filters(t, "/ecs/c"); len(fs) != 1 || aws.ToString(fs[0].FilterName) != "other-team" {
		t.Errorf("/ecs/c filters = %+v, want other-team only", fs)
	}
	pol := e.policy(t, fnARN)
	for _, g := range []string{"/ecs/a", "/ecs/b"} {
		if pol.has(StatementID(sub.Function.LogGroupSourceARN(g))) {
			t.Errorf("policy still has the statement for %s", g)
		}
	}
	if !pol.has(StatementID(sub.Function.LogGroupSourceARN("/ecs/c"))) {
		t.Error("policy lost the statement /ecs/c still needs")
	}

	// Removing again finds nothing to delete.
	plan, err = s.Plan(ctx, sub, Selection{LogGroups: []string{"/ecs/a", "/ecs/b"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"/ecs/a": "absent", "/ecs/b": "absent"}, summary(plan)); diff != "" {
		t.Errorf("second remove plan (-want +got):\n%s", diff)
	}

	// Filters outlive a deleted function: they can still be removed.
	sub.Remove = false
	plan, err = s.Plan(ctx, sub, Selection{LogGroups: []string{"/ecs/a"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Apply(ctx, plan)
	if _, err := e.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fnARN)}); err != nil {
		t.Fatal(err)
	}
	sub.Remove = true
	plan, err = s.Plan(ctx, sub, Selection{LogGroups: []string{"/ecs/a"}})
	if err != nil {
		t.Fatalf("remove after the function was deleted: %v", err)
	}
	s.Apply(ctx, plan)
	if c := plan.Changes[0]; c.Action != Delete || !c.Applied || c.Failed() {
		t.Errorf("remove after the function was deleted: %+v", c)
	}
}

func TestSubscribeLimitExceeded(t *testing.T) {
	e := newAWSEnv(t)
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	otherARN := e.srv.CreateFunction(t, "shipper")
	e.createGroups(t, "/ecs/full", "/ecs/half", "/ecs/ok")
	e.putFilter(t, "/ecs/full", "datadog", "", otherARN)
	e.putFilter(t, "/ecs/full", "splunk", "", otherARN)
	e.putFilter(t, "/ecs/half", "datadog", "", otherARN)
	lam := &countingLambda{LambdaAPI: e.lambda}
	s := &Subscriber{Logs: e.logs, Lambda: lam}
	ctx := testContext(t)
	plan, err := s.Plan(ctx, harakiriSubscription(t, fnARN), Selection{Prefixes: []string{"/ecs/"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/ecs/full": "limit_exceeded", "/ecs/half": "create+grant", "/ecs/ok": "create+grant"}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	full := plan.Changes[0]
	if !full.Failed() || !strings.Contains(full.Reason, "datadog, splunk") {
		t.Errorf("full group: failed=%v reason=%q", full.Failed(), full.Reason)
	}

	// Someone fills /ecs/half between the plan and its application: the
	// service's LimitExceededException is reported and the others go on.
	e.putFilter(t, "/ecs/half", "splunk", "", otherARN)
	s.Apply(ctx, plan)
	half, ok := plan.Changes[1], plan.Changes[2]
	if !half.Failed() || half.Applied || !strings.Contains(half.Error, "already has 2 subscription filters") {
		t.Errorf("/ecs/half: failed=%v applied=%v error=%q; want the limit reported", half.Failed(), half.Applied, half.Error)
	}
	if !ok.Applied || ok.Failed() {
		t.Errorf("/ecs/ok: applied=%v error=%q", ok.Applied, ok.Error)
	}
	if lam.added != 2 {
		t.Errorf("AddPermission called %d times, want 2 (not for the full group)", lam.added)
	}
}

func TestSubscribeUnknownFunctionAndGroup(t *testing.T) {
	e := newAWSEnv(t)
	e.createGroups(t, "/ecs/a")
	s := &Subscriber{Logs: e.logs, Lambda: e.lambda}
	ctx := testContext(t)
	_, err := s.Plan(ctx, harakiriSubscription(t, "arn:aws:lambda:us-east-1:123456789012:function:nope"), Selection{LogGroups: []string{"/ecs/a"}})
	if !errors.Is(err, ErrFunctionNotFound) {
		t.Errorf("Plan for a missing function: %v, want ErrFunctionNotFound", err)
	}
	fnARN := e.srv.CreateFunction(t, "slowroutes-harakiri")
	plan, err := s.Plan(ctx, harakiriSubscription(t, fnARN), Selection{LogGroups: []string{"/ecs/a", "/ecs/ab", "/ecs"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/ecs/a": "create+grant", "/ecs/ab": "not_found", "/ecs": "not_found"}
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}
