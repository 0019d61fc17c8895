"""Fixed client of the formats capture (standard library only).

Usage: client.py OUTDIR --nginx PORT --gunicorn PORT --apache PORT

Sends a fixed list of requests, in a fixed order, one at a time, to nginx (in
front of uWSGI), to gunicorn directly and to Apache (in front of backend.py),
and writes OUTDIR/client.tsv, one row per request:

  seq target method uri graphql_operation request_id outcome status elapsed_ms

target:     nginx | gunicorn | apache
request_id: for nginx the X-Request-Id nginx answered ($request_id), for the
            others the X-Request-Id header the client sent; "-" when none
outcome:    response      the client got a status line
            client_abort  the client gave up on purpose (after 0.3 s)
            closed        the connection closed without a response

Exit status 3 when a request did not end the way the plan says, 0 otherwise.
"""

import http.client
import json
import os
import socket
import sys
import time

USER_AGENT = "slowroutes-formats/1.0"
# A user agent with a quote and a backslash: each server escapes them its own way.
ODD_AGENT = 'odd "agent" \\ 1.0'
WAIT = 10.0
GIVE_UP = 0.3

UUIDS = ["3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]


class Req:
    def __init__(self, target, method, uri, op="-", body=None, give_up=False,
                 agent=USER_AGENT, op_header=False, want=("response", "200")):
        self.target, self.method, self.uri, self.op = target, method, uri, op
        self.body, self.give_up, self.agent, self.op_header = body, give_up, agent, op_header
        self.want = want
        self.seq, self.request_id = 0, "-"
        self.outcome, self.status, self.elapsed_ms = None, "-", 0.0


def gql(target, op, variables, op_header=False, want=("response", "200")):
    body = json.dumps({"operationName": op,
                       "query": "query %s($id: ID!) { invoice(id: $id) { id total } }" % op,
                       "variables": variables}, separators=(",", ":")).encode("utf-8")
    return Req(target, "POST", "/graphql", op=op, body=body, op_header=op_header, want=want)


def common(t):
    """The fast mix every server gets: latencies from 0 to 80 ms."""
    out = [Req(t, "GET", "/"), Req(t, "GET", "/healthz")]
    for i in range(10):
        out.append(Req(t, "GET", "/invoices/%d/pdf" % (40 + i) + ("?page=2" if i % 3 == 0 else "")))
    out.append(Req(t, "GET", "/graphql?operationName=ListInvoices&query=%7Binvoices%7Bid%7D%7D",
                   op="ListInvoices"))
    out.append(gql(t, "GetInvoice", {"id": "42"}, op_header=True))
    out.append(gql(t, "GetInvoice", {"id": "43"}))
    out.append(Req(t, "GET", "/nope", want=("response", "404")))
    out.append(Req(t, "GET", "/boom", want=("response", "500")))
    # a raw quote in the query string and odd bytes in the user agent
    out.append(Req(t, "GET", '/search?q="refund"', agent=ODD_AGENT, give_up=False))
    return out


def plan():
    timeout504 = ("response", "504")
    bad = ("response", "502")
    aborted = ("client_abort", "-")
    reqs = []
    n = "nginx"
    reqs += common(n)
    for u in UUIDS * 2:  # the pool: a dead server first, then uWSGI
        reqs.append(Req(n, "GET", "/api/v1/users/%s" % u))
    reqs.append(Req(n, "GET", "/slow/7", want=timeout504))
    reqs.append(Req(n, "GET", "/slow/8?x=1", want=timeout504))
    reqs.append(Req(n, "GET", "/down/1", want=bad))
    reqs.append(Req(n, "GET", "/search?q=abandoned", give_up=True, want=aborted))
    g = "gunicorn"
    reqs += common(g)
    reqs.append(Req(g, "GET", "/api/v1/users/%s" % UUIDS[0]))
    a = "apache"
    reqs += common(a)
    reqs.append(Req(a, "GET", "/api/v1/users/%s" % UUIDS[1]))
    reqs.append(Req(a, "GET", "/slow/9", want=("response", "502")))
    reqs.append(gql(a, "SlowReport", {"id": "7"}, want=("response", "502")))
    reqs.append(Req(a, "GET", "/down/2", want=("response", "503")))
    reqs.append(Req(a, "GET", "/search?q=abandoned", give_up=True, want=aborted))
    for i, r in enumerate(reqs):
        r.seq = i + 1
    return reqs


def run(r, port):
    headers = {"User-Agent": r.agent, "Connection": "close"}
    if r.target != "nginx":
        r.request_id = "00000000-0000-4000-8000-%012d" % r.seq
        headers["X-Request-Id"] = r.request_id
    if r.body is not None:
        headers["Content-Type"] = "application/json"
    if r.op_header:
        headers["X-Apollo-Operation-Name"] = r.op
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP if r.give_up else WAIT)
    try:
        conn.request(r.method, r.uri, body=r.body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        r.outcome, r.status = "response", str(resp.status)
        if r.target == "nginx":
            r.request_id = resp.getheader("X-Request-Id") or "-"
    except (socket.timeout, TimeoutError):
        r.outcome = "client_abort" if r.give_up else "closed"
    except (http.client.HTTPException, ConnectionError):
        r.outcome = "closed"
    finally:
        conn.close()
        r.elapsed_ms = (time.monotonic() - t0) * 1000.0


def main(argv):
    if len(argv) != 8 or argv[2::2] != ["--nginx", "--gunicorn", "--apache"]:
        sys.stderr.write(__doc__)
        return 2
    ports = {"nginx": int(argv[3]), "gunicorn": int(argv[5]), "apache": int(argv[7])}
    reqs = plan()
    for r in reqs:
        run(r, ports[r.target])
    with open(os.path.join(argv[1], "client.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("seq\ttarget\tmethod\turi\tgraphql_operation\trequest_id\toutcome\tstatus\telapsed_ms\n")
        for r in reqs:
            f.write("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n" % (
                r.seq, r.target, r.method, r.uri, r.op, r.request_id,
                r.outcome or "closed", r.status, r.elapsed_ms))
    bad = [r for r in reqs if (r.outcome, r.status) != r.want]
    for r in bad:
        sys.stderr.write("client: seq %d %s %s %s: got %s %s, planned %s %s\n" % (
            r.seq, r.target, r.method, r.uri, r.outcome, r.status, r.want[0], r.want[1]))
    sys.stderr.write("client: %d requests, %d not as planned\n" % (len(reqs), len(bad)))
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
