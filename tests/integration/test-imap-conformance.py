#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap-conformance.py - the commands of RFC 9051 section 6 (and the
# extensions Hermod announces) against the real hermodd, once as an
# IMAP4rev1 client and once after ENABLE IMAP4rev2, each response checked
# against the RFC's grammar (as regular expressions over whole lines, with
# literals folded in), plus the capability list before and after STARTTLS
# and login (LOGINDISABLED, no AUTH= before TLS, trusted networks), the
# line and literal limits, unknown and out-of-state commands, sequence
# numbers past the end, mailbox names in modified UTF-7 and UTF-8, and the
# selected mailbox deleted or renamed by another session.  Python's imaplib
# is the real client where it can express the command; a small raw client
# (every read bounded by a timeout, so a hang fails the test) does the
# rest.  Speaks TAP through hermodtest.

import imaplib
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
MAX_MESSAGE = 64 * 1024
MAX_LITERAL = 4 * 1024
MAX_LINE = 8 * 1024

d = ht.Daemon("imapconf")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imap"] = ht.free_port()
d.ports["imaps"] = ht.free_port()
d.sections["listener imap"] = {"protocol": "imap", "role": "imap", "address": "127.0.0.1",
                               "port": str(d.ports["imap"]), "tls": "starttls"}
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}
d.sections["imap"] = {"max_message_size": str(MAX_MESSAGE), "max_literal": str(MAX_LITERAL),
                      "max_line": str(MAX_LINE), "max_bad_commands": "50"}
# 127.0.0.2 is trusted: plain-text login allowed from there only.
d.sections["auth"] = {"trusted_networks": "127.0.0.2/32"}

MESSAGE = (b"From: Ann <ann@example.test>\r\nTo: demo@example.test\r\n"
           b"Subject: conformance\r\nDate: Tue, 5 Mar 2024 10:00:00 +0000\r\n"
           b"Message-ID: <c1@example.test>\r\n\r\nBody line\r\n")

# --- the grammar, as whole-line patterns (RFC 9051 section 9) ---
ASTRING = r'(?:"(?:[^"\\]|\\.)*"|[^\s()"{]+)'
NSTRING = r'(?:"(?:[^"\\]|\\.)*"|NIL)'
FLAG = r'(?:\\?[^\s()\]{%*"\\]+)'
SEQSET = r'[0-9]+(?::[0-9]+)?(?:,[0-9]+(?::[0-9]+)?)*'
TAGGED = r'^(\S+) (OK|NO|BAD)(?: \[[A-Z0-9-]+(?: [^\]]*)?\])? .*$'
G = {
    "CAPABILITY": r'^\* CAPABILITY(?: [!-~]+)+$',
    "ENABLED": r'^\* ENABLED(?: [!-~]+)*$',
    "ID": r'^\* ID (?:NIL|\((?:"[^"]*" ' + NSTRING + r' ?)+\))$',
    "NAMESPACE": r'^\* NAMESPACE \(\("" "/"\)\) NIL NIL$',
    "LIST": r'^\* LIST \((?:\\[A-Za-z]+(?: \\[A-Za-z]+)*)?\) "/" ' + ASTRING + r'$',
    "LSUB": r'^\* LSUB \((?:\\[A-Za-z]+(?: \\[A-Za-z]+)*)?\) "/" ' + ASTRING + r'$',
    "STATUS": r'^\* STATUS ' + ASTRING + r' \((?:[A-Z]+ [0-9]+(?: [A-Z]+ [0-9]+)*)?\)$',
    "EXISTS": r'^\* [0-9]+ EXISTS$',
    "RECENT": r'^\* [0-9]+ RECENT$',
    "EXPUNGE": r'^\* [0-9]+ EXPUNGE$',
    "FLAGS": r'^\* FLAGS \((?:' + FLAG + r'(?: ' + FLAG + r')*)?\)$',
    "OK": r'^\* OK(?: \[[A-Z0-9-]+(?: [^\]]*)?\])? .*$',
    "FETCH": r'^\* [0-9]+ FETCH \(.*\)$',
    "SEARCH": r'^\* SEARCH(?: [0-9]+)*$',
    "ESEARCH": (r'^\* ESEARCH \(TAG "[^"]+"\)(?: UID)?'
                r'(?: (?:MIN [0-9]+|MAX [0-9]+|COUNT [0-9]+|ALL ' + SEQSET + r'))*$'),
    "QUOTAROOT": r'^\* QUOTAROOT ' + ASTRING + r'(?: ' + ASTRING + r')*$',
    "QUOTA": r'^\* QUOTA ' + ASTRING + r' \((?:[A-Z-]+ [0-9]+ [0-9]+ ?)*\)$',
    "BYE": r'^\* BYE .*$',
}
REV1_ONLY = {"RECENT", "SEARCH", "LSUB"}


