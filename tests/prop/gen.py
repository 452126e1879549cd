"""Hypothesis strategies for requests, driven by the operation's entry in
assets/openapi.json: valid values from its schemas (path ids naming real
rows of either business, query parameters in range, JSON bodies, a PNG or
JPEG for the avatar) and invalid ones (wrong types, missing and unknown
fields, malformed and non-UTF-8 JSON, ids in every accepted form and in
none, hostile strings and raw bytes, broken multipart, other methods).

A generated request is a plain dict (readable in Hypothesis' falsifying
example); ids in it are world.Ref values, resolved when it is sent.
"""
import json
import struct
import urllib.parse

from hypothesis import strategies as st

from world import Ref, png

ID_FORMS = ["plain", "plain", "plain", "upper", "hex", "braces", "urn",
            "hexupper"]

HOSTILE = [
    "", " ", "\t", "null", "true", "-1", "0", "1e309", "NaN", "-0",
    "9223372036854775808", "18446744073709551616", "0x10", "+1",
    "' OR '1'='1", "'; DROP TABLE customers; --", "\\", "\"", "%", "%%",
    "%00", "%zz", "%ff%fe", "%2e%2e%2f", "../../../../etc/passwd",
    "..\\..\\windows", "<script>alert(1)</script>", "{{7*7}}", "${jndi:x}",
    "%s%s%s%n", "\u0000", "a\u0000b", "\r\nX-Injected: 1", "\u202e\u0645",
    "\ufeff", "\U0001F41D" * 30, "\u00e9" * 60, "a" * 101, "a" * 256,
    "x" * 5000, "urn:uuid:", "{}", "[]", "{", "00000000-0000-0000-0000-"
    "000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "12345678-1234-1234-1234-12345678901", "g2345678-1234-1234-1234-"
    "123456789012", "{12345678-1234-1234-1234-123456789012",
    "12345678123412341234123456789012ab", "tags", "customer", "avatar",
    "..", ".", "~", "*", "?", "#frag", "a@b", "@", "ana@localhost",
    "ana@example.local", "Ana <ana@example.com>", "ana@EXAMPLE.COM",
    "javascript:alert(1)", "data:text/html,x", "//evil.example/x",
    "http://example.com/a.png", "/uploads/x.png",
]

# bytes that end or split a request line or path segment
PATH_UNSAFE = set(b"/?# \r\n\t\0")


def text():
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                     st.text(alphabet=st.characters(min_codepoint=0x80),
                             max_size=20))


def raw_segment():
    """Raw bytes for a path segment (not percent-encoded): control and
    non-ASCII bytes Kore's `[^/]+` routes pass to the module; also long
    runs of one byte (UTF-8 lead or continuation bytes, escapes), up to
    Kore's path limit (1999 bytes: 414 above)."""
    byte = st.integers(0, 255).filter(lambda b: b not in PATH_UNSAFE)
    klass = st.one_of(st.integers(1, 31).filter(lambda b: b not in
                                                 PATH_UNSAFE),
                      st.integers(0x80, 0xbf), st.integers(0xc0, 0xff),
                      st.sampled_from(b"\"\\%x"))
    run = st.builds(lambda b, n: bytes([b]) * n, klass, st.integers(1, 1400))
    return st.one_of(
        st.lists(byte, min_size=1, max_size=300).map(bytes),
        st.lists(run, min_size=1, max_size=3).map(b"".join))


def ref(kind, owners=("B", "A", "B", "A", "none")):
    # index 0 most often: the seed's tags and notes hang on customer 0
    return st.builds(Ref, st.just(kind), st.sampled_from(owners),
                     st.sampled_from([0, 0, 0, 1, 2]),
                     st.sampled_from(ID_FORMS))


def json_value(depth=2):
    leaf = st.one_of(st.none(), st.booleans(), st.integers(),
                     st.floats(allow_nan=False, allow_infinity=False), text())
    if depth == 0:
        return leaf
    sub = json_value(depth - 1)
    return st.one_of(leaf, st.lists(sub, max_size=4),
                     st.dictionaries(text(), sub, max_size=4))


