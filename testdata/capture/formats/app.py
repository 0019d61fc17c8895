"""WSGI app behind every server of the formats capture (standard library only).

It logs nothing itself: the logs of this capture are the servers' own. Handler
times are fixed per request so that every run gives the same latencies:

  GET  /                          fast
  GET  /healthz                   fast
  GET  /invoices/<int:id>/pdf     (id % 5) * 20 ms: a latency spread for quantiles
  GET  /api/v1/users/<uuid>       fast
  GET  /graphql?operationName=X   fast
  POST /graphql                   operationName from the JSON body;
                                  SlowReport 1.5 s, anything else 30 ms
  GET  /slow/<int:id>             1.5 s (nginx uwsgi_read_timeout 1 s -> 504,
                                  Apache ProxyTimeout 1 -> its backend timeout)
  GET  /search                    0.5 s (the client gives up after 0.3 s; below
                                  Apache's ProxyTimeout of 1 s)
  GET  /boom                      500
  anything else                   404
"""

import json
import re
import time

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
INVOICE = re.compile(r"\A/invoices/([0-9]+)/pdf\Z")
USER = re.compile(r"\A/api/v1/users/" + UUID + r"\Z")
SLOW = re.compile(r"\A/slow/[0-9]+\Z")


def read_body(environ):
    try:
        n = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        n = 0
    return environ["wsgi.input"].read(n) if n > 0 else b""


def handle(method, path, body):
    """Returns (status line, sleep seconds)."""
    if path in ("/", "/healthz") and method == "GET":
        return "200 OK", 0
    m = INVOICE.match(path)
    if m and method == "GET":
        return "200 OK", (int(m.group(1)) % 5) * 0.020
    if USER.match(path) and method == "GET":
        return "200 OK", 0
    if path == "/graphql":
        if method == "GET":
            return "200 OK", 0
        try:
            op = json.loads(body.decode("utf-8") or "{}").get("operationName") or ""
        except ValueError:
            op = ""
        return "200 OK", 1.5 if op == "SlowReport" else 0.030
    if SLOW.match(path) and method == "GET":
        return "200 OK", 1.5
    if path == "/search" and method == "GET":
        return "200 OK", 0.5
    if path == "/boom":
        return "500 Internal Server Error", 0
    return "404 Not Found", 0


def application(environ, start_response):
    body = read_body(environ)
    status, sleep = handle(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", body)
    if sleep:
        time.sleep(sleep)
    data = json.dumps({"status": int(status.split()[0])}).encode("utf-8") + b"\n"
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]
