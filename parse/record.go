// Package parse turns single log lines written by uWSGI, nginx, gunicorn,
// Apache, Traefik, AWS load balancers and web apps — in their default
// formats or in a user's own (CompileLogFormat) — into typed records, and
// assembles multi-line facts (a uWSGI harakiri block, a gunicorn worker
// timeout, an Apache mod_proxy error pair) with a small state machine per
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
	// KindStuck is where a request's code was stuck, read from a stack
	// dump: Frame, WaitingIn and Wchan say where. Timeout says which kill
	// the dump was written for (TimeoutNone: a watchdog or a signal the
	// operator sent, the request was only slow); the request is the killed
	// one, or the one the stream says that worker was serving (no URI when
	// the stream does not say).
	KindStuck
	// KindWorkerStart is a worker process that began serving (uWSGI
	// "spawned uWSGI worker N (pid: P, cores: C)" and "Respawned uWSGI
	// worker", gunicorn "Booting worker with pid: P"): PID and Worker say
	// which.
	KindWorkerStart
	// KindWorkerExit is a worker that left on its own (gunicorn "Worker
	// exiting (pid: P)"); a killed one is a KindWorkerKill.
	KindWorkerExit
	// KindClientAbort is a request whose client went away, seen by the
	// server that could not write the response (uWSGI's SIGPIPE and write
	// errors). An access-log 499 is a KindRequest with that status.
	KindClientAbort
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
	SourceTraefik // Traefik v2/v3 access log, CLF or JSON
	SourceApache  // Apache httpd access and error logs
	SourceALB     // AWS Application Load Balancer access log
	NumSources
)

// FirstSource is the first real source: loops over sources run from it to NumSources.
const FirstSource = SourceUWSGI

var sourceNames = [NumSources]string{"unknown", "uwsgi", "nginx", "gunicorn", "app", "traefik", "apache", "alb"}

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
	// TimeoutTraefik504 is a Traefik access-log line with status 504 (its
	// proxy answers a net timeout of the backend with 504).
	TimeoutTraefik504
	// TimeoutApache504 is an Apache access-log line with status 504
	// (mod_proxy_fcgi and mod_proxy_ajp backend timeouts).
	TimeoutApache504
	// TimeoutApacheProxy is an Apache mod_proxy backend timeout read from the
	// error log (AH01102 after "(70007)The timeout specified has expired",
	// then AH00898 naming the path): mod_proxy_http answers it with 502.
	TimeoutApacheProxy
	// TimeoutALB504 is an ALB access-log entry whose 504 the load balancer
	// answered itself: the target did not answer in time.
	TimeoutALB504
	// TimeoutApp504 is a 504 logged by an application server or an app
	// (uWSGI, gunicorn, a JSON request log): the app answered "gateway
	// timeout" itself, or a proxy's line was taken for the app's.
	TimeoutApp504
	NumTimeouts
)

var timeoutNames = [NumTimeouts]string{"", "uwsgi_harakiri", "nginx_504", "nginx_upstream_timeout", "gunicorn_worker_timeout",
	"traefik_504", "apache_504", "apache_proxy_timeout", "alb_504", "app_504"}

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
	// Outcome is what the server that wrote an access line says became of
	// the request when the status alone does not tell (an ALB entry whose
	// status the target sent, Apache's %X); OutcomeUnknown leaves it to the
	// status: see RequestOutcome.
	Outcome AccessOutcome

	Method    []byte
	URI       []byte // as logged: may carry the query string
	Route     []byte // route template, when the line itself names one (app logs)
	Operation []byte // GraphQL operation name, when the line carries it outside the URI
	Body      []byte // logged request body (JSON-escaped in nginx JSON logs), may hold a GraphQL operationName

	Status int
	// DurationUS is the request duration in microseconds; HasDuration says whether the line had one.
	DurationUS  int64
	HasDuration bool

	PID int // process that served the request (worker pid), 0 when unknown
	Try int // harakiri try (1 for the first)

	// Worker is a uWSGI worker's number (KindWorkerStart).
	Worker int
	// Stuck says where a KindStuck record's request was stuck; nil for
	// other kinds (a pointer keeps the Record small: it is reset per line).
	Stuck *StuckAt

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

	// What identifies one request across the logs of the servers it went
	// through, where the line carries it: a request id (nginx $request_id,
	// an X-Request-Id header, Traefik's, the ALB trace id), the client
	// address as logged (an address, address:port, or a whole
	// X-Forwarded-For list), and the user agent as logged (still escaped).
	// Last: the fields above are those every line's path reads.
	RequestID, ClientAddr, UserAgent []byte
}

// StuckAt is where a stack dump found a request's code.
type StuckAt struct {
	// Frame is the innermost application frame
	// ("billing/views.py:render_invoice_pdf"), WaitingIn the innermost
	// frame of all ("socket.py:readinto"), Wchan the kernel function the
	// uWSGI worker slept in (harakiri-verbose), "" when not logged.
	Frame, WaitingIn, Wchan []byte
}

// Reset clears r for reuse without freeing anything.
func (r *Record) Reset() { *r = Record{} }
