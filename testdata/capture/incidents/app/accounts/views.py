"""Account statements."""

from accounts import ledger
from core.http import json_response


def statement(req, id):
    total = ledger.sum_entries(int(id), full=req.arg("full") == "1")
    return json_response("200 OK", {"account": int(id), "balance": total})
