# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-systemd.py - what the installed service files promise:
#
#   * sd_notify without libsystemd (core/hermodd/notify.c): started with
#     $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace),
#     hermodd sends READY=1 only once every listener accepts,
#     RELOADING=1 with MONOTONIC_USEC then READY=1 around a SIGHUP
#     reload, STOPPING=1 on SIGTERM;
#   * SIGUSR1 reopens [core] log_file: after a rename, new lines go to a
#     new file by the old name;
#   * the built config/hermod.logrotate, run by the real logrotate with
#     its paths moved to a temporary data_dir, rotates the log and the
#     daemon writes on in the new file;
#   * config/hermod.service passes `systemd-analyze verify`, and
#     `systemd-analyze security` rates it no worse than the score recorded
#     in the unit's header (2.5 on Debian 12's systemd 252).
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

RECORDED_SCORE = 2.5  # config/hermod.service.in says so too
UNIT = os.path.join(ht.BUILDDIR, "config", "hermod.service")
LOGROTATE = os.path.join(ht.BUILDDIR, "config", "hermod.logrotate")


class Notify:
    """A datagram socket standing in for systemd's notify socket."""

    def __init__(self, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "hermod-test-notify-%d-%s" % (os.getpid(), os.urandom(4).hex())
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(ht.tmpdir("hermod-notify-"), "notify")
            self.sock.bind(self.address)
        self.sock.settimeout(ht.TIMEOUT)

    def next(self):
        return self.sock.recv(4096).decode()

    def expect(self, word):
        msg = self.next()
        ht.check(word in msg.split("\n"), "expected %s, got %r" % (word, msg))
        return msg


def run_with_notify(abstract):
    note = Notify(abstract)
    srv = ht.Daemon("notify")
    os.environ["NOTIFY_SOCKET"] = note.address
    try:
        srv.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    msg = note.expect("READY=1")
    ht.check(len(srv.listening()) == 3, "READY=1 before every listener: %r" % msg)
    srv.proc.send_signal(signal.SIGHUP)
    msg = note.expect("RELOADING=1")
    ht.check(re.search(r"^MONOTONIC_USEC=\d+$", msg, re.M), "no MONOTONIC_USEC: %r" % msg)
    note.expect("READY=1")
    srv.proc.send_signal(signal.SIGTERM)
    note.expect("STOPPING=1")
    ht.check_equal(srv.proc.wait(30), 0, "exit status")
    srv.proc = None


@ht.test
def notify_ready_reloading_stopping_on_a_path():
    run_with_notify(abstract=False)


@ht.test
def notify_on_an_abstract_socket():
    run_with_notify(abstract=True)


def log_daemon():
    srv = ht.Daemon("logs")
    srv.sections["core"]["log_file"] = "logs/hermod.log"
    srv.start()
    return srv, os.path.join(srv.data_dir, "logs", "hermod.log")


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def wait_for_line(path, needle):
    ht.wait_until(lambda: os.path.exists(path) and needle in read(path),
                  what="%r in %s" % (needle, path))


@ht.test
def sigusr1_reopens_the_log_file():
    srv, log = log_daemon()
    wait_for_line(log, "started")
    os.rename(log, log + ".old")
    srv.proc.send_signal(signal.SIGUSR1)
    wait_for_line(log, "log file reopened")
    srv.stop()
    ht.check("log file reopened" not in read(log + ".old"), "the old file got the new lines")
    ht.check("stopping" in read(log), "the new file does not get the lines after the reopen")


@ht.test
def logrotate_rotates_and_the_daemon_writes_on():
    logrotate = shutil.which("logrotate") or ("/usr/sbin/logrotate"
                                             if os.path.exists("/usr/sbin/logrotate") else None)
    if logrotate is None:
        raise ht.Skip("logrotate is not installed")
    srv, log = log_daemon()
    wait_for_line(log, "started")
    text = read(LOGROTATE)
    m = re.search(r"^(\S+)/logs/\*\.log \{", text, re.M)
    ht.check(m, "no LOCALSTATEDIR/lib/hermod/logs/*.log stanza:\n" + text)
    me = "%s %s" % (pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)
    text = text.replace(m.group(1), srv.data_dir)
    text = re.sub(r"\bsu hermod hermod\b", "su " + me, text)
    text = re.sub(r"\bcreate 0640 hermod hermod\b", "create 0640 " + me, text)
    text = re.sub(r"systemctl kill[^\n]*", "kill -USR1 %d" % srv.proc.pid, text)
    conf = os.path.join(srv.dir, "logrotate.conf")
    with open(conf, "w") as f:
        f.write(text)
    state = os.path.join(srv.dir, "logrotate.state")
    ht.run([logrotate, "-f", "-s", state, conf])
    ht.check(os.path.exists(log + ".1"), "no %s.1 after logrotate -f" % log)
    wait_for_line(log, "log file reopened")
    ht.check("started" in read(log + ".1"), "the rotated file lost the old lines")
    srv.stop()


def unit_for_build():
    """The built unit with ExecStart on the build tree's hermodd, which
    systemd-analyze verify wants to exist."""
    with open(UNIT) as f:
        text = f.read()
    text = re.sub(r"^ExecStart=\S+/hermodd", "ExecStart=" + ht.HERMODD, text, flags=re.M)
    path = os.path.join(ht.tmpdir("hermod-unit-"), "hermod.service")
    with open(path, "w") as f:
        f.write(text)
    return path


def systemd_analyze():
    path = shutil.which("systemd-analyze")
    if path is None:
        raise ht.Skip("systemd-analyze is not installed")
    return path


@ht.test
def unit_passes_systemd_analyze_verify():
    tool = systemd_analyze()
    with open(UNIT) as f:
        text = f.read()
    for want in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                 "SystemCallFilter=@system-service", "RestrictAddressFamilies=",
                 "ReadWritePaths=", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID "
                 "CAP_SETGID CAP_CHOWN"):
        ht.check(want in text, "the unit lacks %r" % want)
    path = unit_for_build()
    # --man=no: the pages are installed with the package, not here.
    cp = ht.run([tool, "verify", "--man=no", path], check=False, timeout=60)
    out = (cp.stdout + cp.stderr).decode(errors="replace")
    ht.check_equal(cp.returncode, 0, "systemd-analyze verify exit code (%s)" % out)
    ht.check(out.strip() == "", "systemd-analyze verify complains:\n" + out)


@ht.test
def unit_security_score_is_recorded_and_kept():
    tool = systemd_analyze()
    cp = ht.run([tool, "security", "--offline=true", unit_for_build()], check=False, timeout=60)
    out = cp.stdout.decode(errors="replace")
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", out)
    ht.check(m, "no overall exposure level:\n" + out[-2000:])
    score = float(m.group(1))
    print("# systemd-analyze security: %s %s" % (m.group(1), m.group(2)))
    ht.check(score <= RECORDED_SCORE, "exposure %.1f is worse than the recorded %.1f"
             % (score, RECORDED_SCORE))
    with open(os.path.join(ht.SRCDIR, "config", "hermod.service.in")) as f:
        ht.check("rates this unit %.1f" % RECORDED_SCORE in f.read(),
                 "config/hermod.service.in does not record %.1f" % RECORDED_SCORE)


ht.main()
