#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap-concurrency.py - several sessions on one mailbox of the real
# hermodd: IDLE woken by another session's APPEND, STORE and EXPUNGE and by
# SMTP delivery (each latency printed); a second session sees the first
# one's EXISTS, EXPUNGE and FETCH FLAGS only where RFC 9051 7 allows
# (never an EXPUNGE during FETCH, STORE or SEARCH by sequence number), and
# its sequence numbers keep to the old numbering until it got the EXPUNGE
# responses (every "* n FETCH (UID u" checked against a model of the
# session's view); a POP3 session keeps its snapshot while IMAP expunges,
# and IMAP sees what POP3 deleted at QUIT; IMAP4rev1 against IMAP4rev2
# after ENABLE (RECENT, LIST in SELECT, ESEARCH, LSUB).  A raw client over
# implicit TLS, since imaplib hides untagged responses.  Speaks TAP through
# hermodtest.

import os
import poplib
import re
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
WAKE_MAX = float(os.environ.get("HERMOD_TEST_IDLE_MAX", "5.0"))  # seconds

d = ht.Daemon("concurrency", users={USER: PASSWORD})
d.sections["core"]["modules"] = "smtp;imap;pop3"
for name, proto in (("imaps", "imap"), ("pop3s", "pop3")):
    d.ports[name] = ht.free_port()
    d.sections["listener " + name] = {"protocol": proto, "role": name, "address": "127.0.0.1",
                                      "port": str(d.ports[name]), "tls": "implicit"}

FETCH_UID = re.compile(rb"^\* (\d+) FETCH \(.*\bUID (\d+)")


def message(tag):
    return ("From: a@example.net\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.net>\r\n"
            "\r\nbody of %s\r\n" % (USER, tag, tag, tag)).encode()


