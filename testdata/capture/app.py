"""Plain WSGI app served by both uWSGI and gunicorn during a log capture.

Standard library only. Every request writes one JSON line to stderr when it
starts and one when it finishes, the way Django/Flask apps commonly log:

  {"event": "request_started", "pid": 123, "method": "GET", "path": "/x"}
  {"event": "request_finished", "pid": 123, "method": "GET", "path": "/x",
   "route": "/invoices/<int:id>/pdf", "status": 200, "duration_ms": 12.3,
   "graphql_operation": "GetInvoice"}

"request_finished" is written only when the handler returns normally: a
request killed by uWSGI harakiri (SIGKILL) or by a gunicorn worker timeout
(SIGABRT -> SystemExit) never gets one.

Handler sleeps (seconds) are fixed per route so the capture is repeatable:
  /reports/<int:id>/export   2.5   (nginx uwsgi_read_timeout 1 s there -> 504)
  /exports/<int:id>/csv      2.5   (nginx uwsgi_read_timeout 1 s there -> 504)
  /search                    2.5   (client gives up after 0.5 s -> nginx 499)
  /slow/<int:id>            12     (killed by harakiri 3 s / gunicorn timeout 2 s)
  /graphql SlowReport       12     (killed the same way)
  everything else            fast
"""

import json
import os
import re
import sys
import time
from urllib.parse import parse_qs

SLOW_SLEEP = 12.0
MEDIUM_SLEEP = 2.5

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# (method set, compiled regex, Django-style template, sleep seconds)
ROUTES = [
    ({"GET"}, r"/", "/", 0),
    ({"GET"}, r"/healthz", "/healthz", 0),
    ({"GET"}, r"/invoices/(?P<id>[0-9]+)/pdf", "/invoices/<int:id>/pdf", 0),
    ({"GET"}, r"/api/v1/users/(?P<id>" + UUID + r")", "/api/v1/users/<uuid:id>", 0),
    ({"GET"}, r"/media/(?P<sha>[0-9a-f]{40})/original", "/media/<str:sha>/original", 0),
    ({"POST"}, r"/api/v1/auth/oauth2/token", "/api/v1/auth/oauth2/token", 0),
    ({"POST"}, r"/api/v1/2fa/verify", "/api/v1/2fa/verify", 0),
    ({"GET"}, r"/reports/(?P<id>[0-9]+)/export", "/reports/<int:id>/export", MEDIUM_SLEEP),
    ({"GET"}, r"/exports/(?P<id>[0-9]+)/csv", "/exports/<int:id>/csv", MEDIUM_SLEEP),
    ({"GET"}, r"/search", "/search", MEDIUM_SLEEP),
    ({"GET"}, r"/slow/(?P<id>[0-9]+)", "/slow/<int:id>", SLOW_SLEEP),
    ({"GET", "POST"}, r"/graphql", "/graphql", 0),
]
ROUTES = [(m, re.compile(r"\A" + rx + r"\Z"), tpl, s) for (m, rx, tpl, s) in ROUTES]

GRAPHQL_SLEEP = {"SlowReport": SLOW_SLEEP}


def log(obj):
    sys.stderr.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stderr.flush()


def read_body(environ):
    try:
        n = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        n = 0
    if n <= 0:
        return b""
    return environ["wsgi.input"].read(n)


def graphql_operation(environ, body):
    if environ["REQUEST_METHOD"] == "GET":
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        return (qs.get("operationName") or [""])[0]
    try:
        doc = json.loads(body.decode("utf-8") or "{}")
    except ValueError:
        return ""
    return doc.get("operationName") or ""


def application(environ, start_response):
    t0 = time.monotonic()
    pid = os.getpid()
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "") or "/"
    log({"event": "request_started", "pid": pid, "method": method, "path": path})

    body = read_body(environ)
    route = None
    allowed = False
    sleep = 0
    for methods, rx, tpl, s in ROUTES:
        if rx.match(path):
            route, allowed, sleep = tpl, method in methods, s
            break

    op = None
    if route is None:
        status, payload = "404 Not Found", {"error": "not found"}
    elif not allowed:
        status, payload = "405 Method Not Allowed", {"error": "method not allowed"}
    else:
        if route == "/graphql":
            op = graphql_operation(environ, body)
            sleep = GRAPHQL_SLEEP.get(op, 0)
        if sleep:
            time.sleep(sleep)
        status, payload = "200 OK", {"ok": True, "route": route}
        if op is not None:
            payload["operationName"] = op

    data = json.dumps(payload).encode("utf-8") + b"\n"
    finished = {
        "event": "request_finished",
        "pid": pid,
        "method": method,
        "path": path,
        "route": route,
        "status": int(status.split()[0]),
        "duration_ms": round((time.monotonic() - t0) * 1000, 1),
    }
    if op is not None:
        finished["graphql_operation"] = op
    log(finished)
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]
