# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-daemon.py - hermodd's life cycle: the "listening:" lines, SIGHUP
# (a bad config is refused and the running one stays, a good one is taken,
# open connections survive both), SIGTERM (drain, exit 0), --check-config
# output (also of the shipped sample), -o overrides, refusing root without
# a user, and hermodctl's usage and exit codes.
import os
import pwd
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

srv = ht.Daemon("daemon")
if os.geteuid() == 0:
    srv.sections["core"]["user"] = "root"
srv.sections["core"]["drain_time"] = "3s"


def stderr_since(offset):
    return srv.stderr_text()[offset:]


def wait_log(offset, pattern, what):
    return ht.wait_until(lambda: re.search(pattern, stderr_since(offset)), ht.TIMEOUT, 0.1, what)


def sighup_with(text):
    with open(srv.conf_path, "w") as f:
        f.write(text)
    offset = len(srv.stderr_text())
    srv.proc.send_signal(signal.SIGHUP)
    return offset


@ht.test
def listening_lines_name_protocol_address_port():
    srv.start()
    text = srv.stderr_text()
    lines = [x for x in text.splitlines() if "listening: " in x]
    for name in ("mx", "submission", "smtps"):
        want = "listening: %s smtp 127.0.0.1:%d" % (name, srv.port(name))
        if name == "smtps":
            want += " (implicit TLS)"
        mine = [x for x in lines if x.endswith(want)]
        ht.check(len(mine) == 1, "want one line ending %r in:\n%s" % (want, "\n".join(lines)))
        ht.check(mine[0].split(" ")[1] == "notice", mine)  # a log line: time notice [-] ...
    ht.check_equal(len(lines), 3, "listening lines")


@ht.test
def bad_config_on_sighup_keeps_the_running_one():
    with ht.Raw(srv.port()) as c:
        ht.check_equal(c.reply()[0], 220, "greeting")
        ht.check_equal(c.cmd("EHLO client.test")[0], 250, "EHLO")
        good = srv.config_text()
        offset = sighup_with(good.replace("[core]\n", "[core]\nno_such_key = 1\n"))
        line = wait_log(offset, r"reload: .*\[core\] no_such_key: unknown key; keeping the "
                        r"running config", "the refused reload in the log")
        ht.check(line is not None)
        ht.check_equal(c.cmd("NOOP")[0], 250, "NOOP on the connection opened before")
    with ht.Raw(srv.port()) as c2:
        ht.check_equal(c2.reply()[0], 220, "a new connection after the refused reload")
    srv.write_config()


@ht.test
def good_config_on_sighup_is_taken_without_dropping_connections():
    with ht.Raw(srv.port()) as c:
        ht.check_equal(c.reply()[0], 220, "greeting")
        offset = sighup_with(srv.config_text().replace("[core]\n", "[core]\nlog_level = debug\n"))
        wait_log(offset, r"reloaded ", "the reload in the log")
        ht.check_equal(c.cmd("EHLO client.test")[0], 250, "EHLO after the reload")
    srv.write_config()


@ht.test
def sigterm_drains_and_exits_zero():
    c = ht.Raw(srv.port())
    ht.check_equal(c.reply()[0], 220, "greeting")
    code = srv.stop(grace=15)
    ht.check_equal(code, 0, "exit code after SIGTERM")
    try:
        data = c.sock.recv(4096)
        ht.check(data == b"" or data.startswith(b"421"), "after shutdown got %r" % data)
    except OSError:
        pass
    c.close()


@ht.test
def check_config_prints_ok():
    path = srv.write_config()
    cp = ht.run([ht.HERMODD, "-c", path, "--check-config"])
    ht.check_equal(cp.stdout.decode().strip(), "%s: OK" % path, "--check-config output")


@ht.test
def sample_config_checks_from_the_build_tree():
    # No module_dir in the sample: a build-tree hermodd finds modules/.libs.
    sample = os.path.join(ht.SRCDIR, "config", "hermod.conf")
    cp = ht.run([ht.HERMODD, "-c", sample, "--check-config"], check=False)
    ht.check_equal(cp.returncode, 0, "exit code (%s)" % (cp.stdout + cp.stderr).decode())
    ht.check_equal(cp.stdout.decode().strip(), "%s: OK" % sample, "output")


@ht.test
def override_error_names_section_and_key():
    path = srv.write_config()
    cp = ht.run([ht.HERMODD, "-c", path, "-o", "listener mx.port=70000", "--check-config"],
                check=False)
    ht.check_equal(cp.returncode, 1, "exit code")
    ht.check_equal(cp.stderr.decode().strip(),
                   "%s: [listener mx] port: 70000 is not a port (0-65535)" % path, "message")


@ht.test
def root_without_user_is_refused():
    if os.geteuid() != 0:
        raise ht.Skip("not running as root")
    try:
        pwd.getpwnam("hermod")
        raise ht.Skip("a user hermod exists: hermodd would run as it")
    except KeyError:
        pass
    path = srv.write_config()
    cp = ht.run([ht.HERMODD, "-c", path, "-o", "core.user="], check=False)
    ht.check_equal(cp.returncode, 1, "exit code")
    ht.check(b"user = root" in cp.stderr, "message: %r" % cp.stderr)


@ht.test
def hermodctl_usage_and_exit_codes():
    cp = ht.run([ht.HERMODCTL, "help"])
    ht.check(b"usage: hermodctl" in cp.stdout, "help output: %r" % cp.stdout)
    cp = ht.run([ht.HERMODCTL, "no-such-noun", "verb"], check=False)
    ht.check_equal(cp.returncode, 2, "exit code for an unknown noun")
    ht.check(b'unknown noun "no-such-noun"' in cp.stderr, "message: %r" % cp.stderr)
    cp = ht.run([ht.HERMODCTL], check=False)
    ht.check_equal(cp.returncode, 2, "exit code without arguments")


ht.main()
