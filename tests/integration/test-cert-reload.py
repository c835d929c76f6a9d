# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-cert-reload.py - `hermodctl cert create` takes effect without a
# restart: with [core] pid_file set, it signals the running hermodd
# itself, and new HTTPS and IMAPS handshakes get the new certificate (by
# SNI) while the daemon keeps its PID; a stale pid file naming some other
# process is never signalled.
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

srv = wt.web_daemon("cert-reload", "https")
srv.sections["core"]["pid_file"] = os.path.join(srv.dir, "hermodd.pid")
srv.sections["core"]["modules"] = "smtp;imap"
srv.ports["imaps"] = ht.free_port()
srv.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                  "port": str(srv.ports["imaps"]), "tls": "implicit"}
PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def subject(port, sni):
    cp = ht.run([ht.need_tool("openssl"), "s_client", "-connect", "127.0.0.1:%d" % port,
                 "-servername", sni], input=b"", check=False, timeout=30)
    m = PEM.search(cp.stdout)
    if m is None:
        return ""
    return ht.run(["openssl", "x509", "-noout", "-subject"], input=m.group(0)).stdout.decode()


@ht.setup
def daemon_starts():
    srv.start()


@ht.test
def cert_create_is_served_without_a_restart():
    pid = srv.proc.pid
    ht.check("Fresh Org" not in subject(srv.port("webs"), "fresh.example.test"), "too early")
    cp = srv.ctl("cert", "create", "--host", "fresh.example.test", "--org", "Fresh Org")
    out = cp.stdout.decode()
    ht.check("hermodd (pid %d) reloads" % pid in out, "cert create did not signal: %r" % out)
    ht.wait_until(lambda: "Fresh Org" in subject(srv.port("webs"), "fresh.example.test"), 60,
                  0.5, "the new certificate over HTTPS")
    ht.check("Fresh Org" in subject(srv.port("imaps"), "fresh.example.test"),
             "IMAPS does not serve the new certificate")
    ht.check(srv.is_running() and srv.proc.pid == pid, "hermodd restarted")


@ht.test
def a_stale_pid_file_signals_nobody():
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        with open(srv.sections["core"]["pid_file"], "w") as f:
            f.write("%d\n" % bystander.pid)
        cp = srv.ctl("cert", "create", "--host", "other.example.test", "--org", "Other")
        ht.check("reload hermodd (SIGHUP) to serve it" in cp.stdout.decode(),
                 "a pid file naming sleep was trusted: %r" % cp.stdout)
        ht.check(bystander.poll() is None, "the bystander got a signal")
    finally:
        bystander.kill()
        bystander.wait()
        with open(srv.sections["core"]["pid_file"], "w") as f:
            f.write("%d\n" % srv.proc.pid)


if __name__ == "__main__":
    ht.main()
