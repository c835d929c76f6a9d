# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-tls-sni.py - the certificate store: two certificates made with
# `hermodctl cert create` (mail.example.test, the default, and
# *.other.test) are chosen by SNI on the SMTPS port, checked with
# `openssl s_client -servername` and `gnutls-cli --sni-hostname`; no SNI
# or an unknown name gets the default; a third certificate is served after
# SIGHUP; STARTTLS on the MX port uses the same store.  A TLS 1.3 client's
# X25519 key share is taken without a HelloRetryRequest.
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

srv = ht.Daemon("sni")
PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def subject_of(output):
    """The subject line of the first certificate PEM in output."""
    m = PEM.search(output)
    ht.check(m, "no certificate in the client's output:\n%s" % output.decode(errors="replace"))
    cp = ht.run([ht.need_tool("openssl"), "x509", "-noout", "-subject"], input=m.group(0))
    return cp.stdout.decode().strip()


def openssl_subject(port, sni, starttls=False):
    argv = [ht.need_tool("openssl"), "s_client", "-connect", "127.0.0.1:%d" % port]
    argv += ["-servername", sni] if sni else ["-noservername"]
    if starttls:
        argv += ["-starttls", "smtp"]
    cp = ht.run(argv, input=b"", check=False, timeout=30)
    return subject_of(cp.stdout)


def gnutls_subject(port, sni):
    argv = [ht.need_tool("gnutls-cli"), "--insecure", "--print-cert", "-p", str(port)]
    argv += ["--sni-hostname=" + sni] if sni else ["--disable-sni"]
    cp = ht.run(argv + ["127.0.0.1"], input=b"", check=False, timeout=30)
    return subject_of(cp.stdout)


@ht.setup
def create_two_certificates():
    srv.write_config()
    srv.ctl("cert", "create", "--host", "mail.example.test", "--org", "Example Mail",
            "--name", "default")
    srv.ctl("cert", "create", "--host", "*.other.test", "--org", "Other Wildcard")
    out = srv.ctl("cert", "list").stdout.decode()
    ht.check("mail.example.test" in out and "*.other.test" in out, "cert list:\n" + out)


@ht.setup
def daemon_starts():
    srv.start()


@ht.test
def openssl_sni_picks_wildcard():
    s = openssl_subject(srv.port("smtps"), "imap.other.test")
    ht.check("Other Wildcard" in s, "subject for imap.other.test: " + s)


@ht.test
def openssl_sni_picks_host_certificate():
    s = openssl_subject(srv.port("smtps"), "mail.example.test")
    ht.check("Example Mail" in s, "subject for mail.example.test: " + s)


@ht.test
def gnutls_sni_picks_wildcard():
    s = gnutls_subject(srv.port("smtps"), "smtp.other.test")
    ht.check("Other Wildcard" in s, "subject for smtp.other.test: " + s)


@ht.test
def no_sni_gets_default():
    s = openssl_subject(srv.port("smtps"), None)
    ht.check("Example Mail" in s, "subject without SNI: " + s)
    s = gnutls_subject(srv.port("smtps"), None)
    ht.check("Example Mail" in s, "subject without SNI (gnutls-cli): " + s)


@ht.test
def unknown_name_gets_default():
    for name in ("nomatch.test", "a.b.other.test", "other.test"):
        s = openssl_subject(srv.port("smtps"), name)
        ht.check("Example Mail" in s, "subject for %s: %s" % (name, s))


@ht.test
def starttls_uses_the_same_store():
    s = openssl_subject(srv.port("mx"), "mx.other.test", starttls=True)
    ht.check("Other Wildcard" in s, "STARTTLS subject for mx.other.test: " + s)


@ht.test
def tls13_takes_the_clients_x25519_key_share():
    # OpenSSL (mutt, curl, Python), BoringSSL (Chromium, Android) send one
    # key share, X25519; a server preferring P-256 answers with a
    # HelloRetryRequest, a second ServerHello and one more round trip.
    argv = [ht.need_tool("openssl"), "s_client", "-connect", "127.0.0.1:%d" % srv.port("smtps"),
            "-tls1_3", "-msg", "-servername", "mail.example.test"]
    out = ht.run(argv, input=b"", check=False, timeout=30).stdout.decode(errors="replace")
    ht.check_equal(out.count(", ServerHello"), 1, "ServerHellos (2: a HelloRetryRequest)")
    ht.check("Server Temp Key: X25519" in out, "the key exchange: " + "\n".join(
        line for line in out.splitlines() if "Temp Key" in line or "Protocol" in line))


@ht.test
def sighup_loads_a_new_certificate():
    srv.ctl("cert", "create", "--host", "*.third.test", "--org", "Third Added")
    srv.proc.send_signal(signal.SIGHUP)
    ht.wait_until(lambda: "Third Added" in openssl_subject(srv.port("smtps"), "x.third.test"),
                  60, 0.5, "the new certificate after SIGHUP")
    s = openssl_subject(srv.port("smtps"), "imap.other.test")
    ht.check("Other Wildcard" in s, "old certificate still served: " + s)


ht.main()
