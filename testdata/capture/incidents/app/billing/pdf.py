"""PDF rendering; rasterize_pages stands for a slow C-backed renderer."""

import time

PAGE_SECONDS = 0.5  # 24 pages: 12 s


def cached_pdf(invoice_id):
    return b"%PDF-1.4\n% invoice " + str(invoice_id).encode() + b"\n%%EOF\n"


def rasterize_pages(invoice_id, pages):
    out = [b"%PDF-1.4\n"]
    for page in range(pages):
        time.sleep(PAGE_SECONDS)
        out.append(b"% page " + str(page).encode() + b"\n")
    out.append(b"%%EOF\n")
    return b"".join(out)
