"""The fixed request plans of the incident capture, one per server kind.

Both variants of a kind (ids, noids) send the same plan. Handler times are
those of app/core/urls.py; server timeouts those of capture.sh and the
nginx templates (restated in internal/capture/incidents_plan.go):

  uWSGI:    harakiri 3 s; nginx uwsgi_read_timeout 20 s, 1 s on /reports/,
            2 s on /exports/
  gunicorn: --timeout 6 s; nginx proxy_read_timeout 20 s, 1 s on /reports/,
            2 s on /exports/

Every planned outcome keeps at least 0.5 s (mostly 1 s or more) between the
times that decide it, so that a busy machine does not change it.
"""

import json
import time
from urllib.parse import quote


class User:
    def __init__(self, addr, agent):
        self.addr, self.agent = addr, agent


# Two "users" with their own address and browser, a third client sharing
# alice's address (NAT) with another agent, and a health checker.
ALICE = User("127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
BOB = User("127.0.0.3", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")
CAROL = User("127.0.0.2", "curl/7.88.1")
PROBE = User("127.0.0.1", "kube-probe/1.29")

OK = ("response", 200)
GATEWAY_TIMEOUT = ("response", 504)
BAD_GATEWAY = ("response", 502)
ABORTED = ("client_abort", None)
CLOSED = ("closed", None)
GIVE_UP = 0.3  # seconds after which the client gives up on purpose

UUIDS = ["3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
         "7c9e6679-7425-40de-944b-e07fc1f90ae7"]
SHAS = ["da39a3ee5e6b4b0d3255bfef95601890afd80709", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"]

GQL_LIST = "query ListInvoices { invoices(first: 10) { id number total } }"
GQL_GET = "query GetInvoice($id: ID!) { invoice(id: $id) { id number total } }"
GQL_SLOW = "query SlowReport($year: Int!) { report(year: $year) { rows { id total } } }"


def gql_get(run, t, user, op, query):
    uri = "/graphql?operationName=%s&query=%s" % (op, quote(query, safe=""))
    return run.req(t, "GET", uri, "/graphql", user, op=op)


def gql_post(run, t, user, op, query, variables, want=OK):
    body = json.dumps({"operationName": op, "query": query, "variables": variables},
                      separators=(",", ":")).encode("utf-8")
    return run.req(t, "POST", "/graphql", "/graphql", user, op=op, body=body,
                   content_type="application/json", want=want)


def payment(run, t, user, pid, want):
    body = json.dumps({"amount": 1999, "currency": "EUR"}).encode("utf-8")
    return run.req(t, "POST", "/api/v1/payments/%d/capture" % pid, "/api/v1/payments/:id/capture",
                   user, body=body, content_type="application/json", want=want)


def fast_mix(run, t, n, count=8):
    """count fast requests of a fixed mix (created only when used, so that
    seq numbers follow the order of sending)."""
    R = run.req
    mix = [
        lambda: R(t, "GET", "/", "/", ALICE),
        lambda: R(t, "GET", "/healthz", "/healthz", PROBE),
        lambda: R(t, "GET", "/invoices/%d/pdf" % (1 + n), "/invoices/:id/pdf", ALICE),
        lambda: R(t, "GET", "/invoices/%d/pdf?page=2" % (1337 + n), "/invoices/:id/pdf", BOB),
        lambda: R(t, "GET", "/api/v1/users/%s" % UUIDS[n % 3], "/api/v1/users/:id", BOB),
        lambda: gql_get(run, t, ALICE, "ListInvoices", GQL_LIST),
        lambda: gql_post(run, t, BOB, "GetInvoice", GQL_GET, {"id": str(40 + n)}),
        lambda: R(t, "GET", "/api/v1/users/%s?expand=teams" % UUIDS[(n + 1) % 3],
                  "/api/v1/users/:id", CAROL),
    ]
    return [make() for make in mix[:count]]


def retry(run, orig, user=None, want=None):
    """The same request again from the same client (a new X-Request-ID)."""
    return run.req(orig.target.name, orig.method, orig.uri, orig.route, user or orig.user,
                   op=orig.op, body=orig.body, content_type=orig.content_type,
                   want=want or orig.want, retry_of=orig if user is None else None)


def gateway_timeouts_then_finish(run, t):
    """/reports/: nginx read timeout 1 s < handler 2 s: 504, the worker
    finishes. alice retries; carol (alice's address, another agent) sends
    the same request, which is not a retry."""
    a = run.one(run.req(t, "GET", "/reports/17/export", "/reports/:id/export", ALICE,
                        want=GATEWAY_TIMEOUT))
    time.sleep(0.2)
    run.one(retry(run, a))
    run.one(retry(run, a, user=CAROL))
    run.quiet(t)


def gateway_timeouts_then_kill(run, t, waiting):
    """/exports/: nginx read timeout < worker timeout < handler 12 s: 504,
    then the worker is killed. alice retries 0.2 s after her 504; with both
    workers busy, the waiting requests queue."""
    first = run.req(t, "GET", "/exports/9/csv", "/exports/:id/csv", ALICE, want=GATEWAY_TIMEOUT)
    again = retry(run, first)
    queued = waiting(run, t)

    def alice():
        first.send()
        time.sleep(0.2)
        again.send()

    def others():
        again.started.wait(30)
        time.sleep(0.3)
        run.together(queued, stagger=0.01)

    run.together([], extra=[alice, others])
    run.quiet(t)


def client_aborts(run, t):
    """The client gives up after 0.3 s on a 1.5 s handler that then streams
    2 MiB: nginx 499, and the server writes into a closed connection. bob
    retries once that has happened and waits; alice gives up and does not
    retry."""
    m = run.one(run.req(t, "GET", "/media/%s/download" % SHAS[0], "/media/:id/download", BOB,
                        give_up=GIVE_UP, want=ABORTED))
    run.quiet(t)
    run.one(retry(run, m, want=OK))
    run.one(run.req(t, "GET", "/media/%s/download?token=9f86d081884c7d65" % SHAS[1],
                    "/media/:id/download", ALICE, give_up=GIVE_UP, want=ABORTED))
    run.quiet(t)


def uwsgi(run, c):
    U, T = "uwsgi", "uwsgi-threads"
    run.sequence(fast_mix(run, U, 0) + fast_mix(run, T, 1))

    gateway_timeouts_then_finish(run, U)

    # Both workers busy with /exports/; a flood of 6 fast requests fills the
    # listen queue (listen 2).
    def flood(run, t):
        return ([run.req(t, "GET", "/healthz", "/healthz", PROBE) for _ in range(3)] +
                [run.req(t, "GET", "/api/v1/users/%s" % UUIDS[i], "/api/v1/users/:id", BOB)
                 for i in range(3)])
    gateway_timeouts_then_kill(run, U, flood)

    # Harakiri while the client sends SIGUSR2 to the worker across the
    # deadline: one worker of each instance, at the same time.
    c.align_to_second()
    a = run.req(U, "GET", "/invoices/4242/pdf?regenerate=1", "/invoices/:id/pdf", ALICE,
                want=BAD_GATEWAY)
    b = run.req(T, "GET", "/invoices/4343/pdf?regenerate=1", "/invoices/:id/pdf", BOB,
                want=BAD_GATEWAY)
    run.together([a, b], stagger=0, extra=[lambda: c.drive_usr2(run, a, 3),
                                          lambda: c.drive_usr2(run, b, 3)])
    run.quiet(U, T)

    # Harakiri on both workers: a payment blocked on the gateway's socket
    # and a GraphQL SlowReport.
    run.together([payment(run, U, BOB, 981, BAD_GATEWAY),
                  gql_post(run, U, ALICE, "SlowReport", GQL_SLOW, {"year": 2024}, BAD_GATEWAY)],
                 stagger=0.3)
    run.quiet(U)

    # faulthandler's registered-signal dump at 0.5 s, its Timeout dump at
    # 1 s; the request then finishes (2 s).
    s = run.req(U, "GET", "/accounts/501/statement?full=1", "/accounts/:id/statement", ALICE)
    run.together([s], extra=[lambda: c.drive_sigsys(run, s, 0.5)])
    run.quiet(U)

    client_aborts(run, U)
    run.sequence(fast_mix(run, U, 2) + fast_mix(run, T, 3, count=4))
    run.quiet(U, T)


def gunicorn(run, c):
    G, D = "gunicorn", "gunicorn-direct"
    run.sequence(fast_mix(run, G, 0) + [
        run.req(D, "GET", "/healthz", "/healthz", PROBE),
        run.req(D, "GET", "/api/v1/users/%s" % UUIDS[2], "/api/v1/users/:id", ALICE),
        run.req(D, "GET", "/healthz", "/healthz", PROBE),
    ])

    gateway_timeouts_then_finish(run, G)

    def waiting(run, t):
        return ([run.req(t, "GET", "/healthz", "/healthz", PROBE) for _ in range(2)] +
                [run.req(t, "GET", "/invoices/%d/pdf" % (500 + i), "/invoices/:id/pdf", BOB)
                 for i in range(2)])
    gateway_timeouts_then_kill(run, G, waiting)

    # Both workers time out in the same arbiter pass: a pair of 0.6 s
    # requests makes both workers check in at the same moment, then two
    # slow requests keep them busy past --timeout. Four times: whether the
    # two faulthandler dumps interleave differs from pass to pass.
    for i in range(4):
        run.together([
            run.req(G, "GET", "/accounts/%d/statement" % (600 + 2 * i), "/accounts/:id/statement", ALICE),
            run.req(G, "GET", "/accounts/%d/statement" % (601 + 2 * i), "/accounts/:id/statement", BOB),
        ], stagger=0)
        run.together([
            run.req(G, "GET", "/invoices/%d/pdf?regenerate=1" % (700 + i), "/invoices/:id/pdf", ALICE,
                    want=BAD_GATEWAY),
            gql_post(run, G, BOB, "SlowReport", GQL_SLOW, {"year": 2020 + i}, BAD_GATEWAY),
        ], stagger=0)
        run.quiet(G)

    # A payment blocked on the gateway: after the abort, its abort hook
    # blocks too, so the arbiter SIGKILLs the worker. Meanwhile a slow
    # request straight to gunicorn's TCP port is cut by the other timeout.
    run.together([payment(run, G, BOB, 981, BAD_GATEWAY),
                  run.req(D, "GET", "/invoices/990/pdf?regenerate=1", "/invoices/:id/pdf", ALICE,
                          want=CLOSED)], stagger=0.5)
    run.quiet(G)

    client_aborts(run, G)
    run.sequence(fast_mix(run, G, 2) + [run.req(D, "GET", "/healthz", "/healthz", PROBE)])
    run.quiet(G)
