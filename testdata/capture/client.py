"""Deterministic client for the real-server log capture (standard library only).

Usage:
  client.py OUTDIR --uwsgi PORT --uwsgi-logdate PORT --gunicorn PORT

--uwsgi and --uwsgi-logdate are the two nginx listeners (one per uWSGI
instance); --gunicorn is gunicorn itself. The request list and its order are
fixed. Some steps run a few requests concurrently in threads (started in list
order with a small stagger) so that slow handlers overlap.

Writes OUTDIR/client.tsv, one row per request, ordered by seq:

  seq target method uri route_template graphql_operation outcome status elapsed_ms

target:   uwsgi-via-nginx | uwsgi-logdate-via-nginx | gunicorn
outcome:  response      the client got a status line
          client_abort  the client gave up on purpose before a response
          closed        the connection was closed or reset without a response
status:   the HTTP status, or "-" when there was none
graphql_operation: "-" when the request is not a GraphQL call

Exit status 3 when any request did not end the way the plan says it must (the
capture is then not usable), 0 otherwise.
"""

import http.client
import json
import os
import socket
import sys
import threading
import time
from urllib.parse import quote

USER_AGENT = "slowroutes-capture/1.0"
WAIT = 40.0  # seconds the client waits for a response it does not give up on
GIVE_UP = 0.5  # seconds after which the client gives up on purpose

UUIDS = [
    "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "0B5E0F3C-8D2A-4C6F-9E1B-5A4D3C2B1A09",  # upper case
    "F47AC10B-58CC-4372-A567-0E02B2C3D479",  # upper case
]
SHAS = [
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "de9f2c7fd25e1b3afad3e85a0bd17d9b100db4b3",
]
TOKEN = "9f86d081884c7d659a2feaa0c55ad015"
TOKEN2 = "e3b0c44298fc1c149afbf4c8996fb924"

GQL_LIST = "query ListInvoices { invoices(first: 10) { id number total } }"
GQL_GET = "query GetInvoice($id: ID!) { invoice(id: $id) { id number total } }"
GQL_SLOW = "query SlowReport($year: Int!) { report(year: $year) { rows { id total } } }"


class Req:
    """One planned request and, once run, what the client saw."""

    def __init__(self, target, method, uri, route, op="-", body=None,
                 content_type=None, give_up=False, want=("response", "200")):
        self.target = target
        self.method = method
        self.uri = uri
        self.route = route
        self.op = op
        self.body = body
        self.content_type = content_type
        self.give_up = give_up
        self.want = want
        self.seq = 0
        self.outcome = None
        self.status = "-"
        self.elapsed_ms = 0.0


def gql_get(target, op, query, want=("response", "200")):
    uri = "/graphql?operationName=%s&query=%s" % (op, quote(query, safe=""))
    return Req(target, "GET", uri, "/graphql", op=op, want=want)


def gql_post(target, op, query, variables, want=("response", "200")):
    body = json.dumps({"operationName": op, "query": query, "variables": variables},
                      separators=(",", ":")).encode("utf-8")
    return Req(target, "POST", "/graphql", "/graphql", op=op, body=body,
               content_type="application/json", want=want)


def fast_mix(t, n):
    """A fixed mix of fast and id-bearing requests; n selects a variant."""
    out = [
        Req(t, "GET", "/", "/"),
        Req(t, "GET", "/healthz", "/healthz"),
        Req(t, "GET", "/invoices/%d/pdf" % (1 + n), "/invoices/:id/pdf"),
        Req(t, "GET", "/invoices/%d/pdf?page=2" % (1337 + n), "/invoices/:id/pdf"),
        Req(t, "GET", "/api/v1/users/%s" % UUIDS[n % 3], "/api/v1/users/:id"),
        Req(t, "GET", "/api/v1/users/%s" % UUIDS[3 + n % 2], "/api/v1/users/:id"),
        Req(t, "GET", "/media/%s/original" % SHAS[n % 3], "/media/:id/original"),
        Req(t, "GET", "/media/%s/original?token=%s" % (SHAS[(n + 1) % 3], TOKEN),
            "/media/:id/original"),
        Req(t, "POST", "/api/v1/auth/oauth2/token", "/api/v1/auth/oauth2/token",
            body=b"grant_type=client_credentials&client_id=cli%d" % n,
            content_type="application/x-www-form-urlencoded"),
        Req(t, "GET", "/healthz", "/healthz"),
        Req(t, "POST", "/api/v1/2fa/verify", "/api/v1/2fa/verify",
            body=b'{"code":"%06d"}' % (123456 + n), content_type="application/json"),
        gql_get(t, "ListInvoices", GQL_LIST),
        gql_post(t, "GetInvoice", GQL_GET, {"id": str(40 + n)}),
        Req(t, "GET", "/api/v1/users/%s?token=%s" % (UUIDS[n % 5], TOKEN2),
            "/api/v1/users/:id"),
        Req(t, "GET", "/invoices/%d/pdf" % (90000 + n), "/invoices/:id/pdf"),
    ]
    return out


