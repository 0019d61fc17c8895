// Command harakiri is the Lambda function that turns CloudWatch Logs
// subscription deliveries of uWSGI, nginx and gunicorn logs into timeout
// metrics: timeouts by source, client aborts, upstream failures, worker
// kills and full listen queues, sent to the Datadog Lambda Extension.
package main

import (
	"github.com/slowroutes/slowroutes/dogstatsd"
	"github.com/slowroutes/slowroutes/functions/internal/start"
)

func main() { start.Main(dogstatsd.FamilyTimeouts) }
