# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-no-starttls.py - a listener with tls = none offers no STARTTLS: SMTP
# (EHLO without STARTTLS, STARTTLS answered 502 5.5.1), IMAP (CAPABILITY
# without STARTTLS, STARTTLS answered BAD) and POP3 (CAPA without STLS,
# STLS answered -ERR), each next to a tls = starttls listener of the same
# protocol that still offers it.  The core tells the modules through
# HermodApi.conn_may_start_tls (ABI 1.2).
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

srv = ht.Daemon("notls")
srv.sections["core"]["modules"] = "smtp;imap;pop3"
for name, proto, tls in (("smtp-none", "smtp", "none"), ("imap-none", "imap", "none"),
                         ("imap-tls", "imap", "starttls"), ("pop3-none", "pop3", "none"),
                         ("pop3-tls", "pop3", "starttls")):
    srv.ports[name] = ht.free_port()
    srv.sections["listener " + name] = {"protocol": proto, "role": proto, "address": "127.0.0.1",
                                        "port": str(srv.ports[name]), "tls": tls}
# "smtp-none" has no tls key at all: none is the default.
del srv.sections["listener smtp-none"]["tls"]


class Lines:
    """A plain line client for IMAP and POP3."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=ht.TIMEOUT)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed; buffered %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def cmd(self, text, until):
        """Send text, return the lines up to one starting with until."""
        self.sock.sendall(text.encode() + b"\r\n")
        out = []
        while True:
            out.append(self.line())
            if out[-1].startswith(until):
                return out

    def close(self):
        self.sock.close()


@ht.setup
def start():
    srv.start()


@ht.test
def smtp_none_has_no_starttls():
    with ht.Raw(srv.port("smtp-none")) as c:
        ht.check_equal(c.reply()[0], 220, "greeting")
        code, lines = c.cmd("EHLO client.example.test")
        ht.check_equal(code, 250, "EHLO")
        ht.check("STARTTLS" not in lines, "EHLO offers STARTTLS on tls = none: %r" % lines)
        code, lines = c.cmd("STARTTLS")
        ht.check_equal(code, 502, "STARTTLS on tls = none")
        ht.check(lines[0].startswith("5.5.1"), "enhanced code: %r" % lines)
        ht.check_equal(c.cmd("NOOP")[0], 250, "session goes on")
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ht.check("STARTTLS" in c.cmd("EHLO client.example.test")[1], "mx (starttls) offers it")


@ht.test
def imap_none_has_no_starttls():
    c = Lines(srv.port("imap-none"))
    greeting = c.line()
    ht.check("STARTTLS" not in greeting, "greeting offers STARTTLS: %r" % greeting)
    caps = c.cmd("a1 CAPABILITY", "a1 ")
    ht.check("STARTTLS" not in caps[0] and caps[-1].startswith("a1 OK"), "CAPABILITY: %r" % caps)
    reply = c.cmd("a2 STARTTLS", "a2 ")
    ht.check(reply[-1].startswith("a2 BAD"), "STARTTLS on tls = none: %r" % reply)
    ht.check(c.cmd("a3 NOOP", "a3 ")[-1].startswith("a3 OK"), "session goes on")
    c.close()
    c = Lines(srv.port("imap-tls"))
    ht.check(" STARTTLS" in c.line(), "imap-tls greeting offers STARTTLS")
    c.close()


@ht.test
def pop3_none_has_no_stls():
    c = Lines(srv.port("pop3-none"))
    ht.check(c.line().startswith("+OK"), "greeting")
    capa = c.cmd("CAPA", ".")
    ht.check("STLS" not in capa, "CAPA offers STLS on tls = none: %r" % capa)
    reply = c.cmd("STLS", "")
    ht.check(reply[-1].startswith("-ERR"), "STLS on tls = none: %r" % reply)
    ht.check(c.cmd("QUIT", "")[-1].startswith("+OK"), "session goes on")
    c.close()
    c = Lines(srv.port("pop3-tls"))
    c.line()
    ht.check("STLS" in c.cmd("CAPA", "."), "pop3-tls offers STLS")
    c.close()


ht.main()
