"""URL table: (methods, pattern, Django-style route template, view).

Handler times (seconds) are fixed per route so that a capture is repeatable;
internal/capture (incidents_plan.go) holds the same numbers:

  GET  /invoices/<int:id>/pdf?regenerate=1   12   billing/pdf.py:rasterize_pages (sleep)
  POST /api/v1/payments/<int:id>/capture     30   payments/gateway.py:charge_card, blocked
                                                  in socket.py:readinto (gateway never answers)
  GET  /reports/<int:id>/export              2    reports/queries.py:run_aggregate (sleep)
  GET  /exports/<int:id>/csv                 12   reports/queries.py:stream_rows (sleep)
  POST /graphql  SlowReport                  12   reports/queries.py:build_yearly_report (sleep)
  GET  /media/<str:sha>/download             1.5  media/storage.py:fetch_blob (sleep), then
                                                  8 chunks of 256 KiB
  GET  /accounts/<int:id>/statement          0.6  accounts/ledger.py:sum_entries (sleep);
                                             2    with ?full=1
  everything else                            fast
"""

import re

from accounts import views as accounts
from api import views as api
from billing import views as billing
from core.http import json_response
from media import views as media
from payments import views as payments
from reports import views as reports

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

URLS = [
    ({"GET"}, r"/", "/", api.index),
    ({"GET"}, r"/healthz", "/healthz", api.healthz),
    ({"GET"}, r"/api/v1/users/(?P<id>" + UUID + r")", "/api/v1/users/<uuid:id>", api.user_detail),
    ({"GET"}, r"/invoices/(?P<id>[0-9]+)/pdf", "/invoices/<int:id>/pdf", billing.render_invoice_pdf),
    ({"POST"}, r"/api/v1/payments/(?P<id>[0-9]+)/capture", "/api/v1/payments/<int:id>/capture",
     payments.capture_payment),
    ({"GET"}, r"/reports/(?P<id>[0-9]+)/export", "/reports/<int:id>/export", reports.export_report),
    ({"GET"}, r"/exports/(?P<id>[0-9]+)/csv", "/exports/<int:id>/csv", reports.export_csv),
    ({"GET"}, r"/media/(?P<sha>[0-9a-f]{40})/download", "/media/<str:sha>/download",
     media.download_original),
    ({"GET"}, r"/accounts/(?P<id>[0-9]+)/statement", "/accounts/<int:id>/statement",
     accounts.statement),
    ({"GET", "POST"}, r"/graphql", "/graphql", api.graphql),
]
URLS = [(m, re.compile(r"\A" + rx + r"\Z"), tpl, view) for (m, rx, tpl, view) in URLS]


def dispatch(req):
    for methods, rx, tpl, view in URLS:
        m = rx.match(req.path)
        if m is None:
            continue
        req.route = tpl
        if req.method not in methods:
            return json_response("405 Method Not Allowed", {"error": "method not allowed"})
        return view(req, **m.groupdict())
    return json_response("404 Not Found", {"error": "not found"})
