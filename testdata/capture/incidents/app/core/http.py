"""The small request/response types the views use."""

import json
from urllib.parse import parse_qs


class Response:
    def __init__(self, status, body, content_type="application/json", stream=None):
        self.status = status
        self.content_type = content_type
        self.body = body  # bytes, or None when stream is set
        self.stream = stream  # an iterable of bytes sent in chunks

    def wsgi_headers(self):
        headers = [("Content-Type", self.content_type)]
        if self.stream is None:
            headers.append(("Content-Length", str(len(self.body))))
        return headers

    def wsgi_body(self):
        return self.stream if self.stream is not None else [self.body]


class Request:
    def __init__(self, environ):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        self.path = environ.get("PATH_INFO", "") or "/"
        self.query = parse_qs(environ.get("QUERY_STRING", ""))
        self.route = None
        self.graphql_operation = None
        # called by the middleware when the worker is being aborted
        self.abort_hooks = []
        self._body = None

    def body(self):
        if self._body is None:
            try:
                n = int(self.environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                n = 0
            self._body = self.environ["wsgi.input"].read(n) if n > 0 else b""
        return self._body

    def arg(self, name, default=""):
        return (self.query.get(name) or [default])[0]


def json_response(status, payload):
    return Response(status, json.dumps(payload).encode("utf-8") + b"\n")
