# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/benchlib.py - what the IMAP, IDLE and POP3 benchmarks share: a
# private Dovecot instance and a Hermod instance on loopback, the same
# test messages for both, memory (PSS) and CPU of a server's processes.
#
# Dovecot: Debian's dovecot-imapd and dovecot-pop3d, installed if missing
# (policy-rc.d or no init system means the package starts nothing; any
# dovecot that appears during the install is stopped by PID).  The private
# instance has its own base_dir, config file (dovecot -F -c FILE), Maildir
# under a temporary folder, passdb passwd-file, userdb static and listeners
# on 127.0.0.1 only; it is started as a child of this process and stopped
# by that PID (SIGTERM, then SIGKILL of its process tree).
#
# Hermod: hermodd from _build/plain (built if missing) through
# tests/integration/hermodtest.py, with modules smtp;imap (and pop3 for
# the POP3 benchmark).
#
# Both servers get the same self-signed certificate (ECDSA P-256), plain
# text logins on the plain listeners (loopback is trusted) and limits
# raised far enough for the benchmark's connection count.  Python
# standard library only; run by /usr/bin/python3 as root.
import os
import pwd
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

# Every server's data under one folder on one filesystem: Dovecot's and
# Postfix's temporary folders and hermodtest's (which uses tempfile's
# default) all go to BENCH_TMPDIR (/var/tmp), so that neither server gets
# a faster disk (or a tmpfs) than the other.
TMPDIR = os.environ.get("BENCH_TMPDIR", "/var/tmp")
tempfile.tempdir = TMPDIR

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.setdefault("HERMOD_BUILDDIR", os.path.join(TOP, "_build", "plain"))
os.environ.setdefault("HERMOD_SRCDIR", TOP)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

PASSWORD = "bench-secret-1"
# Both servers check this one SHA-512-crypt hash of PASSWORD (1000 rounds,
# about 2 ms): the benchmarks measure protocols, not password hashing
# (Hermod's own default, yescrypt, costs about 100 ms per login here, and
# 5000 logins would take minutes on 2 cores; Dovecot would do the same
# with that hash).
DOMAIN = "bench.test"
_started = []  # Popen objects of servers we started (stopped at exit)


def say(prog, msg):
    print("%s: %s" % (prog, msg), flush=True)


def sh(argv, **kw):
    kw.setdefault("timeout", 600)
    return subprocess.run(argv, check=True, **kw)


def need_root(prog):
    if os.geteuid() != 0:
        sys.exit("%s: run as root (Dovecot's master needs it)" % prog)


def password_hash():
    import ctypes
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = b"$6$rounds=1000$" + os.urandom(8).hex().encode()
    return lib.crypt(PASSWORD.encode(), salt).decode()


HASH = password_hash()


# ---- processes: PIDs, memory, CPU -------------------------------------

def dovecot_pids():
    out = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if f.read().strip() == "dovecot":
                        out.add(int(pid))
            except OSError:
                pass
    return out


