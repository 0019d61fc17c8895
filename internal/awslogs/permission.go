package awslogs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// LogsPrincipal is the service that invokes a function for a subscription filter.
const LogsPrincipal = "logs.amazonaws.com"

// StatementID is the ID of the statement slowroutes adds to a function's
// resource policy for one log group: derived from the group's source ARN,
// so a second run recognizes it, and within Lambda's limits (100
// characters of [A-Za-z0-9-_.]) whatever the group is called.
func StatementID(sourceARN string) string {
	sum := sha256.Sum256([]byte(sourceARN))
	return "slowroutes-logs-" + hex.EncodeToString(sum[:10])
}

// policy is the part of a Lambda resource policy that tells whether
// CloudWatch Logs may invoke the function for a log group.
type policy struct {
	Statement []statement
}

type statement struct {
	Sid       string
	Effect    string
	Principal json.RawMessage
	Action    json.RawMessage
	Condition map[string]map[string]json.RawMessage
}

// getPolicy reads a function's resource policy; a function without one has
// an empty policy.
func getPolicy(ctx context.Context, api LambdaAPI, function string) (policy, error) {
	var p policy
	out, err := api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(function)})
	if err != nil {
		if errorCode(err) == "ResourceNotFoundException" {
			return p, nil
		}
		return p, fmt.Errorf("reading the resource policy of %s: %w", function, err)
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &p); err != nil {
		return p, fmt.Errorf("reading the resource policy of %s: %w", function, err)
	}
	return p, nil
}

// has reports whether the policy holds a statement with the ID.
func (p policy) has(sid string) bool {
	for _, s := range p.Statement {
		if s.Sid == sid {
			return true
		}
	}
	return false
}

// allowsLogs reports whether some statement lets CloudWatch Logs invoke the
// function for the log group sourceARN of account: our own statement, one
// per log group added by hand, or a wider one (a SAM template's
// arn:aws:logs:REGION:ACCOUNT:log-group:*).
func (p policy) allowsLogs(sourceARN, account string) bool {
	for _, s := range p.Statement {
		if s.Effect == "Allow" && s.logsPrincipal() && s.invokes() && s.coversSource(sourceARN, account) {
			return true
		}
	}
	return false
}

func (s statement) logsPrincipal() bool {
	var service string
	var obj struct{ Service json.RawMessage }
	if json.Unmarshal(s.Principal, &obj) == nil && obj.Service != nil {
		for _, v := range stringOrList(obj.Service) {
			// Older policies name the regional principal logs.REGION.amazonaws.com.
			if v == LogsPrincipal || (strings.HasPrefix(v, "logs.") && strings.HasSuffix(v, ".amazonaws.com")) {
				return true
			}
		}
		return false
	}
	if json.Unmarshal(s.Principal, &service) == nil {
		return service == "*"
	}
	return false
}

func (s statement) invokes() bool {
	for _, a := range stringOrList(s.Action) {
		if a == "*" || strings.EqualFold(a, "lambda:*") || strings.EqualFold(a, "lambda:InvokeFunction") {
			return true
		}
	}
	return false
}

// coversSource evaluates the conditions of a statement for an invocation
// from sourceARN in account. Conditions it does not know make it answer
// false: adding our own statement is harmless, trusting one that does not
// apply would leave the filter rejected.
func (s statement) coversSource(sourceARN, account string) bool {
	for op, keys := range s.Condition {
		for key, raw := range keys {
			values := stringOrList(raw)
			switch {
			case strings.EqualFold(key, "AWS:SourceArn"):
				if !anyMatch(op, values, sourceARN) {
					return false
				}
			case strings.EqualFold(key, "AWS:SourceAccount"):
				if !anyMatch(op, values, account) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func anyMatch(op string, values []string, v string) bool {
	for _, want := range values {
		switch op {
		case "ArnLike", "StringLike":
			if globMatch(want, v) {
				return true
			}
		case "ArnEquals", "StringEquals":
			if want == v {
				return true
			}
		}
	}
	return false
}

// stringOrList decodes an IAM value that is either a string or a list of strings.
func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// globMatch matches s against an IAM pattern, where * is any run of
// characters and ? any one character.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
