// Package functions_test checks what gets deployed: the Lambda bootstrap
// binaries, template.yaml and samconfig.toml.
package functions_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootstraps cross-compiles the functions as the Makefile does and
// checks each is a static linux/arm64 executable, as provided.al2023 on
// arm64 runs it.
func TestBootstraps(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling is slow; run without -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	dir := t.TempDir()
	for _, fn := range []string{"harakiri", "slowlog", "albaccess"} {
		t.Run(fn, func(t *testing.T) {
			out := filepath.Join(dir, fn, "bootstrap")
			cmd := exec.Command(gobin, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, "./"+fn)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, b)
			}
			f, err := elf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
				t.Errorf("machine %v, class %v, type %v: want EM_AARCH64, ELFCLASS64, ET_EXEC", f.Machine, f.Class, f.Type)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("program header %v: not a static executable", p.Type)
				}
			}
			if s := f.Section(".dynamic"); s != nil {
				t.Errorf("has a .dynamic section")
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("links %v", libs)
			}
		})
	}
}

// TestCfnLint runs cfn-lint on template.yaml. Without cfn-lint it skips,
// except in CI (CI=true), where it fails.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cfn-lint is not on PATH (pip install cfn-lint); CI requires it")
		}
		t.Skip("cfn-lint is not on PATH (pip install cfn-lint): template.yaml not linted")
	}
	out, err := exec.Command(bin, filepath.Join("..", "template.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

// TestTemplateWiring checks what cfn-lint cannot know: the template builds
// what the Makefile builds, with the Datadog Extension.
func TestTemplateWiring(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := string(b)
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Runtime: provided.al2023", "Architectures: [arm64]", "Handler: bootstrap", "BuildMethod: makefile",
		"layer:Datadog-Extension-ARM:${DatadogExtensionVersion}", "DD_API_KEY_SECRET_ARN:", "DD_SITE:",
		"DD_SERVERLESS_FLUSH_STRATEGY: end", "AWS::Lambda::EventInvokeConfig", "AWS::Logs::SubscriptionFilter",
		"Principal: logs.amazonaws.com", "ReportBatchItemFailures", "sqs:SendMessage", "secretsmanager:GetSecretValue",
	} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("template.yaml lacks %q", want)
		}
	}
	for _, fn := range []string{"Harakiri", "Slowlog", "Albaccess"} {
		if !strings.Contains(tmpl, "  "+fn+"Function:\n    Type: AWS::Serverless::Function") {
			t.Errorf("template.yaml has no %sFunction", fn)
		}
		if !strings.Contains(string(mk), "build-"+fn+"Function:") {
			t.Errorf("Makefile has no build-%sFunction target", fn)
		}
	}
	if strings.Contains(tmpl, "AWSLambdaBasicExecutionRole") || strings.Contains(tmpl, "Action: \"*\"") {
		t.Errorf("template.yaml grants more than the functions need")
	}
}

// TestTemplateLeastPrivilege checks the permissions the template grants
// beyond the functions' own: no statement on every resource, the KMS key
// only when given and only through Secrets Manager, the access-log objects
// of the bucket and prefix only, and an S3 event for the albaccess function.
func TestTemplateLeastPrivilege(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := string(b)
	if strings.Contains(tmpl, "kinesis:ListStreams") || strings.Contains(tmpl, `Resource: "*"`) {
		t.Errorf("template.yaml grants an action on every resource (kinesis:ListStreams is not needed by an event source mapping)")
	}
	if n := strings.Count(tmpl, "Sid: DecryptApiKey"); n != 3 || strings.Count(tmpl, "kms:ViaService: !Sub secretsmanager.${AWS::Region}.amazonaws.com") != 3 ||
		strings.Count(tmpl, "- HasKmsKey\n") != 3 {
		t.Errorf("kms:Decrypt: %d statements, want one per role, each under HasKmsKey and through Secrets Manager only", n)
	}
	for _, want := range []string{
		"Action: s3:GetObject\n                Resource: !Sub\n                  - arn:${AWS::Partition}:s3:::${AlbLogsBucketName}/${KeyPrefix}*",
		"Type: S3\n          Properties:\n            Bucket: !Ref AlbLogsBucket\n            Events: s3:ObjectCreated:*",
		"Value: .log.gz",
		"Principal: {Service: logdelivery.elasticloadbalancing.amazonaws.com}",
	} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("template.yaml lacks %q", want)
		}
	}
	if strings.Contains(tmpl, "s3:ListBucket") || strings.Contains(tmpl, "s3:*\n                Resource") {
		t.Errorf("the albaccess function may do more than get the objects")
	}
	sc, err := os.ReadFile(filepath.Join("..", "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sc), `stack_name = "slowroutes"`) {
		t.Errorf("samconfig.toml does not propose the stack name slowroutes, which the README's ARNs assume")
	}
}
