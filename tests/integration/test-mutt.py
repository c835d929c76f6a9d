#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-mutt.py - mutt against hermodd: mutt in batch mode (stdin not a
# terminal) sends a message through the submission listener (smtp_url,
# STARTTLS, AUTH), the message is delivered to the account's INBOX, and
# mutt, run on a pseudo-terminal with TERM=vt100 and keystrokes pushed from
# the command line, opens the imaps:// folder, finds the message with a
# pattern and pipes it raw to a file, which must hold the stored bytes.
# The test's self-signed certificate is given as certificate_file (and
# ssl_verify_host off), so mutt never asks a question.  Every run is bounded
# by a timeout.  Skips (TAP) only when mutt is not installed.

import os
import pty
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
SUBJECT = ht.unique("mutt")

d = ht.Daemon("mutt")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imaps"] = ht.free_port()
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}
home = ht.tmpdir("hermod-mutt-")


def muttrc():
    path = os.path.join(home, "muttrc")
    cert = os.path.join(d.data_dir, "certs", "default.crt")
    with open(path, "w") as f:
        f.write("""set certificate_file = "%(cert)s"
set ssl_verify_host = no
set ssl_starttls = yes
set ssl_force_tls = yes
set from = "%(user)s"
set realname = "Mutt Tester"
set use_from = yes
set smtp_url = "smtp://%(user)s@127.0.0.1:%(sub)d/"
set smtp_pass = "%(pw)s"
set smtp_authenticators = "plain"
set imap_user = "%(user)s"
set imap_pass = "%(pw)s"
set folder = "imaps://127.0.0.1:%(imaps)d/"
set spoolfile = "+INBOX"
set record = ""
set postpone = no
set copy = no
set header_cache = ""
set message_cachedir = ""
set mail_check = 0
set timeout = 5
set quit = yes
set confirmappend = no
set wait_key = no
set pipe_decode = no
set beep = no
set sleep_time = 0
set charset = "utf-8"
""" % {"cert": cert, "user": USER, "pw": PASSWORD, "sub": d.port("submission"),
       "imaps": d.port("imaps")})
    return path


def env():
    return dict(os.environ, HOME=home, TERM="vt100", LC_ALL="C.UTF-8", MAIL="", EDITOR="true")


@ht.setup
def start():
    ht.need_tool("mutt")
    d.start()


@ht.test
def send_through_submission():
    exe = ht.need_tool("mutt")
    body = "Sent by mutt in batch mode.\nZweite Zeile.\n"
    cp = subprocess.run([exe, "-n", "-F", muttrc(), "-s", SUBJECT, "--", USER],
                        input=body.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=60, env=env())
    ht.check(cp.returncode == 0, "mutt exited %d: %s %s" % (cp.returncode, cp.stdout, cp.stderr))
    raw = d.wait_message(USER, SUBJECT.encode(), timeout=60)
    ht.check(b"Sent by mutt in batch mode.\r\nZweite Zeile.\r\n" in raw, raw)
    ht.check(b"From: Mutt Tester <%s>" % USER.encode() in raw, raw)


def run_on_pty(argv, timeout=60):
    """Run argv on a pseudo-terminal (mutt's curses needs one), answering
    nothing; returns (exit status, screen bytes)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env())
    screen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            try:
                chunk = os.read(fd, 65536) if ready else b"-"
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status), screen
            screen += chunk if ready else b""
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("mutt did not finish within %ss; screen:\n%r" % (timeout, screen[-2000:]))
    finally:
        os.close(fd)


@ht.test
def read_imaps_folder():
    exe = ht.need_tool("mutt")
    out = os.path.join(home, "piped.eml")
    keys = ('<limit>~s %s\\n<first-entry><pipe-message>cat > %s\\n<quit>' % (SUBJECT, out))
    code, screen = run_on_pty([exe, "-n", "-F", muttrc(), "-f", "imaps://127.0.0.1:%d/INBOX"
                               % d.port("imaps"), "-e", 'push "%s"' % keys])
    ht.check(code == 0, "mutt exited %s; screen:\n%r" % (code, screen[-2000:]))
    ht.check(os.path.exists(out), "mutt piped nothing; screen:\n%r" % screen[-2000:])
    with open(out, "rb") as f:
        piped = f.read()
    stored = d.wait_message(USER, SUBJECT.encode())
    ht.check_equal(piped.replace(b"\r\n", b"\n"), stored.replace(b"\r\n", b"\n"),
                   "the message mutt piped")


ht.main()