def process_tree(root):
    """root and every descendant PID (from /proc/*/stat ppid)."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def pss_kib(pids):
    """Sum of Pss over pids from /proc/PID/smaps_rollup, in KiB."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cpu_seconds(pids):
    """utime + stime of the live processes pids, plus what the first (the
    server's root process) has reaped of its exited children, in seconds:
    Dovecot's short-lived pop3/imap processes count too."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for k, pid in enumerate(pids):
        try:
            with open("/proc/%d/stat" % pid) as f:
                f = f.read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
            if k == 0:
                total += int(f[13]) + int(f[14])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nothing listens on 127.0.0.1:%d" % port)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_proc(proc, grace=20):
    """SIGTERM a server we started, wait, then SIGKILL its whole tree."""
    if proc is None or proc.poll() is not None:
        return
    tree = process_tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    for pid in tree:  # only PIDs that descended from our server
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def raise_nofile(n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(n, hard) if hard != resource.RLIM_INFINITY else n
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Sysctl:
    """Raise a /proc/sys value for the run and put the old one back."""

    def __init__(self, path, value):
        self.path, self.old = path, None
        try:
            with open(path) as f:
                self.old = f.read().strip()
            if int(self.old) < value:
                with open(path, "w") as f:
                    f.write(str(value))
            else:
                self.old = None
        except OSError:
            self.old = None

    def value(self):
        with open(self.path) as f:
            return int(f.read())

    def restore(self):
        if self.old is not None:
            try:
                with open(self.path, "w") as f:
                    f.write(self.old)
            except OSError:
                pass


# ---- installing and building -------------------------------------------

def ensure_dovecot(prog):
    if os.path.exists("/usr/lib/dovecot/imap") and os.path.exists("/usr/lib/dovecot/pop3"):
        return
    say(prog, "installing dovecot-imapd dovecot-pop3d (Debian packages)")
    before = dovecot_pids()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends",
            "dovecot-imapd", "dovecot-pop3d"]
    if subprocess.run(argv, env=env, timeout=600, stdout=subprocess.DEVNULL).returncode != 0:
        sh(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        sh(argv, env=env, stdout=subprocess.DEVNULL)
    # A system-wide Dovecot must not be left running: stop and disable the
    # service if the package started one, and end any new dovecot PID.
    new = dovecot_pids() - before
    if new:
        if os.path.isdir("/run/systemd/system"):
            subprocess.run(["systemctl", "disable", "--now", "dovecot"], timeout=60,
                           capture_output=True)
        for pid in dovecot_pids() - before:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass


def ensure_hermod(prog):
    if os.path.exists(os.path.join(BUILD, "core", "hermodd", "hermodd")):
        sh(["make", "-C", BUILD, "-s", "-j2"], stdout=subprocess.DEVNULL)
        return
    say(prog, "building Hermod in %s" % BUILD)
    if not os.path.exists(os.path.join(TOP, "configure")):
        sh(["autoreconf", "-fi"], cwd=TOP, stdout=subprocess.DEVNULL)
    os.makedirs(BUILD, exist_ok=True)
    sh([os.path.join(TOP, "configure"), "-q"], cwd=BUILD)
    sh(["make", "-s", "-j2"], cwd=BUILD, stdout=subprocess.DEVNULL)


def make_cert(folder):
    """(cert, key) paths: one self-signed ECDSA P-256 certificate."""
    cert, key = os.path.join(folder, "bench.crt"), os.path.join(folder, "bench.key")
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-days", "2", "-subj", "/CN=bench.test", "-addext",
        "subjectAltName=DNS:bench.test", "-keyout", key, "-out", cert],
       capture_output=True)
    return cert, key


# ---- the messages ------------------------------------------------------

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
         "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
         "xray yankee zulu").split()


_lines = []
_cache = {}


def internal_date(i):
    """Message i's internal date on both servers (the Maildir file's mtime
    on Dovecot, the APPEND date on Hermod): one hour apart, from
    14-Nov-2023, so that SEARCH SINCE selects part of a mailbox."""
    return 1700000000 + 3600 * i


def message(i, size=None):
    """Message number i (0-based), the same bytes every run: 1-24 KB, or
    exactly size bytes when size is given."""
    if (i, size) in _cache:
        return _cache[(i, size)]
    if not _lines:
        rnd = random.Random(0)
        _lines.extend(" ".join(rnd.choice(WORDS) for _ in range(12)) + "\r\n"
                      for _ in range(4000))
    rnd = random.Random(i)
    want = rnd.choice((1500, 2500, 4000, 6000, 9000, 16000, 24000))
    if size is not None:
        want = size
    head = ("From: Sender %d <sender%d@example.test>\r\n"
            "To: reader@bench.test\r\n"
            "Subject: bench message %d topic%d %s\r\n"
            "Date: Sun, 22 Nov 2026 %02d:%02d:%02d +0000\r\n"
            "Message-ID: <bench-%d@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            % (i % 50, i % 50, i, i % 20, rnd.choice(WORDS), (i // 3600) % 24,
               (i // 60) % 60, i % 60, i))
    first = rnd.randrange(0, 3000)
    count = max(1, (want - len(head)) // 90)
    if size is None:
        data = (head + "".join(_lines[first:first + count])).encode()
    else:  # enough lines, cut to size - 2 bytes, then a CRLF
        cut = (head + "".join(_lines[first:first + 2 * count + 2])).encode()[:size - 2]
        data = (cut[:-1] + b"x" if cut.endswith(b"\r") else cut) + b"\r\n"
    _cache[(i, size)] = data
    return data


def write_maildir(folder, count, uid, gid, size=None):
    """Deliver messages 0..count-1 into a Maildir as a fresh cur/ files."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    host = "bench"
    base = 1700000000
    for i in range(count):
        data = message(i, size)
        name = "%d.M%dP1.%s,S=%d:2," % (base + i, i, host, len(data))
        with open(os.path.join(folder, "cur", name), "wb") as f:
            f.write(data)
        when = internal_date(i)
        os.utime(os.path.join(folder, "cur", name), (when, when))
    for dirpath, dirs, files in os.walk(os.path.dirname(folder)):
        os.chown(dirpath, uid, gid)
        for f in files:
            os.chown(os.path.join(dirpath, f), uid, gid)


