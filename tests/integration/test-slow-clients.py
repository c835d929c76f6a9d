# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-slow-clients.py - a client that drips one byte every few hundred
# milliseconds keeps the idle timer happy forever; the core's deadlines
# ([limits] line_timeout for a line, data_min_rate after data_grace for
# counted data) must answer it in its protocol's words and close it: SMTP
# 421 4.4.2 for a command line and for a line inside DATA, IMAP * BYE for
# a command and for an APPEND literal, POP3 -ERR; each logs one line.
# A client that is slow but within the limits is served.
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
srv = ht.Daemon("slow")
srv.sections["core"]["modules"] = "smtp;imap;pop3"
srv.sections["limits"] = {"line_timeout": "2s", "data_min_rate": "1K", "data_grace": "1s",
                          "idle_timeout": "1m"}
for name, proto, tls in (("imaps", "imap", "implicit"), ("pop3", "pop3", "starttls")):
    srv.ports[name] = ht.free_port()
    srv.sections["listener " + name] = {"protocol": proto, "role": name, "address": "127.0.0.1",
                                        "port": str(srv.ports[name]), "tls": tls}


@ht.test
def daemon_starts():
    srv.start()


def drip(sock, data, interval=0.25, limit=60):
    """Send data a byte at a time until the server answers (or limit
    bytes); return (bytes sent, seconds, what the server said)."""
    sock.settimeout(interval)
    start = time.monotonic()
    sent = 0
    for b in data[:limit]:
        try:
            reply = sock.recv(4096)
            return sent, time.monotonic() - start, reply
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        sock.sendall(bytes([b]))
        sent += 1
    sock.settimeout(ht.TIMEOUT)
    return sent, time.monotonic() - start, sock.recv(4096)


def closed(sock):
    sock.settimeout(ht.TIMEOUT)
    try:
        return sock.recv(4096) == b""
    except (ConnectionResetError, ssl.SSLError):
        return True


def read_until(sock, needle):
    sock.settimeout(ht.TIMEOUT)
    data = b""
    while needle not in data:
        more = sock.recv(4096)
        ht.check(more, "closed before %r; got %r" % (needle, data))
        data += more
    return data


def check_cut(sent, secs, reply, want, what, at_least=1.9):
    """Cut off with the right words, not before the limit (line_timeout
    2 s; data_grace 1 s for counted data) and not long after it."""
    ht.check(reply.startswith(want), "%s: wanted %r, got %r" % (what, want, reply))
    ht.check(sent >= 3 and secs >= at_least, "%s: cut too early (%d bytes, %.1f s)"
             % (what, sent, secs))
    ht.check(secs < 20, "%s: took %.1f s" % (what, secs))


@ht.test
def smtp_command_drip_gets_421():
    with socket.create_connection(("127.0.0.1", srv.port("mx")), timeout=ht.TIMEOUT) as s:
        read_until(s, b"\r\n")
        sent, secs, reply = drip(s, b"EHLO " + b"x" * 200)
        check_cut(sent, secs, reply, b"421 4.4.2", "SMTP command")
        ht.check(closed(s), "SMTP connection left open")


@ht.test
def smtp_data_drip_gets_421():
    with socket.create_connection(("127.0.0.1", srv.port("mx")), timeout=ht.TIMEOUT) as s:
        read_until(s, b"\r\n")
        for cmd in (b"EHLO c.test", b"MAIL FROM:<a@remote.test>", b"RCPT TO:<%s>" % USER.encode(),
                    b"DATA"):
            s.sendall(cmd + b"\r\n")
            read_until(s, b"\r\n")
        s.sendall(b"Subject: slow\r\n\r\n")
        sent, secs, reply = drip(s, b"a line that never ends " * 10)
        check_cut(sent, secs, reply, b"421 4.4.2", "SMTP DATA line")
        ht.check(closed(s), "SMTP connection left open")


@ht.test
def smtp_slow_but_whole_lines_are_served():
    with socket.create_connection(("127.0.0.1", srv.port("mx")), timeout=ht.TIMEOUT) as s:
        read_until(s, b"\r\n")
        s.sendall(b"EHLO sl")
        time.sleep(1.2)  # within line_timeout
        s.sendall(b"ow.test\r\n")
        ht.check(read_until(s, b"250 ").startswith(b"250"), "EHLO in two slow pieces refused")
        s.sendall(b"QUIT\r\n")


def imaps():
    raw = socket.create_connection(("127.0.0.1", srv.port("imaps")), timeout=ht.TIMEOUT)
    s = ht.client_tls_context().wrap_socket(raw)
    read_until(s, b"\r\n")
    return s


@ht.test
def imap_literal_drip_gets_bye():
    with imaps() as s:
        s.sendall(b"a LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
        read_until(s, b"a OK")
        s.sendall(b"b APPEND INBOX {100000}\r\n")
        read_until(s, b"+ ")
        sent, secs, reply = drip(s, b"m" * 100)
        check_cut(sent, secs, reply, b"* BYE", "IMAP literal", at_least=0.9)
        ht.check(closed(s), "IMAP connection left open")


@ht.test
def imap_command_drip_gets_bye():
    with imaps() as s:
        sent, secs, reply = drip(s, b"a CAPABILITY" + b" " * 100)
        check_cut(sent, secs, reply, b"* BYE", "IMAP command")
        ht.check(closed(s), "IMAP connection left open")


@ht.test
def pop3_command_drip_gets_err():
    with socket.create_connection(("127.0.0.1", srv.port("pop3")), timeout=ht.TIMEOUT) as s:
        read_until(s, b"\r\n")
        sent, secs, reply = drip(s, b"USER " + b"y" * 100)
        check_cut(sent, secs, reply, b"-ERR", "POP3 command")
        ht.check(closed(s), "POP3 connection left open")


@ht.test
def each_cut_is_logged():
    ht.wait_until(lambda: srv.stderr_text().count("slow client 127.0.0.1") >= 5,
                  what="five 'slow client' log lines")


if __name__ == "__main__":
    ht.main()
