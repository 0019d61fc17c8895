package motoserver

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 returns an S3 client of the server. Buckets are addressed by path
// (http://127.0.0.1:PORT/bucket/key): a bucket name is no host name here.
func (s *Server) S3() *s3.Client {
	return s3.NewFromConfig(s.Config(), func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(tb testing.TB, bucket string) {
	tb.Helper()
	c, cancel := ctx()
	defer cancel()
	if _, err := s.S3().CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		tb.Fatalf("creating bucket %s on %s: %v", bucket, Program, err)
	}
}

// NotifyFunction makes the bucket notify the Lambda function functionARN
// of every object created under prefix whose key ends in suffix, as the
// template's S3 event source does, and returns the configuration's id.
func (s *Server) NotifyFunction(tb testing.TB, bucket, functionARN, prefix, suffix string) string {
	tb.Helper()
	const id = "slowroutes-albaccess"
	c, cancel := ctx()
	defer cancel()
	_, err := s.S3().PutBucketNotificationConfiguration(c, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String(bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			LambdaFunctionConfigurations: []s3types.LambdaFunctionConfiguration{{
				Id:                aws.String(id),
				LambdaFunctionArn: aws.String(functionARN),
				Events:            []s3types.Event{"s3:ObjectCreated:*"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{
					{Name: s3types.FilterRuleNamePrefix, Value: aws.String(prefix)},
					{Name: s3types.FilterRuleNameSuffix, Value: aws.String(suffix)},
				}}},
			}},
		},
	})
	if err != nil {
		tb.Fatalf("setting the notification of bucket %s on %s: %v", bucket, Program, err)
	}
	return id
}

// PutObject stores body at bucket/key and returns its ETag, as S3 reports
// it in an event (without quotes).
func (s *Server) PutObject(tb testing.TB, bucket, key string, body []byte) string {
	tb.Helper()
	c, cancel := ctx()
	defer cancel()
	out, err := s.S3().PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		tb.Fatalf("putting s3://%s/%s on %s: %v", bucket, key, Program, err)
	}
	etag := aws.ToString(out.ETag)
	if len(etag) >= 2 && etag[0] == '"' {
		etag = etag[1 : len(etag)-1]
	}
	return etag
}
