// Command slowlog is the Lambda function that turns CloudWatch Logs
// subscription deliveries of uWSGI, nginx, gunicorn and app logs into latency
// metrics: requests by status class, request durations and slow requests,
// tagged with their GraphQL operation, sent to the Datadog Lambda Extension.
package main

import (
	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/functions/internal/start"
)

func main() { start.Main(dogstatsd.FamilyRequests) }