class Imap:
    """A raw IMAP client: whole responses with literals folded in."""

    def __init__(self, port=None, tls=True, source=None):
        port = port or d.port("imaps")
        sock = socket.create_connection(("127.0.0.1", port), timeout=ht.TIMEOUT,
                                        source_address=(source, 0) if source else None)
        self.sock = ht.client_tls_context().wrap_socket(sock) if tls else sock
        self.buf = b""
        self.n = 0
        self.mode = "rev1"
        self.greeting = self.response()

    def starttls(self):
        self.ok("STARTTLS")
        self.sock = ht.client_tls_context().wrap_socket(self.sock)
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def response(self):
        """One response line with its literals, as text."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return (out + line).decode("utf-8", "replace")
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            out += line + b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def cmd(self, text, literal=None):
        """Send tag+text (and a synchronising literal); (untagged, tagged)."""
        self.n += 1
        tag = "c%d" % self.n
        if literal is not None:
            text = text.replace("{N}", "{%d}" % len(literal))
        self.send(tag + " " + text + "\r\n")
        untagged = []
        while True:
            line = self.response()
            if line.startswith("+ ") and literal is not None:
                self.send(literal + b"\r\n")
                literal = None
                continue
            if line.startswith(tag + " "):
                check_grammar(self, untagged, line, text)
                return untagged, line
            untagged.append(line)

    def ok(self, text, literal=None, want="OK"):
        untagged, tagged = self.cmd(text, literal)
        status = tagged.split(" ", 2)[1]
        ht.check(status == want, "%s: want %s, got %r after %r" % (text, want, tagged, untagged))
        return untagged, tagged

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def kind(line):
    """The response's name for the grammar table: "* 3 FETCH" -> FETCH."""
    words = line.split(" ", 3)
    if len(words) > 2 and words[1].isdigit():
        return words[2]
    return words[1] if len(words) > 1 else ""


def check_grammar(c, untagged, tagged, text):
    ht.check(re.match(TAGGED, tagged, re.S), "tagged response %r to %r" % (tagged, text))
    for line in untagged:
        k = kind(line)
        ht.check(k in G, "unknown response %r to %r" % (line, text))
        ht.check(re.match(G[k], line, re.S), "%s response %r to %r" % (k, line, text))
        if c.mode == "rev2":
            ht.check(k not in REV1_ONLY, "IMAP4rev1-only %r under IMAP4rev2" % line)


def login(mode="rev1", port=None, tls=True, source=None):
    c = Imap(port, tls, source)
    c.ok("LOGIN %s %s" % (USER, PASSWORD))
    if mode == "rev2":
        u, _ = c.ok("ENABLE IMAP4rev2")
        ht.check(u == ["* ENABLED IMAP4rev2"], u)
        c.mode = "rev2"
    return c


def imaplib_login():
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    c.login(USER, PASSWORD)
    return c


def caps_of(text):
    m = re.search(r"CAPABILITY ([^\]]+)", text)
    return set(m.group(1).split()) if m else set()


@ht.setup
def start():
    d.start()


@ht.test
def capabilities_around_tls_and_login():
    c = Imap(d.port("imap"), tls=False)
    caps = caps_of(c.greeting)
    ht.check({"IMAP4rev1", "IMAP4rev2", "STARTTLS", "LOGINDISABLED"} <= caps, caps)
    ht.check(not any(x.startswith("AUTH=") for x in caps), caps)
    c.ok("LOGIN %s %s" % (USER, PASSWORD), want="NO")
    c.starttls()
    u, _ = c.ok("CAPABILITY")
    caps = caps_of(u[0])
    ht.check("AUTH=PLAIN" in caps and not caps & {"STARTTLS", "LOGINDISABLED"}, caps)
    _, t = c.ok("LOGIN %s %s" % (USER, PASSWORD))
    caps = caps_of(t)
    ht.check({"IMAP4rev2", "ENABLE", "IDLE", "UIDPLUS", "MOVE", "UTF8=ACCEPT", "NAMESPACE",
              "LITERAL+", "CONDSTORE", "ESEARCH", "LIST-STATUS"} <= caps, caps)
    ht.check("APPENDLIMIT=%d" % MAX_MESSAGE in caps, caps)
    ht.check(not any(x.startswith("AUTH=") or x in ("STARTTLS", "LOGINDISABLED")
                     for x in caps), caps)
    c.ok("STARTTLS", want="BAD")
    c.close()


