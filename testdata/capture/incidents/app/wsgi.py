"""WSGI entry point of the incident capture's app (standard library only).

Served by uWSGI (--wsgi-file wsgi.py) and by gunicorn (wsgi:application),
both with this directory as the working directory, so that the frames in
faulthandler and tracebacker dumps point at realistic files such as
billing/views.py and payments/gateway.py.

faulthandler is set up at import time, the way a Django settings module or
a gunicorn post_fork hook commonly does it:
  - enable(): fatal signals (SIGABRT from gunicorn's worker timeout, SIGSEGV,
    ...) dump every thread's stack to stderr, then the previous handler runs;
  - register(SIGSYS): an operator (here: capture.sh's client) sends SIGSYS
    to a worker to get its stacks without stopping it.
Under gunicorn the app is imported in the worker after gunicorn has installed
its own SIGABRT handler, so faulthandler's dump runs first and then gunicorn's
handler raises SystemExit in the worker. Under uWSGI the app is imported in
the master before the fork; the handlers are inherited by the workers.

Environment (set by capture.sh):
  INCIDENTS_REQUEST_IDS  "1": log the X-Request-ID header as request_id
  INCIDENTS_DUMP_LATER   seconds: faulthandler.dump_traceback_later per request
  INCIDENTS_GATEWAY      host:port of a payment gateway that never answers
"""

import faulthandler
import os
import signal
import sys

faulthandler.enable(file=sys.stderr, all_threads=True)
faulthandler.register(signal.SIGSYS, file=sys.stderr, all_threads=True)

from core import stack  # noqa: E402
from core.middleware import RequestLog  # noqa: E402
from core.urls import dispatch  # noqa: E402

_dump_later = float(os.environ.get("INCIDENTS_DUMP_LATER") or 0)

application = RequestLog(
    stack.build(dispatch),
    log_request_ids=os.environ.get("INCIDENTS_REQUEST_IDS") == "1",
    dump_later=_dump_later,
)
