#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-roundtrip.py - byte-exact round trips SMTP -> store -> IMAP and
# SMTP -> store -> POP3 against the real hermodd.
#
# Messages go in with Python's smtplib (and swaks for one) and come back
# with imaplib (BODY[], BINARY[], partial fetches) and poplib (RETR): 8-bit
# UTF-8 text under BODY=8BITMIME, SMTPUTF8 addresses (a UTF-8 local part
# for the sender and for an account created with hermodctl) with raw UTF-8
# headers, a 10 MB base64 attachment, and line edge cases (leading dots,
# lines of 997/998 octets, empty lines, a message without a final CRLF,
# BDAT content with bare CR/LF kept as sent).  What comes back must be what
# was sent with exactly one Return-Path and one Received header prepended;
# RFC822.SIZE, BINARY.SIZE, POP3 LIST and STAT sizes must be the real byte
# counts.  HERMOD_TEST_BIG_MB (default 10) sets the attachment size.
# Speaks TAP through hermodtest.

import base64
import imaplib
import os
import poplib
import re
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

DEMO = "demo@example.test"
DEMO_PW = "demo-secret-1"
UTF8_USER = "jörg.ü@example.test"
UTF8_PW = "pässwörd-1"
SENDER = "sénder@example.net"
BIG_MB = int(os.environ.get("HERMOD_TEST_BIG_MB", "10"))

d = ht.Daemon("roundtrip", users={DEMO: DEMO_PW, UTF8_USER: UTF8_PW})
d.sections["core"]["modules"] = "smtp;imap;pop3"
for name, proto in (("imaps", "imap"), ("pop3s", "pop3")):
    d.ports[name] = ht.free_port()
    d.sections["listener " + name] = {"protocol": proto, "role": name, "address": "127.0.0.1",
                                      "port": str(d.ports[name]), "tls": "implicit"}
d.sections["smtp"] = {"max_message_size": "40M"}

sent = {}  # name -> (account, envelope sender, bytes as the message should be stored)

TRACE = re.compile(rb"\AReturn-Path: <(?P<rp>[^>\r\n]*)>\r\n"
                   rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*")


def imap(account=DEMO, password=DEMO_PW):
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=60)
    if account.isascii():
        c.login(account, password)
    else:
        blob = b"\0" + account.encode() + b"\0" + password.encode()
        typ, data = c.authenticate("PLAIN", lambda _: blob)
        ht.check(typ == "OK", "AUTHENTICATE PLAIN for %s: %r" % (account, data))
    return c


def pop(account=DEMO, password=DEMO_PW):
    p = poplib.POP3_SSL("127.0.0.1", d.port("pop3s"), context=ht.client_tls_context(),
                        timeout=60)
    p.user(account)
    p.pass_(password)
    return p


def smtp_send(name, account, raw, sender="bounce@example.net", options=()):
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=60) as s:
        s.ehlo("client.example.net")
        refused = s.sendmail(sender, [account], raw, mail_options=list(options))
        ht.check_equal(refused, {}, "refused recipients")
    sent[name] = (account, sender, raw)


def check_trace(got, want, sender, what):
    """got must be want with exactly Return-Path + one Received prepended."""
    ht.check(got.endswith(want), "%s: the sent bytes are not the tail of what came back "
             "(got %d bytes, sent %d; first difference at %s)"
             % (what, len(got), len(want), first_diff(got[-len(want):], want)))
    prefix = got[:len(got) - len(want)]
    m = TRACE.match(prefix)
    ht.check(m is not None and m.end() == len(prefix),
             "%s: prepended text is not exactly Return-Path + Received: %r" % (what, prefix))
    ht.check_equal(m.group("rp").decode(), sender, what + " Return-Path")
    ht.check(b"by " + ht.HOSTNAME.encode() in prefix, prefix)


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "offset %d: %r vs %r" % (i, a[max(0, i - 20):i + 20], b[max(0, i - 20):i + 20])
    return "length %d vs %d" % (len(a), len(b))


def find_uid(c, name):
    typ, data = c.uid("SEARCH", "HEADER", "X-Roundtrip", name)
    ht.check(typ == "OK" and data[0], "no message %s: %r" % (name, data))
    return data[0].split()[-1].decode()


