// Command albaccess is the Lambda function that turns the access logs an
// AWS Application Load Balancer writes to S3 (one gzip object per node
// every five minutes, announced by S3 ObjectCreated events) into the same
// metrics as the other two functions: timeouts (alb_504), client aborts
// (460), upstream failures (alb_502, alb_503), requests and durations, with
// a target_group tag, sent to the Datadog Lambda Extension.
package main

import "github.com/slowroutes/slowroutes/functions/internal/start"

func main() { start.ALBAccess() }
