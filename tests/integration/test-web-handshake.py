# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-handshake.py - HTTPS clients that stall in the TLS handshake
# cost hermodd no CPU while they wait.  With epoll, libmicrohttpd 0.9.75
# called gnutls_handshake again and again while a handshake waited for
# the client (a recv returning EAGAIN every few microseconds, up to a
# core); the web server now parks such a connection until its socket is
# readable.  Clients here: some send half a ClientHello and then nothing,
# some a whole ClientHello (Python's ssl through a memory BIO) and never
# answer the server's flight, some connect and send nothing.  While they
# are open hermodd's CPU time (utime + stime from /proc/PID/stat) must
# stay low, a bystander is served, a stalled client that finally sends
# the rest of its ClientHello completes its handshake and its request,
# the stalled ones are dropped at [web] header_timeout, and hermodd stops
# cleanly with some parked.
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

HEADER_TIMEOUT = 15
srv = wt.web_daemon("web-handshake", "https", header_timeout="%ds" % HEADER_TIMEOUT)
N = 6  # of each kind
WINDOW = 4.0  # seconds of CPU measured
CPU_MAX = 0.25  # seconds of hermodd CPU allowed in the window (6% of a core)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_context = []


def client_context():
    """One for all clients: making one costs tens of ms."""
    if not _context:
        _context.append(ht.client_tls_context())
    return _context[0]


class Stalled:
    """A TCP connection to the HTTPS port and a TLS client over memory
    BIOs, so that the test decides which bytes go out when."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=ht.TIMEOUT)
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = client_context().wrap_bio(self.incoming, self.outgoing,
                                                    server_hostname="localhost")
        try:
            self.tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        self.hello = self.outgoing.read()

    def finish(self):
        """Run the handshake to its end over the socket."""
        deadline = time.monotonic() + ht.TIMEOUT
        while time.monotonic() < deadline:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                out = self.outgoing.read()
                if out:
                    self.sock.sendall(out)
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("closed during the handshake")
                self.incoming.write(data)
        self.sock.sendall(self.outgoing.read())

    def get(self, path):
        self.tls.write(b"GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                       % path.encode())
        self.sock.sendall(self.outgoing.read())
        out = b""
        deadline = time.monotonic() + ht.TIMEOUT
        while time.monotonic() < deadline:
            try:
                chunk = self.tls.read(65536)
                if not chunk:
                    break
                out += chunk
                continue
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
            data = self.sock.recv(65536)
            if not data:
                break
            self.incoming.write(data)
        return out

    def is_closed(self):
        self.sock.settimeout(0.1)
        try:
            return self.sock.recv(65536) == b""
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


stalled = []


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def stalled_handshakes_cost_no_cpu():
    port = srv.port("webs")
    for _ in range(N):
        s = Stalled(port)
        s.sock.sendall(s.hello[:len(s.hello) // 2])  # half a ClientHello
        stalled.append(s)
    for _ in range(N):
        s = Stalled(port)
        s.sock.sendall(s.hello)  # a whole one, then no answer to the server
        stalled.append(s)
    for _ in range(N):
        stalled.append(Stalled(port))  # connected, nothing sent
    time.sleep(0.5)
    before = cpu_seconds(srv.proc.pid)
    time.sleep(WINDOW)
    used = cpu_seconds(srv.proc.pid) - before
    print("# hermodd CPU with %d stalled handshakes: %.2f s in %.0f s" % (3 * N, used, WINDOW))
    ht.check(used < CPU_MAX, "hermodd used %.2f s of CPU in %.0f s with %d stalled handshakes"
             % (used, WINDOW, 3 * N))
    out = wt.raw_request(port, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                         tls=True)
    ht.check(out.startswith(b"HTTP/1.1 200"), "bystander got %r" % out[:60])
    closed = [i for i, s in enumerate(stalled) if s.is_closed()]
    ht.check(not closed, "stalled clients closed early: %s (of %d)" % (closed, len(stalled)))


@ht.test
def a_stalled_client_that_goes_on_is_served():
    s = stalled.pop(0)
    s.sock.sendall(s.hello[len(s.hello) // 2:])
    s.finish()
    out = s.get("/")
    ht.check(out.startswith(b"HTTP/1.1 200") and out.endswith(wt.PAGE), "got %r" % out[:80])
    s.sock.close()


@ht.test
def stalled_clients_are_dropped_at_header_timeout():
    deadline = time.monotonic() + HEADER_TIMEOUT + 5
    while stalled and time.monotonic() < deadline:
        stalled[:] = [s for s in stalled if not s.is_closed()]
        time.sleep(0.2)
    ht.check(not stalled, "%d stalled clients still open after header_timeout" % len(stalled))
    for s in stalled:
        s.sock.close()


@ht.test
def stops_with_handshakes_parked():
    # libmicrohttpd must not stop with a connection suspended: the parked
    # ones are resumed first.
    port = srv.port("webs")
    for i in range(6):
        s = Stalled(port)
        s.sock.sendall(s.hello[:len(s.hello) // 2] if i % 2 else b"")
        stalled.append(s)
    time.sleep(0.5)
    ht.check_equal(srv.stop(), 0, "hermodd's exit status")
    ht.check("libmicrohttpd:" not in srv.stderr_text(), "libmicrohttpd panicked")
    for s in stalled:
        s.sock.close()


if __name__ == "__main__":
    ht.main()
