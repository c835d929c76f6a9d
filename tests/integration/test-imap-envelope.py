#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap-envelope.py - ENVELOPE holds the header's own text (RFC 9051
# 7.5.2): a message with RFC 2047 encoded words in From, To (a group),
# Cc and Subject, and with In-Reply-To and Message-ID, is sent with
# smtplib and fetched with imaplib; every one of those strings must come
# back byte for byte as it was sent, never decoded and re-encoded.
import imaplib
import os
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("imapenv")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imaps"] = ht.free_port()
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}

FROM_NAME = "=?utf-8?q?J=C3=B6rg_Example?="
GROUP = "=?iso-8859-1?q?Gr=FCppe?="
CC_NAME = "Dr. =?UTF-8?B?w4lsaXNl?= Martin"
SUBJECT = "=?utf-8?q?caf=C3=A9?= =?utf-8?b?IGNyw6htZQ==?="
IN_REPLY_TO = "<orig.1@example.org>"
MESSAGE_ID = "<env.%s@example.org>" % os.urandom(4).hex()


@ht.test
def start():
    d.start()


@ht.test
def envelope_strings_are_raw():
    msg = ("From: %s <joerg@example.org>\r\nTo: %s: demo@example.test;\r\n"
           "Cc: %s <elise@example.org>\r\nSubject: %s\r\nIn-Reply-To: %s\r\n"
           "Message-ID: %s\r\nDate: Sun, 6 Dec 2026 18:19:23 +0000\r\n\r\nbody\r\n"
           % (FROM_NAME, GROUP, CC_NAME, SUBJECT, IN_REPLY_TO, MESSAGE_ID))
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("joerg@example.org", [USER], msg)
    d.wait_message(USER, MESSAGE_ID.encode())
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    try:
        c.login(USER, PASSWORD)
        c.select("INBOX", readonly=True)
        typ, data = c.search(None, "HEADER", "Message-ID", MESSAGE_ID)
        ht.check_equal(typ, "OK", "SEARCH")
        num = data[0].split()[-1]
        typ, data = c.fetch(num, "(ENVELOPE)")
        ht.check_equal(typ, "OK", "FETCH ENVELOPE")
        env = data[0] if isinstance(data[0], bytes) else b"".join(data[0])
        want = ('"Sun, 6 Dec 2026 18:19:23 +0000" "%s" (("%s" NIL "joerg" "example.org"))'
                % (SUBJECT, FROM_NAME)).encode()
        ht.check(want in env, "date/subject/from not raw:\n%r\nwant %r" % (env, want))
        ht.check(('(NIL NIL "%s" NIL)(NIL NIL "demo" "example.test")(NIL NIL NIL NIL)'
                  % GROUP).encode() in env, "group name not raw: %r" % env)
        ht.check(('(("%s" NIL "elise" "example.org"))' % CC_NAME).encode() in env,
                 "Cc name not raw: %r" % env)
        ht.check(('"%s" "%s")' % (IN_REPLY_TO, MESSAGE_ID)).encode() in env,
                 "In-Reply-To/Message-ID not raw: %r" % env)
    finally:
        c.logout()


if __name__ == "__main__":
    ht.main()
