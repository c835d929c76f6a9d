#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-mbsync.py - a real two-way synchronisation with mbsync (isync 1.4)
# over IMAPS against hermodd: a large INBOX (10,000 messages in the plain
# build) is pulled into an empty Maildir and checked byte for byte; new
# messages, flag changes and deletions made in the Maildir are pushed and
# checked over imaplib; changes made on the server are pulled back; a last
# run must change nothing.  A folder hierarchy with a subfolder whose name
# is not ASCII (modified UTF-7 on the wire: isync 1.4 passes names through
# verbatim) is synchronised with Patterns *.
#
# Size knob: HERMOD_SYNC_MESSAGES (default 10000; 2000 when hermodd is an
# ASan/UBSan build, where every IMAP command costs several times more).
# The server is seeded with pipelined APPENDs (LITERAL+) over a few
# connections, which is the fastest path the daemon offers.  Skips (TAP)
# only when mbsync is not installed.

import concurrent.futures
import hashlib
import imaplib
import os
import re
import select
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
SEED_CONNECTIONS = 4
# "Café/Résumé" in modified UTF-7, as an IMAP client sends it.
NONASCII = "Caf&AOk-/R&AOk-sum&AOk-"
FOLDERS = ["Projects", "Projects/Hermod", "Caf&AOk-", NONASCII]


def sanitizer_build():
    try:
        with open(ht.HERMODD, "rb") as f:
            return b"AddressSanitizer" in f.read()
    except OSError:
        return False


N = max(200, int(os.environ.get("HERMOD_SYNC_MESSAGES") or
                (2000 if sanitizer_build() else 10000)))

d = ht.Daemon("mbsync")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imaps"] = ht.free_port()
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}

work = ht.tmpdir("hermod-mbsync-")
maildir = os.path.join(work, "mail")
state = {}  # what the checks share: seeded bodies, mbsync config path


def seed_message(i):
    """Seeded message i (CRLF, sizes vary, some 8-bit and long lines)."""
    head = ("From: Sender %d <s%d@example.net>\r\nTo: %s\r\nSubject: seed %d\r\n"
            "Message-ID: <seed%d@example.net>\r\nDate: Sun, 22 Nov 2026 10:%02d:00 +0000\r\n"
            % (i, i, USER, i, i, i % 60))
    if i % 97 == 0:
        head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" \
                "Content-Transfer-Encoding: 8bit\r\n"
        body = "Grüße aus Köln, Nachricht %d\r\n" % i
    else:
        body = "".join("line %d of message %d %s\r\n" % (k, i, "x" * (k % 70))
                       for k in range(1 + i % 25))
    return (head + "\r\n" + body).encode()


def seed_flags(i):
    flags = []
    if i % 3 == 0:
        flags.append("\\Seen")
    if i % 10 == 0:
        flags.append("\\Flagged")
    if i % 50 == 0:
        flags.append("\\Answered")
    return flags


def append_pipelined(mailbox, items):
    """APPEND every (raw, flags) of items to mailbox over one connection,
    all commands sent at once with LITERAL+ literals.  One thread does both
    directions on a non-blocking socket: an SSL object must not be read and
    written from two threads at once (a reader thread beside sendall lost
    the connection now and then)."""
    sock = ht.client_tls_context().wrap_socket(
        socket.create_connection(("127.0.0.1", d.port("imaps")), timeout=120))
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"l LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
    while not f.readline().startswith(b"l "):
        pass
    out = bytearray()
    for n, (raw, flags) in enumerate(items):
        out += b"a%d APPEND \"%s\" (%s) {%d+}\r\n" % (n, mailbox.encode(), " ".join(flags).encode(),
                                                        len(raw))
        out += raw + b"\r\n"
    failed = pump(sock, bytes(out), len(items), time.monotonic() + 300)
    sock.setblocking(True)
    sock.sendall(b"z LOGOUT\r\n")
    sock.close()
    ht.check(not failed, "APPEND to %s failed: %r" % (mailbox, failed[:5]))


def pump(sock, out, want, deadline):
    """Send out and read tagged replies until want of them came or the
    deadline passed; return the failures (non-OK replies, or why it ended)."""
    sock.setblocking(False)
    pos, inbuf, left, failed = 0, b"", want, []
    while left and time.monotonic() < deadline:
        wlist = [sock] if pos < len(out) else []
        r, w, _ = select.select([sock], wlist, [], 1.0)
        if w:
            try:
                pos += sock.send(out[pos:pos + 65536])
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        if r or sock.pending():
            try:
                data = sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            if not data:
                return failed + ["connection closed with %d APPENDs left" % left]
            inbuf += data
            *lines, inbuf = inbuf.split(b"\r\n")
            for line in lines:
                if line.startswith(b"a"):
                    left -= 1
                    if b" OK " not in line:
                        failed.append(line)
    if left:
        failed.append("timed out with %d APPENDs left" % left)
    return failed


