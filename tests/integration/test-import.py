# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-import.py - hermodctl import maildir|mbox|imap moves a real mailbox
# over with flags, keywords, internal dates and bytes (line ends as CRLF)
# intact, and a second run adds nothing:
#
#   * a Maildir++ tree with odd cases: a file in new/ (no flags), CRLF and
#     LF files, an 8-bit Subject, a modified-UTF-7 folder name (Café), a
#     sub-folder, Dovecot keywords (dovecot-keywords letters), P as
#     $Forwarded, mtimes as internal dates;
#   * an mbox with From_ lines inside bodies (>From escaped, a "From "
#     line without a date), CRLF and LF messages, Status/X-Status/
#     X-Keywords headers as flags, dates with and without a zone;
#   * a private Dovecot started by the test (root and Debian's
#     dovecot-imapd needed; skipped otherwise) holding 3000 messages in
#     three folders: imported over plain IMAP, interrupted with SIGINT
#     part way, resumed over STARTTLS and checked over implicit TLS (the
#     certificate checked against --ca), with no duplicate.
import hashlib
import os
import pwd
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

ACCOUNT = "demo@example.test"
MOVED = "moved@example.test"  # the IMAP import's own account
srv = ht.Daemon("import")
FLAG_LETTERS = "DFRST"


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def listing(mailbox, account=ACCOUNT):
    """[(uid, date, size, flags)] from hermodctl mail list."""
    rows = srv.ctl("mail", "list", account, mailbox).stdout.decode(errors="replace")
    out = []
    for line in rows.splitlines():
        f = line.split("\t")
        out.append((int(f[0]), f[1], int(f[2]), f[3]))
    return out


def imported(argv, input=None, check=True):
    cp = srv.ctl("import", *argv, input=input, check=check, timeout=600)
    return cp.stdout.decode(errors="replace").strip()


def utc(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# ---- Maildir ----------------------------------------------------------------

MAILDIR = [  # (folder, sub, name, info, bytes, mtime, flags shown)
    ("", "cur", "1700000001.M1P1.host", ":2,S", b"From: a@x\nSubject: lf\n\nbody\n",
     1600000000, "S"),
    ("", "cur", "1700000002.M2P1.host", ":2,FRT", b"From: a@x\r\nSubject: crlf\r\n\r\nb\r\n",
     1600000100, "FRT"),
    ("", "new", "1700000003.M3P1.host", "", b"From: a@x\nSubject: caf\xe9 8bit\n\nnew\n",
     1600000200, "-"),
    (".Caf&AOk-", "cur", "1700000004.M4P1.host", ":2,DPa",
     b"From: a@x\nSubject: draft\n\nFrom here\n", 1600000300, "D"),
    (".Caf&AOk-.Sub", "cur", "1700000005.M5P1.host", ":2,", b"Subject: sub\n\nx\n",
     1600000400, "-"),
]


@ht.test
def maildir_tree_with_flags_dates_and_names():
    root = os.path.join(srv.dir, "Maildir")
    for folder, sub, name, info, data, mtime, _ in MAILDIR:
        base = os.path.join(root, folder)
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        path = os.path.join(base, sub, name + info)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (mtime, mtime))
    with open(os.path.join(root, ".Caf&AOk-", "dovecot-keywords"), "w") as f:
        f.write("0 $Work\n")
    srv.provision()
    out = imported(["maildir", root, ACCOUNT])
    ht.check(out.startswith("done: imported 5 messages"), out)
    boxes = {"": "INBOX", ".Caf&AOk-": "Café", ".Caf&AOk-.Sub": "Café/Sub"}
    for folder, mailbox in boxes.items():
        want = [m for m in MAILDIR if m[0] == folder]
        got = listing(mailbox)
        ht.check_equal(len(got), len(want), "messages in " + mailbox)
        for (uid, date, size, flags), m in zip(got, want):
            ht.check_equal(date, utc(m[5]), "internal date of " + m[2])
            ht.check_equal(flags, m[6], "flags of " + m[2])
            ht.check_equal(srv.mail_cat(ACCOUNT, uid, mailbox), crlf(m[4]), "bytes of " + m[2])
    out = imported(["maildir", root, ACCOUNT])
    ht.check(out.startswith("done: imported 0 messages") and "5 already there" in out, out)


# ---- mbox -------------------------------------------------------------------

