"""Fast endpoints and the GraphQL endpoint."""

import json

from core.http import json_response
from reports import queries


def index(req):
    return json_response("200 OK", {"ok": True})


def healthz(req):
    return json_response("200 OK", {"status": "ok"})


def user_detail(req, id):
    return json_response("200 OK", {"id": id, "name": "user"})


def graphql(req):
    if req.method == "GET":
        op = req.arg("operationName")
    else:
        try:
            op = json.loads(req.body().decode("utf-8") or "{}").get("operationName") or ""
        except ValueError:
            op = ""
    req.graphql_operation = op
    if op == "SlowReport":
        data = queries.build_yearly_report(2024)
    else:
        data = {"invoices": [{"id": "1", "number": "INV-1", "total": 10}]}
    return json_response("200 OK", {"data": data})
