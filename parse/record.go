// Package parse turns single log lines written by uWSGI, nginx, gunicorn and
// web apps into typed records, and assembles multi-line facts (a uWSGI
// harakiri block, a gunicorn worker timeout) with a small state machine per
// log stream.
package parse

// Kind says what a record is a fact about.
type Kind uint8

const (
	// KindRequest is a finished request: an access-log, request-log or app log line.
	KindRequest Kind = iota + 1
	// KindTimeout is a request cut by a timeout; Timeout says which one.
	KindTimeout
	// KindUpstreamFailure is nginx's "upstream prematurely closed connection" (the 502 of the error log).
	KindUpstreamFailure
	// KindRequestStart says a worker began a request; it carries no outcome and
	// only serves to attribute a later gunicorn WORKER TIMEOUT to a route.
	KindRequestStart
	// KindHarakiri is a uWSGI harakiri banner (one per try).
	KindHarakiri
	// KindWorkerKill is a worker killed by a signal ("DAMN ! worker ... died, killed by signal 9").
	KindWorkerKill
	// KindHarakiriIdle is a harakiri episode that listed no request: the worker
	// was killed between requests, so no route timed out.
	KindHarakiriIdle
	// KindListenQueueFull is uWSGI's "listen queue of socket ... full" warning.
	KindListenQueueFull
)

// Source is the server (or app) that wrote a line. The zero value is
// SourceUnknown: no line has it, and a setting left at it means "decide
// from the line".
type Source uint8

const (
	SourceUnknown Source = iota
	SourceUWSGI
	SourceNginx
	SourceGunicorn
	SourceApp
	NumSources
)

// FirstSource is the first real source: loops over sources run from it to NumSources.
const FirstSource = SourceUWSGI

var sourceNames = [NumSources]string{"unknown", "uwsgi", "nginx", "gunicorn", "app"}

func (s Source) String() string {
	if s < NumSources {
		return sourceNames[s]
	}
	return "unknown"
}

// Timeout names the mechanism that cut a request.
type Timeout uint8

const (
	TimeoutNone Timeout = iota
	// TimeoutHarakiri is a uWSGI harakiri kill of a request.
	TimeoutHarakiri
	// TimeoutNginx504 is an nginx access-log line with status 504.
	TimeoutNginx504
	// TimeoutNginxUpstream is an nginx error-log "upstream timed out (110: ...)".
	TimeoutNginxUpstream
	// TimeoutGunicornWorker is a gunicorn "[CRITICAL] WORKER TIMEOUT (pid:N)".
	TimeoutGunicornWorker
	NumTimeouts
)

var timeoutNames = [NumTimeouts]string{"", "uwsgi_harakiri", "nginx_504", "nginx_upstream_timeout", "gunicorn_worker_timeout"}

func (t Timeout) String() string {
	if t < NumTimeouts {
		return timeoutNames[t]
	}
	return "unknown"
}

// Record is one fact read from a log. Its byte slices alias the line it was
// parsed from (or the Stream's own buffers for assembled facts): they are
// valid only until the next line is parsed.
type Record struct {
	Kind    Kind
	Source  Source
	Timeout Timeout
	Failure NginxErrorEvent // which upstream failure, for KindUpstreamFailure

	Method    []byte
	URI       []byte // as logged: may carry the query string
	Route     []byte // route template, when the line itself names one (app logs)
	Operation []byte // GraphQL operation name, when the line carries it outside the URI
	Body      []byte // logged request body (JSON-escaped in nginx JSON logs), may hold a GraphQL operationName
	// RequestID is the id the line logs for its request, as written: an
	// X-Request-ID header (nginx $http_x_request_id, uWSGI
	// %(var.HTTP_X_REQUEST_ID), gunicorn %({x-request-id}i)s), nginx's own
	// $request_id, an app's request_id. nil when the line logs none ("-").
	RequestID []byte

	Status int
	// DurationUS is the request duration in microseconds; HasDuration says whether the line had one.
	DurationUS  int64
	HasDuration bool

	PID int // process that served the request (worker pid), 0 when unknown
	Try int // harakiri try (1 for the first)

	// TimeText is the line's own time as written, in TimeLayout: when the
	// line was logged (for a finished request, about when it ended).
	// StartText is when the request began, where the line says so (uWSGI's
	// request date, the "since" of a harakiri). Parsers fill them; the
	// Stream reads them into TimeUS and StartUS.
	TimeText, StartText     []byte
	TimeLayout, StartLayout TimeLayout
	// TimeUS and StartUS are those times in microseconds since the epoch,
	// 0 when unknown; with a duration, each is derived from the other.
	TimeUS, StartUS int64

	// EventMS is the time of the log event the line came in (a CloudWatch
	// Logs event timestamp, milliseconds since the epoch), 0 when unknown.
	EventMS int64
}

// Reset clears r for reuse without freeing anything.
func (r *Record) Reset() { *r = Record{} }