def connect():
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    c.login(USER, PASSWORD)
    return c


def write_config():
    cert = os.path.join(d.data_dir, "certs", "default.crt")
    path = os.path.join(work, "mbsyncrc")
    with open(path, "w") as f:
        f.write("""IMAPAccount hermod
Host 127.0.0.1
Port %d
User %s
Pass %s
SSLType IMAPS
CertificateFile %s
Timeout 120

IMAPStore far
Account hermod

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel hermod
Far :far:
Near :near:
Patterns *
Create Both
Expunge Both
Sync All
SyncState *
""" % (d.port("imaps"), USER, PASSWORD, cert, maildir, maildir))
    return path


def mbsync(timeout=240):
    """Run mbsync -a; returns its combined output (must exit 0, no errors)."""
    exe = ht.need_tool("mbsync")
    env = dict(os.environ, HOME=work)
    t0 = time.monotonic()
    cp = ht.run([exe, "-V", "-c", state["rc"], "-a"], timeout=timeout, check=False, env=env)
    out = (cp.stdout + cp.stderr).decode(errors="replace")
    print("# mbsync took %.1fs" % (time.monotonic() - t0))
    for line in out.splitlines()[-8:]:
        print("#   " + line)
    ht.check(cp.returncode == 0, "mbsync exited %d:\n%s" % (cp.returncode, out[-4000:]))
    ht.check(not re.search(r"^(Error|IMAP error|Warning)", out, re.M | re.I),
             "mbsync reported a problem:\n%s" % out[-4000:])
    return out


def maildir_files(folder="INBOX"):
    """{filename: raw bytes} of a Maildir folder's cur/ and new/."""
    base = os.path.join(maildir, folder)
    out = {}
    for sub in ("cur", "new"):
        path = os.path.join(base, sub)
        for name in os.listdir(path):
            with open(os.path.join(path, name), "rb") as f:
                out[os.path.join(sub, name)] = f.read()
    return out


def maildir_flags(name):
    m = re.search(r":2,([A-Z]*)$", name)
    return set(m.group(1)) if m else set()


def lf(raw):
    return raw.replace(b"\r\n", b"\n")


def no_tuid(raw):
    """raw without the X-TUID header mbsync puts into every message it
    copies (its crash-recovery tag; isync 1.4 adds it in both directions)."""
    lines = raw.splitlines(keepends=True)
    for n, line in enumerate(lines):
        if line in (b"\r\n", b"\n"):
            break
        if line.startswith(b"X-TUID: "):
            del lines[n]
            break
    return b"".join(lines)


def server_messages(c, mailbox):
    """{Message-ID: (flags set, raw bytes)} of a server mailbox."""
    typ, data = c.select('"%s"' % mailbox)
    ht.check(typ == "OK", "SELECT %s: %r" % (mailbox, data))
    out = {}
    if int(data[0]) == 0:
        return out
    typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
    ht.check(typ == "OK", data)
    for item in data:
        if not isinstance(item, tuple):
            continue
        flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
        mid = re.search(rb"Message-ID: (<[^>]+>)", item[1], re.I).group(1).decode()
        out[mid] = (flags, item[1])
    return out


def msgid(raw):
    return re.search(rb"Message-ID: (<[^>]+>)", raw, re.I).group(1).decode()


FLAG_LETTERS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Draft": "D",
                "\\Deleted": "T"}


def letters(flags):
    return {FLAG_LETTERS[f] for f in flags if f in FLAG_LETTERS}


@ht.setup
def start():
    ht.need_tool("mbsync")
    d.start()
    os.mkdir(maildir)
    state["rc"] = write_config()


def seed():
    items = [(seed_message(i), seed_flags(i)) for i in range(N)]
    state["inbox"] = {msgid(raw): (set(flags), raw) for raw, flags in items}
    with concurrent.futures.ThreadPoolExecutor(SEED_CONNECTIONS) as pool:
        jobs = [pool.submit(append_pipelined, "INBOX", items[k::SEED_CONNECTIONS])
                for k in range(SEED_CONNECTIONS)]
        for job in jobs:
            job.result()  # raises what the connection's APPENDs raised
    c = connect()
    for name in FOLDERS:
        typ, data = c.create('"%s"' % name)
        ht.check(typ == "OK", "CREATE %s: %r" % (name, data))
    c.logout()
    state["folders"] = {}
    for k, name in enumerate(FOLDERS):
        msgs = [seed_message(N + 100 * k + j) for j in range(3)]
        append_pipelined(name, [(m, ["\\Seen"]) for m in msgs])
        state["folders"][name] = {msgid(m): ({"\\Seen"}, m) for m in msgs}