# --- values from schemas -----------------------------------------------------

UUID_FIELDS = {
    "customer_id": "customer", "user_id": "user", "business_id": "business",
    "created_by": "user", "tag_id": "tag", "note_id": "note",
}


def from_schema(contract, schema, name=None):
    s = contract.deref(schema)
    if "const" in s:
        return st.just(s["const"])
    if "enum" in s:
        return st.sampled_from(s["enum"])
    types = s.get("type", "object" if "properties" in s else None)
    if isinstance(types, list):
        return st.one_of([from_schema(contract, dict(s, type=t), name)
                          for t in types])
    if types == "null":
        return st.none()
    if types == "boolean":
        return st.booleans()
    if types == "integer":
        return st.integers(s.get("minimum", -2**31), s.get("maximum", 2**31))
    if types == "number":
        return st.floats(s.get("minimum"), s.get("maximum"),
                         allow_nan=False, allow_infinity=False)
    if types == "array":
        return st.lists(from_schema(contract, s.get("items", {}), name),
                        min_size=s.get("minItems", 0), max_size=4)
    if types == "object":
        props = s.get("properties")
        if not props:
            return st.dictionaries(st.text(max_size=10), json_value(1),
                                   max_size=4)
        req = set(s.get("required", []))
        full = st.fixed_dictionaries(
            {k: from_schema(contract, v, k) for k, v in props.items()
             if k in req},
            optional={k: from_schema(contract, v, k)
                      for k, v in props.items() if k not in req})
        # one key alone (TagsCreate: exactly one of label or labels), and
        # the schema's own examples
        one = st.sampled_from(sorted(props)).flatmap(
            lambda k: st.fixed_dictionaries(
                {k: from_schema(contract, props[k], k)}))
        alts = [full, full, one] if not req else [full, full]
        if s.get("examples"):
            alts.append(st.sampled_from(s["examples"]))
        return st.one_of(alts)
    if types == "string":
        return string(s, name)
    return json_value()


def string(s, name):
    if s.get("format") == "uuid" or name in UUID_FIELDS:
        kind = UUID_FIELDS.get(name, "customer")
        owners = ("B", "A", "A", "none", "self") if kind == "user" \
            else ("B", "A", "A", "none")
        return ref(kind, owners)
    if name == "email":
        local = st.from_regex(r"[a-z][a-z0-9._+-]{0,20}", fullmatch=True)
        dom = st.sampled_from(["example.com", "beeconect.ro", "Example.ORG"])
        return st.builds(lambda a, b: "%s@%s" % (a, b), local, dom)
    if "pattern" in s:
        return st.from_regex(s["pattern"])
    if name == "avatar_url":
        return st.sampled_from(["https://cdn.example.com/a.png",
                                "/uploads/x.png", "http://x/y.jpg"])
    lo, hi = s.get("minLength", 0), s.get("maxLength", 60)
    return st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                   min_size=lo, max_size=min(hi, 60))


# --- invalid variants --------------------------------------------------------

def wrong_value():
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(),
                                     max_size=2),
                     text(), ref("customer"))


@st.composite
def mutated(draw, valid):
    body = draw(valid)
    if not isinstance(body, dict):
        return body
    body = dict(body)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["drop", "wrong", "extra", "hostile"]))
        keys = sorted(body)
        if how == "drop" and keys:
            body.pop(draw(st.sampled_from(keys)))
        elif how == "wrong" and keys:
            body[draw(st.sampled_from(keys))] = draw(wrong_value())
        elif how == "hostile" and keys:
            body[draw(st.sampled_from(keys))] = draw(text())
        else:
            body[draw(text())] = draw(json_value(1))
    return body


