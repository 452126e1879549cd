"""The data the suite's requests aim at, and what it watches.

Two businesses, A and B, are seeded through the API (customers, tags,
notes, an avatar) and by SQL (orders, appointments, the original's history
row, as the consumer would have written them). Requests name ids
symbolically (`Ref`), resolved when the request is built, so that a seed
customer deleted by one example is simply re-created for the next.

Tokens are HS256 JWTs signed with SECRET_KEY, minted like
tests/e2e/lib/token.c does (a fresh `sub` per admin token, so the PATCH
rate limit, keyed by caller, does not turn every PATCH into a 429).
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import time
import uuid
import zlib

import http_raw

SEED_CUSTOMERS = 3
MARK = "__bee_prop_end__"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def jwt(claims, key, alg="HS256"):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing = header + b"." + payload
    if alg == "none":
        return signing + b"."
    sig = hmac.new(key.encode(), signing, hashlib.sha256).digest()
    return signing + b"." + b64url(sig)


def png(extra_chunks=(), width=1, height=1):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Ref:
    """An id named by role: kind is customer, user, tag, note, business,
    order, file; owner A, B, none (a random UUID) or self (the token's
    sub); form is how it is written in the request."""

    def __init__(self, kind, owner, index=0, form="plain"):
        self.kind, self.owner, self.index, self.form = kind, owner, index, form

    def __repr__(self):
        return "Ref(%s,%s,%d,%s)" % (self.kind, self.owner, self.index,
                                     self.form)


def id_form(value, form):
    if form == "plain":
        return value
    u = uuid.UUID(value)
    return {"upper": value.upper(), "hex": u.hex, "braces": "{%s}" % value,
            "urn": u.urn, "hexupper": u.hex.upper()}.get(form, value)


class World:
    def __init__(self, env):
        self.url = env["BEE_URL"]
        self.host = env.get("BEE_HOST", "127.0.0.1")
        self.port = int(env["BEE_PORT"])
        self.secret = env["SECRET_KEY"]
        self.dburl = env["DATABASE_URL"]
        self.e2e_dir = env["BEE_E2E_DIR"]
        run = uuid.uuid4().hex[:8]
        self.biz = {"A": str(uuid.uuid4()), "B": str(uuid.uuid4())}
        # a user with a profile in both businesses (the all-roles phase)
        self.shared_user = str(uuid.uuid4())
        self.run = run
        self.data = {"A": {}, "B": {}}
        self.requests = 0
        self.psql = None

    # --- plumbing ----------------------------------------------------------

    def http(self, method, target, headers=(), body=None):
        self.requests += 1
        return http_raw.request(self.host, self.port, method, target,
                                headers, body)

    def sql(self, query):
        """One psql for the whole run (a psql per query costs 100 ms on a
        loaded machine); a marker line ends each answer."""
        if self.psql is None or self.psql.poll() is not None:
            self.psql = subprocess.Popen(
                ["psql", "-X", "-q", "-A", "-t", "-d", self.dburl],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.psql.stdin.write(query.rstrip().rstrip(";") +
                              ";\n\\echo " + MARK + "\n")
        self.psql.stdin.flush()
        out = []
        while True:
            line = self.psql.stdout.readline()
            if not line:
                raise RuntimeError("psql exited: %s" % "".join(out))
            if line == MARK + "\n":
                break
            out.append(line)
        text = "".join(out)
        if text.startswith(("ERROR:", "psql:")) or "\nERROR:" in text:
            raise RuntimeError("psql: %s\nquery: %s" % (text, query))
        return text

    def token(self, role, business=None, sub=None, **extra):
        claims = {"sub": sub or str(uuid.uuid4()), "role": role,
                  "exp": int(time.time()) + 3600}
        if business is not None:
            claims["business_id"] = business
        claims.update(extra)
        return jwt(claims, self.secret)

    def superadmin(self):
        return self.token("superadmin")

    def call_json(self, method, path, token, body=None, expect=None):
        headers = [(b"Authorization", b"Bearer " + token)]
        data = None
        if body is not None:
            headers.append((b"Content-Type", b"application/json"))
            data = json.dumps(body).encode()
        r = self.http(method.encode(), path.encode(), headers, data)
        if expect is not None and r.status != expect:
            raise RuntimeError("seed %s %s: %d %r" % (method, path, r.status,
                                                       r.body[:300]))
        return json.loads(r.body) if r.body else None

    # --- seed data -----------------------------------------------------------

    def seed(self, owner):
        """(Re-)create what is missing of business owner's seed data."""
        d = self.data[owner]
        biz = self.biz[owner]
        alive = set(self.sql(
            "SELECT id FROM customers WHERE business_id = '%s'" % biz).split())
        custs = [c for c in d.get("customers", []) if c["id"] in alive]
        while len(custs) < SEED_CUSTOMERS:
            i = len(custs)
            user = self.shared_user if i == 0 and \
                self.shared_user not in [c["user_id"] for c in custs] \
                else str(uuid.uuid4())
            c = self.call_json("POST", "/customers", self.superadmin(), {
                "full_name": "Seed %s%d %s" % (owner, i, self.run),
                "email": "seed.%s%d.%s@example.com" % (owner.lower(), i,
                                                         uuid.uuid4().hex[:6]),
                "phone": "+4079876543%d" % i, "gender": "other",
                "user_id": user, "business_id": biz,
                "preferences": {"seed": owner}}, expect=201)
            custs.append(c)
        d["customers"] = custs
        admin = self.token("admin_business", biz)
        ids = "','".join(c["id"] for c in custs)
        tags = self.sql("SELECT id FROM customer_tags WHERE customer_id IN "
                        "('%s')" % ids).split()
        notes = self.sql("SELECT id FROM customer_notes WHERE customer_id IN "
                         "('%s')" % ids).split()
        c0 = custs[0]["id"]
        if not tags:
            made = self.call_json("POST", "/customers/%s/tags" % c0, admin,
                                  {"labels": ["VIP", "seed-" + owner]},
                                  expect=201)
            tags = [t["id"] for t in made]
        if not notes:
            made = self.call_json("POST", "/customers/%s/notes" % c0, admin,
                                  {"content": "seed note " + owner},
                                  expect=201)
            notes = [made["id"]]
        d["tags"], d["notes"] = tags, notes
        files = self.sql("SELECT avatar_file FROM customers WHERE id IN ('%s')"
                         " AND avatar_file IS NOT NULL" % ids).split()
        if not files:
            self.upload(c0, admin, png())
            files = self.sql("SELECT avatar_file FROM customers WHERE id = "
                             "'%s'" % c0).split()
        d["files"] = files
        tag = "%s-%s" % (owner, self.run)
        self.sql(
            "INSERT INTO customer_orders (order_id, business_id, user_id, "
            "customer_id, total, currency, status, created_at, updated_at) "
            "VALUES ('ord-{t}-{c}', '{b}', '{u}', '{c}', 12.5, 'RON', "
            "'created', now(), now()) ON CONFLICT DO NOTHING;"
            "INSERT INTO customer_appointments (appointment_id, business_id, "
            "user_id, customer_id, starts_at, status, updated_at) VALUES "
            "('apt-{t}-{c}', '{b}', '{u}', '{c}', now(), 'scheduled', now()) "
            "ON CONFLICT DO NOTHING;"
            "INSERT INTO customer_history (customer_id, first_order_date) "
            "SELECT '{c}', current_date WHERE NOT EXISTS (SELECT 1 FROM "
            "customer_history WHERE customer_id = '{c}')".format(
                t=tag, c=c0, b=biz, u=custs[0]["user_id"]))
        d["orders"] = self.sql(
            "SELECT order_id FROM customer_orders WHERE business_id = '%s'"
            % biz).split()
        d["appointments"] = self.sql(
            "SELECT appointment_id FROM customer_appointments WHERE "
            "business_id = '%s'" % biz).split()
        d["history"] = self.sql(
            "SELECT id FROM customer_history WHERE customer_id IN ('%s')"
            % ids).split()

    def upload(self, customer_id, token, data, name=b"a.png"):
        boundary = b"seedboundary"
        body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; "
                b"name=\"file\"; filename=\"" + name + b"\"\r\n"
                b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--" +
                boundary + b"--\r\n")
        r = self.http(b"POST", ("/customers/%s/avatar" % customer_id).encode(),
                      [(b"Authorization", b"Bearer " + token),
                       (b"Content-Type",
                        b"multipart/form-data; boundary=" + boundary)], body)
        if r.status != 200:
            raise RuntimeError("seed avatar: %d %r" % (r.status, r.body[:200]))

    # --- resolving references ------------------------------------------------

    def resolve(self, ref, sub):
        if ref.owner == "self":
            value = sub
        elif ref.owner == "none":
            value = str(uuid.UUID(int=(ref.index * 0x9e3779b97f4a7c15 + 1)
                                  % (1 << 128), version=4))
        elif ref.kind == "business":
            value = self.biz[ref.owner]
        else:
            d = self.data[ref.owner]
            if ref.kind in ("customer", "user"):
                c = d["customers"][ref.index % len(d["customers"])]
                value = c["id"] if ref.kind == "customer" else c["user_id"]
            else:
                pool = d[ref.kind + "s"]
                value = pool[ref.index % len(pool)]
        if ref.kind in ("order", "appointment", "file"):
            return value
        return id_form(value, ref.form)

    # --- what must not change ------------------------------------------------

    def secrets(self, owner):
        """Ids of owner's data that no other business may see."""
        d = self.data[owner]
        out = {self.biz[owner]}
        out.update(c["id"] for c in d["customers"])
        for k in ("tags", "notes", "orders", "appointments", "history",
                  "files"):
            out.update(d[k])
        return out

    def snapshot(self, owner):
        """owner's rows as text (the outbox only by count: the publisher
        marks rows sent), and its avatar files' digests."""
        biz = self.biz[owner]
        ids = "','".join(c["id"] for c in self.data[owner]["customers"])
        rows = self.sql(
            "SELECT 'c', c::text FROM customers c WHERE business_id = '{b}' "
            "   OR id IN ('{i}') "
            "UNION ALL SELECT 't', t::text FROM customer_tags t "
            "   WHERE customer_id IN ('{i}') "
            "UNION ALL SELECT 'n', n::text FROM customer_notes n "
            "   WHERE customer_id IN ('{i}') "
            "UNION ALL SELECT 'h', h::text FROM customer_history h "
            "   WHERE customer_id IN ('{i}') "
            "UNION ALL SELECT 'o', o::text FROM customer_orders o "
            "   WHERE business_id = '{b}' "
            "UNION ALL SELECT 'a', a::text FROM customer_appointments a "
            "   WHERE business_id = '{b}' "
            "UNION ALL SELECT 'x', count(*)::text FROM outbox "
            "   WHERE business_id = '{b}' OR customer_id IN ('{i}') "
            "ORDER BY 1, 2".format(b=biz, i=ids))
        files = []
        for f in sorted(self.data[owner]["files"]):
            p = os.path.join(self.e2e_dir, "uploads", f)
            try:
                with open(p, "rb") as fh:
                    files.append("%s %s" % (f, hashlib.sha256(fh.read())
                                            .hexdigest()))
            except OSError as e:
                files.append("%s %s" % (f, e.strerror))
        return rows + "\n".join(files)