MBOX = (b"From alice@example.org Mon Jan  6 10:00:00 2025\n"
        b"Status: RO\nX-Status: AF\nX-Keywords: $Label1 work\n"
        b"From: alice@example.org\nSubject: first\n\nhello\n>From the start\n"
        b">>From deeper\nFrom nobody without a date\n\n"
        b"From bob@example.org Tue Jan  7 11:00:00 2025\r\n"
        b"From: bob@example.org\r\nSubject: =?utf-8?q?caf=C3=A9?= \xc3\xa9 raw\r\n\r\n"
        b"crlf body\r\n\r\n"
        b"From carol@example.org Wed Jan  8 12:00:00 2025 +0200\n"
        b"Subject: third\nStatus: O\n\nlast\n")
MBOX_WANT = [  # (date, flags, bytes)
    ("2025-01-06T10:00:00Z", "FRS",
     b"From: alice@example.org\r\nSubject: first\r\n\r\nhello\r\nFrom the start\r\n"
     b">From deeper\r\nFrom nobody without a date\r\n"),
    ("2025-01-07T11:00:00Z", "-",
     b"From: bob@example.org\r\nSubject: =?utf-8?q?caf=C3=A9?= \xc3\xa9 raw\r\n\r\n"
     b"crlf body\r\n"),
    ("2025-01-08T10:00:00Z", "-", b"Subject: third\r\n\r\nlast\r\n"),
]


@ht.test
def mbox_with_from_lines_crlf_and_8bit_headers():
    path = os.path.join(srv.dir, "old.mbox")
    with open(path, "wb") as f:
        f.write(MBOX)
    out = imported(["mbox", path, ACCOUNT, "Old mail"])
    ht.check(out.startswith("done: imported 3 messages"), out)
    got = listing("Old mail")
    ht.check_equal(len(got), 3, "messages")
    for (uid, date, size, flags), (wdate, wflags, wbytes) in zip(got, MBOX_WANT):
        ht.check_equal(date, wdate, "internal date of UID %d" % uid)
        ht.check_equal(flags, wflags, "flags of UID %d" % uid)
        ht.check_equal(srv.mail_cat(ACCOUNT, uid, "Old mail"), wbytes, "bytes of UID %d" % uid)
    with open(path, "ab") as f:
        f.write(b"\nFrom dave@example.org Thu Jan  9 09:00:00 2025\nSubject: later\n\nnew\n")
    out = imported(["mbox", path, ACCOUNT, "Old mail"])
    ht.check(out.startswith("done: imported 1 messages") and "3 already there" in out, out)


# ---- IMAP from a private Dovecot --------------------------------------------

FOLDERS = {"": 2000, ".Archive.2024": 800, ".Caf&AOk-": 200}
TARGET = {"": "INBOX", ".Archive.2024": "Archive/2024", ".Caf&AOk-": "Café"}
PASSWORD = "old-server-pw"


def message(folder, i):
    body = "".join("line %d of message %d in %s\r\n" % (k, i, folder) for k in range(i % 40))
    return ("From: sender%d@example.org\r\nTo: demo@example.test\r\n"
            "Subject: %s message %d\r\nMessage-ID: <%s.%d@example.org>\r\n\r\n%s"
            % (i % 17, folder or "inbox", i, hashlib.md5(folder.encode()).hexdigest(), i,
               body)).encode()


def flags_of(i):
    letters = "".join(c for c, n in (("F", 5), ("R", 7), ("S", 3)) if i % n == 0)
    return letters + ("a" if i % 11 == 0 else "")