def fetch_literal(c, uid, item):
    """The literal of one FETCH item, and the rest of the response."""
    typ, data = c.uid("FETCH", uid, "(%s)" % item)
    ht.check(typ == "OK", "UID FETCH %s %s: %r" % (uid, item, data))
    for part in data:
        if isinstance(part, tuple):
            return part[1], part[0]
    raise AssertionError("no literal in %r" % data[:3])


def header(name, extra=b""):
    return (b"From: Sender <bounce@example.net>\r\nTo: <demo@example.test>\r\n"
            b"Subject: round trip " + name.encode() + b"\r\n"
            b"Message-ID: <" + name.encode() + b"@example.net>\r\n"
            b"X-Roundtrip: " + name.encode() + b"\r\n" + extra)


@ht.setup
def start():
    d.start()
    rows = d.ctl("user", "list").stdout.decode()
    ht.check(UTF8_USER in rows, "hermodctl user list: %r" % rows)


@ht.test
def send_8bit_utf8_body():
    body = ("Grüße aus Köln — ✓ 日本語 テキスト\r\nÆØÅ æøå ß € ½\r\n" * 40).encode()
    raw = header("eightbit", b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Transfer-Encoding: 8bit\r\n") + b"\r\n" + body
    smtp_send("eightbit", DEMO, raw, options=["BODY=8BITMIME"])


@ht.test
def send_8bit_with_swaks():
    swaks = ht.need_tool("swaks")
    body = "Swaks sagt: Grüße, ✓\r\n.a leading dot\r\n..two\r\n".encode()
    raw = header("swaks", b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Transfer-Encoding: 8bit\r\n") + b"\r\n" + body
    path = os.path.join(d.dir, "swaks.eml")
    with open(path, "wb") as f:
        f.write(raw[:-2])  # swaks ends the data with CRLF "." CRLF itself
    ht.run([swaks, "--server", "127.0.0.1", "--port", str(d.port("mx")), "--from",
            "bounce@example.net", "--to", DEMO, "--helo", "client.example.net",
            "--data", "@" + path], timeout=60)
    sent["swaks"] = (DEMO, "bounce@example.net", raw)


@ht.test
def send_smtputf8_addresses_and_headers():
    raw = ("From: Sénder <%s>\r\nTo: Jörg <%s>\r\nSubject: Grüße ✓ — SMTPUTF8\r\n"
           "Message-ID: <utf8-ü@example.net>\r\nX-Roundtrip: smtputf8\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nHallo Jörg, 日本語.\r\n"
           % (SENDER, UTF8_USER)).encode()
    smtp_send("smtputf8", UTF8_USER, raw, sender=SENDER, options=["SMTPUTF8", "BODY=8BITMIME"])


ATTACHMENT = os.urandom(BIG_MB << 20)


@ht.test
def send_big_attachment():
    b64 = base64.encodebytes(ATTACHMENT).replace(b"\n", b"\r\n")
    raw = (header("big", b"MIME-Version: 1.0\r\n"
                  b"Content-Type: multipart/mixed; boundary=\"=-b-=\"\r\n") +
           b"\r\nThis is a multi-part message in MIME format.\r\n"
           b"--=-b-=\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n"
           b"--=-b-=\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n"
           b"Content-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n" +
           b64 + b"--=-b-=--\r\n")
    smtp_send("big", DEMO, raw)


def edge_body():
    lines = [b".", b"..", b"...leading dots", b". space after dot", b"", b"",
             b"x" * 997, b"y" * 998, b"." + b"z" * 997, b"\t tab and trailing space ",
             b"a\x7fdel", b"CR LF only", b"", b"-- ", b"."]
    return b"\r\n".join(lines) + b"\r\n"


@ht.test
def send_line_edge_cases():
    smtp_send("edges", DEMO, header("edges") + b"\r\n" + edge_body())
    # smtplib adds the final CRLF a message lacks: store and expect that.
    raw = header("nocrlf") + b"\r\nno final line end"
    smtp_send("nocrlf", DEMO, raw)
    sent["nocrlf"] = (DEMO, "bounce@example.net", raw + b"\r\n")
    # Only headers, no body at all.
    smtp_send("headeronly", DEMO, header("headeronly"))
    sent["headeronly"] = (DEMO, "bounce@example.net", header("headeronly"))


@ht.test
def send_bdat_kept_as_sent():
    """BDAT content is not line-checked: bare CR and LF are stored as sent."""
    raw = header("bdat") + b"\r\nbare LF\nbare CR\rCRCRLF\r\r\n.\r\nend without CRLF"
    with ht.Raw(d.port("mx"), timeout=60) as r:
        ht.check_equal(r.reply()[0], 220, "greeting")
        ht.check_equal(r.cmd("EHLO client.example.net")[0], 250, "EHLO")
        ht.check_equal(r.cmd("MAIL FROM:<bounce@example.net> BODY=8BITMIME")[0], 250, "MAIL")
        ht.check_equal(r.cmd("RCPT TO:<%s>" % DEMO)[0], 250, "RCPT")
        half = len(raw) // 2
        r.send(b"BDAT %d\r\n" % half + raw[:half])
        ht.check_equal(r.reply()[0], 250, "BDAT 1")
        r.send(b"BDAT %d LAST\r\n" % (len(raw) - half) + raw[half:])
        ht.check_equal(r.reply()[0], 250, "BDAT LAST")
        r.cmd("QUIT")
    sent["bdat"] = (DEMO, "bounce@example.net", raw)


@ht.test
def smtp_refuses_what_it_cannot_keep():
    """DATA with a bare LF or a 999-octet line is refused, never rewritten."""
    for body in (b"bare\nLF\r\n", b"w" * 999 + b"\r\n"):
        with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=60) as s:
            try:
                s.sendmail("bounce@example.net", [DEMO], header("refused") + b"\r\n" + body)
                raise AssertionError("accepted %r" % body[:20])
            except smtplib.SMTPDataError as e:
                ht.check_equal(e.smtp_code, 550, "refusal code")


def stored_names(account):
    return [n for n, v in sent.items() if v[0] == account]


@ht.test
def imap_body_is_byte_exact():
    for account, pw in ((DEMO, DEMO_PW), (UTF8_USER, UTF8_PW)):
        c = imap(account, pw)
        c.select("INBOX", readonly=True)
        for name in stored_names(account):
            _, sender, want = sent[name]
            uid = find_uid(c, name)
            got, _ = fetch_literal(c, uid, "BODY.PEEK[]")
            check_trace(got, want, sender, "IMAP BODY[] " + name)
            typ, data = c.uid("FETCH", uid, "(RFC822.SIZE)")
            m = re.search(rb"RFC822\.SIZE (\d+)", data[0])
            ht.check_equal(int(m.group(1)), len(got), "RFC822.SIZE of " + name)
            text, _ = fetch_literal(c, uid, "BODY.PEEK[TEXT]")
            ht.check(want.endswith(text), "BODY[TEXT] of %s is not the sent body" % name)
            hdr, _ = fetch_literal(c, uid, "BODY.PEEK[HEADER]")
            ht.check_equal(len(hdr) + len(text), len(got), "HEADER + TEXT of " + name)
        c.logout()


@ht.test
def imap_big_binary_and_partials():
    c = imap()
    c.select("INBOX", readonly=True)
    uid = find_uid(c, "big")
    _, _, want = sent["big"]
    got, _ = fetch_literal(c, uid, "BODY.PEEK[]")
    offset = len(got) - len(want)
    for start, length in ((0, 100), (offset + 5000, 4096), (len(got) - 10, 100),
                          (len(got) + 5, 10), (1 << 20, 3 << 20)):
        part, head = fetch_literal(c, uid, "BODY.PEEK[]<%d.%d>" % (start, length))
        ht.check_equal(part, got[start:start + length], "BODY[]<%d.%d>" % (start, length))
        ht.check(b"BODY[]<%d>" % start in head, head)
    blob, head = fetch_literal(c, uid, "BINARY.PEEK[2]")
    ht.check(blob == ATTACHMENT, "BINARY[2] differs from the attachment (%d vs %d bytes)"
             % (len(blob), len(ATTACHMENT)))
    part, _ = fetch_literal(c, uid, "BINARY.PEEK[2]<1000000.65536>")
    ht.check(part == ATTACHMENT[1000000:1065536], "BINARY[2]<1000000.65536>")
    typ, data = c.uid("FETCH", uid, "(BINARY.SIZE[2] RFC822.SIZE)")
    ht.check(b"BINARY.SIZE[2] %d" % len(ATTACHMENT) in data[0], data)
    ht.check(b"RFC822.SIZE %d" % len(got) in data[0], data)
    text, _ = fetch_literal(c, uid, "BINARY.PEEK[1]")
    ht.check_equal(text, b"See attached.", "BINARY[1]")
    c.logout()


def pop_messages(p):
    """{X-Roundtrip name: (msgno, LIST size, RETR bytes)}"""
    out = {}
    _, listing, _ = p.list()
    for entry in listing:
        num, size = entry.split()
        _, lines, octets = p.retr(int(num))
        raw = b"".join(line + b"\r\n" for line in lines)
        m = re.search(rb"^X-Roundtrip: (\S+)\r$", raw, re.M)
        if m:
            out[m.group(1).decode()] = (int(num), int(size), raw)
    return out


@ht.test
def pop3_retr_is_byte_exact():
    for account, pw in ((DEMO, DEMO_PW), (UTF8_USER, UTF8_PW)):
        p = pop(account, pw)
        count, total = p.stat()
        got = pop_messages(p)
        sizes = 0
        for name in stored_names(account):
            _, sender, want = sent[name]
            ht.check(name in got, "POP3 has no %s: %s" % (name, sorted(got)))
            num, size, raw = got[name]
            if name == "bdat":
                continue  # bare line ends: checked below
            check_trace(raw, want, sender, "POP3 RETR " + name)
            ht.check_equal(size, len(raw), "POP3 LIST size of " + name)
            sizes += size
        ht.check_equal(count, len(got), "STAT count")
        p.quit()


@ht.test
def pop3_bare_line_ends_and_sizes():
    """RETR of BDAT content with bare CR/LF and no final line end: POP3
    lines end in CRLF, so a bare LF goes out as CRLF and the missing line
    end is added; nothing else changes, and LIST and the RETR reply count
    exactly the octets sent (RFC 1939 11)."""
    _, sender, want = sent["bdat"]
    c = imap()
    c.select("INBOX", readonly=True)
    stored, _ = fetch_literal(c, find_uid(c, "bdat"), "BODY.PEEK[]")
    c.logout()
    check_trace(stored, want, sender, "IMAP BODY[] bdat")
    p = pop()
    num, size, _ = pop_messages(p)["bdat"]
    p._putcmd("RETR %d" % num)
    resp = p._getresp()
    ht.check_equal(resp, b"+OK %d octets" % size, "RETR reply")
    wire = b""
    while not wire.endswith(b"\r\n.\r\n"):
        chunk = p.file.read1(65536)
        ht.check(chunk, "connection closed during RETR")
        wire += chunk
    body = re.sub(rb"(^|\n)\.", rb"\1", wire[:-3])
    ht.check_equal(body, re.sub(rb"(?<!\r)\n", b"\r\n", stored) + b"\r\n", "RETR bytes of bdat")
    ht.check_equal(size, len(body), "POP3 LIST size of bdat")
    p.quit()


@ht.test
def imap_append_round_trip():
    """APPEND stores the literal exactly (no trace headers) and gives it back."""
    raw = header("append") + b"\r\n" + edge_body() + ("Grüße\r\n".encode())
    c = imap()
    typ, data = c.append("INBOX", None, None, raw)
    ht.check(typ == "OK", data)
    c.select("INBOX", readonly=True)
    uid = find_uid(c, "append")
    got, _ = fetch_literal(c, uid, "BODY.PEEK[]")
    ht.check(got == raw, "APPEND round trip: " + first_diff(got, raw))
    c.logout()


if __name__ == "__main__":
    ht.main()
