#!/usr/bin/python3
"""The drill: three instances behind HAProxy on a three-node RabbitMQ
cluster, under a steady mixed load, while instances, a broker node, Redis
and PostgreSQL are restarted in turn; then the events, the history and the
rate limit are checked and one summary is printed. docs/operations.md,
"The drill", says what each step proves.

Run by scripts/drill (which starts the stack and the instances, then
stops them and scans their logs), with in the environment:
    DRILL_URL            HAProxy, http://127.0.0.1:PORT
    SECRET_KEY, DATABASE_URL, RABBITMQ_URL, REDIS_URL   the instances' own
    RABBITMQ_EXCHANGE    (default bee.customers.events)
    DRILL_INSTANCES      how many `scripts/scale up` started (3)
    DRILL_CONNECTIONS    load connections (24); DRILL_RATE requests per
                         second per connection (4)
    STACK_DIR, SCALE_DIR as scripts/stack and scripts/scale use them
Exit status 1 when any check failed, 2 when the drill could not run a step.

Every wait polls with a deadline; a step that does not finish in time
fails the drill with what it was waiting for.
"""
import csv
import io
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "prop"))

import redis  # noqa: E402

import broker  # noqa: E402
import checks  # noqa: E402
import load  # noqa: E402

TAKEOVER_BOUND = 10.0     # the publisher lock's takeover, at most
# a 503 while PostgreSQL is down comes from the breaker or a refused
# connect at once, well before DB_STATEMENT_TIMEOUT_MS (5 s)
PG_FAIL_FAST_BOUND = 2.0
PG_RECOVERY_BOUND = 20.0
# a lagging instance's breaker may still answer 503 this long after the
# first requests succeed again (its longest back-off, docs/api.md, + 1 s)
BREAKER_LAG = 6.0
# scripts/scale restart at worst: a stop cut at the grace (20 + 10 s), a
# start's 60 s for /ready, 10 s back into HAProxy's rotation
SCALE_START_BOUND = 110  # after PostgreSQL is back, every 503 stops
RATE_CALLS, RATE_LIMIT = 15, 5
DB_ROUTES = ("create", "get", "list", "patch", "tag", "tags", "note",
             "notes", "avatar")


class StepFailed(Exception):
    pass


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        raise SystemExit("drill: %s is not set" % name)
    return v


def say(msg):
    print("drill: %s" % msg, flush=True)


