# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-conn-limits.py - [limits] max_connections_per_ip with real
# clients: a client over the cap is told why in its protocol's words (SMTP
# 421 4.7.0, IMAP * BYE [UNAVAILABLE], POP3 -ERR [SYS/TEMP]) before the
# close, and logged; an implicit-TLS listener closes it without a word.
# Only live connections count: clients that reconnect for every message
# (as Postfix's smtp-source does), as many at once as the cap allows, all
# get through.
import imaplib
import os
import poplib
import smtplib
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
CAP = 4
srv = ht.Daemon("limits")
srv.sections["core"]["modules"] = "smtp;imap;pop3"
srv.sections["limits"] = {"max_connections_per_ip": str(CAP)}
for name, proto, tls in (("imap", "imap", "starttls"), ("imaps", "imap", "implicit"),
                         ("pop3", "pop3", "starttls")):
    srv.ports[name] = ht.free_port()
    srv.sections["listener " + name] = {"protocol": proto, "role": name, "address": "127.0.0.1",
                                        "port": str(srv.ports[name]), "tls": tls}


@ht.setup
def daemon_starts():
    srv.start()


def hold(port, n):
    """n open connections that have had their greeting."""
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=ht.TIMEOUT)
        s.recv(4096)
        out.append(s)
    return out


def refused_with(port):
    with socket.create_connection(("127.0.0.1", port), timeout=ht.TIMEOUT) as s:
        data = b""
        while True:
            more = s.recv(4096)
            if not more:
                return data
            data += more


def over_the_cap(port, want):
    held = hold(port, CAP)
    try:
        got = refused_with(port)
        ht.check(got.startswith(want) and got.endswith(b"\r\n"),
                 "over the cap: wanted %r, got %r" % (want, got))
    finally:
        for s in held:
            s.close()


@ht.test
def smtp_over_the_cap_gets_421():
    over_the_cap(srv.port("mx"), b"421 4.7.0 Too many connections from your address")
    # smtplib reads it as the refusal it is.
    held = hold(srv.port("mx"), CAP)
    try:
        smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT)
        ht.check(False, "smtplib connected over the cap")
    except smtplib.SMTPConnectError as e:
        ht.check_equal(e.smtp_code, 421, "smtplib's refusal code")
    finally:
        for s in held:
            s.close()


@ht.test
def imap_over_the_cap_gets_bye():
    over_the_cap(srv.port("imap"), b"* BYE [UNAVAILABLE] Too many connections")
    held = hold(srv.port("imap"), CAP)
    try:
        imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=ht.TIMEOUT)
        ht.check(False, "imaplib connected over the cap")
    except imaplib.IMAP4.error as e:
        ht.check("Too many connections" in str(e), str(e))
    finally:
        for s in held:
            s.close()


@ht.test
def pop3_over_the_cap_gets_err():
    over_the_cap(srv.port("pop3"), b"-ERR [SYS/TEMP] Too many connections")
    held = hold(srv.port("pop3"), CAP)
    try:
        poplib.POP3("127.0.0.1", srv.port("pop3"), timeout=ht.TIMEOUT)
        ht.check(False, "poplib connected over the cap")
    except poplib.error_proto as e:
        ht.check("Too many connections" in str(e), str(e))
    finally:
        for s in held:
            s.close()


@ht.test
def implicit_tls_over_the_cap_closes_quietly():
    held = []
    try:
        for _ in range(CAP):
            raw = socket.create_connection(("127.0.0.1", srv.port("imaps")), timeout=ht.TIMEOUT)
            held.append(raw)
        ht.wait_until(lambda: srv.stderr_text().count("to imaps (TLS)") >= CAP,
                      what="held imaps connections accepted")
        ht.check_equal(refused_with(srv.port("imaps")), b"", "plain text on a TLS port")
    finally:
        for s in held:
            s.close()


@ht.test
def refusals_are_logged():
    ht.wait_until(lambda: srv.stderr_text().count("max_connections_per_ip reached") >= 7,
                  what="one log line per refusal")


@ht.test
def reconnecting_clients_all_get_through():
    """CAP threads, each sending messages one connection at a time."""
    per_thread = 15
    errors = []

    def worker(n):
        for i in range(per_thread):
            try:
                with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
                    s.sendmail("a@remote.test", [USER],
                               "Subject: reconnect %d-%d\r\n\r\nbody\r\n" % (n, i))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("%d-%d: %r" % (n, i, e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CAP)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ht.check_equal(errors[:5], [], "refused while only %d sessions were live" % CAP)
    ht.wait_until(lambda: len([m for m in srv.messages(USER) if b"reconnect" in m])
                  >= CAP * per_thread, what="every message delivered")


if __name__ == "__main__":
    ht.main()