class Dovecot:
    def __init__(self):
        if os.geteuid() != 0:
            raise ht.Skip("Dovecot's master needs root")
        if not os.path.exists("/usr/sbin/dovecot") or not os.path.exists("/usr/lib/dovecot/imap"):
            raise ht.Skip("dovecot-imapd is not installed (tools/install-deps)")
        self.root = ht.tmpdir("hermod-dovecot-")
        if not ht.others_can_reach(self.root):
            raise ht.Skip("a folder above %s is closed to other users: Dovecot's auth "
                          "process (dovenull) could not read its files" % self.root)
        os.chmod(self.root, 0o755)
        mail = pwd.getpwnam("mail")
        self.uid, self.gid = mail.pw_uid, mail.pw_gid
        self.ports = {"imap": ht.free_port(), "imaps": ht.free_port()}
        self.cert = os.path.join(self.root, "cert.pem")
        key = os.path.join(self.root, "key.pem")
        ht.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", self.cert])
        with open(os.path.join(self.root, "passwd"), "w") as f:
            f.write("old@example.org:{PLAIN}%s::::::\n" % PASSWORD)
        self.maildir = os.path.join(self.root, "mail", "old@example.org")
        self.write_mail()
        self.conf = os.path.join(self.root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(self.config(key))
        log = open(os.path.join(self.root, "dovecot.stderr"), "ab")
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        ht.wait_until(lambda: self.listening(), 30, what="Dovecot listening")

    def listening(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.ports["imap"]), 1).close()
            return True
        except OSError:
            return False

    def write_mail(self):
        for folder, count in FOLDERS.items():
            base = os.path.join(self.maildir, folder)
            for d in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(base, d), exist_ok=True)
            with open(os.path.join(base, "dovecot-keywords"), "w") as f:
                f.write("0 $Work\n")
            for i in range(count):
                name = "%d.M%dP1.old:2,%s" % (1600000000 + i, i, flags_of(i))
                path = os.path.join(base, "cur", name)
                with open(path, "wb") as f:
                    f.write(message(folder, i))
                os.utime(path, (1600000000 + 60 * i, 1600000000 + 60 * i))
        for dirpath, dirs, files in os.walk(os.path.join(self.root, "mail")):
            os.chown(dirpath, self.uid, self.gid)
            for f in files:
                os.chown(os.path.join(dirpath, f), self.uid, self.gid)

    def config(self, key):
        r = self.root
        return f"""base_dir = {r}/run
state_dir = {r}/state
instance_name = hermod-import-{os.getpid()}
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {self.uid}
first_valid_gid = {self.gid}
mail_location = maildir:{r}/mail/%u
mail_privileged_group =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={r}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.ports["imap"]}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ports["imaps"]}
    ssl = yes
  }}
}}
"""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def imap_argv(dc, tls):
    port = dc.ports["imaps" if tls == "implicit" else "imap"]
    return ["imap", "--host", "localhost", "--port", str(port), "--user", "old@example.org",
            "--tls", tls, "--ca", dc.cert, MOVED]


def logged_rows():
    path = os.path.join(srv.data_dir, "import", MOVED + ".db")
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT count(*) FROM imported WHERE source LIKE 'imap:%'"
                              ).fetchone()[0]
    except sqlite3.Error:
        return 0


def check_imported():
    for folder, count in FOLDERS.items():
        got = listing(TARGET[folder], MOVED)
        ht.check_equal(len(got), count, "messages in " + TARGET[folder])
        by_date = {}
        for uid, date, size, flags in got:
            ht.check(date not in by_date, "two messages with date %s in %s" % (date, folder))
            by_date[date] = (uid, size, flags)
        for i in range(0, count, 97):
            uid, size, flags = by_date[utc(1600000000 + 60 * i)]
            want = "".join(c for c in FLAG_LETTERS if c in flags_of(i).upper()) or "-"
            ht.check_equal(flags, want, "flags of message %d in %s" % (i, folder))
            ht.check_equal(srv.mail_cat(MOVED, uid, TARGET[folder]), message(folder, i),
                           "bytes of message %d in %s" % (i, folder))


def imap_import():
    dc = Dovecot()
    try:
        srv.ctl("user", "add", MOVED, input="moved-pw-1\n")
        proc = subprocess.Popen([ht.HERMODCTL, "-c", srv.conf_path, "import"] + imap_argv(dc, "none"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdin.write((PASSWORD + "\n").encode())
        proc.stdin.close()
        proc.stdin = None
        ht.wait_until(lambda: logged_rows() >= 300 or proc.poll() is not None, 300, 0.05,
                      "300 messages imported")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        first = logged_rows()
        ht.check(proc.returncode == 1 and b"interrupted" in out,
                 "no interruption (exit %s): %r %r" % (proc.returncode, out, err))
        ht.check(0 < first < 3000, "%d messages before the interruption" % first)
        out = imported(imap_argv(dc, "starttls"), input=PASSWORD + "\n")
        ht.check(out.startswith("done: imported %d messages" % (3000 - first)) and
                 "%d already there" % first in out, out)
        check_imported()
        out = imported(imap_argv(dc, "implicit"), input=PASSWORD + "\n")
        ht.check(out.startswith("done: imported 0 messages") and "3000 already there" in out, out)
        cp = srv.ctl("import", *imap_argv(dc, "implicit")[:-3], MOVED, input=PASSWORD + "\n",
                     check=False)
        ht.check_equal(cp.returncode, 1, "without --ca the self-signed certificate is refused")
        ht.check(b"not trusted" in cp.stderr, cp.stderr)
        check_imported()
    finally:
        dc.stop()


imap_import.timeout = 900
ht.test(imap_import)

ht.main()
