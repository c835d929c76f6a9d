#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap-compress.py - IMAP COMPRESS=DEFLATE (RFC 4978) against the real
# hermodd: Python's imaplib with its socket wrapped, after the tagged OK, in
# zlib raw-deflate compress/decompress objects, over implicit TLS and over
# STARTTLS: COMPRESS=DEFLATE only after login, BAD for another mechanism,
# NO [COMPRESSIONACTIVE] the second time, an APPEND of a 2 MB literal and a
# FETCH of it byte for byte, many small commands; compressed commands sent
# in the same segment as COMPRESS itself; and isync's mbsync, which
# negotiates COMPRESS DEFLATE on its own, pulling and pushing messages.
import imaplib
import os
import random
import re
import shutil
import socket
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("imapz")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imap"] = ht.free_port()
d.ports["imaps"] = ht.free_port()
d.sections["listener imap"] = {"protocol": "imap", "role": "imap", "address": "127.0.0.1",
                               "port": str(d.ports["imap"]), "tls": "starttls"}
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}
imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))


def big_message(tag, size):
    rnd = random.Random(tag)
    words = ["alpha", "beta", "gamma", "delta", "hermod", "imap", "zlib", "%d" % size]
    lines = ["From: a@example.net", "To: %s" % USER, "Subject: %s" % tag,
             "Message-ID: <%s@example.net>" % tag, ""]
    total = 0
    while total < size:
        line = " ".join(rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(12))
        lines.append(line)
        total += len(line) + 2
    return ("\r\n".join(lines) + "\r\n").encode()


def compress(m):
    """COMPRESS DEFLATE, then route imaplib's I/O through zlib (raw)."""
    typ, data = m._simple_command("COMPRESS", "DEFLATE")
    ht.check_equal(typ, "OK", "COMPRESS DEFLATE: %r" % data)
    sock = m.sock
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    decomp = zlib.decompressobj(-15)
    state = {"buf": b""}

    def send(data):
        sock.sendall(comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH))

    def fill():
        chunk = sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("EOF under DEFLATE")
        state["buf"] += decomp.decompress(chunk)

    def read(size):
        while len(state["buf"]) < size:
            fill()
        out, state["buf"] = state["buf"][:size], state["buf"][size:]
        return out

    def readline():
        while b"\n" not in state["buf"]:
            fill()
        line, state["buf"] = state["buf"].split(b"\n", 1)
        return line + b"\n"

    m.send, m.read, m.readline = send, read, readline


def implicit():
    return imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                             timeout=ht.TIMEOUT)


def starttls():
    m = imaplib.IMAP4("127.0.0.1", d.port("imap"), timeout=ht.TIMEOUT)
    m.starttls(ssl_context=ht.client_tls_context())
    return m


def exercise(m, tag):
    ht.check("COMPRESS=DEFLATE" not in m.capabilities, "COMPRESS before login: %r"
             % (m.capabilities,))
    m.login(USER, PASSWORD)
    typ, caps = m.capability()
    ht.check(b"COMPRESS=DEFLATE" in caps[0], "no COMPRESS=DEFLATE after login: %r" % caps)
    try:
        m._simple_command("COMPRESS", "GZIP")
        ht.check(False, "COMPRESS GZIP was not BAD")
    except imaplib.IMAP4.error as e:
        ht.check("BAD" in str(e) or "GZIP" in str(e) or "mechanism" in str(e), str(e))
    compress(m)
    typ, data = m._simple_command("COMPRESS", "DEFLATE")
    ht.check(typ == "NO" and b"COMPRESSIONACTIVE" in data[0], "second COMPRESS: %r %r"
             % (typ, data))
    raw = big_message(tag, 2 * 1024 * 1024)
    typ, data = m.append("INBOX", None, None, raw)
    ht.check_equal(typ, "OK", "APPEND of %d bytes under DEFLATE" % len(raw))
    typ, data = m.select("INBOX")
    ht.check_equal(typ, "OK", "SELECT")
    exists = int(data[0])
    typ, data = m.search(None, "HEADER", "Subject", tag)
    nums = data[0].split()
    ht.check_equal(len(nums), 1, "SEARCH finds the appended message")
    typ, data = m.fetch(nums[0], "(BODY.PEEK[])")
    ht.check_equal(typ, "OK", "FETCH")
    ht.check(data[0][1] == raw, "FETCH BODY[] differs: %d bytes vs %d" % (len(data[0][1]),
                                                                            len(raw)))
    for i in range(200):
        typ, data = m.noop()
        ht.check_equal(typ, "OK", "NOOP %d" % i)
    typ, data = m.fetch("1:*", "(UID RFC822.SIZE FLAGS)")
    ht.check_equal(typ, "OK", "FETCH 1:*")
    ht.check_equal(len(data), exists, "FETCH 1:* answers for every message")
    m.logout()


