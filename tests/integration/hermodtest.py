# SPDX-License-Identifier: GPL-2.0-or-later
#
# hermodtest.py - the integration-test harness: runs the real hermodd on
# free loopback ports with a temporary data folder and reports in TAP.
#
# A test script builds one or more Daemon objects (config written from a
# dict of sections, domains and accounts created with hermodctl, the daemon
# started and waited for until every listener logged "listening:"),
# registers its checks with @test and the steps that only prepare them
# (start a daemon, create users, seed mail) with @setup, and ends with
# main().  Only checks are TAP tests: a setup step prints a comment, and
# when it fails the script says "Bail out!" and exits 1, so a broken
# set-up is an error, never a pass.  Everything is
# bounded: every socket and subprocess has a timeout, the whole script has
# an alarm, and daemons are stopped by PID (SIGTERM, then SIGKILL).  The
# daemons' stderr is copied into the test log as TAP comments.  Python
# standard library only; run by /usr/bin/python3.
#
# It deliberately knows nothing of SMTP beyond a raw line client: the tests
# use real clients (smtplib, swaks, curl, gnutls-cli, openssl).
#
# Threads.  A socket that a thread reads (an event stream's reader) is
# closed only after that thread stopped: shut it down (which wakes the
# thread), join the thread, then close.  Closed under a thread still in
# recv, its descriptor number goes to the next socket the script opens,
# and the old thread's reads take that connection's bytes: a TLS client
# then sees "bad record MAC", a lost event or a failed handshake that
# look like the server's fault (test-jmap-push.py's Events.close()).

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

BUILDDIR = os.environ.get("HERMOD_BUILDDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRCDIR = os.environ.get("HERMOD_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
HERMODD = os.path.join(BUILDDIR, "core", "hermodd", "hermodd")
HERMODCTL = os.path.join(BUILDDIR, "core", "ctl", "hermodctl")

def _module_dirs():
    """Build-tree folders that hold NAME.so, ';'-joined (may be empty)."""
    found = []
    for sub in ("smtp/.libs", ".libs"):
        path = os.path.join(BUILDDIR, "modules", sub)
        if os.path.isdir(path):
            found.append(path)
    return ";".join(found)


MODULE_DIR = _module_dirs()
HOSTNAME = "mail.example.test"
TIMEOUT = 20  # seconds, for one socket operation or one helper command
TEST_ALARM = int(os.environ.get("HERMOD_TEST_ALARM", "240"))  # per test

_tests = []
_daemons = []
_tmpdirs = []
_problems = []  # problems found while stopping daemons (sanitizer reports)


class PortTaken(Exception):
    """hermodd could not bind a port picked by free_port()."""


class Skip(Exception):
    """Raise to report a test as skipped (a client tool is missing)."""


def test(fn):
    """Register fn as one TAP test; runs in registration order."""
    _tests.append(fn)
    return fn


def setup(fn):
    """Register fn as a step that only prepares (or tears down) what the
    tests check: it runs in registration order among them but is not a
    TAP test.  An exception bails out of the script; Skip skips every
    test after it."""
    fn.is_setup = True
    _tests.append(fn)
    return fn


teardown = setup  # a step after the checks, e.g. stopping a peer


def others_can_reach(path):
    """Can a user other than root walk down to path?  Every folder above
    it must be searchable by others; a chroot whose / is 0700 (one made
    from mktemp -d) is not, and servers that drop privileges (Dovecot's
    auth, hermodd's privilege drop) cannot work there."""
    path = os.path.abspath(path)
    while True:
        up = os.path.dirname(path)
        if not os.stat(up).st_mode & 0o001:
            return False
        if up == path:
            return True
        path = up


def need_tool(name):
    path = shutil.which(name)
    if not path:
        raise Skip(name + " is not installed")
    return path


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tmpdir(prefix="hermod-it-"):
    path = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(path)
    return path


def run(argv, input=None, timeout=TIMEOUT, check=True, env=None):
    """Run a command with a timeout; returns CompletedProcess (bytes)."""
    if isinstance(input, str):
        input = input.encode()
    cp = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=timeout, env=env)
    if check and cp.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s" % (
            " ".join(argv), cp.returncode, cp.stdout.decode(errors="replace"),
            cp.stderr.decode(errors="replace")))
    return cp


