# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-screening.py - dynamic screening across protocols and restarts:
# failed logins from one address are counted across IMAP and SMTP; the
# max_failures-th within failure_window blocks the address, so that even
# the right password is refused; and neither the count nor the block is
# forgotten when hermodd restarts (an admin's restart must not unblock an
# attacker).  Real clients: imaplib over implicit TLS, smtplib.
import imaplib
import os
import smtplib
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
srv = ht.Daemon("screen")
srv.sections["core"]["modules"] = "smtp;imap"
srv.sections["auth"] = {"max_failures": "3", "failure_window": "10m", "block_time": "1h"}
srv.ports["imaps"] = ht.free_port()
srv.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                  "port": str(srv.ports["imaps"]), "tls": "implicit"}


def imap_login(password):
    c = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    try:
        c.login(USER, password)
        return "OK"
    except imaplib.IMAP4.error as e:
        return str(e)
    finally:
        try:
            c.logout()
        except Exception:
            pass


def smtp_login(password):
    with smtplib.SMTP_SSL("127.0.0.1", srv.port("smtps"), context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT) as s:
        # One mechanism, one attempt (login() would go on to LOGIN after a
        # refused PLAIN and count twice).
        s.ehlo()
        s.user, s.password = USER, password
        try:
            s.auth("PLAIN", s.auth_plain)
            return "OK"
        except smtplib.SMTPResponseException as e:
            return "%d %s" % (e.smtp_code, e.smtp_error.decode(errors="replace"))


def record():
    db = sqlite3.connect(os.path.join(srv.data_dir, "hermod.db"))
    try:
        return (db.execute("SELECT count(*) FROM auth_failures").fetchone()[0],
                db.execute("SELECT ip FROM auth_blocks").fetchall())
    finally:
        db.close()


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def failures_survive_a_restart():
    ht.check_equal(imap_login(PASSWORD), "OK", "right password before any failure")
    ht.check(imap_login("wrong-1") != "OK", "wrong IMAP password accepted")
    ht.check(smtp_login("wrong-2").startswith("535"), "wrong SMTP password not 535")
    ht.check_equal(record(), (2, []), "failures on disk (count, blocks)")
    srv.stop()
    srv.start()
    ht.check_equal(imap_login(PASSWORD), "OK", "two failures must not block yet")
    ht.check(imap_login("wrong-3") != "OK", "wrong password accepted")
    ht.check(imap_login(PASSWORD) != "OK",
             "the third failure (two before the restart) did not block the address")
    ht.check("blocking 127.0.0.1" in srv.stderr_text(), "no 'blocking' log line")
    ht.check_equal(record()[1], [("127.0.0.1",)], "block on disk")


@ht.test
def a_block_survives_a_restart():
    srv.stop()
    srv.start()
    ht.check(imap_login(PASSWORD) != "OK", "the restart lifted the IMAP block")
    ht.check(smtp_login(PASSWORD) != "OK", "the block does not cover SMTP")


if __name__ == "__main__":
    ht.main()
