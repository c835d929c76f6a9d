# SPDX-License-Identifier: GPL-2.0-or-later
#
# webtest.py - what the web tests share: a daemon with a document root
# and an ACME folder, and curl as the client (its -i output parsed into
# status, headers and body).  Standard library only; on top of
# hermodtest.py.

import os
import socket

import hermodtest as ht

PAGE = b"<!doctype html><title>Hermod</title><p>index page</p>\n"


def web_daemon(name, mode, **web):
    """A Daemon with http listeners for mode, [web] document_root holding
    index.html and a 22 KB page.txt, and an ACME token file."""
    d = ht.Daemon(name)
    d.add_web(mode, document_root="www", **web)
    root = os.path.join(d.data_dir, "www")
    os.makedirs(root)
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(PAGE)
    with open(os.path.join(root, "page.txt"), "wb") as f:
        f.write((b"0123456789abcdef" * 64 + b"\n") * 22)
    acme = os.path.join(d.data_dir, "acme")
    os.makedirs(acme)
    with open(os.path.join(acme, "tok-EN_123"), "wb") as f:
        f.write(b"tok-EN_123.key-authorization\n")
    return d


class Reply:
    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers  # lower-case name -> value (last one wins)
        self.body = body
        self.raw = raw

    def header(self, name):
        return self.headers.get(name.lower())


def parse_curl_i(out):
    """The last response of curl -i output (with -L there are several)."""
    last = None
    rest = out
    while rest.startswith(b"HTTP/"):
        head, sep, rest = rest.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if status == 100:
            continue
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        last = (status, headers)
    ht.check(last is not None, "no HTTP response in curl's output: %r" % out[:300])
    return Reply(last[0], last[1], rest, out)


def curl(url, *args, check=True):
    """curl -sS -k -i URL ARGS...; a Reply, or the CompletedProcess when
    check is False and curl failed."""
    argv = [ht.need_tool("curl"), "-sS", "-k", "-i", "--max-time", "20"] + list(args) + [url]
    cp = ht.run(argv, check=check)
    if cp.returncode != 0:
        return cp
    return parse_curl_i(cp.stdout)


def reserve(port):
    """Bind 127.0.0.1:port without listening (no SO_REUSEADDR), so that no
    other test's daemon can take a port a daemon here must leave closed;
    a connect to it is still refused.  Returns the socket: keep it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    return s


def refused(port):
    """True if nothing accepts on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except ConnectionRefusedError:
        return True


def raw_request(port, data, tls=False, timeout=10):
    """Send raw bytes, return everything the server sends until it closes
    or timeout passes (bytes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        sock = ht.client_tls_context().wrap_socket(sock)
    try:
        sock.sendall(data)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        sock.close()
