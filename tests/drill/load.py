"""The drill's steady mixed load: many keep-alive connections through
HAProxy, each a thread that paces itself to a fixed rate (a load that
saturated two cores would measure the machine, not the service).

Each connection works in one business as its admin and on the customers
it created itself: POST a customer, GET one, list the business, PATCH,
add and list tags, add and list notes, upload an avatar (multipart PNG).
A PATCH carries a token with a fresh `sub`, so the rate limit (per caller
and customer) never throttles the load; a 429 would still be allowed.

Every response is recorded (wall-clock start and end, operation, status);
the drill classifies them afterwards against the timeline of what it did
(drill.py), so nothing here decides what is allowed but the status each
operation expects.
"""
import http.client
import json
import random
import threading
import time
import uuid

from world import jwt, png

# operation: (weight, expected statuses)
OPS = {
    "create": (10, (201,)),
    "get": (20, (200,)),
    "list": (10, (200,)),
    "patch": (14, (200,)),
    "tag": (8, (201,)),
    "tags": (8, (200,)),
    "note": (8, (201,)),
    "notes": (6, (200,)),
    "avatar": (4, (200,)),
}
ALLOWED_EXTRA = {"patch": (429,)}  # the rate limit: allowed, counted apart
KEEP_CUSTOMERS = 25
TIMEOUT = 30.0


class Record:
    __slots__ = ("op", "t0", "t1", "status", "detail", "trace")

    def __init__(self, op, t0, t1, status, detail, trace):
        self.op, self.t0, self.t1 = op, t0, t1
        self.status, self.detail, self.trace = status, detail, trace

    @property
    def expected(self):
        return self.status in OPS[self.op][1]

    @property
    def rate_limited(self):
        return self.status in ALLOWED_EXTRA.get(self.op, ())


def admin_token(secret, business, sub=None):
    return jwt({"sub": sub or str(uuid.uuid4()), "role": "admin_business",
                "business_id": business,
                "exp": int(time.time()) + 7200}, secret).decode()


class Client:
    """One keep-alive connection; a new one after `Connection: close` or
    an error (an error is recorded, never retried)."""

    def __init__(self, host, port, sink):
        self.host, self.port, self.sink = host, port, sink
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, op, method, path, token, body=None, ctype=None):
        headers = {"Authorization": "Bearer " + token}
        if body is not None:
            if ctype is None:
                body = json.dumps(body).encode()
                ctype = "application/json"
            headers["Content-Type"] = ctype
        t0 = time.time()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=TIMEOUT)
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
            t1 = time.time()
            if r.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            rec = Record(op, t0, time.time(), 0, "%s %s: %r" % (method, path,
                                                               e), None)
            self.sink(rec)
            return rec, None
        rec = Record(op, t0, t1, r.status, None, r.getheader("X-Trace-Id"))
        if not rec.expected:
            rec.detail = "%s %s: %d %s" % (method, path, r.status,
                                           data[:200].decode("utf-8",
                                                             "replace"))
        self.sink(rec)
        if rec.expected and data[:1] in (b"{", b"["):
            return rec, json.loads(data)
        return rec, None


def multipart(data):
    boundary = "drill" + uuid.uuid4().hex
    body = (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data;"
            b" name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png"
            b"\r\n\r\n" + data + b"\r\n--" + boundary.encode() + b"--\r\n")
    return body, "multipart/form-data; boundary=" + boundary


class Load:
    def __init__(self, host, port, secret, businesses, connections, rate):
        self.host, self.port, self.secret = host, port, secret
        self.businesses = businesses
        self.connections, self.rate = connections, rate
        self.records = []  # list.append is atomic under the GIL
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for i in range(self.connections):
            t = threading.Thread(target=self.run, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(TIMEOUT + 5)
        return [t for t in self.threads if t.is_alive()]

    def run(self, index):
        rnd = random.Random(index)
        biz = self.businesses[index % len(self.businesses)]
        token = admin_token(self.secret, biz)
        client = Client(self.host, self.port, self.records.append)
        mine = []
        names = list(OPS)
        weights = [OPS[n][0] for n in names]
        period = 1.0 / self.rate
        # spread the connections' first requests over one period
        next_at = time.monotonic() + rnd.random() * period
        while not self.stopping.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stopping.wait(delay)
            next_at = max(next_at + period, time.monotonic())
            op = rnd.choices(names, weights)[0] if mine else "create"
            self.one(client, rnd, op, biz, token, mine)
        client.close()

    def one(self, client, rnd, op, biz, token, mine):
        tag = uuid.uuid4().hex[:12]
        if op == "create":
            _, c = client.call(op, "POST", "/customers", token, {
                "full_name": "Drill " + tag,
                "email": "drill.%s@example.com" % tag,
                "phone": "+40712345678",
                "user_id": str(uuid.uuid4()), "business_id": biz})
            if c is not None:
                mine.append(c["id"])
                del mine[:-KEEP_CUSTOMERS]
            return
        cid = rnd.choice(mine)
        base = "/customers/" + cid
        if op == "get":
            client.call(op, "GET", base, token)
        elif op == "list":
            client.call(op, "GET", "/customers?business_id=%s&limit=20" % biz,
                        token)
        elif op == "patch":
            client.call(op, "PATCH", base, admin_token(self.secret, biz),
                        {"full_name": "Drill patched " + tag})
        elif op == "tag":
            client.call(op, "POST", base + "/tags", token,
                        {"label": "t-" + tag})
        elif op == "tags":
            client.call(op, "GET", base + "/tags?limit=20", token)
        elif op == "note":
            client.call(op, "POST", base + "/notes", token,
                        {"content": "drill note " + tag})
        elif op == "notes":
            client.call(op, "GET", base + "/notes?limit=20", token)
        elif op == "avatar":
            body, ctype = multipart(png(width=2 + rnd.randrange(8)))
            client.call(op, "POST", base + "/avatar", token, body, ctype)