def run(*cmd, timeout=120):
    """A script of the repository; its output is shown on failure."""
    t = time.time()
    try:
        p = subprocess.run(
            [os.path.join(ROOT, "scripts", cmd[0])] + list(cmd[1:]),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.output or ""  # bytes even with text=True (Python's quirk)
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        raise StepFailed("scripts/%s still running after %ds:\n%s" %
                         (" ".join(cmd), timeout, out.strip()))
    if p.returncode != 0:
        raise StepFailed("scripts/%s failed (exit %d) after %.1fs:\n%s" %
                         (" ".join(cmd), p.returncode, time.time() - t,
                          p.stdout.strip()))
    return p.stdout.strip()


def wait_for(what, deadline_s, probe, interval=0.2):
    """Polls probe() until it returns something true; the time it took."""
    t0 = time.time()
    while True:
        v = probe()
        if v:
            return time.time() - t0, v
        if time.time() - t0 > deadline_s:
            raise StepFailed("%s: not within %.0fs" % (what, deadline_s))
        time.sleep(interval)


class Drill:
    def __init__(self):
        u = urlsplit(env("DRILL_URL"))
        self.host, self.port = u.hostname, u.port
        self.secret = env("SECRET_KEY")
        self.db = checks.Db(env("DATABASE_URL"))
        self.rmq_urls = env("RABBITMQ_URL")
        self.redis = redis.Redis.from_url(env("REDIS_URL"),
                                          socket_timeout=3)
        self.exchange = env("RABBITMQ_EXCHANGE", "bee.customers.events")
        self.instances = int(env("DRILL_INSTANCES", "3"))
        self.scale_dir = env("SCALE_DIR")
        self.businesses = [str(uuid.uuid4()) for _ in range(4)]
        self.load = load.Load(self.host, self.port, self.secret,
                              self.businesses,
                              int(env("DRILL_CONNECTIONS", "24")),
                              float(env("DRILL_RATE", "4")))
        self.capture = broker.Capture(self.rmq_urls, self.exchange,
                                      "drill.capture." + uuid.uuid4().hex[:8])
        self.phases = []  # (name, t0, t1)
        self.figures = {}  # name -> value, printed in the summary
        self.problems = []
        self.windows = {}  # name -> (t0, t1): where a failure is allowed

    # --- helpers -----------------------------------------------------------

    def client(self):
        return load.Client(self.host, self.port, lambda r: None)

    def make_customer(self, business, user=None):
        rec, c = self.client().call(
            "create", "POST", "/customers",
            load.admin_token(self.secret, business), {
                "full_name": "Drill fixture",
                "email": "drill.%s@example.com" % uuid.uuid4().hex[:12],
                "user_id": user or str(uuid.uuid4()),
                "business_id": business})
        if c is None:
            raise StepFailed("POST /customers for a fixture: %s" % rec.detail)
        return c

    def oks_after(self, t, ops=DB_ROUTES):
        return sum(1 for r in list(self.load.records)
                   if r.t0 >= t and r.expected and r.op in ops)

    def phase(self, name, fn):
        say("phase %s ..." % name)
        t0 = time.time()
        fn()
        self.phases.append((name, t0, time.time()))
        say("phase %s done in %.1fs" % (name, time.time() - t0))

    def in_rotation(self, what):
        """Every instance up and answering through HAProxy again, so the
        next step does not start with one out of rotation."""
        def all_up():
            st = run("scale", "status")
            lines = [ln.split() for ln in st.splitlines()]
            return all(ln[-1] == "up" for ln in lines if ln)
        wait_for(what + ": every instance up (scripts/scale status)", 60,
                 all_up, 0.5)
        wait_for(what + ": HAProxy sees every instance", 30,
                 self.haproxy_all_up, 0.3)

    def haproxy_all_up(self):
        return self.haproxy_servers("UP")

    def haproxy_servers(self, state):
        """HAProxy's stats (CSV): every server of the backend `api` (the
        instances in rotation) is in state (UP, DOWN)."""
        try:
            with open(os.path.join(self.scale_dir, "haproxy",
                                   "stats-port")) as f:
                port = f.read().strip()
            with urllib.request.urlopen("http://127.0.0.1:%s/stats;csv" % port,
                                        timeout=3) as r:
                rows = list(csv.reader(io.StringIO(r.read().decode())))
        except (OSError, ValueError):
            return False
        head = [h.lstrip("# ") for h in rows[0]]
        px, sv, st = head.index("pxname"), head.index("svname"), \
            head.index("status")
        servers = [r for r in rows[1:] if len(r) > st and r[px] == "api" and
                   r[sv] not in ("FRONTEND", "BACKEND")]
        return len(servers) >= self.instances and \
            all(r[st] == state for r in servers)

    # --- setup -------------------------------------------------------------

    def setup(self):
        self.capture.declare()
        self.capture.start()
        hbiz = str(uuid.uuid4())
        huser = str(uuid.uuid4())
        hc = self.make_customer(hbiz, huser)
        self.history = broker.History(self.rmq_urls, self.db.query, hbiz,
                                      huser, hc["id"], 5.0)
        self.rate_customer = self.make_customer(self.businesses[0])

    def warm_up(self):
        self.load.start()
        self.history.start()
        wait_for("warm-up: 100 successful requests", 60,
                 lambda: self.oks_after(0) >= 100)
        wait_for("warm-up: the publisher confirmed an event", 30,
                 lambda: (self.db.query("SELECT count(*) FROM outbox WHERE"
                                        " sent_at IS NOT NULL") or
                          [[0]])[0][0] > 0)
        self.in_rotation("warm-up")

    # --- the steps ---------------------------------------------------------

    def rate_limit(self):
        """One caller, one customer: exactly RATE_LIMIT successes of
        RATE_CALLS sent to the instances in turn (each on its own port, so
        that every instance answers some: HAProxy's round robin, shared
        with the load, could send them all to one)."""
        sub = str(uuid.uuid4())
        token = load.admin_token(self.secret, self.businesses[0], sub)
        statuses = {}
        for i in range(RATE_CALLS):
            inst = str(i % self.instances + 1)
            with open(os.path.join(self.scale_dir, inst, "port")) as f:
                port = int(f.read().strip())
            c = load.Client(self.host, port, lambda r: None)
            rec, _ = c.call("patch", "PATCH",
                            "/customers/" + self.rate_customer["id"], token,
                            {"full_name": "Drill rate %d" % i})
            c.close()
            statuses.setdefault(inst, []).append(rec.status)
        every = [st for v in statuses.values() for st in v]
        ok, limited = every.count(200), every.count(429)
        self.figures["rate limit"] = (
            "%d of %d PATCHes by one caller succeeded, %d got 429 (limit %d;"
            " instances in turn: %s)" % (ok, RATE_CALLS, limited, RATE_LIMIT,
                                         ", ".join("%s %s" % (k, v) for k, v
                                                   in sorted(
                                                       statuses.items()))))
        if ok != RATE_LIMIT or limited != RATE_CALLS - RATE_LIMIT:
            self.problems.append("rate limit: statuses by instance %s" %
                                 statuses)

    def rolling(self):
        t0 = time.time()
        for i in range(1, self.instances + 1):
            run("scale", "restart", str(i), timeout=SCALE_START_BOUND)
            self.in_rotation("rolling restart of instance %d" % i)
        self.figures["rolling restart"] = "%d instances in %.1fs" % (
            self.instances, time.time() - t0)

    def kill_publisher(self):
        holder = run("scale", "publisher")
        t0 = time.time()
        run("scale", "kill", holder)
        t1 = time.time()
        self.windows["kill"] = (t0, t1)

        def other():
            p = subprocess.run([os.path.join(ROOT, "scripts", "scale"),
                                "publisher"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
            v = p.stdout.strip()
            return v if p.returncode == 0 and v and v != holder else None
        took, new = wait_for("publisher takeover after kill -9 of instance %s"
                             % holder, 30, other, 0.1)
        self.figures["lock takeover"] = (
            "%.1fs (instance %s killed, instance %s's publisher took the"
            " lock)" % (took, holder, new))
        if took > TAKEOVER_BOUND:
            self.problems.append("publisher takeover took %.1fs (bound %.0fs)"
                                 % (took, TAKEOVER_BOUND))
        run("scale", "start", holder, timeout=SCALE_START_BOUND)
        self.in_rotation("instance %s started again" % holder)

    def broker_node(self):
        """Node 2 (the first of every client's list) away: publishing and
        consuming must go on. A failed wait is a failed check, not the
        end of the drill: node 2 comes back and the steps go on."""
        t0 = time.time()
        run("stack", "node", "stop", "2", timeout=90)
        t1 = time.time()
        cap0 = len(self.capture.got)
        hist0 = self.processed()

        def flowing():
            return (len(self.capture.got) - cap0 >= 100 and
                    self.processed() - hist0 >= 20)
        try:
            wait_for("events published and consumed while node 2 is down",
                     30, flowing, 0.5)
        except StepFailed as e:
            self.problems.append(str(e))
        cap = len(self.capture.got) - cap0
        hist = self.processed() - hist0
        t2 = time.time()
        run("stack", "node", "start", "2", timeout=120)
        self.figures["broker node 2 down"] = (
            "%.1fs: %d events reached the capture queue, %d history events"
            " were processed meanwhile (stop took %.1fs)" %
            (t2 - t1, cap, hist, t1 - t0))

    def processed(self):
        rows = self.db.query("SELECT count(*) FROM processed_events")
        return rows[0][0] if rows else 0

    def redis_restart(self):
        run("stack", "stop", "redis")
        t1 = time.time()
        wait_for("PATCHes served while Redis is down", 30,
                 lambda: self.oks_after(t1, ("patch",)) >= 20)
        served = self.oks_after(t1, ("patch",))
        run("stack", "start", "redis")
        self.figures["redis down"] = "%.1fs (%d PATCHes served meanwhile)" % (
            time.time() - t1, served)

    def postgres_restart(self):
        t0 = time.time()
        run("stack", "stop", "postgres")
        t1 = time.time()
        # the window where a 503 is expected opens now and closes once
        # every worker's breaker has let it through again
        self.windows["postgres"] = (t0, t1 + 3600)

        def refused():
            return sum(1 for r in list(self.load.records)
                       if r.t0 >= t1 and r.status == 503) >= 50
        wait_for("503s while PostgreSQL is down", 30, refused)
        # every instance's /ready says not_ready: HAProxy serves them all
        # as a last resort (its `api_any` backend), the service's own 503s
        wait_for("every instance out of rotation (not_ready)", 30,
                 lambda: self.haproxy_servers("DOWN"))
        t2 = time.time()
        run("stack", "start", "postgres", timeout=90)
        t3 = time.time()
        took, _ = wait_for("requests succeed again after PostgreSQL is back",
                           PG_RECOVERY_BOUND,
                           lambda: self.oks_after(t3) >= 20)
        self.windows["postgres"] = (t0, t3 + took + BREAKER_LAG)
        self.pg_times = (t1, t2, t3)
        self.figures["postgres down"] = "%.1fs; 20 requests succeeded %.1fs" \
            " after it was back" % (t3 - t1, took)

    def cool_down(self):
        t = time.time()
        wait_for("500 successful requests after the last step", 60,
                 lambda: self.oks_after(t) >= 500)
        self.in_rotation("the end")

    # --- afterwards --------------------------------------------------------

    def settle(self):
        stuck = self.load.stop()
        if stuck:
            self.problems.append("%d load connection(s) did not stop" %
                                 len(stuck))
        unreplayed = self.history.finish(time.time() + 60)
        if unreplayed:
            self.problems.append("%d history event(s) never processed, so"
                                 " never replayed" % len(unreplayed))
        try:
            wait_for("the publisher sent every outbox row", 90, lambda: (
                self.db.query("SELECT count(*) FROM outbox WHERE sent_at IS"
                              " NULL") or [[1]])[0][0] == 0, 0.5)
        except StepFailed as e:
            self.problems.append(str(e))
        before = self.redis.llen("failed_events")
        out = run("resend-failed-events")
        after = self.redis.llen("failed_events")
        self.figures["failed_events"] = "%d before the resend tool, %d after" \
            % (before, after)
        if after != 0:
            self.problems.append("failed_events holds %d item(s) after the"
                                 " resend tool: %s" % (after, out[-300:]))
        ids = {r[0] for r in self.db.must("SELECT event_id::text FROM outbox")}
        try:
            wait_for("every outbox event on the capture queue", 60, lambda:
                     ids <= {g[0] for g in list(self.capture.got)}, 0.5)
        except StepFailed as e:
            self.problems.append(str(e))
        try:
            wait_for("the history queue empty (ready and unacked)", 60,
                     self.history_queue_empty, 0.5)
        except StepFailed as e:
            self.problems.append(str(e))
        self.capture.stop()

    def history_queue_empty(self):
        out = run("stack", "rabbitmqctl", "list_queues", "-q", "name",
                  "messages")
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == "bee.customers.history":
                return f[1] == "0"
        return False

    def verdicts(self):
        rows = checks.outbox(self.db)
        f, p = checks.events_vs_outbox(rows, list(self.capture.got))
        self.figures["events"] = ", ".join("%s %d" % kv for kv in f.items())
        self.problems += p
        gap, at, wait, row = checks.publisher_gap(rows)
        self.figures["publisher longest gap"] = (
            "%.2fs (ending %s); longest wait of one row %.2fs (outbox id %s)"
            % (gap, self.when(at), wait, row))
        f, p = checks.history_applied(self.db, self.history)
        self.figures["history"] = ", ".join("%s %d" % kv for kv in f.items())
        self.problems += p
        self.requests()

    def when(self, t):
        if t is None:
            return "-"
        for name, t0, t1 in self.phases:
            if t0 <= t <= t1:
                return "in %s, +%.1fs" % (name, t - t0)
        return "between steps"

    def requests(self):
        by_status, expected_pg, cut, failures = {}, 0, [], []
        pg_bodies = {}
        longest = slowest_503 = None
        for r in self.load.records:
            by_status[r.status] = by_status.get(r.status, 0) + 1
            if longest is None or r.t1 - r.t0 > longest.t1 - longest.t0:
                longest = r
            if r.expected or r.rate_limited:
                continue
            w = self.windows.get("postgres")
            if r.status == 503 and w and w[0] <= r.t0 <= w[1]:
                expected_pg += 1
                if slowest_503 is None or \
                        r.t1 - r.t0 > slowest_503.t1 - slowest_503.t0:
                    slowest_503 = r
                body = (r.detail or "").split(": 503 ", 1)[-1][:60]
                pg_bodies[body] = pg_bodies.get(body, 0) + 1
                continue
            w = self.windows.get("kill")
            if r.status in (0, 502, 503, 504) and w and r.t0 <= w[1] and \
                    r.t1 >= w[0]:
                cut.append(r)
                continue
            failures.append(r)
        total = len(self.load.records)
        self.figures["requests"] = "%d (%s)" % (total, ", ".join(
            "%s %d" % (s or "no answer", n) for s, n in sorted(
                by_status.items())))
        self.figures["503 while PostgreSQL was down (expected)"] = \
            "%d: %s" % (expected_pg, "; ".join(
                "%d x %s" % (n, b) for b, n in pg_bodies.items()) or "-")
        self.figures["cut by kill -9 while in flight (expected)"] = \
            "%d%s" % (len(cut), "".join("\n      %s %s: %s" % (
                r.op, self.when(r.t0), r.detail) for r in cut))
        self.figures["failures"] = str(len(failures))
        if longest is not None:
            self.figures["longest request"] = "%.2fs (%s, %s, %s)" % (
                longest.t1 - longest.t0, longest.op, longest.status or
                "no answer", self.when(longest.t0))
        if slowest_503 is not None:
            took = slowest_503.t1 - slowest_503.t0
            self.figures["slowest 503 while PostgreSQL was down"] = \
                "%.2fs (%s, %s)" % (took, slowest_503.op,
                                    self.when(slowest_503.t0))
            if took > PG_FAIL_FAST_BOUND:
                self.problems.append(
                    "a 503 took %.2fs while PostgreSQL was down (fail fast:"
                    " at most %.1fs)" % (took, PG_FAIL_FAST_BOUND))
        if expected_pg == 0:
            self.problems.append("no 503 while PostgreSQL was down")
        for name, n in pg_bodies.items():
            if "database unavailable" not in name:
                self.problems.append("%d 503(s) during the PostgreSQL outage"
                                     " do not name the database: %s" %
                                     (n, name))
        if failures:
            self.problems.append("%d failed request(s)" % len(failures))
            for r in failures[:20]:
                self.problems.append("  %s %s: %s" % (self.when(r.t0), r.op,
                                                      r.detail))

    def summary(self):
        print("== drill summary")
        for name, t0, t1 in self.phases:
            print("   step %-16s %.1fs" % (name, t1 - t0))
        for k, v in self.figures.items():
            print("   %s: %s" % (k, v))
        if self.problems:
            print("== drill FAILED:")
            for p in self.problems:
                print("   " + p)
        else:
            print("== drill passed")


def main():
    d = Drill()
    t0 = time.time()
    try:
        d.setup()
        d.phase("warm-up", d.warm_up)
        d.phase("rate-limit", d.rate_limit)
        d.phase("rolling", d.rolling)
        d.phase("kill-publisher", d.kill_publisher)
        d.phase("broker-node", d.broker_node)
        d.phase("redis", d.redis_restart)
        d.phase("postgres", d.postgres_restart)
        d.phase("cool-down", d.cool_down)
        d.phase("settle", d.settle)
        d.verdicts()
    except StepFailed as e:
        d.load.stopping.set()
        d.problems.append("step failed: %s" % e)
        d.summary()
        return 2
    d.figures["drill took"] = "%.0fs" % (time.time() - t0)
    d.summary()
    return 1 if d.problems else 0


if __name__ == "__main__":
    sys.exit(main())
