#!/usr/bin/python3
"""Property-based tests of the running service, driven by assets/openapi.json.

What it does
    For every operation in the document, Hypothesis generates requests
    (gen.py): path ids naming rows of two businesses in every accepted UUID
    form and in none, query parameters in and out of range, JSON bodies
    from the request schemas and broken variants of them (missing, unknown
    and wrongly typed fields, malformed and non-UTF-8 JSON, deep nesting,
    oversized bodies), multipart PNG/JPEG uploads with metadata chunks and
    broken framing, hostile strings and raw bytes in paths, other methods,
    hostile X-Trace-Id values, Idempotency-Keys on the writes (a few
    shared ones, so that keys meet other requests, and invalid ones);
    with tokens of every role (superadmin, internal, admins of A, of B and
    of both, customers of A and of B, other roles, no business, expired,
    wrong key, alg none, no token).

What it checks, on every response
    - no 5xx (the dependencies are up: /ready is checked first) and no
      dropped connection;
    - the response is one the document promises for the operation the path
      reaches (contract.py): a listed status (or one `default` stands for),
      a listed media type, a body that validates against the response
      schema (jsonschema, $refs resolved, formats checked), X-Trace-Id;
    - isolation, in the first phase (tokens of business A only, and of
      nobody): business B's rows (customers, tags, notes, history, orders,
      appointments, outbox count, avatar files) are compared before and
      after every example, and no response carries one of B's ids that the
      request did not send;
    - every line the service appended to $BEE_E2E_DIR/kore.err parses as
      JSON (valid UTF-8), and no sanitizer report or worker death shows up
      in kore.err or kore.out.
    A second phase uses every role of both businesses (no isolation check).

How to run it
    Against a running service (`eval "$(scripts/dev e2e-up 2>/dev/null)"`):
        /usr/bin/python3 tests/prop/run.py [--examples N] [--seconds S]
            [--seed N] [--ops ID,ID]
    --examples is per operation and phase (default 40, the `prop` stage of
    `scripts/dev test`); --seconds repeats rounds with new seeds until the
    time is up (`scripts/dev prop SECONDS`). The seed is printed; a failure
    prints Hypothesis' falsifying example (the request as a dict) and the
    response. Needs Debian's python3-hypothesis and python3-jsonschema (use
    /usr/bin/python3, not another interpreter without them) and psql.
    Exit status 1 when any check failed.
"""
import argparse
import json
import os
import random
import re
import sys
import time
import traceback
import uuid
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402
from hypothesis import Phase  # noqa: E402
from hypothesis.errors import Flaky  # noqa: E402

import contract as contract_mod  # noqa: E402
import gen  # noqa: E402
import http_raw  # noqa: E402
from world import World, jwt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SANITIZER_RE = re.compile(
    rb"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|"
    rb"runtime error:|died from sandbox violation|seccomp violation|"
    rb"worker \d+ \(pid: \d+\) \(hdlr: .*\) gone")
HEX32 = re.compile(r"[0-9a-fA-F]{32}")
KORE_HEADER_MAX = 8192  # conf/bee_customers.conf http_header_max


class Violation(AssertionError):
    pass


