"""HTTP client of the payment gateway (capture.sh runs one that never answers)."""

import http.client
import json
import os

TIMEOUT = 30.0  # seconds; longer than any server timeout of the capture


def _connection():
    host, port = os.environ.get("INCIDENTS_GATEWAY", "127.0.0.1:9").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)


def charge_card(payment_id, amount_cents):
    conn = _connection()
    try:
        body = json.dumps({"payment": payment_id, "amount": amount_cents})
        conn.request("POST", "/v1/charges", body=body,
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()  # blocks: the gateway accepts and never answers
        return resp.read()
    finally:
        conn.close()


def release_idempotency_key(payment_id):
    conn = _connection()
    try:
        conn.request("DELETE", "/v1/idempotency-keys/pay-%d" % payment_id)
        return conn.getresponse().read()
    finally:
        conn.close()