def raw_json_body():
    """Bytes that are not a valid JSON object of the right shape."""
    return st.one_of(
        st.sampled_from([b"", b"{", b"}", b"[", b"null", b"[]", b"\"x\"",
                         b"1", b"{\"a\":}", b"{'a': 1}", b"{\"a\":1,}",
                         b"\xef\xbb\xbf{}", b"{\"full_name\":\"\xff\xfe\"}",
                         b"{\"content\":\"\xc3\x28\"}",
                         b"{\"label\":\"\xed\xa0\x80\"}",
                         b"{\"content\":\"\\ud800\"}",
                         b"{\"content\":\"a\\u0000b\"}",
                         b"{\"a\":1}\x00", b"{\"a\":1} {\"b\":2}",
                         b"[" * 5000 + b"]" * 5000,
                         b"{\"preferences\":" + b"{\"a\":" * 3000 + b"1" +
                         b"}" * 3001,
                         b"{\"labels\":[" + b",".join(
                             b"\"l%d\"" % i for i in range(150)) + b"]}",
                         b"{\"preferences\":{\"k\":\"" + b"x" * 70000 +
                         b"\"}}"]),
        st.binary(max_size=200))


def json_body(contract, schema):
    valid = from_schema(contract, schema)
    return st.one_of(
        st.tuples(st.just("json"), valid),
        st.tuples(st.just("json"), valid),
        st.tuples(st.just("json"), mutated(valid)),
        st.tuples(st.just("json"), mutated(valid)),
        st.tuples(st.just("json"), json_value()),
        st.tuples(st.just("raw"), raw_json_body()))


# --- multipart ---------------------------------------------------------------

def jpeg():
    seg = st.builds(
        lambda m, data: b"\xff" + bytes([m]) +
        struct.pack(">H", min(len(data) + 2, 0xffff)) + data,
        st.sampled_from([0xe0, 0xe1, 0xe2, 0xed, 0xfe, 0xdb, 0xc0, 0xc4]),
        st.one_of(st.binary(max_size=40),
                  st.just(b"Exif\0\0MM\0*\0\0\0\x08GPS"),
                  st.just(b"http://ns.adobe.com/xap/1.0/\0<x/>")))
    tail = st.sampled_from([b"\xff\xda\x00\x08\x01\x01\x00\x00?\x00\x01\x02"
                            b"\xff\xd9", b"", b"\xff", b"\xff\xd9",
                            b"\xff\xe1\xff\xff"])
    return st.builds(lambda segs, t: b"\xff\xd8" + b"".join(segs) + t,
                     st.lists(seg, max_size=5), tail)


def image():
    chunk = st.tuples(st.sampled_from([b"tEXt", b"zTXt", b"iTXt", b"eXIf",
                                       b"gAMA", b"abcd"]),
                      st.binary(max_size=40))
    return st.one_of(
        st.builds(png, st.lists(chunk, max_size=4), st.integers(1, 3),
                  st.integers(1, 3)),
        jpeg(),
        st.builds(lambda p, n: p[:n], st.builds(png), st.integers(0, 60)),
        st.binary(max_size=64),
        st.sampled_from([b"GIF89a\x01\x00\x01\x00", b"",
                         b"\x89PNG\r\n\x1a\n" + b"\0" * 1100000]))