def imap_append_all(port, user, count, timeout=600, size=None):
    """APPEND messages 0..count-1 to user's INBOX over plain IMAP, with
    the same internal dates as the Maildir files."""
    import imaplib
    c = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    c.login(user, PASSWORD)
    deadline = time.monotonic() + timeout
    for i in range(count):
        when = imaplib.Time2Internaldate(internal_date(i))
        typ, data = c.append("INBOX", None, when, message(i, size))
        if typ != "OK":
            raise RuntimeError("APPEND %d for %s: %r" % (i, user, data))
        if time.monotonic() > deadline:
            raise RuntimeError("APPEND of %d messages took over %ds" % (count, timeout))
    c.logout()


def parallel(fn, argsets, timeout):
    """Run fn(*args) for each args in a forked child; raise on a failure."""
    pids = []
    for args in argsets:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fn(*args)
            except BaseException as e:  # noqa: report and exit the child
                sys.stderr.write("child %r failed: %s\n" % (args, e))
                code = 1
            os._exit(code)
        pids.append(pid)
    deadline = time.monotonic() + timeout
    bad = 0
    for pid in pids:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                bad += status != 0
                break
            if time.monotonic() > deadline:
                for p in pids:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                raise RuntimeError("helpers ran over %ds" % timeout)
            time.sleep(0.05)
    if bad:
        raise RuntimeError("%d of %d helper processes failed" % (bad, len(pids)))


# ---- Dovecot -----------------------------------------------------------

