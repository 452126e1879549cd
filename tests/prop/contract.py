"""assets/openapi.json as the suite reads it: the operations to generate
requests for, the route a concrete path reaches, and whether a response is
one the document promises (status, media type, body schema).

A status counts as documented when the operation lists it, or when it is
one the `default` response (`Other`) and the document's introduction
describe: 405 with `Allow`, 400 for a body where none belongs, and Kore's
own empty answers (400, 411, 413, 414). 5xx never counts: the dependencies
are up while the suite runs.
"""
import datetime
import json
import re
import uuid

from jsonschema import Draft202012Validator, FormatChecker, RefResolver

METHODS = ("get", "post", "put", "patch", "delete")
# answered by Kore itself, before the module, with an empty body
KORE_EMPTY = {400, 411, 413, 414}
# what `default` (components/responses/Other) says it stands for
DEFAULT_STATUSES = {400, 405, 411, 413, 414}
DETAIL = {"$ref": "#/components/schemas/Detail"}
# the RateLimit fields (components/headers): PATCH of one customer only
RATELIMIT_OP = ("PATCH", "/customers/{customer_id}")
RATELIMIT = re.compile(r'"patch";r=(\d+);t=(\d+)')
RATELIMIT_POLICY = re.compile(r'"patch";q=(\d+);w=(\d+)')
# answered before the limiter counts the request: never with the fields;
# but an Idempotency-Key reused with another request is a 422 of the
# claim, which comes after the limiter (docs/api.md "RateLimit fields")
BEFORE_LIMITER = {400, 401, 403, 413, 422}
KEY_REUSED = b'{"detail":"Idempotency-Key reused with a different request"}'

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.datetime.fromisoformat(value[:19])
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value):
    if not isinstance(value, str):
        return True
    return str(uuid.UUID(value)) == value


@FORMATS.checks("date", raises=ValueError)
def _is_date(value):
    if not isinstance(value, str):
        return True
    datetime.date.fromisoformat(value)
    return len(value) == 10


class Operation:
    def __init__(self, doc, template, method, op, path_item):
        self.template = template
        self.method = method.upper()
        self.id = op["operationId"]
        self.op = op
        servers = path_item.get("servers", [])
        self.prefixes = [s["url"].rstrip("/") for s in servers] or [""]
        self.params = [doc.deref(p) for p in path_item.get("parameters", [])
                       + op.get("parameters", [])]
        self.body = op.get("requestBody", {}).get("content", {})
        self.secured = bool(op.get("security", [{}]))
        self.segments = [] if template == "/" else \
            template.strip("/").split("/")

    def path_params(self):
        return [p for p in self.params if p["in"] == "path"]

    def query_params(self):
        return [p for p in self.params if p["in"] == "query"]

    def __repr__(self):
        return "%s %s" % (self.method, self.template)