@st.composite
def multipart(draw, good=False):
    boundary = draw(st.one_of(st.just(b"b0undary"), st.from_regex(
        rb"[A-Za-z0-9'()+_,.=-]{1,70}", fullmatch=True)))
    data = draw(st.builds(png) if good else image())
    name = b"file" if good else draw(st.sampled_from(
        [b"file", b"file", b"file", b"File", b"avatar", b""]))
    filename = draw(st.one_of(st.just(b"a.png"), st.binary(max_size=30)
                              .filter(lambda b: b"\"" not in b
                                      and b"\r" not in b and b"\n" not in b)))
    ptype = draw(st.sampled_from([b"image/png", b"image/jpeg",
                                  b"application/octet-stream", b"text/html",
                                  None]))
    part = b"Content-Disposition: form-data; name=\"" + name + \
        b"\"; filename=\"" + filename + b"\"\r\n"
    if ptype:
        part += b"Content-Type: " + ptype + b"\r\n"
    body = b"--" + boundary + b"\r\n" + part + b"\r\n" + data + \
        b"\r\n--" + boundary + b"--\r\n"
    how = "ok" if good else draw(st.sampled_from(
        ["ok"] * 6 + ["truncate", "noclose", "twice", "preamble", "lf"]))
    if how == "truncate":
        body = body[:draw(st.integers(0, len(body)))]
    elif how == "noclose":
        body = body[:-len(boundary) - 6]
    elif how == "twice":
        body = body[:-len(boundary) - 6] + b"--" + boundary + b"\r\n" + \
            part + b"\r\n" + data + b"\r\n--" + boundary + b"--\r\n"
    elif how == "preamble":
        body = b"preamble\r\n" + body
    elif how == "lf":
        body = body.replace(b"\r\n", b"\n")
    if good:
        return ("multipart", body,
                b"multipart/form-data; boundary=" + boundary)
    ctype = draw(st.sampled_from([
        b"multipart/form-data; boundary=" + boundary,
        b"multipart/form-data; boundary=" + boundary,
        b"multipart/form-data; boundary=\"" + boundary + b"\"",
        b"multipart/form-data", b"multipart/form-data; boundary=",
        b"multipart/form-data; boundary=other", b"application/json",
        b"multipart/mixed; boundary=" + boundary]))
    return ("multipart", body, ctype)


def quote(s):
    """Percent-encoding; lone surrogates go out as their 3 bytes (invalid
    UTF-8 the service must refuse)."""
    return urllib.parse.quote(s, safe="", errors="surrogatepass")


# --- whole requests ----------------------------------------------------------

def path_param(param, valid_only=False):
    name = param["name"]
    schema = param.get("schema", {})
    if "enum" in schema:
        valid = st.sampled_from(schema["enum"])
    elif name == "file":
        valid = st.one_of(ref("file", ("A", "B")),
                          st.from_regex(r"[0-9a-f]{32}\.(jpg|png)",
                                        fullmatch=True))
    else:
        kind = {"customer_id": "customer", "tag_id": "tag",
                "note_id": "note"}[name]
        valid = st.one_of(ref(kind), ref("customer"))
    if valid_only:
        return valid
    invalid = st.one_of(text().filter(bool).map(
        lambda s: quote(s).encode()), raw_segment())
    return st.one_of(valid, valid, valid, invalid)


def query_value(param, valid_only=False):
    schema = param.get("schema", {})
    if schema.get("format") == "uuid":
        valid = ref("business", ("B", "A", "A", "none"))
    elif schema.get("type") == "integer":
        valid = st.integers(schema.get("minimum", 0),
                            schema.get("maximum", 10**6)).map(str)
    else:
        valid = st.text(min_size=schema.get("minLength", 0), max_size=12)
    if valid_only:
        return valid
    return st.one_of(valid, valid, text(), st.integers().map(str))


@st.composite
def query(draw, op, valid_only=False):
    out = []
    for p in op.query_params():
        if draw(st.booleans()):
            out.append((p["name"], draw(query_value(p, valid_only))))
    if valid_only:
        return out
    if draw(st.integers(0, 5)) == 0:
        out.append((draw(st.sampled_from(["skip", "limit", "x", ""])),
                    draw(text())))
    if draw(st.integers(0, 7)) == 0:
        out.append(("raw", draw(st.binary(max_size=40).filter(
            lambda b: not set(b) & set(b" #\r\n\0")))))
    return out