class Session:
    """A raw IMAP client that keeps the session's view: seq -> UID."""

    def __init__(self, name):
        self.name = name
        raw = socket.create_connection(("127.0.0.1", d.port("imaps")), timeout=30)
        self.sock = ht.client_tls_context().wrap_socket(raw)
        self.buf = b""
        self.n = 0
        self.uids = None  # the session's view, once selected
        self.untagged = []  # every untagged response, in order
        ht.check(self.line().startswith(b"* OK"), "greeting")
        self.ok("LOGIN %s %s" % (USER, PASSWORD))

    def line(self):
        """One response line; a literal is read and kept inline."""
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            ht.check(chunk, "%s: connection closed; buffered %r" % (self.name, self.buf[-200:]))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        m = re.search(rb"\{(\d+)\}$", line)
        if m:
            n = int(m.group(1))
            while len(self.buf) < n:
                chunk = self.sock.recv(65536)
                ht.check(chunk, "%s: closed in a literal" % self.name)
                self.buf += chunk
            line += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]
            line += self.line()
        return line

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def seen(self, line, forbid_expunge=False):
        """Apply one untagged response to the view, checking FETCH UIDs."""
        self.untagged.append(line)
        if self.uids is None:
            return
        m = re.match(rb"^\* (\d+) (EXPUNGE|EXISTS)\b", line)
        if m and m.group(2) == b"EXPUNGE":
            ht.check(not forbid_expunge, "%s: EXPUNGE where RFC 9051 forbids it: %r"
                     % (self.name, line))
            n = int(m.group(1))
            ht.check(1 <= n <= len(self.uids), "%s: %r with %d messages"
                     % (self.name, line, len(self.uids)))
            del self.uids[n - 1]
        elif m:
            n = int(m.group(1))
            ht.check(n >= len(self.uids), "%s: EXISTS went down: %r" % (self.name, line))
            self.uids += [None] * (n - len(self.uids))
        m = FETCH_UID.match(line)
        if m:
            seq, uid = int(m.group(1)), int(m.group(2))
            ht.check(seq <= len(self.uids), "%s: %r past %d messages"
                     % (self.name, line, len(self.uids)))
            if self.uids[seq - 1] is None:
                self.uids[seq - 1] = uid
            ht.check_equal(uid, self.uids[seq - 1], "%s: UID of message %d in %r"
                           % (self.name, seq, line))

    def cmd(self, text, forbid_expunge=False):
        """Run a command; returns (tagged line, its untagged lines)."""
        self.n += 1
        tag = "%s%d" % (self.name, self.n)
        self.send("%s %s" % (tag, text))
        got = []
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b" "):
                return line, got
            if line.startswith(b"*"):
                self.seen(line, forbid_expunge)
                got.append(line)

    def ok(self, text, forbid_expunge=False):
        tagged, got = self.cmd(text, forbid_expunge)
        ht.check(b" OK" in tagged[:20], "%s: %s -> %r %r" % (self.name, text, tagged, got[-3:]))
        return got

    def select(self, mailbox):
        self.uids = None
        got = self.ok("SELECT " + mailbox)
        exists = [int(m.group(1)) for m in (re.match(rb"^\* (\d+) EXISTS", x) for x in got) if m]
        self.uids = [None] * exists[0]
        if self.uids:
            self.ok("FETCH 1:* (UID)")
        return got

    def idle(self):
        self.n += 1
        self.idle_tag = "%s%d" % (self.name, self.n)
        self.send(self.idle_tag + " IDLE")
        ht.check(self.line().startswith(b"+"), "IDLE continuation")

    def wait(self, pattern, timeout=10):
        """Read untagged responses until one matches pattern; returns
        (line, seconds waited)."""
        t0 = time.monotonic()
        self.sock.settimeout(timeout)
        try:
            while True:
                line = self.line()
                self.seen(line)
                if re.match(pattern, line):
                    return line, time.monotonic() - t0
        except socket.timeout:
            raise AssertionError("%s: no %r within %ss; saw %r" % (self.name, pattern, timeout,
                                                                   self.untagged[-5:]))
        finally:
            self.sock.settimeout(30)

    def done(self):
        self.send("DONE")
        while True:
            line = self.line()
            if line.startswith(self.idle_tag.encode() + b" "):
                ht.check(b" OK" in line, line)
                return
            self.seen(line)

    def quiet(self, wait=0.3):
        """No unsolicited output within wait seconds."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
            self.buf += chunk
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(30)
        ht.check(self.buf == b"", "%s: unsolicited %r" % (self.name, self.buf[:200]))

    def logout(self):
        self.cmd("LOGOUT")
        self.sock.close()

    def check_view(self):
        """The view agrees with a fresh UID FETCH of every message."""
        got = self.ok("FETCH 1:* (UID)") if self.uids else []
        ht.check(None not in self.uids, "%s: unknown UIDs in %r" % (self.name, self.uids))
        # (another session's flag change may add a FETCH of a message)
        fresh = {int(m.group(1)): int(m.group(2)) for m in map(FETCH_UID.match, got) if m}
        ht.check_equal([fresh.get(i + 1) for i in range(len(fresh))], self.uids,
                       "%s: view" % self.name)


def fill(mailbox, n):
    s = Session("f")
    s.cmd("CREATE " + mailbox)
    for i in range(n):
        raw = message("%s-%d" % (mailbox, i))
        s.send("f0 APPEND %s {%d+}\r\n" % (mailbox, len(raw)) + raw.decode())
        while not s.line().startswith(b"f0 OK"):
            pass
    s.logout()


def report(what, seconds):
    print("# %s: %.1f ms" % (what, seconds * 1000), flush=True)
    ht.check(seconds < WAKE_MAX, "%s took %.3f s" % (what, seconds))


@ht.setup
def start():
    d.start()


@ht.test
def idle_woken_by_other_sessions():
    fill("Idle", 3)
    a, b = Session("a"), Session("b")
    a.select("Idle")
    b.select("Idle")
    b.idle()
    raw = message("idle-append")
    t0 = time.monotonic()
    a.send("a0 APPEND Idle {%d+}\r\n" % len(raw) + raw.decode())
    _, waited = b.wait(rb"^\* 4 EXISTS")
    report("IDLE woken by APPEND", time.monotonic() - t0)
    while not a.line().startswith(b"a0 OK"):
        pass
    t0 = time.monotonic()
    a.send("a1 STORE 2 +FLAGS (\\Flagged)")
    line, _ = b.wait(rb"^\* 2 FETCH ")
    report("IDLE woken by STORE", time.monotonic() - t0)
    ht.check(b"\\Flagged" in line and b"FLAGS (" in line, line)
    while not a.line().startswith(b"a1 OK"):
        pass
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    t0 = time.monotonic()
    a.ok("EXPUNGE")
    b.wait(rb"^\* 1 EXPUNGE")
    report("IDLE woken by EXPUNGE", time.monotonic() - t0)
    b.done()
    # the delivery went to INBOX: a session idling there sees it
    b.select("INBOX")
    before = len(b.uids)
    b.idle()
    t0 = time.monotonic()
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=30) as s:
        s.sendmail("x@example.net", [USER], message("idle-smtp2"))
    b.wait(rb"^\* %d EXISTS" % (before + 1))
    report("IDLE woken by SMTP delivery (from the start of the SMTP session)",
           time.monotonic() - t0)
    b.done()
    a.logout()
    b.logout()


@ht.test
def other_session_expunges_under_fetch():
    """A expunges 1..5 while B has them; B's commands by sequence number
    keep B's numbering until B got the EXPUNGE responses."""
    fill("Seq", 10)
    a, b = Session("a"), Session("b")
    a.select("Seq")
    b.select("Seq")
    original = list(b.uids)
    a.ok("STORE 1:5 +FLAGS.SILENT (\\Deleted)")
    got = a.ok("EXPUNGE")
    ht.check_equal(len([x for x in got if x.endswith(b" EXPUNGE")]), 5, "A's EXPUNGE responses")
    a.ok("STORE 1 +FLAGS (\\Answered)")  # A's numbering: the original 6th
    # B has not been told: FETCH, STORE and SEARCH must not send EXPUNGE
    # and must use B's numbering (the view check in seen()).
    tagged, got = b.cmd("FETCH 6:10 (UID FLAGS)", forbid_expunge=True)
    ht.check(b" OK" in tagged or b" NO" in tagged, tagged)
    # (A's flag change may come as one more FETCH of the same message)
    uids = sorted({int(FETCH_UID.match(x).group(2)) for x in got if FETCH_UID.match(x)})
    ht.check_equal(uids, original[5:10], "B's FETCH 6:10 UIDs")
    tagged, got = b.cmd("FETCH 1:10 (UID)", forbid_expunge=True)
    ht.check(all(int(FETCH_UID.match(x).group(1)) > 0 for x in got if FETCH_UID.match(x)), got)
    b.cmd("STORE 7 +FLAGS (\\Seen)", forbid_expunge=True)
    tagged, got = b.cmd("SEARCH ALL", forbid_expunge=True)
    ht.check(b" OK" in tagged, tagged)
    # UID commands may carry the EXPUNGEs; the view check covers them.
    b.ok("UID FETCH 1:* (FLAGS)")
    b.ok("NOOP")
    ht.check_equal(b.uids, original[5:], "B's view after the EXPUNGE responses")
    b.check_view()
    got = b.ok("FETCH 1 (UID FLAGS)")
    ht.check(b"\\Answered" in got[0], "A's flag change on the first remaining message: %r" % got)
    a.check_view()
    a.logout()
    b.logout()


