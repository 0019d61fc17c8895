"""Report exports."""

from core.http import Response, json_response
from reports import queries


def export_report(req, id):
    rows = queries.run_aggregate(int(id))
    return json_response("200 OK", {"report": int(id), "rows": rows})


def export_csv(req, id):
    data = queries.stream_rows(int(id))
    return Response("200 OK", data, content_type="text/csv")
