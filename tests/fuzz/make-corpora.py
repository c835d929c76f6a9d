#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-corpora.py - regenerate the captured seeds of the imap-session,
# imap-args, conn-framing and inflate fuzz targets from real client traffic.
#
# Starts the real hermodd of a build tree (tests/integration/hermodtest.py)
# with an IMAP listener on loopback (tls = none, 127.0.0.1 trusted, so that
# the client side is plain text), puts a recording proxy in front of it and
# runs real clients through the proxy: Python's imaplib (a session touching
# LIST/SELECT/APPEND/FETCH/SEARCH/STORE/COPY/MOVE/EXPUNGE/IDLE), the same
# with COMPRESS DEFLATE, and mbsync pulling the mailbox (it starts
# COMPRESS DEFLATE on its own).  What each client wrote, in the pieces the
# proxy read them, becomes seed files named cap-* (compressed for the
# inflate target, inflated again for the others); the hand-written seeds beside them stay as they are.  The account
# is alice@example.org / secret, the fake core's login, so that captured
# sessions log in on the fake as well.
#
#   HERMOD_BUILDDIR=_build/plain python3 tests/fuzz/make-corpora.py
#
# The seeds are committed; make check does not run this script.
import imaplib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import hermodtest as ht  # noqa: E402

USER = "alice@example.org"
PASSWORD = "secret"
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED = 60 * 1024

MESSAGES = [
    b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: plain\r\n"
    b"Message-ID: <c1@example.org>\r\n\r\nHello Alice,\r\nthe first body.\r\n",
    b"From: carol@example.net\r\nTo: alice@example.org\r\nSubject: report\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--b1\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"AAECAwQFBgcICQ==\r\n--b1--\r\n",
    b"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\nTo: alice@example.org\r\n"
    b"Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\nIn-Reply-To: <c1@example.org>\r\n\r\nGruesse\r\n",
]