TOKENS = {
    # tokens of business A (and of nobody): the isolation phase
    "iso": ["admin_A"] * 5 + ["manager_A", "self_A", "self_A", "client_A",
            "stranger", "courier", "admin_nobiz", "none", "expired",
            "wrong_key", "alg_none", "garbage", "basic", "empty_bearer",
            "bad_sub", "role_int"],
    # every role, both businesses
    "all": ["superadmin"] * 3 + ["internal", "admin_A", "admin_B",
            "admin_AB", "self_A", "self_B", "shared", "stranger", "none",
            "expired", "courier"],
}
# the tokens of a well-formed request: roles that may reach some rows
GOOD_TOKENS = {
    "iso": ["admin_A", "admin_A", "manager_A", "self_A", "client_A"],
    "all": ["superadmin", "superadmin", "internal", "admin_A", "admin_B",
            "admin_AB", "self_A", "self_B", "shared"],
}


def trace_id():
    """Mostly none; bytes above 0x7F in a header are Kore's 400."""
    return st.one_of(st.none(), st.none(), st.none(), st.none(),
                     st.from_regex(r"[A-Za-z0-9._:-]{1,140}", fullmatch=True),
                     st.sampled_from(HOSTILE).map(
                         lambda s: s.replace("\r\n", "").encode(
                             "utf-8", "surrogatepass")),
                     st.binary(max_size=200).filter(
                         lambda b: b"\r" not in b and b"\n" not in b))


def idempotency_key():
    """Mostly none; else one of a few keys, so that the same key meets
    another request (422), a running one (409) or its own answer (a
    replay); or an invalid one (400, or Kore's 400 for bytes it refuses)."""
    return st.one_of(st.none(), st.none(), st.none(),
                     st.sampled_from([b"k1", b"k2", b"k3"]),
                     st.sampled_from([b"a b", b"x" * 256, b"\xc3\xa9"]))


@st.composite
def request(draw, contract, op, phase):
    """A third of the requests are well-formed (a role that may reach
    rows, ids of real rows, a body valid against the schema): the rest
    breaks any part."""
    good = draw(st.integers(0, 2)) == 0
    method = op.method
    roll = 99 if good else draw(st.integers(0, 19))
    if roll == 0:
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH",
                                       "DELETE"]))
    elif roll == 1 and op.method == "GET":
        method = "HEAD"
    req = {"op": op.id, "method": method,
           "prefix": draw(st.sampled_from(op.prefixes)),
           "slash": "/api" in op.prefixes and draw(st.booleans()),
           "params": {p["name"]: draw(path_param(p, good))
                      for p in op.path_params()},
           "query": draw(query(op, good)),
           "token": draw(st.sampled_from((GOOD_TOKENS if good else
                                          TOKENS)[phase])),
           "trace": None if good else draw(trace_id()),
           "idem": (draw(idempotency_key())
                    if op.method in ("POST", "PATCH", "DELETE") else None)}
    # nested ids (customer and its tag or note) of one business at times,
    # so that a reachable row of either business is named often
    owner = draw(st.sampled_from([None, "B", "A", None]))
    if owner:
        for v in req["params"].values():
            if isinstance(v, Ref) and v.owner in ("A", "B"):
                v.owner = owner
    content = op.body
    if "application/json" in content and good:
        req["body"] = ("json", draw(from_schema(
            contract, content["application/json"]["schema"])))
        req["ctype"] = "application/json"
    elif "application/json" in content:
        req["body"] = draw(json_body(contract,
                                     content["application/json"]["schema"]))
        req["ctype"] = draw(st.sampled_from(
            ["application/json"] * 8 + [None, "text/plain",
                                        "application/json; charset=utf-8",
                                        "multipart/form-data"]))
    elif "multipart/form-data" in content:
        req["body"] = draw(multipart(good))
    elif draw(st.integers(0, 14)) == 0:
        req["body"] = ("raw", draw(st.binary(max_size=20)))
        req["ctype"] = "application/json"
    return req


def encode_json(value, resolve):
    def walk(v):
        if isinstance(v, Ref):
            return resolve(v)
        if isinstance(v, dict):
            return {walk(k) if isinstance(k, Ref) else k: walk(x)
                    for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return json.dumps(walk(value)).encode()