class Contract:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.resolver = RefResolver.from_schema(self.doc)
        self.operations = []
        self.by_template = {}
        for template, item in self.doc["paths"].items():
            for method in METHODS:
                if method in item:
                    o = Operation(self, template, method, item[method], item)
                    self.operations.append(o)
                    self.by_template.setdefault(template, {})[o.method] = o
        self._validators = {}

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def schema(self, ref):
        return self.deref({"$ref": ref})

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        v = self._validators.get(key)
        if v is None:
            v = Draft202012Validator(schema, resolver=self.resolver,
                                     format_checker=FORMATS)
            self._validators[key] = v
        return v

    # --- routing -------------------------------------------------------------

    def resolve(self, path):
        """The path template a concrete path (str, no query) reaches, or
        None: literal segments win over parameters, as Kore's route order
        has it (the original's /customers/tags routes come first)."""
        api = False
        if path.startswith("/api/"):
            path, api = path[4:], True
        best, best_key = None, None
        for template, ops in self.by_template.items():
            any_op = next(iter(ops.values()))
            if api and "/api" not in any_op.prefixes:
                continue
            cand = path
            if cand.endswith("/") and cand != "/" and \
                    "/api" in any_op.prefixes:
                cand = cand[:-1]
            segs = cand.strip("/").split("/") if cand != "/" else []
            if len(segs) != len(any_op.segments):
                continue
            key = []
            for want, got in zip(any_op.segments, segs):
                if want.startswith("{"):
                    if not got:
                        break
                    key.append(1)
                elif want != got:
                    break
                else:
                    key.append(0)
            else:
                if best_key is None or key < best_key:
                    best, best_key = template, key
        return best

    # --- responses -----------------------------------------------------------

    def check(self, op, method, resp, has_body=False):
        """Problems (strings) of one response to a request that reached op
        (None: no documented path) with method (has_body: it sent one)."""
        problems = []
        st = resp.status
        if st >= 500:
            problems.append("server error %d" % st)
        if st in KORE_EMPTY and resp.body == b"":
            return problems  # Kore's own answer, no module involved
        if resp.header("x-trace-id") is None:
            problems.append("no X-Trace-Id on a module's %d" % st)
        if op is None:
            if st != 404:
                problems.append("unknown path answered %d, not 404" % st)
            return problems + self._body(resp, DETAIL)
        if method == "HEAD" and op.method == "GET":
            pass
        elif method != op.method:
            if st == 400 and has_body and method in ("GET", "HEAD", "DELETE"):
                pass  # the body is refused before the method
            elif st == 401 and op.secured:
                pass  # authentication comes before the method (Other)
            elif st != 405:
                problems.append("%s on %s answered %d, not 405"
                                % (method, op.template, st))
            elif st == 405 and not resp.header("allow"):
                problems.append("405 without Allow")
            if method == "HEAD":  # its answer never has a body
                return problems + (["%d to a HEAD with a body" % st]
                                   if resp.body else [])
            return problems + self._body(resp, DETAIL)
        problems += self._ratelimit(op, resp)
        spec = op.op["responses"].get(str(st))
        if spec is None:
            if st not in DEFAULT_STATUSES or \
                    "default" not in op.op["responses"]:
                problems.append("status %d not documented for %s"
                                % (st, op.id))
                return problems
            spec = op.op["responses"]["default"]
        spec = self.deref(spec)
        content = spec.get("content")
        if method == "HEAD" or st == 204:
            if resp.body:
                problems.append("%d with a body" % st)
            return problems
        if not content:
            if resp.body:
                problems.append("%d has a body the document does not give"
                                % st)
            return problems
        ctype = (resp.header("content-type") or "").split(";")[0].strip()
        if ctype not in content:
            problems.append("Content-Type %r not among %s for %d"
                            % (ctype, sorted(content), st))
            return problems
        if ctype == "application/json":
            problems += self._body(resp, content[ctype].get("schema", {}))
        return problems

    @staticmethod
    def _ratelimit(op, resp):
        """The RateLimit fields: both or neither, on a PATCH of one
        customer that passed the limiter only, of the documented shape,
        never more left than the quota, none left on a 429."""
        got, policy = resp.header("ratelimit"), resp.header("ratelimit-policy")
        if got is None and policy is None:
            return []
        if (op.method, op.template) != RATELIMIT_OP:
            return ["RateLimit fields on %s %s" % (op.method, op.template)]
        if got is None or policy is None:
            return ["RateLimit %r with RateLimit-Policy %r" % (got, policy)]
        if resp.status in BEFORE_LIMITER and not (
                resp.status == 422 and resp.body == KEY_REUSED):
            return ["RateLimit fields on a %d, answered before the limiter"
                    % resp.status]
        m, q = RATELIMIT.fullmatch(got), RATELIMIT_POLICY.fullmatch(policy)
        if m is None or q is None:
            return ["RateLimit %r, RateLimit-Policy %r" % (got, policy)]
        left, quota = int(m.group(1)), int(q.group(1))
        if left >= quota or (resp.status == 429 and left != 0):
            return ["RateLimit %r with RateLimit-Policy %r on a %d"
                    % (got, policy, resp.status)]
        return []

    def _body(self, resp, schema):
        try:
            value = json.loads(resp.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return ["body is not JSON (%s): %r" % (e, resp.body[:200])]
        errors = sorted(self.validator(schema).iter_errors(value),
                        key=lambda e: list(e.absolute_path))
        return ["body does not match the schema at %s: %s"
                % ("/".join(map(str, e.absolute_path)) or "(root)",
                   e.message[:300]) for e in errors[:3]]


def _selftest():
    import os
    c = Contract(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "..", "..", "assets", "openapi.json"))
    for path, template in (
            ("/customers/tags/customer/x",
             "/customers/tags/customer/{customer_id}"),
            ("/customers/tags/x", "/customers/tags/{tag_id}"),
            ("/api/customers/x/tags/", "/customers/{customer_id}/tags")):
        assert c.resolve(path) == template, path
    assert c.resolve("/api/uploads/x") is None
    assert c.resolve("/") == "/"
    return c


if __name__ == "__main__":
    _selftest()
    print("ok")