@ht.setup
def seed_server():
    ht.need_tool("mbsync")
    t0 = time.monotonic()
    seed()
    print("# seeded %d messages in %.1fs" % (N, time.monotonic() - t0))
    typ, data = connect().status("INBOX", "(MESSAGES)")
    ht.check(typ == "OK" and (b"MESSAGES %d" % N) in data[0], data)


def check_maildir(folder, want):
    """The Maildir folder holds exactly want ({Message-ID: (flags, raw)}),
    byte for byte (LF line ends) and with the same flags."""
    files = maildir_files(folder)
    got = {}
    for name, raw in files.items():
        got.setdefault(msgid(raw), []).append((name, raw))
    ht.check_equal(len(files), len(want), "messages in Maildir %s" % folder)
    ht.check_equal(set(got), set(want), "Message-IDs in Maildir %s" % folder)
    for mid, (flags, raw) in want.items():
        ht.check_equal(len(got[mid]), 1, "copies of %s" % mid)
        name, data = got[mid][0]
        ht.check(hashlib.sha256(no_tuid(data)).digest() == hashlib.sha256(lf(raw)).digest(),
                 "%s %s differs from the server's copy" % (folder, name))
        ht.check_equal(maildir_flags(name), letters(flags), "flags of %s (%s)" % (mid, name))


@ht.test
def pull_everything():
    ht.need_tool("mbsync")
    out = mbsync()
    check_maildir("INBOX", state["inbox"])
    for name, msgs in state["folders"].items():
        ht.check(os.path.isdir(os.path.join(maildir, name, "cur")), "no Maildir for " + name)
        check_maildir(name, msgs)
    ht.check("Far: +0" in out or "Far: " not in out, out)


pull_everything.timeout = 600


def rename_flags(folder, name, add="", remove=""):
    flags = (maildir_flags(name) | set(add)) - set(remove)
    base = re.sub(r":2,[A-Z]*$", "", os.path.basename(name))
    new = os.path.join("cur", base + ":2," + "".join(sorted(flags)))
    os.rename(os.path.join(maildir, folder, name), os.path.join(maildir, folder, new))


def new_local_message(folder, tag):
    raw = ("From: near@example.test\nTo: %s\nSubject: from the Maildir %s\n"
           "Message-ID: <%s@near.example.test>\n\nWritten locally, pushed by mbsync.\n"
           "Zeile mit Umlaut: äöü\n" % (USER, tag, tag)).encode()
    name = "%d.%s.near" % (time.time(), tag)
    with open(os.path.join(maildir, folder, "new", name), "wb") as f:
        f.write(raw)
    return raw


@ht.test
def push_maildir_changes():
    ht.need_tool("mbsync")
    inbox = state["inbox"]
    files = sorted(maildir_files("INBOX").items())
    by_id = {msgid(raw): name for name, raw in files}
    ids = sorted(by_id)
    flagged, seen, deleted, trashed = ids[0:20], ids[20:40], ids[40:50], ids[50:55]
    for mid in flagged:
        rename_flags("INBOX", by_id[mid], add="F", remove="S")
        inbox[mid] = ((inbox[mid][0] | {"\\Flagged"}) - {"\\Seen"}, inbox[mid][1])
    for mid in seen:
        rename_flags("INBOX", by_id[mid], add="SR")
        inbox[mid] = (inbox[mid][0] | {"\\Seen", "\\Answered"}, inbox[mid][1])
    for mid in deleted:
        os.unlink(os.path.join(maildir, "INBOX", by_id[mid]))
        del inbox[mid]
    for mid in trashed:  # T = \Deleted; Expunge Both removes them everywhere
        rename_flags("INBOX", by_id[mid], add="T")
        del inbox[mid]
    for k in range(5):
        raw = new_local_message("INBOX", ht.unique("near%d" % k))
        inbox[msgid(raw)] = (set(), raw.replace(b"\n", b"\r\n"))
    sub = state["folders"][NONASCII]
    raw = new_local_message(NONASCII, ht.unique("sub"))
    sub[msgid(raw)] = (set(), raw.replace(b"\n", b"\r\n"))
    # A folder made in the Maildir is created on the server (Create Both).
    for part in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, "Projects", "Local", part))
    raw = new_local_message("Projects/Local", ht.unique("local"))
    state["folders"]["Projects/Local"] = {msgid(raw): (set(), raw.replace(b"\n", b"\r\n"))}
    mbsync()
    check_server()
    check_maildir("INBOX", inbox)


