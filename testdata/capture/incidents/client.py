"""Client of the incident capture: sends a fixed request plan and records it.

Usage: client.py CONFIG.json

CONFIG (written by capture.sh) names the setup, its kind ("uwsgi" or
"gunicorn"), the output directory, and for each target its port, the log
file its app writes to and, for uWSGI, the master's stats socket.

Writes OUTDIR/client.tsv, one row per request, ordered by seq:

  seq setup target method uri route_template graphql_operation x_request_id
  client_addr user_agent start end outcome status retry_of

  start, end   epoch seconds with ms: when the client opened the connection
               and when it got the whole response (or gave up / saw it closed)
  outcome      response | client_abort (gave up on purpose) | closed (closed
               or reset without a response)
  status       the HTTP status, or "-"
  retry_of     seq of the request this one repeats, or "-"

and OUTDIR/signals.tsv, one row per request the client sent signals about:

  seq setup target signal pid sent first last

  signal  SIGUSR2 (uWSGI's "what am I doing", sent every 100 ms across the
          harakiri deadline) or SIGSYS (faulthandler.register in the app)
  pid     the worker pid, read from the app's own request_started line

Exit status 3 when a request did not end the way the plan says it must.
"""

import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid

import plans

WAIT = 40.0  # seconds the client waits for a response it does not give up on


class Target:
    def __init__(self, name, cfg):
        self.name = name
        self.port = cfg["port"]
        self.log = cfg.get("log")
        self.stats = cfg.get("stats")


