# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-smtp-conformance.py - SMTP details that real clients and parsers
# depend on, each a regression test with a real client (smtplib, swaks):
# the Received header is well folded whatever the number of recipients
# and names the recipient only when there is one (as Postfix); a bare
# <Postmaster> in any case is accepted from anyone and delivered to the
# postmaster of the primary domain, even when [core] hostname is not a
# local domain.
import email
import email.policy
import os
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

DEMO = "demo@example.test"
BOB = "bob@example.test"
# The host name is not one of the local domains, as on most servers.
srv = ht.Daemon("smtpconf", domains=("example.test", "second.test"), hostname="mx.elsewhere.test",
                users={DEMO: "demo-secret-1", BOB: "bob-secret-1",
                       "carol@second.test": "carol-secret-1"})


@ht.test
def daemon_starts():
    srv.start()


def header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def received_lines(raw):
    """The lines of the first Received field (ours, after Return-Path), with
    its continuations."""
    lines = header_block(raw)
    first = [i for i, line in enumerate(lines) if line.startswith(b"Received: ")]
    ht.check(first, "no Received field: %r" % lines)
    out = [lines[first[0]]]
    for line in lines[first[0] + 1:]:
        if line[:1] not in (b" ", b"\t"):
            break
        out.append(line)
    return out


def check_well_formed(raw):
    for line in header_block(raw):
        ht.check(line[:1] not in (b";", b""), "header line at column 0 is no field: %r" % line)
        ht.check(line[:1] in (b" ", b"\t") or b":" in line, "not a field nor a fold: %r" % line)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    ht.check_equal(msg.defects, [], "parser defects")
    ht.check(msg["Subject"] is not None, "Subject lost after Received")


def send(rcpts, token):
    msg = "From: a@remote.test\r\nSubject: %s\r\n\r\nbody\r\n" % token
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        ht.check_equal(s.sendmail("a@remote.test", rcpts, msg), {}, "refused recipients")


@ht.test
def received_with_two_recipients_is_folded():
    token = ht.unique("two")
    send([DEMO, BOB], token)
    for account in (DEMO, BOB):
        raw = srv.wait_message(account, token.encode())
        check_well_formed(raw)
        text = b"\r\n".join(received_lines(raw))
        ht.check(b" for <" not in text, "several recipients but 'for' names one: %r" % text)
        ht.check(b"; " in received_lines(raw)[-1], "date not on the last line: %r" % text)


@ht.test
def received_with_one_recipient_names_it():
    token = ht.unique("one")
    send([BOB], token)
    raw = srv.wait_message(BOB, token.encode())
    check_well_formed(raw)
    lines = received_lines(raw)
    ht.check(lines[-1].lstrip().startswith(b"for <bob@example.test>; "),
             "last line should be 'for <bob@example.test>; DATE': %r" % lines)


@ht.test
def bare_postmaster_in_any_case_is_delivered():
    for spelling in ("Postmaster", "POSTMASTER", "postmaster"):
        token = ht.unique("pm")
        with ht.Raw(srv.port("mx")) as c:
            c.reply()
            ht.check_equal(c.cmd("EHLO client.remote.test")[0], 250, "EHLO")
            ht.check_equal(c.cmd("MAIL FROM:<a@remote.test>")[0], 250, "MAIL")
            code, lines = c.cmd("RCPT TO:<%s>" % spelling)
            ht.check_equal(code, 250, "RCPT TO:<%s> (%r)" % (spelling, lines))
            ht.check_equal(c.cmd("DATA")[0], 354, "DATA")
            code, lines = c.cmd("Subject: %s\r\n\r\nfor the postmaster\r\n." % token)
            ht.check_equal(code, 250, "end of DATA (%r)" % lines)
        # The primary domain is the first one created; its postmaster is
        # its first account when no postmaster alias exists.
        raw = srv.wait_message(DEMO, token.encode())
        check_well_formed(raw)


@ht.test
def swaks_to_bare_postmaster():
    token = ht.unique("swaks-pm")
    ht.run([ht.need_tool("swaks"), "--server", "127.0.0.1:%d" % srv.port("mx"),
            "--from", "a@remote.test", "--to", "Postmaster",
            "--header", "Subject: %s" % token], timeout=60)
    srv.wait_message(DEMO, token.encode())


if __name__ == "__main__":
    ht.main()