class Dovecot:
    """A private Dovecot: own base_dir, config, Maildirs, 127.0.0.1 only."""

    name = "dovecot"

    def __init__(self, root, users, cert, key, max_conn=1000, login_procs=2):
        self.root, self.users = root, list(users)
        self.ports = {p: free_port() for p in ("imap", "imaps", "pop3")}
        self.proc = None
        mail = pwd.getpwnam("mail")  # a system user with no login
        self.uid, self.gid = mail.pw_uid, mail.pw_gid
        for d in ("run", "state", "mail", "home"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        os.chown(os.path.join(root, "mail"), self.uid, self.gid)
        os.chown(os.path.join(root, "home"), self.uid, self.gid)
        self.conf = os.path.join(root, "dovecot.conf")
        with open(os.path.join(root, "passwd"), "w") as f:
            for u in self.users:
                f.write("%s:{CRYPT}%s::::::\n" % (u, HASH))
        with open(self.conf, "w") as f:
            f.write(self.config_text(cert, key, max_conn, login_procs))

    def config_text(self, cert, key, max_conn, login_procs):
        r = self.root
        per_login = max_conn // login_procs + 64
        return f"""# written by bench/benchlib.py
base_dir = {r}/run
state_dir = {r}/state
instance_name = bench-{os.getpid()}
log_path = {r}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = {self.uid}
first_valid_gid = {self.gid}
mail_location = maildir:{r}/mail/%u
mail_privileged_group =
maildir_very_dirty_syncs = yes
mail_max_userip_connections = {max_conn + 100}
default_process_limit = {max_conn + 100}
default_client_limit = {max_conn + 100}
default_vsz_limit = 1G
passdb {{
  driver = passwd-file
  args = scheme=CRYPT username_format=%u {r}/passwd
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
  service_count = 0
  process_min_avail = {login_procs}
  process_limit = {login_procs}
  client_limit = {per_login}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.ports["pop3"]}
  }}
  inet_listener pop3s {{
    port = 0
  }}
  service_count = 0
  process_min_avail = {login_procs}
  process_limit = {login_procs}
  client_limit = {per_login}
}}
service imap {{
  process_limit = {max_conn + 100}
}}
service pop3 {{
  process_limit = {max_conn + 100}
}}
service anvil {{
  client_limit = {3 * max_conn + 1000}
}}
service auth {{
  client_limit = {3 * max_conn + 1000}
}}
protocol imap {{
  mail_max_userip_connections = {max_conn + 100}
}}
protocol pop3 {{
  mail_max_userip_connections = {max_conn + 100}
}}
"""

    def port(self, name):
        return self.ports[name]

    def maildir(self, user):
        return os.path.join(self.root, "mail", user)

    def load(self, count, size=None):
        """The same messages in every user's INBOX, as Maildir files."""
        for u in self.users:
            write_maildir(self.maildir(u), count, self.uid, self.gid, size)

    def start(self):
        log = open(os.path.join(self.root, "dovecot.stderr"), "ab")
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        _started.append(self)
        for p in ("imap", "pop3"):
            wait_port(self.ports[p])

    def pids(self):
        return process_tree(self.proc.pid) if self.proc else []

    def stop(self):
        stop_proc(self.proc)
        self.proc = None

    def log_tail(self, n=20):
        out = []
        for name in ("dovecot.stderr", "dovecot.log"):
            try:
                with open(os.path.join(self.root, name), errors="replace") as f:
                    out += f.read().splitlines()[-n:]
            except OSError:
                pass
        return "\n".join(out)


# ---- Hermod ------------------------------------------------------------

class Hermod:
    """hermodd with smtp;imap;pop3, accounts USER@bench.test, loopback."""

    name = "hermod"

    def __init__(self, users, cert, key, max_conn=1000, modules=("smtp", "imap")):
        import hermodtest
        self.users = list(users)
        d = hermodtest.Daemon("bench", domains=(DOMAIN,),
                              users={u: PASSWORD for u in self.users})
        for name in ("submission", "smtps"):
            del d.sections["listener " + name]
        d.sections["core"]["modules"] = ";".join(modules)
        dirs = [os.path.join(BUILD, "modules", m, ".libs") for m in modules]
        dirs.append(os.path.join(BUILD, "modules", ".libs"))
        d.sections["core"]["module_dir"] = ";".join(x for x in dirs if os.path.isdir(x))
        d.sections["core"]["log_level"] = "notice"
        for name, tls in (("imap", "starttls"), ("imaps", "implicit"), ("pop3", "starttls")):
            if name.rstrip("s") not in modules:
                continue
            d.ports[name] = free_port()
            d.sections["listener " + name] = {
                "protocol": name.rstrip("s"), "role": name, "address": "127.0.0.1",
                "port": str(d.ports[name]), "tls": tls}
        d.sections["limits"] = {"max_connections": str(max_conn + 100),
                                "max_connections_per_ip": "0"}
        # Loopback is trusted: plain-text LOGIN/USER-PASS as on Dovecot.
        d.sections["auth"] = {"trusted_networks": "127.0.0.0/8"}
        if "pop3" in modules:
            d.sections["pop3"] = {"require_tls_for_auth": "no"}
        d.sections["certificate bench"] = {"cert": cert, "key": key, "default": "yes"}
        self.d = d
        self.root = d.dir

    def port(self, name):
        return self.d.port(name)

    def start(self):
        import sqlite3
        if not self.d.provisioned:
            self.d.provision()
            with sqlite3.connect(os.path.join(self.d.data_dir, "hermod.db"), timeout=30) as db:
                for u in self.users:
                    n = db.execute("UPDATE accounts SET hash = ? WHERE address = ?",
                                   (HASH, u)).rowcount
                    if n != 1:
                        raise RuntimeError("account %s not found in hermod.db" % u)
        self.d.start()
        _started.append(self)

    def pids(self):
        return process_tree(self.d.proc.pid) if self.d.proc else []

    def stop(self):
        self.d.stop()

    def load(self, count, size=None):
        """APPEND the messages to every user's INBOX, in parallel."""
        parallel(imap_append_all, [(self.port("imap"), u, count, 600, size)
                                   for u in self.users], 600)

    def log_tail(self, n=20):
        return self.d.stderr_tail(n)


# ---- reply-waiting clients: TLS, latencies, the order of the servers ---

_tls_ctx = []


def tls_context():
    """The client context for the benchmarks' self-signed certificate,
    made once: ssl.create_default_context() loads the system's CA bundle,
    which cost ~40 ms of client CPU per new connection here."""
    import ssl
    if not _tls_ctx:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        _tls_ctx.append(ctx)
    return _tls_ctx[0]


def wrk_figures(out):
    """What wrk --latency printed (its stdout): requests/s, the request
    count, p50 and p99 in ms (None if not printed), and its error line
    ("Non-2xx or 3xx responses: N" or "Socket errors: ...", or "")."""
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {m.group(1): float(m.group(2)) * unit[m.group(3)]
           for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            int(total.group(1)) if total else 0, lat.get("50"), lat.get("99"),
            errors.group(0) if errors else "")


def percentile(values, q):
    """The q-th percentile (0-100) of a sorted list, nearest rank."""
    if not values:
        return float("nan")
    import math
    k = max(0, min(len(values) - 1, math.ceil(q / 100.0 * len(values)) - 1))
    return values[k]


class Latencies:
    """Seconds per command kind; merged from the client processes."""

    def __init__(self):
        self.by_kind = {}

    def add(self, kind, seconds):
        self.by_kind.setdefault(kind, []).append(seconds)

    def dump(self, path):
        import json
        with open(path, "w") as f:
            json.dump(self.by_kind, f)

    def load(self, path):
        import json
        with open(path) as f:
            for kind, v in json.load(f).items():
                self.by_kind.setdefault(kind, []).extend(v)

    def merge(self, other):
        for kind, v in other.by_kind.items():
            self.by_kind.setdefault(kind, []).extend(v)

    def summary(self, kinds=None):
        """{kind: (count, p50 ms, p99 ms)}, with "all" over every kind."""
        out = {}
        every = []
        for kind in kinds or sorted(self.by_kind):
            v = sorted(self.by_kind.get(kind, []))
            every += v
            out[kind] = (len(v), 1e3 * percentile(v, 50), 1e3 * percentile(v, 99))
        every.sort()
        out["all"] = (len(every), 1e3 * percentile(every, 50), 1e3 * percentile(every, 99))
        return out


def latency_lines(prog, by_server, kinds):
    """Print p50/p99 per kind, servers side by side; returns the lines."""
    names = sorted(by_server)
    sums = {n: by_server[n].summary(kinds) for n in names}
    lines = ["%-22s" % "p50 / p99 ms (count)" + "".join("  %-28s" % n for n in names)]
    for kind in list(kinds) + ["all"]:
        cells = []
        for n in names:
            c, p50, p99 = sums[n].get(kind, (0, float("nan"), float("nan")))
            cells.append("  %-28s" % ("%8.2f / %8.2f (%d)" % (p50, p99, c)))
        lines.append("%-22s" % kind + "".join(cells))
    for line in lines:
        say(prog, line)
    return sums


def round_order(servers, r):
    """The servers in round r: the first one swaps every round, so that
    neither always runs first (a warmer cache, a quieter minute)."""
    return list(servers) if r % 2 == 0 else list(reversed(servers))


def same_filesystem(prog, paths):
    """Say which device each server's data is on; warn if they differ."""
    devs = {p: os.stat(p).st_dev for p in paths}
    if len(set(devs.values())) > 1:
        say(prog, "WARNING: the servers' data are on different filesystems: %r" % devs)
    else:
        say(prog, "all servers' data on one filesystem (device %d) under %s"
            % (next(iter(devs.values())), os.path.commonpath(list(paths))))


def stop_all():
    for s in _started:
        try:
            s.stop()
        except Exception:  # noqa: stopping must go on for the others
            pass


def own_block_groups(path):
    """Let the folders made in path get block groups of their own (ext4's
    TOPDIR flag, chattr +T; ignored elsewhere).  On an ext4 without a
    journal, creating a file costs a scan past every inode of its block
    group freed in the last seconds (minutes while the inode table is
    dirty): 130-340 us per file next to a folder where another program (or
    the last run's clean-up) just deleted thousands, ~13 us elsewhere.
    Hermod's store does this for its account folders; the benchmarks do it
    for the peer's folders, so that neither server pays for the other's
    deletions or for the last run's."""
    subprocess.run(["chattr", "+T", path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


def workdir(prefix):
    tmp = tempfile.mkdtemp(prefix=prefix, dir=TMPDIR)
    os.chmod(tmp, 0o755)
    return tmp


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    dv = subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True,
                        text=True).stdout.strip()
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    return "nproc %d, %s, %d MiB RAM, Dovecot %s, load average %s" % (
        os.cpu_count(), model, mem, dv, load)


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])