push_maildir_changes.timeout = 600


def check_server():
    """The server holds what state says, byte for byte (CRLF)."""
    c = connect()
    typ, data = c.list()
    names = b"\n".join(data).decode()
    for name in state["folders"]:
        ht.check('"%s"' % name in names or (" %s" % name) in names, "%s not in LIST:\n%s"
                 % (name, names))
    for name, want in [("INBOX", state["inbox"])] + list(state["folders"].items()):
        got = server_messages(c, name)
        ht.check_equal(len(got), len(want), "messages on the server in %s" % name)
        for mid, (flags, raw) in want.items():
            ht.check(mid in got, "%s missing on the server in %s" % (mid, name))
            ht.check_equal(got[mid][0] - {"\\Recent"}, flags, "server flags of %s" % mid)
            ht.check(no_tuid(got[mid][1]) == raw, "server copy of %s differs:\n%r\n%r"
                     % (mid, got[mid][1][:300], raw[:300]))
    c.logout()


@ht.test
def pull_server_changes():
    ht.need_tool("mbsync")
    inbox = state["inbox"]
    c = connect()
    c.select("INBOX")
    typ, data = c.search(None, "ALL")
    seqs = data[0].split()
    ht.check_equal(len(seqs), len(inbox), "INBOX size")
    seqs = seqs[len(seqs) // 2:]
    typ, data = c.fetch(b"%s:%s" % (seqs[0], seqs[29]), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    touched = [re.search(rb"<[^>]+>", item[1]).group(0).decode()
               for item in data if isinstance(item, tuple)]
    ht.check_equal(len(touched), 30, "fetched Message-IDs")
    c.store(b"%s:%s" % (seqs[0], seqs[9]), "+FLAGS", "(\\Flagged \\Seen)")
    c.store(b"%s:%s" % (seqs[10], seqs[19]), "-FLAGS", "(\\Seen \\Flagged \\Answered)")
    c.store(b"%s:%s" % (seqs[20], seqs[29]), "+FLAGS", "(\\Deleted)")
    typ, data = c.expunge()
    ht.check(typ == "OK" and len(data) == 10, data)
    for mid in touched[:10]:
        inbox[mid] = (inbox[mid][0] | {"\\Flagged", "\\Seen"}, inbox[mid][1])
    for mid in touched[10:20]:
        inbox[mid] = (set(), inbox[mid][1])
    for mid in touched[20:]:
        del inbox[mid]
    raw = seed_message(10 ** 6)
    typ, data = c.append("INBOX", "(\\Flagged)", None, raw)
    ht.check(typ == "OK", data)
    inbox[msgid(raw)] = ({"\\Flagged"}, raw)
    c.logout()
    mbsync()
    check_maildir("INBOX", inbox)
    for name, msgs in state["folders"].items():
        check_maildir(name, msgs)


pull_server_changes.timeout = 600


def snapshot():
    out = {}
    for root, dirs, files in os.walk(maildir):
        for name in files:
            if name.startswith(".mbsync") or name == ".uidvalidity":
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, maildir)] = hashlib.sha256(f.read()).hexdigest()
    return out


def server_status():
    """{mailbox: STATUS line} of every mailbox (UIDNEXT moves on any APPEND)."""
    c = connect()
    out = {}
    for name in ["INBOX"] + list(state["folders"]):
        typ, data = c.status('"%s"' % name, "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
        ht.check(typ == "OK", data)
        out[name] = data[0].decode()
    c.logout()
    return out


@ht.test
def second_run_is_a_noop():
    ht.need_tool("mbsync")
    before = snapshot()
    status = server_status()
    out = mbsync()
    noise = re.compile(r"(Reading configuration file|Channel hermod|Resolving|Connecting to|"
                       r"Connection is now encrypted|Logging in|Authenticating with|"
                       r"Opening (far|near) side (store|box)|Loading (far|near) side box|"
                       r"(far|near) side: \d+ messages, \d+ recent|Synchronizing|"
                       # isync waits out a folder changed within the last
                       # second (its timestamp guard); nothing is copied
                       r"Maildir notice: sleeping due to recent directory modification)")
    busy = [line for line in out.splitlines() if line.strip() and not noise.match(line)]
    ht.check(not busy, "mbsync did something on the second run:\n" + "\n".join(busy[:40]))
    ht.check_equal(snapshot(), before, "Maildir after a no-op run")
    ht.check_equal(server_status(), status, "server mailboxes after a no-op run")
    check_server()


second_run_is_a_noop.timeout = 600

ht.main()
