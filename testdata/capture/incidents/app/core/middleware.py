"""Request logging middleware: request_started, request_finished, request_aborted.

  {"event":"request_started","pid":123,"method":"GET","path":"/x"}
  {"event":"request_finished","pid":123,"method":"GET","path":"/x",
   "route":"/invoices/<int:id>/pdf","status":200,"duration_ms":12.3}
  {"event":"request_aborted", ... "status":500, ...}

With INCIDENTS_REQUEST_IDS=1 every line also carries "request_id" (the
X-Request-ID header). request_finished is written when the view returns,
before the body is sent. request_aborted is written when the view is
interrupted by SystemExit: gunicorn's worker-timeout SIGABRT handler calls
sys.exit(1) in the worker (gunicorn/workers/base.py, handle_abort). After
logging, the middleware runs the request's abort hooks (e.g. releasing a
payment idempotency key), which may block, and re-raises. A uWSGI harakiri is
a SIGKILL: nothing is logged for it.
"""

import faulthandler
import os
import time

from core.http import Request
from core.logs import log_event


class RequestLog:
    def __init__(self, dispatch, log_request_ids, dump_later):
        self.dispatch = dispatch
        self.log_request_ids = log_request_ids
        self.dump_later = dump_later

    def __call__(self, environ, start_response):
        t0 = time.monotonic()
        req = Request(environ)
        base = {"pid": os.getpid()}
        if self.log_request_ids:
            base["request_id"] = environ.get("HTTP_X_REQUEST_ID", "-")
        base["method"] = req.method
        base["path"] = req.path
        log_event({"event": "request_started", **base})
        if self.dump_later:
            faulthandler.dump_traceback_later(self.dump_later)
        try:
            resp = self.dispatch(req)
        except SystemExit:
            log_event(self._done(base, "request_aborted", req, 500, t0))
            for hook in req.abort_hooks:
                hook()
            raise
        finally:
            if self.dump_later:
                faulthandler.cancel_dump_traceback_later()
        log_event(self._done(base, "request_finished", req, int(resp.status.split()[0]), t0))
        start_response(resp.status, resp.wsgi_headers())
        return resp.wsgi_body()

    @staticmethod
    def _done(base, event, req, status, t0):
        out = {"event": event, **base}
        out["route"] = req.route
        out["status"] = status
        out["duration_ms"] = round((time.monotonic() - t0) * 1000, 1)
        if req.graphql_operation is not None:
            out["graphql_operation"] = req.graphql_operation
        return out