class Logs:
    """New bytes of kore.err (each line must be JSON) and kore.out."""

    def __init__(self, e2e_dir):
        self.err = os.path.join(e2e_dir, "kore.err")
        self.out = os.path.join(e2e_dir, "kore.out")
        self.pos = {self.err: self._size(self.err),
                    self.out: self._size(self.out)}
        self.partial = b""
        self.lines = 0
        self.known = 0

    @staticmethod
    def _size(path):
        try:
            return os.path.getsize(path)
        except OSError:
            return 0

    def _new(self, path):
        with open(path, "rb") as f:
            f.seek(self.pos[path])
            data = f.read()
        self.pos[path] += len(data)
        return data

    def check(self, known=(), traces=None):
        """Problems in what the service wrote since the last call; traces
        maps a response's X-Trace-Id to its request, to name the culprit."""
        problems = []
        out = self._new(self.out)
        data = self.partial + self._new(self.err)
        *lines, self.partial = data.split(b"\n")
        for line in lines:
            self.lines += 1
            try:
                obj = json.loads(line.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except UnicodeDecodeError as e:
                if "log-utf8" in known:
                    self.known += 1
                    continue
                problems.append(self._culprit(line, e, traces))
            except ValueError as e:
                problems.append(self._culprit(line, e, traces))
        for name, blob in (("kore.err", data), ("kore.out", out)):
            m = SANITIZER_RE.search(blob)
            if m:
                start = max(0, m.start() - 200)
                problems.append("%s: %r" % (name, blob[start:m.end() + 400]))
        return problems

    @staticmethod
    def _culprit(line, error, traces):
        m = re.search(rb'"trace_id":"([A-Za-z0-9._:-]{1,128})"', line)
        req = (traces or {}).get(m.group(1).decode()) if m else None
        return "kore.err line is not JSON (%s): %r%s" % (
            error, line[:400], "\n    request: %r" % (req,) if req else "")


class Suite:
    def __init__(self, world, contract, logs):
        self.w = world
        self.c = contract
        self.logs = logs
        self.failures = []
        self.statuses = {}
        self.traces = {}
        self.known = set(filter(None, os.environ.get(
            "BEE_PROP_KNOWN", "").split(",")))

    # --- tokens --------------------------------------------------------------

    def auth(self, kind):
        """(header value or None, sub) for a token kind of gen.TOKENS."""
        w = self.w
        A, B = w.biz["A"], w.biz["B"]
        users = {o: [c["user_id"] for c in w.data[o]["customers"]]
                 for o in "AB"}
        now = int(time.time())
        role = {
            "superadmin": ("superadmin", {}), "internal": ("internal", {}),
            "admin_A": ("admin_business", {"business_id": A}),
            "admin_B": ("admin_business", {"business_id": B}),
            "admin_AB": ("admin_business", {"business_ids": [A, B]}),
            "manager_A": ("admin_manager",
                          {"business_ids": [A, "%032x" % 7]}),
            "admin_nobiz": ("admin_business", {}),
            "courier": ("courier", {}), "stranger": ("customer", {}),
            "self_A": ("customer", {"sub": users["A"][1]}),
            "client_A": ("client", {"sub": users["A"][2]}),
            "self_B": ("customer", {"sub": users["B"][1]}),
            "shared": ("client", {"sub": w.shared_user}),
        }
        if kind in role:
            name, extra = role[kind]
            extra = dict(extra)
            sub = extra.pop("sub", None) or str(uuid.uuid4())
            return b"Bearer " + w.token(name, sub=sub, **extra), sub
        sub = str(uuid.uuid4())
        base = {"sub": sub, "role": "superadmin", "exp": now + 3600}
        if kind == "none":
            return None, sub
        if kind == "expired":
            return b"Bearer " + jwt(dict(base, exp=now - 10), w.secret), sub
        if kind == "wrong_key":
            return b"Bearer " + jwt(base, "not-the-key-" * 4), sub
        if kind == "alg_none":
            return b"Bearer " + jwt(base, w.secret, "none"), sub
        if kind == "garbage":
            return b"Bearer a.b.c", sub
        if kind == "basic":
            return b"Basic YWRtaW46YWRtaW4=", sub
        if kind == "empty_bearer":
            return b"Bearer ", sub
        if kind == "bad_sub":
            return b"Bearer " + jwt(dict(base, sub="../1"), w.secret), sub
        if kind == "role_int":
            return b"Bearer " + jwt(dict(base, role=7), w.secret), sub
        raise KeyError(kind)

    # --- building and sending ------------------------------------------------

    def build(self, op, req):
        auth, sub = self.auth(req["token"])

        def resolve(r):
            return self.w.resolve(r, sub)

        path = req["prefix"] + op.template
        target = path.encode()
        for name, value in req["params"].items():
            if isinstance(value, gen.Ref):
                value = resolve(value).encode()  # as a client writes it
            elif isinstance(value, str):
                value = value.encode()
            target = target.replace(b"{" + name.encode() + b"}", value)
        if req["slash"]:
            target += b"/"
        q = []
        for name, value in req["query"]:
            if name == "raw":
                q.append(value)
                continue
            if isinstance(value, gen.Ref):
                value = resolve(value)
            q.append((gen.quote(name) + "=" + gen.quote(value)).encode())
        if q:
            target += b"?" + b"&".join(q)
        headers = []
        if auth is not None:
            headers.append((b"Authorization", auth))
        if req["trace"] is not None:
            t = req["trace"]
            headers.append((b"X-Trace-Id", t.encode() if isinstance(t, str)
                            else t))
        if req.get("idem") is not None:
            headers.append((b"Idempotency-Key", req["idem"]))
        body = None
        if "body" in req:
            kind = req["body"][0]
            if kind == "json":
                body = gen.encode_json(req["body"][1], resolve)
            elif kind == "raw":
                body = req["body"][1]
            else:
                body = req["body"][1]
                headers.append((b"Content-Type", req["body"][2]))
            if kind != "multipart" and req.get("ctype"):
                headers.append((b"Content-Type", req["ctype"].encode()))
        return req["method"].encode(), target, headers, body

    def send(self, op, req, isolation):
        method, target, headers, body = self.build(op, req)
        before = self.w.snapshot("B") if isolation else None
        try:
            resp = self.w.http(method, target, headers, body)
        except (http_raw.NoResponse, OSError) as e:
            head = len(method) + len(target) + sum(
                len(n) + len(v) + 4 for n, v in headers) + 64
            if head > KORE_HEADER_MAX:
                return  # docs/operations.md, Kore's limits: reset, no response
            raise Violation("no response to %s %r: %s"
                            % (method.decode(), target[:300], e))
        self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
        self.op_statuses[resp.status] = \
            self.op_statuses.get(resp.status, 0) + 1
        if resp.header("x-trace-id"):
            self.traces[resp.header("x-trace-id")] = (method, target[:300])
        path = target.split(b"?")[0].decode("latin-1")
        template = self.c.resolve(path)
        reached = None
        if template is not None:
            ops = self.c.by_template[template]
            reached = ops.get(req["method"]) or \
                (ops.get("GET") if req["method"] == "HEAD" else None) or \
                next(iter(ops.values()))
        problems = self.c.check(reached, req["method"], resp, body is not None)
        if isolation:
            problems += self.leaks(method + target + b"".join(
                v for _, v in headers) + (body or b""), resp)
            after = self.w.snapshot("B")
            if after != before:
                problems.append("business B's rows changed:\nbefore:\n%s\n"
                                "after:\n%s" % (before, after))
        if problems:
            raise Violation(
                "%s %r\n  -> %d %s %r\n  - %s" % (
                    method.decode(), target[:400], resp.status,
                    resp.header("content-type"), resp.body[:600],
                    "\n  - ".join(problems)))

    def leaks(self, request_bytes, resp):
        sent = request_bytes.decode("latin-1").lower()
        sent_hex = {h.lower() for h in HEX32.findall(sent.replace("-", ""))}
        text = (resp.body + json.dumps(resp.headers).encode()).decode(
            "latin-1").lower()
        out = []
        for secret in self.w.secrets("B"):
            s = secret.lower()
            if s in sent or s.replace("-", "") in sent_hex:
                continue
            if s in text or (len(s) == 36 and s.replace("-", "") in text):
                out.append("business B's id %s in a response to A" % secret)
        return out

    # --- running -------------------------------------------------------------

    def run_op(self, op, phase, examples, run_seed):
        isolation = phase == "iso"

        @seed(run_seed ^ zlib.crc32((phase + op.id).encode()))
        @settings(max_examples=examples, deadline=None, database=None,
                  derandomize=False, print_blob=True,
                  phases=[Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        @given(req=gen.request(self.c, op, phase))
        def prop(req):
            self.send(op, req, isolation)

        self.w.seed("A")
        self.w.seed("B")
        self.traces = {}
        self.op_statuses = {}
        try:
            prop()
        except (Violation, Flaky) as e:
            text = "\n".join([str(e)] + getattr(e, "__notes__", []))
            self.failures.append((phase, op.id, text))
            print("FAIL %s %s (seed %d):\n%s" % (phase, op.id, run_seed,
                                                 text), flush=True)
        except Exception:  # a defect of the suite: say so, keep going
            self.failures.append((phase, op.id, traceback.format_exc()))
            print("ERROR %s %s:\n%s" % (phase, op.id, traceback.format_exc()),
                  flush=True)
        time.sleep(0.07)  # the log writer flushes every 50 ms
        bad = self.logs.check(self.known, self.traces)
        if bad:
            self.failures.append((phase, op.id + " (logs)", bad[0]))
            print("FAIL %s %s logs: %d problem(s), the first 3:\n%s"
                  % (phase, op.id, len(bad), "\n".join(bad[:3])), flush=True)


def main():
    # Hypothesis' own files under the git-ignored .run, not in the cwd
    set_hypothesis_home_dir(os.path.join(ROOT, ".run", "prop-hypothesis"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int,
                    default=int(os.environ.get("BEE_PROP_EXAMPLES", 40)))
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("BEE_PROP_SEED",
                                               random.randrange(1 << 32))))
    ap.add_argument("--ops", default="")
    args = ap.parse_args()
    for var in ("BEE_URL", "BEE_PORT", "SECRET_KEY", "DATABASE_URL",
                "BEE_E2E_DIR"):
        if not os.environ.get(var):
            sys.exit("prop: %s is not set; start the service with: "
                     "eval \"$(scripts/dev e2e-up 2>/dev/null)\"" % var)
    world = World(os.environ)
    c = contract_mod.Contract(os.path.join(ROOT, "assets", "openapi.json"))
    r = world.http(b"GET", b"/ready")
    if r.status != 200:
        sys.exit("prop: /ready answered %d %r: the dependencies must be up"
                 % (r.status, r.body))
    logs = Logs(world.e2e_dir)
    suite = Suite(world, c, logs)
    world.seed("A")
    world.seed("B")
    ops = [o for o in c.operations
           if not args.ops or o.id in args.ops.split(",")]
    t0 = time.monotonic()
    rounds = 0
    s = args.seed
    print("prop: seed %d, %d operations, %d examples each per phase%s"
          % (s, len(ops), args.examples,
             ", for %.0f s" % args.seconds if args.seconds else ""),
          flush=True)
    while True:
        for phase in ("iso", "all"):
            for op in ops:
                n0 = world.requests
                t1 = time.monotonic()
                suite.run_op(op, phase, args.examples, s)
                print("prop: %-4s %-24s %4d requests %5.1f s  %s" % (
                    phase, op.id, world.requests - n0,
                    time.monotonic() - t1, " ".join(
                        "%d:%d" % kv for kv in sorted(
                            suite.op_statuses.items()))), flush=True)
        rounds += 1
        if time.monotonic() - t0 >= args.seconds:
            break
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 32)
        print("prop: round %d, seed %d" % (rounds + 1, s), flush=True)
    time.sleep(0.2)  # the log writer flushes every 50 ms
    for p in logs.check(suite.known, suite.traces):
        suite.failures.append(("end", "logs", p))
        print("FAIL logs: %s" % p)
    print("prop: %d requests in %d round(s), %.0f s; %d log lines parsed; "
          "statuses %s" % (world.requests, rounds, time.monotonic() - t0,
                           logs.lines, json.dumps(dict(sorted(
                               suite.statuses.items())))))
    if logs.known:
        print("prop: %d log lines with invalid UTF-8 tolerated "
              "(BEE_PROP_KNOWN=log-utf8)" % logs.known)
    if suite.failures:
        print("prop: %d failing operation(s): %s" % (
            len(suite.failures), ", ".join("%s/%s" % f[:2]
                                           for f in suite.failures)))
        return 1
    print("prop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
