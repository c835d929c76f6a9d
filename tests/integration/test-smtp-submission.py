# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-smtp-submission.py - authenticated submission with real clients:
# AUTH only after STARTTLS on the submission port (swaks PLAIN and LOGIN,
# smtplib), implicit TLS on the SMTPS port (smtplib.SMTP_SSL, curl), wrong
# passwords, unauthenticated submission and a sender the account does not
# own refused.
import base64
import os
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

DEMO = "demo@example.test"
PASSWORD = "S3cret pass-" + os.urandom(4).hex()
OTHER = "other@example.test"
srv = ht.Daemon("submission", users={DEMO: PASSWORD, OTHER: "other-pass-1"})


@ht.setup
def daemon_starts():
    srv.start()


def message(token, sender=DEMO, to=OTHER):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\n"
            "submitted body\r\n" % (sender, to, token, token))


@ht.test
def auth_not_offered_before_starttls():
    with ht.Raw(srv.port("submission")) as c:
        ht.check_equal(c.reply()[0], 220, "greeting")
        code, lines = c.cmd("EHLO client.example.test")
        ht.check_equal(code, 250, "EHLO")
        caps = [l.upper() for l in lines]
        ht.check("STARTTLS" in caps, "STARTTLS not offered: %r" % caps)
        ht.check(not any(l.startswith("AUTH") for l in caps), "AUTH offered in clear: %r" % caps)
        code, lines = c.cmd("AUTH PLAIN AGRlbW9AZXhhbXBsZS50ZXN0AHg=")
        ht.check(code in (530, 538, 503, 504), "AUTH in clear got %d %r" % (code, lines))
        c.starttls()
        code, lines = c.cmd("EHLO client.example.test")
        caps = [l.upper() for l in lines]
        ht.check(any(l.startswith("AUTH") and "PLAIN" in l and "LOGIN" in l for l in caps),
                 "AUTH PLAIN LOGIN not offered after STARTTLS: %r" % caps)
        ht.check("STARTTLS" not in caps, "STARTTLS offered twice")


@ht.test
def submission_without_auth_is_refused():
    with ht.Raw(srv.port("submission")) as c:
        c.reply()
        c.cmd("EHLO client.example.test")
        c.starttls()
        c.cmd("EHLO client.example.test")
        code, lines = c.cmd("MAIL FROM:<%s>" % DEMO)
        ht.check_equal(code, 530, "MAIL without AUTH (%r)" % lines)
        ht.check(lines[0].startswith("5.7.0"), "enhanced code %r" % lines)


def swaks_auth(mech, token):
    path = os.path.join(srv.dir, "swaks-%s.eml" % mech)
    with open(path, "w") as f:
        f.write(message(token).replace("\r\n", "\n"))
    return ht.run([ht.need_tool("swaks"), "--server", "127.0.0.1:%d" % srv.port("submission"),
                   "--tls", "--auth", mech, "--auth-user", DEMO, "--auth-password", PASSWORD,
                   "--from", DEMO, "--to", OTHER, "--data", "@" + path], timeout=60)


@ht.test
def swaks_starttls_auth_plain():
    token = ht.unique("plain")
    swaks_auth("PLAIN", token)
    raw = srv.wait_message(OTHER, token.encode())
    ht.check(b"Return-Path: <demo@example.test>" in raw, "Return-Path")


@ht.test
def swaks_starttls_auth_login():
    token = ht.unique("login")
    swaks_auth("LOGIN", token)
    srv.wait_message(OTHER, token.encode())


@ht.test
def smtplib_starttls_login():
    token = ht.unique("smtplib")
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=ht.TIMEOUT) as s:
        s.starttls(context=ht.client_tls_context())
        s.login("Demo@Example.test", PASSWORD)  # logins are case-insensitive
        ht.check_equal(s.sendmail(DEMO, [OTHER], message(token)), {}, "refused")
    srv.wait_message(OTHER, token.encode())


@ht.test
def wrong_password_is_535():
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=ht.TIMEOUT) as s:
        s.starttls(context=ht.client_tls_context())
        try:
            s.login(DEMO, PASSWORD + "x")
        except smtplib.SMTPAuthenticationError as e:
            ht.check_equal(e.smtp_code, 535, "code")
        else:
            raise AssertionError("a wrong password was accepted")


@ht.test
def sender_not_owned_is_553_5_7_1():
    with ht.Raw(srv.port("submission")) as c:
        c.reply()
        c.cmd("EHLO client.example.test")
        c.starttls()
        c.cmd("EHLO client.example.test")
        cred = base64.b64encode(("\0%s\0%s" % (DEMO, PASSWORD)).encode()).decode()
        ht.check_equal(c.cmd("AUTH PLAIN " + cred)[0], 235, "AUTH PLAIN")
        code, lines = c.cmd("MAIL FROM:<%s>" % OTHER)
        ht.check_equal(code, 553, "MAIL FROM someone else's address (%r)" % lines)
        ht.check(lines[0].startswith("5.7.1"), "enhanced code %r" % lines)
        code, lines = c.cmd("MAIL FROM:<boss@remote.test>")
        ht.check_equal(code, 553, "MAIL FROM a foreign address (%r)" % lines)
        ht.check_equal(c.cmd("MAIL FROM:<%s>" % DEMO)[0], 250, "own address")


@ht.test
def header_from_not_owned_is_553_5_7_1():
    token = ht.unique("forged")
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=ht.TIMEOUT) as s:
        s.starttls(context=ht.client_tls_context())
        s.login(DEMO, PASSWORD)
        try:
            s.sendmail(DEMO, [OTHER], message(token, sender="boss@example.test"))
        except smtplib.SMTPDataError as e:
            ht.check_equal(e.smtp_code, 553, "code")
            ht.check(e.smtp_error.startswith(b"5.7.1"), "enhanced code %r" % e.smtp_error)
        else:
            raise AssertionError("a From: header the account does not own was accepted")
    for uid, line in srv.mail_list(OTHER):
        ht.check(token not in line, "the forged message was delivered")


@ht.test
def smtps_smtplib_ssl():
    token = ht.unique("smtps")
    with smtplib.SMTP_SSL("127.0.0.1", srv.port("smtps"), timeout=ht.TIMEOUT,
                          context=ht.client_tls_context()) as s:
        ehlo = s.ehlo()[1].decode().upper()
        ht.check("AUTH" in ehlo, "AUTH not offered on SMTPS: %r" % ehlo)
        ht.check("STARTTLS" not in ehlo, "STARTTLS offered inside TLS")
        s.login(DEMO, PASSWORD)
        ht.check_equal(s.sendmail(DEMO, [OTHER], message(token)), {}, "refused")
    srv.wait_message(OTHER, token.encode())


@ht.test
def smtps_curl():
    token = ht.unique("curl")
    path = os.path.join(srv.dir, "curl.eml")
    with open(path, "w") as f:
        f.write(message(token))
    ht.run([ht.need_tool("curl"), "-sS", "--insecure", "--max-time", "30",
            "smtps://127.0.0.1:%d" % srv.port("smtps"), "--mail-from", DEMO,
            "--mail-rcpt", OTHER, "--user", "%s:%s" % (DEMO, PASSWORD),
            "--upload-file", path], timeout=60)
    srv.wait_message(OTHER, token.encode())


ht.main()
