"""Invoice PDFs: fast from cache, slow when ?regenerate=1 re-renders every page."""

from billing import pdf
from core.http import Response


def render_invoice_pdf(req, id):
    if req.arg("regenerate") == "1":
        data = pdf.rasterize_pages(int(id), pages=24)
    else:
        data = pdf.cached_pdf(int(id))
    return Response("200 OK", data, content_type="application/pdf")