class Request:
    """One planned request and, once sent, what the client saw."""

    def __init__(self, run, target, method, uri, route, user, op="-", body=None,
                 content_type=None, give_up=None, want=("response", 200), retry_of=None):
        run.seq += 1
        self.seq = run.seq
        self.target = run.targets[target]
        self.method, self.uri, self.route, self.op = method, uri, route, op
        self.user = user
        self.body, self.content_type = body, content_type
        self.give_up = give_up
        self.want = want
        self.retry_of = retry_of
        self.request_id = str(uuid.uuid4())
        self.start = self.end = 0.0
        self.outcome, self.status = "closed", None
        self.started = threading.Event()

    @property
    def path(self):
        return self.uri.split("?", 1)[0]

    def send(self):
        headers = {"User-Agent": self.user.agent, "X-Request-ID": self.request_id,
                   "Connection": "close"}
        if self.body is not None:
            headers["Content-Type"] = self.content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.target.port,
                                          timeout=self.give_up or WAIT,
                                          source_address=(self.user.addr, 0))
        self.start = time.time()
        self.started.set()
        try:
            conn.request(self.method, self.uri, body=self.body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            self.outcome, self.status = "response", resp.status
        except (socket.timeout, TimeoutError):
            self.outcome = "client_abort" if self.give_up else "closed"
        except (http.client.RemoteDisconnected, http.client.IncompleteRead,
                http.client.BadStatusLine, ConnectionError):
            self.outcome = "closed"
        finally:
            conn.close()
            self.end = time.time()

    def row(self, setup):
        def dash(v):
            return "-" if v in (None, "") else str(v)
        return "\t".join([
            str(self.seq), setup, self.target.name, self.method, self.uri, self.route,
            self.op, self.request_id, self.user.addr, self.user.agent,
            "%.3f" % self.start, "%.3f" % self.end, self.outcome, dash(self.status),
            dash(self.retry_of.seq if self.retry_of else None)])


class Run:
    """The state of one setup's run: targets, requests, signal records."""

    def __init__(self, cfg):
        self.setup = cfg["setup"]
        self.kind = cfg["kind"]
        self.out = cfg["out"]
        self.targets = {name: Target(name, t) for name, t in cfg["targets"].items()}
        self.seq = 0
        self.requests = []
        self.signals = []
        self.lock = threading.Lock()

    def req(self, *args, **kwargs):
        r = Request(self, *args, **kwargs)
        self.requests.append(r)
        return r

    # --- sending ---------------------------------------------------------

    def one(self, r):
        r.send()
        return r

    def sequence(self, reqs):
        for r in reqs:
            r.send()

    def together(self, reqs, stagger=0.05, extra=()):
        """Send reqs concurrently, stagger seconds apart; run extra callables
        (drivers) in threads too; wait for all."""
        threads = []
        for i, r in enumerate(reqs):
            if i and stagger:
                time.sleep(stagger)
            th = threading.Thread(target=r.send)
            th.start()
            threads.append(th)
        for fn in extra:
            th = threading.Thread(target=fn)
            th.start()
            threads.append(th)
        for th in threads:
            th.join(WAIT + 10)

    # --- reading the servers' logs ------------------------------------------

    @staticmethod
    def lines(path):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def worker_pid(self, r, timeout=5.0):
        """The pid in the app's request_started line for r (paths of driven
        requests are unique in the plan)."""
        r.started.wait(WAIT)
        needle = '"path":"%s"' % r.path
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.lines(r.target.log):
                if '"event":"request_started"' in line and needle in line:
                    return json.loads(line)["pid"]
            time.sleep(0.02)
        raise RuntimeError("seq %d: no request_started line for %s" % (r.seq, r.path))

    def wait_until(self, what, cond, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for " + what)

    def quiet(self, *names):
        """Wait until every request the targets' app started has ended in
        its log (finished, aborted or killed) and killed workers are back."""
        for name in names:
            t = self.targets[name]
            self.wait_until(name + " to be idle", lambda: self.idle(t))

    def idle(self, t):
        lines = self.lines(t.log)

        def count(s):
            return sum(1 for line in lines if s in line)

        started = count('"event":"request_started"')
        finished = count('"event":"request_finished"')
        if self.kind == "uwsgi":
            return (started == finished + count("HARAKIRI [core ")
                    and count(" => generated ") == finished
                    and count("DAMN ! worker") == count("Respawned uWSGI worker"))
        return (started == finished + count('"event":"request_aborted"')
                and count("Booting worker with pid") == 2 + count("WORKER TIMEOUT"))

    # --- signals -------------------------------------------------------------

    def record_signal(self, r, name, pid, times):
        with self.lock:
            self.signals.append((r, name, pid, times))

    def write(self):
        self.requests.sort(key=lambda r: r.seq)
        with open(os.path.join(self.out, "client.tsv"), "w", encoding="utf-8", newline="\n") as f:
            f.write("seq\tsetup\ttarget\tmethod\turi\troute_template\tgraphql_operation"
                    "\tx_request_id\tclient_addr\tuser_agent\tstart\tend\toutcome\tstatus"
                    "\tretry_of\n")
            for r in self.requests:
                f.write(r.row(self.setup) + "\n")
        with open(os.path.join(self.out, "signals.tsv"), "w", encoding="utf-8", newline="\n") as f:
            f.write("seq\tsetup\ttarget\tsignal\tpid\tsent\tfirst\tlast\n")
            for r, name, pid, times in sorted(self.signals, key=lambda s: (s[0].seq, s[1])):
                f.write("%d\t%s\t%s\t%s\t%d\t%d\t%.3f\t%.3f\n" % (
                    r.seq, self.setup, r.target.name, name, pid, len(times),
                    times[0], times[-1]))


def align_to_second(lo=0.05, width=0.05):
    """Sleep until the fractional part of the clock is in [lo, lo+width), so
    that a request sent next starts well inside one wall-clock second."""
    now = time.time()
    frac = now % 1.0
    if lo <= frac < lo + width:
        return
    base = now - frac
    sleep_until(base + lo if frac < lo else base + 1.0 + lo)


def sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def stats_poll(path):
    """Read the uWSGI master's stats socket once. The master answers in its
    event loop and then waits up to one second again, so this sets when its
    next once-a-second check (harakiri included) runs."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        while s.recv(65536):
            pass
    finally:
        s.close()


def drive_usr2(run, r, harakiri):
    """Send SIGUSR2 to the worker serving r every 100 ms from harakiri s after
    the request's start second until 0.35 s into the second after that.

    uWSGI 2.0.21 (core/uwsgi.c, what_i_am_doing) prints "is managing" while
    now <= start_sec + harakiri and "WAS managing" once the deadline has
    passed; the master kills at its first once-a-second check with
    now > start_sec + harakiri. A stats poll at start_sec + harakiri + 0.5
    moves that check to about 0.5 s into the next second, so the worker's
    "WAS managing" lines come before the master's banner.
    """
    pid = run.worker_pid(r)
    start_sec = int(r.start)
    first = start_sec + harakiri
    last = start_sec + harakiri + 1.35
    anchor = start_sec + harakiri + 0.5
    banner = "HARAKIRI ON WORKER"
    times = []
    t = first
    anchored = False
    while t <= last and len(times) < 20:
        sleep_until(t)
        if not anchored and time.time() >= anchor:
            stats_poll(r.target.stats)
            anchored = True
        if any(banner in l and "(pid: %d," % pid in l for l in run.lines(r.target.log)):
            break
        try:
            os.kill(pid, signal.SIGUSR2)
        except ProcessLookupError:
            break
        times.append(time.time())
        t += 0.1
    run.record_signal(r, "SIGUSR2", pid, times)


def drive_sigsys(run, r, after):
    """Send SIGSYS once to the worker serving r, after seconds into it."""
    pid = run.worker_pid(r)
    sleep_until(r.start + after)
    os.kill(pid, signal.SIGSYS)
    run.record_signal(r, "SIGSYS", pid, [time.time()])


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        cfg = json.load(f)
    run = Run(cfg)
    plan = {"uwsgi": plans.uwsgi, "gunicorn": plans.gunicorn}[run.kind]
    plan(run, sys.modules[__name__])
    run.write()
    bad = [r for r in run.requests if (r.outcome, r.status) != (r.want[0], r.want[1])]
    for r in bad:
        sys.stderr.write("client %s: seq %d %s %s %s: got %s %s, planned %s %s\n" % (
            run.setup, r.seq, r.target.name, r.method, r.uri, r.outcome, r.status,
            r.want[0], r.want[1]))
    sys.stderr.write("client %s: %d requests, %d not as planned\n" % (
        run.setup, len(run.requests), len(bad)))
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
