#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap.py - the IMAP module against the real hermodd, driven by
# Python's imaplib: greeting and capabilities before and after TLS
# (LOGINDISABLED on plain text, STARTTLS, implicit TLS), LOGIN and
# AUTHENTICATE PLAIN, refusals with their response codes, junk input, and
# LOGOUT.  Speaks TAP through hermodtest.

import imaplib
import socket
import ssl
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("imap")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imap"] = ht.free_port()
d.ports["imaps"] = ht.free_port()
d.sections["listener imap"] = {"protocol": "imap", "role": "imap", "address": "127.0.0.1",
                               "port": str(d.ports["imap"]), "tls": "starttls"}
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}
d.sections["imap"] = {"max_bad_commands": "5"}


def plain():
    return imaplib.IMAP4("127.0.0.1", d.port("imap"), timeout=ht.TIMEOUT)


def secure():
    return imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                             timeout=ht.TIMEOUT)


@ht.setup
def start():
    d.start()


@ht.test
def plain_text_has_logindisabled():
    c = plain()
    caps = c.capabilities
    ht.check("LOGINDISABLED" in caps and "STARTTLS" in caps, caps)
    ht.check("AUTH=PLAIN" not in caps, caps)
    try:
        c.login(USER, PASSWORD)
        ht.check(False, "LOGIN over plain text was accepted")
    except imaplib.IMAP4.error as e:
        ht.check("PRIVACYREQUIRED" in str(e), str(e))
    c.logout()


@ht.test
def starttls_then_login():
    c = plain()
    c.starttls(ssl_context=ht.client_tls_context())
    typ, data = c.capability()
    caps = data[0].decode()
    ht.check("AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps and "STARTTLS" not in caps,
             caps)
    typ, data = c.login(USER, PASSWORD)
    ht.check_equal(typ, "OK")
    typ, data = c.capability()
    caps = data[0].decode()
    for want in ("IMAP4rev2", "IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "CONDSTORE"):
        ht.check(want in caps.split(), "%s missing in %s" % (want, caps))
    c.logout()


@ht.test
def implicit_tls_bad_password():
    c = secure()
    try:
        c.login(USER, "wrong")
        ht.check(False, "a wrong password was accepted")
    except imaplib.IMAP4.error as e:
        ht.check("AUTHENTICATIONFAILED" in str(e), str(e))
    c.logout()


@ht.test
def authenticate_plain():
    c = secure()
    typ, _ = c.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (USER, PASSWORD)).encode())
    ht.check_equal(typ, "OK")
    typ, data = c.namespace()
    ht.check(b'(("" "/")) NIL NIL' in data[0], data)
    c.logout()


def tagged(raw, tag):
    """Lines up to and including the one tagged tag."""
    lines = []
    while True:
        line = raw.readline()
        lines.append(line)
        if line.startswith(tag + " "):
            return lines


@ht.test
def commands_in_the_wrong_state():
    r = ht.Raw(d.port("imaps"), tls=True)
    r.readline()
    r.send("a1 SELECT INBOX\r\n")
    ht.check(tagged(r, "a1")[-1].startswith("a1 BAD [CLIENTBUG]"))
    r.send("a2 FROBNICATE\r\n")
    ht.check(tagged(r, "a2")[-1].startswith("a2 BAD"))
    r.send("a3 LOGOUT\r\n")
    lines = tagged(r, "a3")
    ht.check(lines[0].startswith("* BYE") and lines[-1].startswith("a3 OK"), lines)
    r.close()


@ht.test
def junk_gets_bad_then_bye():
    s = socket.create_connection(("127.0.0.1", d.port("imap")), timeout=ht.TIMEOUT)
    f = s.makefile("rb")
    ht.check(f.readline().startswith(b"* OK"))
    for i in range(5):
        s.sendall(b"\r\n" if i % 2 else b"a1 NOPE\r\n")
    text = b""
    while True:
        line = f.readline()
        if not line:
            break
        text += line
    ht.check(b"BAD" in text and b"* BYE" in text, text)
    s.close()


@ht.test
def literal_too_big_is_refused():
    s = socket.create_connection(("127.0.0.1", d.port("imap")), timeout=ht.TIMEOUT)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"a1 LOGIN {99999999}\r\n")
    line = f.readline()
    ht.check(line.startswith(b"a1 NO [TOOBIG]"), line)
    s.sendall(b"a2 NOOP\r\n")
    line = f.readline()
    ht.check(line.startswith(b"a2 OK"), line)
    s.close()


ht.main()