@ht.test
def flags_and_exists_reach_the_other_session_at_noop():
    fill("Noop", 2)
    a, b = Session("a"), Session("b")
    a.select("Noop")
    b.select("Noop")
    a.ok("STORE 1 +FLAGS (\\Flagged)")
    raw = message("noop-append")
    a.send("a0 APPEND Noop {%d+}\r\n" % len(raw) + raw.decode())
    while not a.line().startswith(b"a0 OK"):
        pass
    time.sleep(0.2)
    b.quiet()  # nothing while B is not in a command (B did not IDLE)
    got = b.ok("NOOP")
    ht.check(any(re.match(rb"^\* 3 EXISTS", x) for x in got), got)
    ht.check(any(re.match(rb"^\* 1 FETCH \(.*FLAGS \(.*\\Flagged", x) for x in got), got)
    b.check_view()
    a.logout()
    b.logout()


def pop3():
    p = poplib.POP3_SSL("127.0.0.1", d.port("pop3s"), context=ht.client_tls_context(),
                        timeout=30)
    p.user(USER)
    p.pass_(PASSWORD)
    return p


@ht.test
def pop3_snapshot_while_imap_expunges():
    s = Session("s")
    s.select("INBOX")
    for i in range(4 - len(s.uids)):
        s.send("s0 APPEND INBOX {%d+}\r\n" % len(message("p%d" % i)) + message("p%d" % i).decode())
        while not s.line().startswith(b"s0 OK"):
            pass
    s.select("INBOX")
    n = len(s.uids)
    p = pop3()
    count, _ = p.stat()
    ht.check_equal(count, n, "POP3 STAT")
    listing = p.list()[1]
    s.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    s.ok("EXPUNGE")
    ht.check_equal(p.stat()[0], n, "POP3 STAT after an IMAP EXPUNGE")
    ht.check_equal(p.list()[1], listing, "POP3 LIST after an IMAP EXPUNGE")
    try:
        p.retr(1)
        raise AssertionError("RETR of a message IMAP expunged succeeded")
    except poplib.error_proto as e:
        ht.check(str(e).startswith("b'-ERR"), e)
    p.retr(2)
    p.dele(2)
    p.dele(3)
    s.idle()
    p.quit()
    s.wait(rb"^\* \d+ EXPUNGE")
    s.done()
    s.ok("NOOP")
    ht.check_equal(len(s.uids), n - 3, "IMAP view after POP3 QUIT")
    s.check_view()
    p = pop3()
    ht.check_equal(p.stat()[0], n - 3, "a new POP3 session's STAT")
    p.quit()
    s.logout()