# A plan is a list of steps. A step is (requests, stagger_s, pause_after_s,
# burst) where burst, if set, is (delay_s, requests): those requests start
# together delay_s after the first ones, while the first ones are still busy.
def plan():
    U, L, G = "uwsgi-via-nginx", "uwsgi-logdate-via-nginx", "gunicorn"
    bad = ("response", "502")
    gw_timeout = ("response", "504")
    aborted = ("client_abort", "-")
    closed = ("closed", "-")
    steps = []

    # nginx -> uWSGI (default log format)
    for n in range(4):
        steps += [([r], 0, 0, None) for r in fast_mix(U, n)]
    # two routes behind uwsgi_read_timeout 1s, handler 2.5 s -> 504
    steps.append(([Req(U, "GET", "/reports/17/export", "/reports/:id/export", want=gw_timeout),
                   Req(U, "GET", "/exports/9/csv", "/exports/:id/csv", want=gw_timeout)],
                  0.1, 2.5, None))
    # harakiri on a GET with a query string and on a GraphQL POST, while a
    # burst of fast requests fills the listen queue (--listen 2)
    steps.append(([Req(U, "GET", "/slow/7?page=2", "/slow/:id", want=bad),
                   gql_post(U, "SlowReport", GQL_SLOW, {"year": 2023}, want=bad)],
                  0.1, 1.0,
                  (0.8, [Req(U, "GET", "/healthz", "/healthz") for _ in range(4)])))
    steps += [([r], 0, 0, None) for r in fast_mix(U, 4)[:5]]
    steps.append(([Req(U, "GET", "/slow/30", "/slow/:id", want=bad),
                   gql_post(U, "SlowReport", GQL_SLOW, {"year": 2024}, want=bad)],
                  0.1, 1.0, None))
    # client gives up after 0.5 s on a 2.5 s handler -> nginx 499
    steps.append(([Req(U, "GET", "/search?q=invoices", "/search", give_up=True, want=aborted),
                   Req(U, "GET", "/search?q=refund&page=2", "/search", give_up=True,
                       want=aborted)],
                  0.1, 2.5, None))
    steps.append(([Req(U, "GET", "/search?q=late", "/search")], 0, 0, None))
    steps += [([r], 0, 0, None) for r in fast_mix(U, 5)]

    # nginx -> uWSGI with --logdate and --log-micros
    for n in range(2):
        steps += [([r], 0, 0, None) for r in fast_mix(L, 10 + n)]
    steps.append(([Req(L, "GET", "/reports/5/export", "/reports/:id/export", want=gw_timeout)],
                  0, 2.0, None))
    steps.append(([Req(L, "GET", "/slow/3?token=%s" % TOKEN, "/slow/:id", want=bad),
                   gql_post(L, "SlowReport", GQL_SLOW, {"year": 2025}, want=bad)],
                  0.1, 1.0, None))
    steps.append(([Req(L, "GET", "/search?q=abandoned", "/search", give_up=True,
                       want=aborted)], 0, 2.5, None))
    steps += [([r], 0, 0, None) for r in fast_mix(L, 12)[:5]]

    # gunicorn, hit directly
    for n in range(2):
        steps += [([r], 0, 0, None) for r in fast_mix(G, 20 + n)]
    steps.append(([Req(G, "GET", "/slow/11?page=2", "/slow/:id", want=closed),
                   gql_post(G, "SlowReport", GQL_SLOW, {"year": 2022}, want=closed)],
                  0.1, 1.0, None))
    steps.append(([Req(G, "GET", "/slow/12", "/slow/:id", want=closed)], 0, 1.0, None))
    steps += [([r], 0, 0, None) for r in fast_mix(G, 22)[:5]]
    return steps


def run_one(r, ports):
    port = ports[r.target]
    timeout = GIVE_UP if r.give_up else WAIT
    headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if r.body is not None:
        headers["Content-Type"] = r.content_type
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(r.method, r.uri, body=r.body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        r.outcome, r.status = "response", str(resp.status)
    except (socket.timeout, TimeoutError):
        r.outcome = "client_abort" if r.give_up else "closed"
    except (http.client.RemoteDisconnected, http.client.IncompleteRead,
            ConnectionError, http.client.BadStatusLine):
        r.outcome = "closed"
    finally:
        conn.close()
        r.elapsed_ms = (time.monotonic() - t0) * 1000.0


def run_step(step, ports):
    reqs, stagger, pause, burst = step
    threads = []
    for i, r in enumerate(reqs):
        if i and stagger:
            time.sleep(stagger)
        th = threading.Thread(target=run_one, args=(r, ports))
        th.start()
        threads.append(th)
    if burst:
        delay, more = burst
        time.sleep(delay)
        for r in more:
            th = threading.Thread(target=run_one, args=(r, ports))
            th.start()
            threads.append(th)
    for th in threads:
        th.join(WAIT + 5)
    if pause:
        time.sleep(pause)


def main(argv):
    if len(argv) != 8 or argv[2::2] != ["--uwsgi", "--uwsgi-logdate", "--gunicorn"]:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    ports = {
        "uwsgi-via-nginx": int(argv[3]),
        "uwsgi-logdate-via-nginx": int(argv[5]),
        "gunicorn": int(argv[7]),
    }
    steps = plan()
    seq = 0
    for reqs, _, _, burst in steps:
        for r in reqs + (burst[1] if burst else []):
            seq += 1
            r.seq = seq
    all_reqs = []
    for step in steps:
        run_step(step, ports)
        all_reqs += step[0] + (step[3][1] if step[3] else [])
    all_reqs.sort(key=lambda r: r.seq)

    path = os.path.join(outdir, "client.tsv")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("seq\ttarget\tmethod\turi\troute_template\tgraphql_operation"
                "\toutcome\tstatus\telapsed_ms\n")
        for r in all_reqs:
            f.write("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n" % (
                r.seq, r.target, r.method, r.uri, r.route, r.op,
                r.outcome or "closed", r.status, r.elapsed_ms))

    bad = [r for r in all_reqs if (r.outcome, r.status) != r.want]
    for r in bad:
        sys.stderr.write("client: seq %d %s %s %s: got %s %s, planned %s %s\n" % (
            r.seq, r.target, r.method, r.uri, r.outcome, r.status, r.want[0], r.want[1]))
    sys.stderr.write("client: %d requests, %d not as planned\n" % (len(all_reqs), len(bad)))
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