def client_tls_context():
    """TLS client context for the daemon's self-signed certificates."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def wait_until(predicate, timeout=TIMEOUT, interval=0.1, what="condition"):
    """Poll predicate() until it returns a true value; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def check_equal(got, want, what="value"):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


class Daemon:
    """One hermodd with its own config, data folder and ports."""

    def __init__(self, name="hermod", domains=("example.test",), users=None,
                 hostname=HOSTNAME):
        self.name = name
        self.dir = tmpdir("hermod-it-%s-" % name)
        self.data_dir = os.path.join(self.dir, "data")
        os.mkdir(self.data_dir)
        self.conf_path = os.path.join(self.dir, "hermod.conf")
        self.stderr_path = os.path.join(self.dir, "hermodd.stderr")
        self.hostname = hostname
        self.domains = list(domains)
        self.users = dict(users if users is not None else
                          {"demo@example.test": "demo-secret-1"})
        self.ports = {"mx": free_port(), "submission": free_port(),
                      "smtps": free_port()}
        self.proc = None
        self.sections = self.default_sections()
        self.provisioned = False
        self.silent = set()  # listeners the config leaves closed (web modes)
        _daemons.append(self)

    def default_sections(self):
        """The config as {section: {key: value}}; tests may edit it."""
        core = {"hostname": self.hostname, "modules": "smtp", "data_dir": self.data_dir}
        if MODULE_DIR:
            core["module_dir"] = MODULE_DIR
        if os.geteuid() == 0:
            core["user"] = "root"  # the temporary folders belong to root
        s = {
            "core": core,
            "queue": {"retry_min": "1s", "retry_max": "2s", "max_age": "1m",
                      "timeout": "20s"},
            "routes": {},
        }
        roles = {"mx": ("mx", "starttls"), "submission": ("submission", "starttls"),
                 "smtps": ("smtps", "implicit")}
        for name, (role, tls) in roles.items():
            s["listener " + name] = {"protocol": "smtp", "role": role,
                                     "address": "127.0.0.1",
                                     "port": str(self.ports[name]), "tls": tls}
        return s

    def port(self, name="mx"):
        return self.ports[name]

    def add_web(self, mode="redirect", http=True, https=True, **web):
        """protocol = http listeners "web" (plain) and "webs" (implicit
        TLS) on free ports, and [web] with mode and the given keys.  The
        listener the mode leaves closed is not waited for."""
        for name, tls, wanted in (("web", "none", http), ("webs", "implicit", https)):
            if not wanted:
                continue
            self.ports[name] = free_port()
            self.sections["listener " + name] = {
                "protocol": "http", "address": "127.0.0.1",
                "port": str(self.ports[name]), "tls": tls}
        self.sections["web"] = dict({"mode": mode}, **web)
        self.silent = {"http": {"webs"}, "https": {"web"}}.get(mode, set())

    def add_route(self, domain, port, host="127.0.0.1"):
        self.sections["routes"][domain] = "%s:%d" % (host, port)

    def config_text(self):
        out = ["# written by hermodtest.py"]
        for section, keys in self.sections.items():
            if not keys and section == "routes":
                continue
            out.append("")
            out.append("[%s]" % section)
            for k, v in keys.items():
                out.append("%s = %s" % (k, v))
        return "\n".join(out) + "\n"

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        return self.conf_path

    def ctl(self, *args, input=None, check=True, timeout=TIMEOUT):
        """Run hermodctl -c CONF ARGS...; returns CompletedProcess."""
        self.write_config()
        return run([HERMODCTL, "-c", self.conf_path] + list(args), input=input,
                   check=check, timeout=timeout)

    def provision(self):
        """Create the domains and accounts (passwords on stdin)."""
        for d in self.domains:
            self.ctl("domain", "add", d)
        for address, password in self.users.items():
            self.ctl("user", "add", address, input=password + "\n")
        self.provisioned = True

    def start(self, timeout=60):
        """Start hermodd and wait until every listener logged "listening:".
        A port taken in the meantime (another test) gets new ports."""
        for attempt in range(3):
            try:
                return self._start(timeout)
            except PortTaken:
                self._mark_restart()
                for name in self.ports:
                    self.ports[name] = free_port()
                    section = self.sections.get("listener " + name)
                    if section is not None:
                        section["port"] = str(self.ports[name])
        return self._start(timeout)

    def _start(self, timeout):
        if not self.provisioned:
            self.provision()
        self.write_config()
        want = {s.split(" ", 1)[1] for s in self.sections if s.startswith("listener ")}
        want -= self.silent
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([HERMODD, "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err)
        err.close()
        deadline = time.monotonic() + timeout
        while not want <= self.listening():
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                run_text = self.stderr_text()[self._run_offset():]
                if "in use" in run_text:
                    raise PortTaken(run_text)
                raise AssertionError("hermodd exited with %d during start-up:\n%s"
                                     % (code, self.stderr_tail()))
            if time.monotonic() > deadline:
                raise AssertionError("hermodd did not log 'listening:' for %s in %ss:\n%s"
                                     % (sorted(want - self.listening()), timeout,
                                        self.stderr_tail()))
            time.sleep(0.05)

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_tail(self, lines=60):
        return "\n".join(self.stderr_text().splitlines()[-lines:])

    def listening(self):
        """Names of the listeners that logged "listening: NAME ..." since
        the last start."""
        text = self.stderr_text()[self._run_offset():]
        return set(re.findall(r"listening: (\S+)", text))

    def _run_offset(self):
        return getattr(self, "_offset", 0)

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=15):
        """SIGTERM, wait up to grace seconds, then SIGKILL; returns exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                _problems.append("%s: did not stop within %ss of SIGTERM" % (self.name, grace))
        code = self.proc.returncode
        self.proc = None
        self._mark_restart()
        return code

    def kill(self):
        """SIGKILL (a crash); waits for the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        self._mark_restart()

    def _mark_restart(self):
        self._offset = len(self.stderr_text())

    # --- the store, through hermodctl mail ---

    def mail_list(self, account, mailbox="INBOX"):
        """[(uid, size, subject-ish text line)] from `hermodctl mail list`."""
        cp = self.ctl("mail", "list", account, mailbox)
        rows = []
        for line in cp.stdout.decode(errors="replace").splitlines():
            m = re.match(r"\s*(\d+)\s+(.*)$", line)
            if m:
                rows.append((int(m.group(1)), m.group(2)))
        return rows

    def mail_cat(self, account, uid, mailbox="INBOX"):
        """The raw bytes of one stored message."""
        return self.ctl("mail", "cat", account, mailbox, str(uid)).stdout

    def messages(self, account, mailbox="INBOX"):
        """Every message of a mailbox as raw bytes, in UID order."""
        return [self.mail_cat(account, uid, mailbox)
                for uid, _ in self.mail_list(account, mailbox)]

    def wait_message(self, account, needle, mailbox="INBOX", timeout=TIMEOUT):
        """Wait until a message containing needle (bytes) is stored."""
        def find():
            for uid, _ in self.mail_list(account, mailbox):
                raw = self.mail_cat(account, uid, mailbox)
                if needle in raw:
                    return raw
            return None
        return wait_until(find, timeout, 0.3, "a message with %r in %s %s"
                          % (needle, account, mailbox))


class Raw:
    """A raw SMTP line client (for what smtplib refuses to send)."""

    def __init__(self, port, host="127.0.0.1", tls=False, timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = client_tls_context().wrap_socket(self.sock)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed; buffered %r" % self.buf[:200])
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def reply(self):
        """One (possibly multi-line) reply: (code, [text lines])."""
        lines = []
        while True:
            line = self.readline()
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def pending(self, wait=1.0):
        """Bytes the server sent beyond the replies read so far, waiting up
        to wait seconds for more (b"" if none)."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
            self.buf += chunk
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(TIMEOUT)
        return self.buf

    def starttls(self):
        code, _ = self.cmd("STARTTLS")
        check_equal(code, 220, "STARTTLS reply")
        self.sock = client_tls_context().wrap_socket(self.sock)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def unique(tag="m"):
    """A unique token for subjects and Message-IDs."""
    return "%s-%d-%d-%s" % (tag, os.getpid(), time.monotonic_ns(), os.urandom(3).hex())


def _diag(text):
    for line in text.splitlines():
        print("# " + line)


def _report_daemons():
    for d in _daemons:
        if d.proc is not None:
            code = d.stop()
            if code not in (0, None):
                _problems.append("%s: exit code %s after SIGTERM" % (d.name, code))
        text = d.stderr_text()
        if re.search(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:", text):
            _problems.append("%s: sanitizer report in stderr" % d.name)
        lines = text.splitlines()
        print("# ---- stderr of %s (%d lines, last 300 shown)" % (d.name, len(lines)))
        _diag("\n".join(lines[-300:]))


def _alarm(signum, frame):
    raise TimeoutError("test alarm: the test ran too long")


def _name(fn):
    return fn.__name__.replace("_", " ")


def _run_setup(fn):
    """Run one setup step; None if it went, else why it skipped."""
    t0 = time.monotonic()
    signal.alarm(getattr(fn, "timeout", TEST_ALARM))
    try:
        fn()
    except Skip as e:
        print("# setup %s: skipped (%s)" % (_name(fn), e), flush=True)
        return str(e)
    except BaseException as e:  # noqa: reported, then the run stops
        if isinstance(e, KeyboardInterrupt):
            raise
        _diag(traceback.format_exc())
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        print("Bail out! setup %s failed: %s" % (_name(fn), reason), flush=True)
        _finish()
        sys.exit(1)
    finally:
        signal.alarm(0)
    print("# setup %s (%.1fs)" % (_name(fn), time.monotonic() - t0), flush=True)
    return None


def _run_test(n, fn, skipped):
    """Run one counted test; True if it failed."""
    if skipped is not None:
        print("ok %d - %s # SKIP %s" % (n, _name(fn), skipped), flush=True)
        return False
    t0 = time.monotonic()
    signal.alarm(getattr(fn, "timeout", TEST_ALARM))
    try:
        fn()
    except Skip as e:
        print("ok %d - %s # SKIP %s" % (n, _name(fn), e), flush=True)
        return False
    except BaseException as e:  # noqa: a test must never stop the run
        if isinstance(e, KeyboardInterrupt):
            raise
        print("not ok %d - %s" % (n, _name(fn)))
        _diag(traceback.format_exc())
        sys.stdout.flush()
        return True
    finally:
        signal.alarm(0)
    print("ok %d - %s (%.1fs)" % (n, _name(fn), time.monotonic() - t0), flush=True)
    return False


def _finish():
    """Stop the daemons and report their stderr; True if all stopped
    cleanly.  Removes the temporary folders unless HERMOD_KEEP_TMP."""
    signal.alarm(60)
    try:
        _report_daemons()
    except BaseException:
        _problems.append(traceback.format_exc())
    signal.alarm(0)
    sys.stdout.flush()
    if os.environ.get("HERMOD_KEEP_TMP") is None:
        for path in _tmpdirs:
            shutil.rmtree(path, ignore_errors=True)
    return not _problems


def main():
    """Run every registered step and test, print TAP, stop daemons, exit."""
    signal.signal(signal.SIGALRM, _alarm)
    checks = [fn for fn in _tests if not getattr(fn, "is_setup", False)]
    print("1..%d" % (len(checks) + 1), flush=True)
    failed = 0
    n = 0
    skipped = None  # why a setup step skipped: the tests after it skip too
    for fn in _tests:
        if getattr(fn, "is_setup", False):
            if skipped is None:
                skipped = _run_setup(fn)
            else:
                print("# setup %s: skipped (%s)" % (_name(fn), skipped), flush=True)
            continue
        n += 1
        failed += _run_test(n, fn, skipped)
    if _finish():
        print("ok %d - daemons stop cleanly" % (n + 1))
    else:
        failed += 1
        print("not ok %d - daemons stop cleanly" % (n + 1))
        _diag("\n".join(_problems))
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