@ht.test
def trusted_network_logs_in_without_tls():
    c = Imap(d.port("imap"), tls=False, source="127.0.0.2")
    caps = caps_of(c.greeting)
    ht.check("AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps, caps)
    c.ok("LOGIN %s %s" % (USER, PASSWORD))
    c.ok("LOGOUT")
    c.close()


def exercise(mode):
    """Every command of RFC 9051 section 6, responses checked as they come."""
    box = "Conf-" + mode
    c = login(mode)
    c.ok("NOOP")
    c.ok("CAPABILITY")
    u, _ = c.ok('ID ("name" "test-imap-conformance")')
    ht.check(len(u) == 1, u)
    c.ok("NAMESPACE")
    c.ok("CREATE %s/Sub" % box)
    c.ok("CREATE %s" % box, want="NO")
    u, _ = c.ok('LIST "" "%s/%%"' % box)
    ht.check(len(u) == 1 and u[0].endswith('"%s/Sub"' % box), u)
    u, _ = c.ok('LIST "" "%s*" RETURN (CHILDREN STATUS (MESSAGES SIZE))' % box)
    ht.check(any("\\HasChildren" in x for x in u) and any(x.startswith("* STATUS") for x in u), u)
    c.ok('LIST (SUBSCRIBED) "" "*"')
    c.ok('LIST "" ""')
    c.ok("SUBSCRIBE %s" % box)
    c.ok("UNSUBSCRIBE %s" % box)
    c.ok('LSUB "" "*"', want="BAD" if mode == "rev2" else "OK")
    _, t = c.ok('APPEND %s (\\Seen $Label) "05-Mar-2024 10:11:12 +0200" {N}' % box, MESSAGE)
    ht.check(re.search(r"\[APPENDUID [0-9]+ 1\]", t), t)
    c.ok("APPEND %s {N}" % box, MESSAGE)
    _, t = c.ok("APPEND %s-missing {N}" % box, MESSAGE, want="NO")
    ht.check("[TRYCREATE]" in t, t)
    u, _ = c.ok("STATUS %s (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)" % box)
    ht.check(re.search(r"MESSAGES 2 UIDNEXT 3 UIDVALIDITY [0-9]+ UNSEEN 1 DELETED 0 SIZE %d"
                       % (2 * len(MESSAGE)), u[0]), u)
    u, t = c.ok("SELECT %s" % box)
    ht.check("[READ-WRITE]" in t and "* 2 EXISTS" in u, u)
    ht.check(("* 0 RECENT" in u) == (mode == "rev1"), u)
    if mode == "rev2":
        ht.check('* LIST () "/" "%s"' % box in u, u)
    u, _ = c.ok("FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
    ht.check('INTERNALDATE "05-Mar-2024 08:11:12 +0000"' in u[0] and "$Label" in u[0], u)
    c.ok("FETCH 1:2 FAST")
    c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)] BINARY.PEEK[1] BINARY.SIZE[1])")
    c.ok("FETCH 2 (FAST)", want="BAD")
    u, _ = c.ok("STORE 1 +FLAGS.SILENT (\\Flagged)")
    ht.check(u == [], u)
    u, _ = c.ok("STORE 2 +FLAGS (\\Answered)")
    ht.check(len(u) == 1 and "\\Answered" in u[0], u)
    _, t = c.ok("STORE 1:2 (UNCHANGEDSINCE 1) +FLAGS (\\Draft)")
    ht.check("[MODIFIED 1:2]" in t, t)
    u, _ = c.ok("SEARCH UNSEEN")
    ht.check(u == (["* SEARCH 2"] if mode == "rev1" else ['* ESEARCH (TAG "c%d") ALL 2' % c.n]), u)
    c.ok("UID SEARCH RETURN (MIN MAX COUNT) ALL")
    c.ok("SEARCH CHARSET UTF-8 SUBJECT conformance")
    _, t = c.ok("SEARCH CHARSET KOI8-R ALL", want="NO")
    ht.check("[BADCHARSET" in t, t)
    _, t = c.ok("COPY 1 INBOX")
    ht.check(re.search(r"\[COPYUID [0-9]+ 1 [0-9]+\]", t), t)
    _, t = c.ok("COPY 1 %s-missing" % box, want="NO")
    ht.check("[TRYCREATE]" in t, t)
    u, _ = c.ok("UID MOVE 2 INBOX")
    ht.check(any("[COPYUID" in x for x in u) and "* 2 EXPUNGE" in u, u)
    c.ok("APPEND %s {N}" % box, MESSAGE)
    c.ok("NOOP")
    c.ok("STORE 1:2 +FLAGS (\\Deleted)")
    u, _ = c.ok("UID EXPUNGE 1")
    ht.check(u == ["* 1 EXPUNGE"], u)
    u, _ = c.ok("EXPUNGE")
    ht.check(u == ["* 1 EXPUNGE"], u)
    c.ok("CHECK")
    c.ok("APPEND %s (\\Deleted) {N}" % box, MESSAGE)
    c.ok("UNSELECT")
    c.ok("EXAMINE %s" % box)
    c.ok("STORE 1 +FLAGS (\\Seen)", want="NO")
    c.ok("CLOSE")
    u, _ = c.ok("STATUS %s (MESSAGES DELETED)" % box)
    ht.check("MESSAGES 1 DELETED 1" in u[0], u)
    c.ok("SELECT %s" % box)
    c.ok("CLOSE")
    u, _ = c.ok("STATUS %s (MESSAGES)" % box)
    ht.check("MESSAGES 0" in u[0], u)
    c.ok("RENAME %s %s-renamed" % (box, box))
    c.ok('LIST "" "%s-renamed/*"' % box)
    c.ok("DELETE %s-renamed/Sub" % box)
    c.ok("DELETE %s-renamed" % box)
    c.ok("DELETE %s-renamed" % box, want="NO")
    c.ok("GETQUOTAROOT INBOX")
    u, _ = c.ok("LOGOUT")
    ht.check(u and u[0].startswith("* BYE"), u)
    c.close()


