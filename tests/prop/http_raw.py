"""A raw HTTP/1.1 client over one socket per request.

http.client refuses the bytes this suite exists to send (control and
non-ASCII bytes in the path, header values it would fold), so requests are
written byte for byte and the answer is read until the server closes the
connection (every request carries `Connection: close`).
"""
import socket
import time

TIMEOUT = 15.0


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # lower-cased name -> last value
        self.body = body
        self.elapsed = elapsed

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class NoResponse(Exception):
    """The server closed or reset the connection without a status line."""


def _dechunk(data):
    out = bytearray()
    while True:
        line, sep, rest = data.partition(b"\r\n")
        if not sep:
            raise NoResponse("truncated chunked body")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += rest[:size]
        data = rest[size + 2:]


def parse(raw, method=b"GET"):
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise NoResponse("no complete header block in %d bytes" % len(raw))
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise NoResponse("bad status line %r" % lines[0][:80])
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = \
            value.strip().decode("latin-1")
    if method == b"HEAD" or status in (204, 304):
        body = b""
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        n = int(headers["content-length"])
        if len(body) < n:
            raise NoResponse("body cut at %d of %d bytes" % (len(body), n))
        body = body[:n]
    return status, headers, body


def request(host, port, method, target, headers=(), body=None):
    """Send one request; target and header values are bytes, sent as is."""
    lines = [method + b" " + target + b" HTTP/1.1",
             b"Host: " + host.encode() + b":" + str(port).encode(),
             b"Connection: close"]
    for name, value in headers:
        lines.append(name + b": " + value)
    if body is not None:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
    t0 = time.monotonic()
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer early (413) and close: read it
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise NoResponse("no answer within %.0f s" % TIMEOUT)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise NoResponse("connection closed without a response")
    status, hdrs, payload = parse(raw, method)
    return Response(status, hdrs, payload, time.monotonic() - t0)
