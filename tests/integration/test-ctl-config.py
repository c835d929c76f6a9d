# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-ctl-config.py - `hermodctl config show [--non-default]`: every key
# of every core section and of every loaded module's section is printed
# with the value in force; --non-default keeps only what differs from the
# default (a value written differently but meaning the default, such as
# 300s for 5m, is a default); the output is itself a config that
# --check-config accepts and that shows the same again.
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

srv = ht.Daemon("ctlconfig")
srv.sections["core"]["modules"] = "smtp;imap;pop3"
srv.sections["smtp"] = {"max_recipients": "7", "banner": "Hermod"}  # banner: the default
srv.sections["queue"]["retry_max"] = "2s"
srv.add_route("example.org", 2526)


def show(*extra, conf=None):
    cp = ht.run([ht.HERMODCTL, "-c", conf or srv.write_config(), "config", "show"] + list(extra))
    return cp.stdout.decode()


def parse(text):
    """{section: {key: value}} of a config show output ("#key" lines are
    keys without a value)."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            cur = out.setdefault(m.group(1), {})
            continue
        m = re.match(r"^#?([^\s=#]+) =(?: (.*))?$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2) or ""
    return out


@ht.test
def show_lists_every_section_and_key():
    got = parse(show())
    for section in ("core", "limits", "tls", "auth", "queue", "routes", "smtp", "imap", "pop3",
                    "listener mx", "listener submission", "listener smtps"):
        ht.check(section in got, "no [%s] in config show" % section)
    ht.check_equal(got["core"]["drain_time"], "10s", "[core] drain_time (a default)")
    ht.check_equal(got["smtp"]["max_recipients"], "7", "[smtp] max_recipients (set)")
    ht.check_equal(got["smtp"]["max_message_size"], "25M", "[smtp] max_message_size")
    ht.check_equal(got["queue"]["retry_max"], "2s", "[queue] retry_max")
    ht.check_equal(got["routes"], {"example.org": "127.0.0.1:2526"}, "[routes]")
    ht.check("set_seen" in got["pop3"], "[pop3] set_seen missing: %r" % got["pop3"])
    ht.check("max_literal" in got["imap"], "[imap] max_literal missing")


@ht.test
def non_default_keeps_only_what_differs():
    text = ht.run([ht.HERMODCTL, "-c", srv.write_config(), "-o", "core.log_level=debug",
                   "-o", "limits.idle_timeout=300s", "config", "show", "--non-default"]
                  ).stdout.decode()
    got = parse(text)
    ht.check_equal(got["core"].get("log_level"), "debug", "-o override shown")
    ht.check("drain_time" not in got["core"], "a default shown:\n" + text)
    ht.check("hostname" in got["core"], "hostname set in the file not shown")
    ht.check("limits" not in got, "300s (= the default 5m) shown as non-default:\n" + text)
    ht.check_equal(got["smtp"], {"max_recipients": "7"}, "[smtp] non-default keys")
    ht.check("imap" not in got and "pop3" not in got, "all-default modules shown:\n" + text)
    ht.check_equal(got["routes"], {"example.org": "127.0.0.1:2526"}, "[routes]")
    ht.check_equal(got["listener mx"]["port"], str(srv.port("mx")), "listener port")


@ht.test
def output_is_a_valid_config_that_shows_the_same():
    first = show()
    copy = os.path.join(srv.dir, "shown.conf")
    with open(copy, "w") as f:
        f.write(first)
    cp = ht.run([ht.HERMODD, "-c", copy, "--check-config"], check=False)
    ht.check_equal(cp.returncode, 0, "--check-config on the shown config: %s"
                   % (cp.stdout + cp.stderr).decode())
    again = show(conf=copy)
    ht.check_equal(again.splitlines()[1:], first.splitlines()[1:], "show of the shown config")


@ht.test
def bad_arguments_are_a_usage_error():
    cp = ht.run([ht.HERMODCTL, "-c", srv.write_config(), "config", "show", "--bogus"],
                check=False)
    ht.check_equal(cp.returncode, 2, "exit code")
    ht.check(b"usage" in cp.stderr, "no usage line: %r" % cp.stderr)


ht.main()