@ht.test
def commands_as_imap4rev1():
    exercise("rev1")


@ht.test
def commands_as_imap4rev2():
    exercise("rev2")


@ht.test
def idle_reports_and_ends():
    for mode in ("rev1", "rev2"):
        a = login(mode)
        a.ok("CREATE Idle-" + mode)
        a.ok("SELECT Idle-" + mode)
        a.send("i1 IDLE\r\n")
        ht.check(a.response().startswith("+ "), "no continuation for IDLE")
        b = login()
        b.ok("APPEND Idle-%s {N}" % mode, MESSAGE)
        ht.check_equal(a.response(), "* 1 EXISTS")
        a.send("DONE\r\n")
        ht.check(a.response().startswith("i1 OK"), "IDLE not ended by DONE")
        b.close()
        a.close()


@ht.test
def inbox_rename_moves_messages():
    c = login()
    c.ok("APPEND INBOX {N}", MESSAGE)
    u, _ = c.ok("STATUS INBOX (MESSAGES)")
    n = int(re.search(r"MESSAGES ([0-9]+)", u[0]).group(1))
    c.ok("RENAME INBOX Old-Inbox")
    u, _ = c.ok("STATUS Old-Inbox (MESSAGES)")
    ht.check("MESSAGES %d" % n in u[0], u)
    u, _ = c.ok("STATUS INBOX (MESSAGES)")
    ht.check("MESSAGES 0" in u[0], u)
    c.ok("DELETE INBOX", want="NO")
    c.close()


@ht.test
def refusals_never_hang():
    c = Imap()
    _, t = c.ok("FROBNICATE", want="BAD")
    c.ok("SELECT INBOX", want="BAD")
    c.ok("ENABLE IMAP4rev2", want="BAD")
    c.ok("LOGIN %s %s" % (USER, PASSWORD))
    c.ok("LOGIN %s %s" % (USER, PASSWORD), want="BAD")
    c.ok("FETCH 1 FLAGS", want="BAD")
    c.ok("CLOSE", want="BAD")
    c.ok("UID LIST", want="BAD")
    c.ok("NOOP now", want="BAD")
    c.ok("CAPABILITY please", want="BAD")
    c.ok("SELECT", want="BAD")
    c.ok("STATUS INBOX", want="BAD")
    c.ok("STATUS INBOX (BOGUS)", want="BAD")
    c.ok('LIST "" "*" RETURN (BOGUS)', want="BAD")
    c.ok("APPEND INBOX (\\Bogus) {N}", MESSAGE, want="BAD")
    c.ok('APPEND INBOX "32-Foo-2024 99:00:00 +0000" {N}', MESSAGE, want="BAD")
    # A line past max_line: BAD [TOOBIG], the session goes on.
    _, t = c.ok("NOOP " + "x" * (MAX_LINE + 100), want="BAD")
    ht.check("[TOOBIG]" in t, t)
    _, t = c.ok("NOOP " + "x" * (MAX_LINE * 20), want="BAD")
    ht.check("[TOOBIG]" in t, t)
    # A literal past max_literal outside APPEND: NO [TOOBIG] before it is sent.
    c.send("c100 LOGIN {%d}\r\n" % (MAX_LITERAL + 1))
    t = c.response()
    ht.check(t.startswith("c100 NO [TOOBIG]"), t)
    # APPEND up to the message size limit works, past it is refused.
    big = b"Subject: big\r\n\r\n" + b"x" * (MAX_MESSAGE - 200) + b"\r\n"
    c.ok("APPEND INBOX {N}", big)
    c.send("c101 APPEND INBOX {%d}\r\n" % (MAX_MESSAGE + 1))
    t = c.response()
    ht.check(t.startswith("c101 NO [TOOBIG]"), t)
    c.ok("NOOP")
    c.close()


