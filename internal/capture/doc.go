// Package capture reads the client record of a real-server log capture and derives the per-route counts the logs must yield.
//
// A capture is made by testdata/capture/capture.sh OUTDIR (the committed one
// lives in testdata/captures). It runs real servers on 127.0.0.1 only, drives
// them with a fixed list of requests from testdata/capture/client.py, and
// leaves the servers' log files untouched next to the client's own record.
//
// # Server setups
//
//   - uWSGI "default": uwsgi --ini testdata/capture/uwsgi.ini (plugin python3,
//     master, processes 2, harakiri 3, harakiri-verbose, listen 2) with
//     --socket 127.0.0.1:PORT --wsgi-file app.py --logto uwsgi.log. Default
//     log format: master lines carry a ctime prefix, request-log lines and
//     app output do not.
//   - uWSGI "logdate": the same plus --logdate="%Y-%m-%d %H:%M:%S" and
//     --log-micros, writing uwsgi-logdate.log.
//   - nginx: one server block per uWSGI instance, uwsgi_pass, uwsgi_read_timeout
//     30s except 1s for locations ^/(reports|exports)/. error_log at info;
//     three access logs holding the same requests in three formats.
//   - gunicorn: sync workers, --workers 2 --timeout 2 --log-level debug
//     --capture-output, hit by the client directly. With debug level the
//     default pre_request hook logs "[DEBUG] METHOD /path" (no query string)
//     under the worker pid, which is how a "WORKER TIMEOUT (pid:N)" line is
//     tied to a route.
//   - app.py: one plain WSGI app for both servers. It writes a JSON
//     "request_started" line to stderr when a request starts and a
//     "request_finished" line (with the Django-style route and, on /graphql,
//     the operation name) when its handler returns.
//
// # Files of a capture
//
//	uwsgi.log                  uWSGI default instance (--logto), app stderr included
//	uwsgi-logdate.log          uWSGI with --logdate and --log-micros, app stderr included
//	nginx-access.log           combined + " $request_time $upstream_response_time"
//	nginx-access-combined.log  plain combined
//	nginx-access.json          escape=json, with msec, request_time,
//	                           upstream_response_time, status, request_uri,
//	                           request_method and request_body
//	nginx-error.log            error_log at info level
//	gunicorn-error.log         --error-logfile at debug level, app stderr included
//	gunicorn-access.log        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s %(D)s'
//	client.tsv                 the client record, read by ReadClientRecord
//
// # Scenario rules
//
// Expect turns each client row into log counts with these rules (handler
// times and timeouts come from the Scenario):
//
//   - Through nginx, every request yields one line in each nginx access log.
//   - A handler that runs longer than the uWSGI harakiri is killed: one
//     "HARAKIRI ON WORKER" block naming the request, no uWSGI request-log
//     line and no app "request_finished" line. If the client waited, nginx
//     answers 502 (an upstream failure: "upstream prematurely closed
//     connection" in the error log).
//   - A handler that outlives the nginx read timeout for its location (and
//     is not killed first) gives the client a 504: one 504 access line and
//     one "upstream timed out" error-log line. uWSGI still logs the request
//     and the app still logs "request_finished" when the handler returns.
//   - When the client gives up on purpose, nginx logs 499 (a client abort);
//     uWSGI and the app still log the request when the handler returns.
//   - Directly on gunicorn, a handler longer than --timeout gets one
//     "WORKER TIMEOUT" line, the client sees the connection closed, and there
//     is neither an access-log line nor a "request_finished" line.
//     Otherwise gunicorn writes one access line.
//
// Counts for nginx are per access log file: the three nginx access logs hold
// the same requests. Counts for uWSGI and the app add up every uWSGI log (and,
// for the app, gunicorn-error.log); filter the requests by Target before
// calling Expect to get the counts of a single instance.
package capture
