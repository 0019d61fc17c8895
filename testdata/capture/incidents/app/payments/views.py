"""Payment capture: calls the payment gateway synchronously."""

import json

from core.http import json_response
from payments import gateway


def capture_payment(req, id):
    payment_id = int(id)
    # If the worker is aborted mid-call, give the idempotency key back so the
    # payment can be retried (this call blocks too: the gateway is down).
    req.abort_hooks.append(lambda: gateway.release_idempotency_key(payment_id))
    result = gateway.charge_card(payment_id, amount_cents=1999)
    return json_response("200 OK", {"payment": payment_id, "gateway": json.loads(result)})