@ht.test
def sequence_numbers_past_the_end():
    c = login()
    c.ok("CREATE Seq")
    c.ok("SELECT Seq")
    c.ok("FETCH 1:* FLAGS")
    c.ok("FETCH 1 FLAGS", want="BAD")
    for _ in range(3):
        c.ok("APPEND Seq {N}", MESSAGE)
    c.ok("NOOP")
    for cmd in ("FETCH 4 FLAGS", "FETCH 2:9 FLAGS", "STORE 5 +FLAGS (\\Seen)", "COPY 7 INBOX",
                "MOVE 1,8 INBOX", "SEARCH 9", "SEARCH OR 1 4"):
        _, t = c.ok(cmd, want="BAD")
        ht.check("past the last message" in t, t)
    u, _ = c.ok("FETCH 7:* UID")
    ht.check(u == ["* 3 FETCH (UID 3)"], u)
    c.ok("UID FETCH 99 FLAGS")
    c.ok("UID STORE 50:60 +FLAGS (\\Seen)")
    c.close()
    # imaplib reports the BAD as an error, as it should.
    m = imaplib_login()
    m.select("Seq")
    try:
        m.fetch("9", "(FLAGS)")
        ht.check(False, "FETCH 9 in a 3-message mailbox was accepted")
    except imaplib.IMAP4.error as e:
        ht.check("past the last message" in str(e), str(e))
    m.logout()


@ht.test
def mailbox_names_utf7_and_utf8():
    c = login()
    c.ok('CREATE "Entw&APw-rfe/Sch&APY-n"')
    u, _ = c.ok('LIST "" "Entw*"')
    ht.check('* LIST (\\HasChildren) "/" "Entw&APw-rfe"' in u, u)
    c.ok('CREATE "Entw\xfcrfe2"', want="BAD")
    c.close()
    for enable in ("IMAP4rev2", "UTF8=ACCEPT"):
        c = login()
        c.ok("ENABLE " + enable)
        c.mode = "rev2" if enable == "IMAP4rev2" else "rev1"
        u, _ = c.ok('LIST "" "Entw*"')
        ht.check('* LIST (\\HasNoChildren) "/" "Entwürfe/Schön"' in u, u)
        c.ok('STATUS "Entwürfe/Schön" (MESSAGES)')
        c.close()
    # imaplib speaks modified UTF-7 (it does not ENABLE anything).
    m = imaplib_login()
    typ, data = m.list('""', "Entw*")
    ht.check(typ == "OK" and any(b"Entw&APw-rfe/Sch&APY-n" in x for x in data), data)
    m.logout()


@ht.test
def selected_mailbox_deleted_or_renamed_elsewhere():
    a = imaplib_login()
    b = imaplib_login()
    a.create("Doomed")
    a.append("Doomed", None, None, MESSAGE)
    a.select("Doomed")
    # Renamed by b: a's view follows, FETCH keeps working.
    typ, _ = b.rename("Doomed", "Doomed2")
    ht.check_equal(typ, "OK")
    typ, data = a.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    ht.check(typ == "OK" and b"conformance" in data[0][1], data)
    # Deleted by b: a gets BYE, which imaplib turns into abort.
    typ, _ = b.delete("Doomed2")
    ht.check_equal(typ, "OK")
    try:
        a.noop()
        ht.check(False, "NOOP on a deleted selected mailbox went on")
    except imaplib.IMAP4.abort as e:
        ht.check("deleted" in str(e), str(e))
    b.logout()


ht.main()