@ht.setup
def start():
    d.start()


@ht.test
def imaplib_over_implicit_tls():
    exercise(implicit(), ht.unique("z-implicit"))


@ht.test
def imaplib_over_starttls():
    exercise(starttls(), ht.unique("z-starttls"))


@ht.test
def compressed_bytes_right_behind_the_command():
    """The client starts compressing right after the COMPRESS line; bytes
    that arrive in the same segment must be inflated, not read as text."""
    with ht.Raw(d.port("imaps"), tls=True) as c:
        c.readline()
        c.send("a1 LOGIN %s %s\r\n" % (USER, PASSWORD))
        while not c.readline().startswith("a1 "):
            pass
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        behind = comp.compress(b"a3 NOOP\r\na4 SELECT INBOX\r\n") + comp.flush(zlib.Z_SYNC_FLUSH)
        c.send(b"a2 COMPRESS DEFLATE\r\n" + behind)
        ht.check_equal(c.readline(), "a2 OK DEFLATE active", "tagged OK in plain text")
        decomp = zlib.decompressobj(-15)
        text = decomp.decompress(c.buf)
        c.buf = b""
        while b"a4 " not in text:
            chunk = c.sock.recv(65536)
            ht.check(chunk != b"", "EOF before a4; got %r" % text)
            text += decomp.decompress(chunk)
        ht.check(b"a3 OK" in text and re.search(rb"a4 OK \[READ-WRITE\]", text) is not None,
                 "replies to the compressed commands: %r" % text)


def mbsync(home, cert, extra_lines=""):
    conf = os.path.join(home, "mbsyncrc")
    maildir = os.path.join(home, "mail")
    os.makedirs(maildir, exist_ok=True)
    with open(conf, "w") as f:
        f.write("IMAPAccount hermod\nHost 127.0.0.1\nPort %d\nUser %s\nPass %s\n"
                "SSLType IMAPS\nCertificateFile %s\nAuthMechs PLAIN\n\n"
                "IMAPStore remote\nAccount hermod\n\n"
                "MaildirStore local\nPath %s/\nInbox %s/INBOX\n\n"
                "Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\n"
                "SyncState *\n%s"
                % (d.port("imaps"), USER, PASSWORD, cert, maildir, maildir, extra_lines))
    r = ht.run([shutil.which("mbsync"), "-D", "-c", conf, "c"], check=False, timeout=120,
               env=dict(os.environ, HOME=home))
    log = (r.stdout + r.stderr).decode(errors="replace")
    ht.check_equal(r.returncode, 0, "mbsync exit; output:\n%s" % log[-3000:])
    return log, os.path.join(maildir, "INBOX")


def maildir_files(box):
    out = []
    for sub in ("cur", "new"):
        path = os.path.join(box, sub)
        out += [os.path.join(path, n) for n in os.listdir(path)] if os.path.isdir(path) else []
    return out


@ht.test
def mbsync_negotiates_compress():
    ht.need_tool("mbsync")
    home = ht.tmpdir("hermod-mbsync-")
    cert = os.path.join(d.data_dir, "certs", "default.crt")
    ht.check(os.path.exists(cert), "no %s" % cert)
    tag = ht.unique("z-mbsync")
    m = implicit()
    m.login(USER, PASSWORD)
    raw = big_message(tag, 300 * 1024)
    m.append("INBOX", None, None, raw)
    m.logout()
    log, box = mbsync(home, cert, "Sync Pull\n")
    ht.check("COMPRESS DEFLATE" in log, "mbsync did not send COMPRESS DEFLATE:\n%s" % log[-3000:])
    ht.check(re.search(r"OK DEFLATE active", log) is not None, "no OK to COMPRESS in mbsync's log")
    # mbsync stores LF line ends and adds its X-TUID tracking header.
    got = [re.sub(rb"(?m)^X-TUID: .*\n", b"", open(p, "rb").read().replace(b"\r\n", b"\n"))
           for p in maildir_files(box)]
    mine = [g for g in got if ("Subject: %s" % tag).encode() in g]
    ht.check_equal(len(mine), 1, "pulled copies of the message (%d files); mbsync:\n%s"
                   % (len(got), log[-4000:]))
    want = raw.replace(b"\r\n", b"\n")
    ht.check(mine[0] == want, "mbsync's copy differs: %r... vs %r..." % (mine[0][:300], want[:300]))
    # A message written locally goes up with APPEND under DEFLATE.
    up = ht.unique("z-push")
    with open(os.path.join(box, "new", "%s.hermod" % up), "wb") as f:
        f.write(big_message(up, 200 * 1024).replace(b"\r\n", b"\n"))
    log, box = mbsync(home, cert, "Sync All\n")
    ht.check("COMPRESS DEFLATE" in log, "second run without COMPRESS")
    d.wait_message(USER, up.encode())


ht.main()
