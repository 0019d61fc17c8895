package motoserver

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// CreateFunction creates a Lambda function called name (with the IAM role
// moto insists on) and returns its ARN. Nothing ever runs it: moto needs
// Docker to invoke a function, not to create one.
func (s *Server) CreateFunction(tb testing.TB, name string) string {
	tb.Helper()
	role := s.createRole(tb, name+"-role")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.Create("bootstrap")
	if err == nil {
		_, err = io.WriteString(w, "#!/bin/sh\n")
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	c, cancel := ctx()
	defer cancel()
	out, err := lambda.NewFromConfig(s.Config()).CreateFunction(c, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(role),
		Runtime:      lambdatypes.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Code:         &lambdatypes.FunctionCode{ZipFile: zbuf.Bytes()},
	})
	if err != nil {
		tb.Fatalf("creating Lambda function %s on %s: %v", name, Program, err)
	}
	return aws.ToString(out.FunctionArn)
}

// createRole creates an IAM role Lambda may assume, through IAM's query API
// (the module has no IAM client), signed like any SDK request.
func (s *Server) createRole(tb testing.TB, name string) string {
	tb.Helper()
	form := url.Values{
		"Action":                   {"CreateRole"},
		"Version":                  {"2010-05-08"},
		"RoleName":                 {name},
		"AssumeRolePolicyDocument": {lambdaTrust},
	}.Encode()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(form))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	c, cancel := ctx()
	defer cancel()
	creds, err := s.Config().Credentials.Retrieve(c)
	if err != nil {
		tb.Fatal(err)
	}
	if err := v4.NewSigner().SignHTTP(c, creds, req, hex.EncodeToString(sum[:]), "iam", Region, time.Now()); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req.WithContext(c))
	if err != nil {
		tb.Fatalf("creating IAM role %s on %s: %v", name, Program, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("creating IAM role %s on %s: %s\n%s", name, Program, resp.Status, body)
	}
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, name)
}
