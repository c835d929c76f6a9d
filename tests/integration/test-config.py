# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-config.py - `hermodd --check-config`: the harness's config and the
# shipped sample pass; an unknown key and a bad port are refused with a
# message naming the file, the section and the key, and the daemon refuses
# to start with them.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

srv = ht.Daemon("config")


def check_config(text=None):
    if text is not None:
        with open(srv.conf_path, "w") as f:
            f.write(text)
    else:
        srv.write_config()
    return ht.run([ht.HERMODD, "-c", srv.conf_path, "--check-config"], check=False)


def expect_refusal(text, section, key):
    cp = check_config(text)
    out = (cp.stdout + cp.stderr).decode(errors="replace")
    ht.check(cp.returncode != 0, "--check-config accepted it:\n" + out)
    for word in (srv.conf_path, section, key):
        ht.check(word in out, "message does not name %r:\n%s" % (word, out))
    proc = ht.run([ht.HERMODD, "-c", srv.conf_path], check=False, timeout=30)
    ht.check(proc.returncode != 0, "hermodd started with a bad config")


@ht.test
def harness_config_is_valid():
    cp = check_config()
    ht.check_equal(cp.returncode, 0, "exit code (%s)" % (cp.stdout + cp.stderr).decode())


@ht.test
def sample_config_is_valid():
    sample = os.path.join(ht.SRCDIR, "config", "hermod.conf")
    cp = ht.run([ht.HERMODD, "-c", sample, "--check-config"], check=False)
    ht.check_equal(cp.returncode, 0, "exit code (%s)" % (cp.stdout + cp.stderr).decode())


@ht.test
def unknown_key_names_file_section_key():
    good = srv.config_text()
    expect_refusal(good.replace("[core]\n", "[core]\nfrobnicate_level = 3\n"),
                   "core", "frobnicate_level")


@ht.test
def bad_port_names_file_section_key():
    good = srv.config_text()
    bad = good.replace("port = %d\n" % srv.port("submission"), "port = 99999\n")
    ht.check(bad != good, "could not find the submission port line")
    expect_refusal(bad, "listener submission", "port")


@ht.test
def unknown_key_in_module_section():
    good = srv.config_text()
    expect_refusal(good + "\n[smtp]\nno_such_smtp_key = yes\n", "smtp", "no_such_smtp_key")


ht.main()