@ht.test
def rev1_and_rev2():
    fill("Revs", 2)
    one, two = Session("o"), Session("t")
    got = two.ok("ENABLE IMAP4rev2")
    ht.check(any(re.match(rb"^\* ENABLED .*IMAP4rev2", x) for x in got), got)
    got1 = one.select("Revs")
    got2 = two.select("Revs")
    ht.check(any(re.match(rb"^\* \d+ RECENT", x) for x in got1), "rev1 SELECT has RECENT")
    ht.check(not any(re.search(rb"RECENT", x) for x in got2), "rev2 SELECT has no RECENT: %r"
             % got2)
    ht.check(any(re.match(rb'^\* LIST \(.*\) "/" "?Revs"?', x) for x in got2),
             "rev2 SELECT sends LIST (RFC 9051 6.3.2): %r" % got2)
    ht.check(not any(x.startswith(b"* LIST") for x in got1), got1)
    got = one.ok("SEARCH ALL")
    ht.check(any(x.startswith(b"* SEARCH 1 2") for x in got), got)
    got = two.ok("SEARCH ALL")
    ht.check(any(re.match(rb"^\* ESEARCH \(TAG \"t\d+\"\) ALL 1:2", x) for x in got), got)
    got = two.ok("UID SEARCH ALL")
    ht.check(any(re.match(rb"^\* ESEARCH \(TAG \"t\d+\"\) UID ALL \d+", x) for x in got), got)
    got = one.ok("FETCH 1 (FLAGS)")
    got2 = two.ok("FETCH 1 (FLAGS)")
    ht.check(not any(b"\\Recent" in x for x in got2), "rev2 FLAGS without \\Recent: %r" % got2)
    tagged, _ = two.cmd("LSUB \"\" *")
    ht.check(b" BAD" in tagged, "rev2 has no LSUB: %r" % tagged)
    one.ok('LSUB "" *')
    got = two.ok('LIST "" "Revs" RETURN (STATUS (MESSAGES SIZE))')
    ht.check(any(re.match(rb"^\* STATUS \"?Revs\"? \(MESSAGES 2 SIZE \d+\)", x) for x in got),
             got)
    one.logout()
    two.logout()


if __name__ == "__main__":
    ht.main()
