package awslogs

import (
	"encoding/json"
	"testing"
)

func TestPolicyAllowsLogs(t *testing.T) {
	const (
		account = "123456789012"
		source  = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop-web:*"
	)
	cases := []struct {
		name   string
		policy string
		want   bool
	}{
		{"none", `{"Statement":[]}`, false},
		{"ours", `{"Statement":[{"Sid":"slowroutes-logs-1","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop-web:*"},"StringEquals":{"AWS:SourceAccount":"123456789012"}}}]}`, true},
		{"SAM template wildcard", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:*"}}}]}`, true},
		{"prefix wildcard", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":["lambda:InvokeFunction"],
			"Condition":{"ArnLike":{"AWS:SourceArn":["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop-*"]}}}]}`, true},
		{"other prefix", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/blog-*"}}}]}`, false},
		{"other group, exact", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"ArnEquals":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop-web-2:*"}}}]}`, false},
		{"regional principal, no condition", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.eu-west-1.amazonaws.com"},"Action":"lambda:*"}]}`, true},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"StringEquals":{"AWS:SourceAccount":"999999999999"}}}]}`, false},
		{"other principal", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction"}]}`, false},
		{"deny", `{"Statement":[{"Effect":"Deny","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction"}]}`, false},
		{"other action", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:GetFunction"}]}`, false},
		{"unknown condition", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"lambda:InvokeFunction",
			"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}]}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p policy
			if err := json.Unmarshal([]byte(c.policy), &p); err != nil {
				t.Fatal(err)
			}
			if got := p.allowsLogs(source, account); got != c.want {
				t.Errorf("allowsLogs = %v, want %v", got, c.want)
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"a*", "abc", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"arn:aws:logs:*:123:log-group:/x/*", "arn:aws:logs:eu-west-1:123:log-group:/x/y/z:*", true},
		{"arn:aws:logs:r:a:log-group:g:*", "arn:aws:logs:r:a:log-group:g:*", true},
		{"arn:aws:logs:r:a:log-group:g:*", "arn:aws:logs:r:a:log-group:gg:*", false},
		{"**a", "bba", true},
	} {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestStatementID(t *testing.T) {
	long := "arn:aws:logs:eu-west-1:123456789012:log-group:/" + string(make([]byte, 500)) + ":*"
	for _, src := range []string{"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/shop#web.1:*", long} {
		id := StatementID(src)
		if len(id) > 100 {
			t.Errorf("StatementID(%.40q...) is %d characters, Lambda allows 100", src, len(id))
		}
		for _, c := range id {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				t.Errorf("StatementID = %q holds %q", id, c)
			}
		}
		if StatementID(src) != id {
			t.Error("StatementID is not deterministic")
		}
	}
	if StatementID("a") == StatementID("b") {
		t.Error("two log groups share a statement ID")
	}
}

func TestParseFunctionARN(t *testing.T) {
	f, err := ParseFunctionARN("arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-harakiri:live")
	if err != nil {
		t.Fatal(err)
	}
	want := FunctionARN{ARN: "arn:aws:lambda:eu-west-1:123456789012:function:slowroutes-harakiri:live",
		Partition: "aws", Region: "eu-west-1", Account: "123456789012", Name: "slowroutes-harakiri", Qualifier: "live"}
	if f != want {
		t.Errorf("ParseFunctionARN = %+v, want %+v", f, want)
	}
	if got := f.LogGroupSourceARN("/ecs/web"); got != "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:*" {
		t.Errorf("LogGroupSourceARN = %s", got)
	}
	for _, bad := range []string{"", "slowroutes-harakiri", "arn:aws:lambda:eu-west-1:123456789012:layer:x", "arn:aws:s3:::bucket",
		"arn:aws:lambda::123456789012:function:x"} {
		if _, err := ParseFunctionARN(bad); err == nil {
			t.Errorf("ParseFunctionARN(%q) accepted it", bad)
		}
	}
}
