// Command slowlog is the Lambda function that turns CloudWatch Logs
// subscription deliveries of uWSGI, nginx, gunicorn and app logs into latency
// metrics: requests by status class, request durations and slow requests,
// tagged with their GraphQL operation, sent to the Datadog Lambda Extension.
package main

import (
	"github.com/slowroutes/slowroutes/functions/internal/start"
	"github.com/slowroutes/slowroutes/metrics"
)

func main() { start.Main(metrics.FamilyRequests) }