class Proxy:
    """Forward one loopback port to hermodd's; keep what each client sent,
    one bytes object per recv()."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target), timeout=ht.TIMEOUT)
            chunks = []
            self.sessions.append(chunks)
            threading.Thread(target=self._pipe, args=(client, server, chunks), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, None), daemon=True).start()

    @staticmethod
    def _pipe(src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record is not None:
                    record.append(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def start_daemon():
    d = ht.Daemon("corpora", domains=("example.org",), users={USER: PASSWORD})
    d.sections["core"]["modules"] = "smtp;imap"
    d.sections["auth"] = {"trusted_networks": "127.0.0.1/32"}
    d.ports["imap"] = ht.free_port()
    d.sections["listener imap"] = {"protocol": "imap", "role": "imap", "address": "127.0.0.1",
                                   "port": str(d.ports["imap"]), "tls": "none"}
    d.start()
    return d


def idle(m):
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    while not m.readline().startswith(b"+"):
        pass
    m.send(b"DONE\r\n")
    while not m.readline().startswith(tag):
        pass


def imaplib_session(port):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=ht.TIMEOUT)
    m.capability()
    m.login(USER, PASSWORD)
    m.list()
    m.create("Archive")
    for i, msg in enumerate(MESSAGES):
        m.append("INBOX", "(\\Seen)" if i == 0 else None, None, msg)
    m.select("INBOX")
    m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")
    m.fetch("2", "(BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    m.uid("FETCH", "1:*", "(BODY.PEEK[]<0.100>)")
    m.search(None, "UNSEEN")
    m.search("UTF-8", "OR", "FROM", "bob", "SUBJECT", "report")
    m.uid("SEARCH", "SINCE", "1-Jan-2020", "NOT", "DELETED")
    m.store("1", "+FLAGS", "(\\Flagged $Work)")
    m.copy("1:2", "Archive")
    m._simple_command("MOVE", "3", "Archive")
    m.store("1", "+FLAGS.SILENT", "(\\Deleted)")
    m.expunge()
    m.status("Archive", "(MESSAGES UIDNEXT UNSEEN)")
    idle(m)
    m._simple_command("NAMESPACE")
    m.close()
    m.logout()


def compressed_session(port):
    """COMPRESS DEFLATE, then a few commands through raw-deflate streams."""
    imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))
    m = imaplib.IMAP4("127.0.0.1", port, timeout=ht.TIMEOUT)
    m.login(USER, PASSWORD)
    typ, _ = m._simple_command("COMPRESS", "DEFLATE")
    assert typ == "OK"
    sock, comp, decomp, buf = m.sock, zlib.compressobj(6, zlib.DEFLATED, -15), \
        zlib.decompressobj(-15), [b""]

    def send(data):
        sock.sendall(comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH))

    def fill():
        chunk = sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("EOF under DEFLATE")
        buf[0] += decomp.decompress(chunk)

    def read(size):
        while len(buf[0]) < size:
            fill()
        out, buf[0] = buf[0][:size], buf[0][size:]
        return out

    def readline():
        while b"\n" not in buf[0]:
            fill()
        line, buf[0] = buf[0].split(b"\n", 1)
        return line + b"\n"

    m.send, m.read, m.readline = send, read, readline
    m.select("INBOX")
    m.append("INBOX", None, None, MESSAGES[1] * 20)
    m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER])")
    m.search(None, "ALL")
    m.logout()


def mbsync_pull(port, work):
    exe = shutil.which("mbsync")
    if exe is None:
        print("mbsync not installed: no mbsync seed")
        return False
    maildir = os.path.join(work, "mail")
    os.makedirs(maildir)
    rc = os.path.join(work, "mbsyncrc")
    with open(rc, "w") as f:
        f.write("IMAPAccount a\nHost 127.0.0.1\nPort %d\nUser %s\nPass %s\nSSLType None\n"
                "AuthMechs LOGIN\n\nIMAPStore far\nAccount a\n\nMaildirStore near\n"
                "Path %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\nChannel c\nFar :far:\n"
                "Near :near:\nPatterns *\nCreate Near\nSync Pull\nSyncState *\n"
                % (port, USER, PASSWORD, maildir, maildir))
    cp = subprocess.run([exe, "-c", rc, "-a"], capture_output=True, timeout=120,
                        env=dict(os.environ, HOME=work))
    if cp.returncode != 0:
        print("mbsync failed: %s" % (cp.stdout + cp.stderr).decode(errors="replace")[-2000:])
    return cp.returncode == 0


# --- the targets' input formats (see each tests/fuzz/fuzz-*.c) ---

def session_seed(chunks, header):
    """imap-session: a start byte, then reads of at most 240 bytes."""
    out = bytearray([header])
    for c in chunks:
        for i in range(0, len(c), 240):
            piece = c[i:i + 240]
            if len(out) + len(piece) + 1 > MAX_SEED:
                return bytes(out)
            out.append(len(piece) - 1)
            out += piece
    return bytes(out)


def length_seed(header, chunks, limit=255):
    """conn-framing and raw inflate: header bytes, then length-prefixed chunks."""
    out = bytearray(header)
    for c in chunks:
        for i in range(0, len(c), limit):
            piece = c[i:i + limit]
            if len(out) + len(piece) + 1 > MAX_SEED:
                return bytes(out)
            out.append(len(piece))
            out += piece
    return bytes(out)


def command_args(chunks):
    """imap-args seeds from the FETCH and SEARCH commands in a capture."""
    seeds = []
    for line in b"".join(chunks).split(b"\r\n"):
        words = line.split(b" ", 3)
        uid = len(words) > 2 and words[1].upper() == b"UID"
        if uid:
            words = [words[0]] + line.split(b" ", 3)[2:]
            words = [words[0]] + b" ".join(words[1:]).split(b" ", 1)
        if len(words) < 3:
            continue
        name, args = words[1].upper(), b" ".join(words[2:])
        if name == b"FETCH":
            seeds.append(bytes([4 if uid else 0]) + args)
            seeds.append(bytes([2]) + args.split(b" ", 1)[0])
        elif name in (b"SEARCH", b"SORT", b"THREAD"):
            seeds.append(bytes([7 if uid else 1]) + args)
    return seeds


def write(target, name, data):
    path = os.path.join(CORPUS, target, name)
    with open(path, "wb") as f:
        f.write(data)
    print("%s/%s: %d bytes" % (target, name, len(data)))


def after_compress(chunks):
    """The compressed bytes after the client's COMPRESS command, and
    whether the first of them came in the same read as the command."""
    data = b"".join(chunks)
    at = data.index(b"COMPRESS DEFLATE\r\n") + len(b"COMPRESS DEFLATE\r\n")
    pos, out, glued = 0, [], False
    for c in chunks:
        if pos + len(c) > at:
            cut = max(0, at - pos)
            if cut > 0 and cut < len(c):
                glued = True
            if c[cut:]:
                out.append(c[cut:])
        pos += len(c)
    return out, glued


def plain_chunks(chunks):
    """A capture with COMPRESS as the client meant it: the reads before
    the command as they were, each compressed read after it inflated."""
    if b"COMPRESS DEFLATE\r\n" not in b"".join(chunks):
        return chunks
    z, _ = after_compress(chunks)
    data = b"".join(chunks)
    head = data[:data.index(b"COMPRESS DEFLATE\r\n") + len(b"COMPRESS DEFLATE\r\n")]
    out, pos = [], 0
    for c in chunks:
        if pos >= len(head):
            break
        out.append(c[:len(head) - pos])
        pos += len(c)
    inflater = zlib.decompressobj(-15)
    return out + [p for p in (inflater.decompress(c) for c in z) if p]


def main():
    d = start_daemon()
    proxy = Proxy(d.port("imap"))
    work = tempfile.mkdtemp(prefix="hermod-corpora-")
    try:
        imaplib_session(proxy.port)
        compressed_session(proxy.port)
        has_mbsync = mbsync_pull(proxy.port, work)
    finally:
        proxy.close()
        d.stop()
        shutil.rmtree(work, ignore_errors=True)
    plain, compressed = proxy.sessions[0], proxy.sessions[1]
    # START_TRUSTED: plain text, LOGIN allowed as from trusted_networks.
    write("imap-session", "cap-imaplib", session_seed(plain, 4))
    write("imap-session", "cap-imaplib-short-lines", session_seed(plain, 4 | 8))
    write("conn-framing", "cap-imaplib", length_seed([2], plain))
    write("conn-framing", "cap-imaplib-16", length_seed([0], plain))
    z, glued = after_compress(compressed)
    write("inflate", "cap-compress", length_seed([4 | 2 | (8 if glued else 0), 0], z))
    write("imap-session", "cap-compress", session_seed(plain_chunks(compressed), 4))
    # Round trip: the plaintext session compressed by the target.
    write("inflate", "cap-roundtrip", length_seed([2, 0], plain, limit=127))
    if has_mbsync and len(proxy.sessions) > 2:
        # mbsync negotiates COMPRESS DEFLATE itself.
        sync = proxy.sessions[2]
        z, glued = after_compress(sync)
        write("inflate", "cap-mbsync", length_seed([4 | 1 | (8 if glued else 0), 0], z))
        write("imap-session", "cap-mbsync", session_seed(plain_chunks(sync), 4))
        write("conn-framing", "cap-mbsync", length_seed([1], plain_chunks(sync)))
    args = []
    for s in proxy.sessions:
        args += command_args(plain_chunks(s))
    for i, seed in enumerate(dict.fromkeys(args)):
        write("imap-args", "cap-%02d" % i, seed)


if __name__ == "__main__":
    main()
