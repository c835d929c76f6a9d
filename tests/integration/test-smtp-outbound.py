# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-smtp-outbound.py - the outbound queue through [routes]: submitted
# mail for a foreign domain reaches a loopback peer (an aiosmtpd server,
# and a second hermodd serving its own domain), and a permanent failure
# (the peer answers 550) comes back to the sender as a DSN
# (multipart/report) in its INBOX.
import email
import os
import smtplib
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402  (python3-aiosmtpd)

DEMO = "demo@example.test"
PASSWORD = "demo-pass-" + os.urandom(4).hex()
BOB = "bob@other.test"


class Peer:
    """An aiosmtpd handler: keeps what it receives, 550s reject@."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (mail_from, [rcpts], content bytes)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  bytes(envelope.content)))
        return "250 2.0.0 queued"

    def find(self, needle):
        with self.lock:
            for item in self.received:
                if needle in item[2]:
                    return item
        return None


peer = Peer()
peer_port = ht.free_port()
controller = Controller(peer, hostname="127.0.0.1", port=peer_port)

srv = ht.Daemon("outbound", users={DEMO: PASSWORD})
srv.add_route("remote.test", peer_port)
other = ht.Daemon("other", domains=("other.test",), users={BOB: "bob-pass-1"},
                  hostname="mail.other.test")


@ht.setup
def peers_and_daemon_start():
    controller.start()
    other.start()
    srv.add_route("other.test", other.port("mx"))  # known once other runs
    srv.start()


def submit(rcpts, token):
    msg = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\n"
           "outbound body %s\r\n" % (DEMO, ", ".join(rcpts), token, token, token))
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=ht.TIMEOUT) as s:
        s.starttls(context=ht.client_tls_context())
        s.login(DEMO, PASSWORD)
        return s.sendmail(DEMO, rcpts, msg)


@ht.test
def foreign_domain_reaches_aiosmtpd_peer_through_route():
    token = ht.unique("route")
    ht.check_equal(submit(["friend@remote.test"], token), {}, "refused")
    got = ht.wait_until(lambda: peer.find(token.encode()), 60, 0.2, "the peer to get it")
    ht.check_equal(got[0], DEMO, "envelope sender at the peer")
    ht.check_equal(got[1], ["friend@remote.test"], "envelope recipients at the peer")
    ht.check(b"Received: " in got[2], "no Received header added")


@ht.test
def foreign_domain_reaches_second_hermodd():
    token = ht.unique("hermod2")
    ht.check_equal(submit([BOB], token), {}, "refused")
    raw = other.wait_message(BOB, token.encode(), timeout=60)
    ht.check(b"Return-Path: <demo@example.test>" in raw, "Return-Path at the second hermodd")


@ht.test
def permanent_failure_returns_dsn_to_sender():
    token = ht.unique("dsn")
    ht.check_equal(submit(["reject@remote.test"], token), {}, "refused at submission")
    raw = srv.wait_message(DEMO, token.encode(), timeout=90)
    msg = email.message_from_bytes(raw)
    ht.check_equal(msg.get_content_type(), "multipart/report", "DSN content type")
    ht.check_equal(msg.get_param("report-type"), "delivery-status", "report-type")
    status = [p for p in msg.walk() if p.get_content_type() == "message/delivery-status"]
    ht.check(status, "no message/delivery-status part")
    text = raw.decode(errors="replace")
    ht.check("reject@remote.test" in text, "DSN does not name the recipient")
    ht.check("Action: failed" in text, "no 'Action: failed'")
    ht.check("Status: 5." in text, "no 5.x.x Status")
    ht.check(msg.get("From", "").lower().find("mailer-daemon") >= 0
             or msg.get("From", "").lower().find("postmaster") >= 0,
             "DSN From: %r" % msg.get("From"))


@ht.test
def mixed_recipients_deliver_and_bounce_separately():
    token = ht.unique("mixed")
    ht.check_equal(submit(["friend@remote.test", "reject@remote.test"], token), {}, "refused")
    ht.wait_until(lambda: peer.find(token.encode()), 60, 0.2, "the good recipient")
    raw = srv.wait_message(DEMO, token.encode(), timeout=90)
    ht.check(b"multipart/report" in raw, "no DSN for the bad recipient")


@ht.teardown
def stop_peer():
    controller.stop()


ht.main()
