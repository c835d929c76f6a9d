# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-tls.py - HTTPS on the core's certificate store: three
# certificates made with `hermodctl cert create` (mail.example.test, the
# default; *.other.test; webmail.example.org) are chosen by SNI, checked
# with curl --resolve, openssl s_client and gnutls-cli; no SNI and unknown
# names get the default; TLS 1.0 and 1.1 are refused while the same client
# settings get TLS 1.2; a certificate replaced on disk is served after
# SIGHUP without a restart, while a keep-alive connection opened before
# goes on (Python's http.client over it); a client that pipelines 15,000
# requests and reads nothing for a second (the server's socket full while
# it answers) gets every answer whole, on a connection kept open or closed after the last;
# at the default [web] max_header_size (16K) a full header block passes,
# as one cookie or as 300 short fields, and a larger one gets 431; on a
# keep-alive connection whose first answer is over 1,400 bytes, the small
# answers after it (GET, and POST with a body) are not held back by the
# socket's TCP_CORK (with a one-TLS-record change tried on branch
# webdyn3, they waited for the kernel's 200 ms cork timer, each of them).
import http.client
import os
import re
import select
import signal
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

srv = wt.web_daemon("web-tls", "https")
MID = b"0123456789abcdef" * 125  # 2,000 bytes: header and body over 1,400
with open(os.path.join(srv.data_dir, "www", "mid.txt"), "wb") as f:
    f.write(MID)
PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def subject_of(output):
    m = PEM.search(output)
    ht.check(m, "no certificate in the client's output:\n%s" % output.decode(errors="replace"))
    cp = ht.run([ht.need_tool("openssl"), "x509", "-noout", "-subject"], input=m.group(0))
    return cp.stdout.decode().strip()


def openssl_subject(sni, extra=()):
    argv = [ht.need_tool("openssl"), "s_client", "-connect", "127.0.0.1:%d" % srv.port("webs")]
    argv += ["-servername", sni] if sni else ["-noservername"]
    cp = ht.run(argv + list(extra), input=b"", check=False, timeout=30)
    return subject_of(cp.stdout)


def gnutls_subject(sni):
    argv = [ht.need_tool("gnutls-cli"), "--insecure", "--print-cert", "-p",
            str(srv.port("webs"))]
    argv += ["--sni-hostname=" + sni] if sni else ["--disable-sni"]
    cp = ht.run(argv + ["127.0.0.1"], input=b"", check=False, timeout=30)
    return subject_of(cp.stdout)


def curl_subject(name):
    """curl --resolve NAME:PORT:127.0.0.1 https://NAME:PORT/ -v: the
    certificate's subject line curl reports, and the page."""
    port = srv.port("webs")
    argv = [ht.need_tool("curl"), "-sS", "-k", "-v", "--max-time", "20", "--resolve",
            "%s:%d:127.0.0.1" % (name, port), "https://%s:%d/" % (name, port)]
    cp = ht.run(argv)
    m = re.search(r"subject: (.*)", cp.stderr.decode(errors="replace"))
    ht.check(m, "curl printed no subject:\n" + cp.stderr.decode(errors="replace"))
    ht.check_equal(cp.stdout, wt.PAGE, "page over SNI " + name)
    return m.group(1)


@ht.test
def three_certificates():
    srv.write_config()
    srv.ctl("cert", "create", "--host", "mail.example.test", "--org", "Example Mail",
            "--name", "default")
    srv.ctl("cert", "create", "--host", "*.other.test", "--org", "Other Wildcard")
    srv.ctl("cert", "create", "--host", "webmail.example.org", "--org", "Webmail Org",
            "--name", "webmail")
    out = srv.ctl("cert", "list").stdout.decode()
    ht.check(out.count("name=") == 3, "cert list:\n" + out)


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def curl_resolve_picks_by_sni():
    ht.check("Other Wildcard" in curl_subject("www.other.test"), "wildcard by curl")
    ht.check("Webmail Org" in curl_subject("webmail.example.org"), "webmail by curl")
    ht.check("Example Mail" in curl_subject("mail.example.test"), "default by curl")


@ht.test
def openssl_and_gnutls_pick_by_sni():
    ht.check("Other Wildcard" in openssl_subject("imap.other.test"), "openssl wildcard")
    ht.check("Webmail Org" in openssl_subject("webmail.example.org"), "openssl webmail")
    ht.check("Other Wildcard" in gnutls_subject("x.other.test"), "gnutls wildcard")
    ht.check("Webmail Org" in gnutls_subject("webmail.example.org"), "gnutls webmail")


@ht.test
def no_sni_and_unknown_names_get_the_default():
    ht.check("Example Mail" in openssl_subject(None), "openssl without SNI")
    ht.check("Example Mail" in gnutls_subject(None), "gnutls without SNI")
    for name in ("nomatch.test", "a.b.other.test", "other.test", "example.org"):
        ht.check("Example Mail" in openssl_subject(name), "default for " + name)


def handshake(argv):
    cp = ht.run(argv, input=b"", check=False, timeout=30)
    return cp.returncode, (cp.stdout + cp.stderr).decode(errors="replace")


@ht.test
def old_tls_versions_are_refused():
    openssl = ht.need_tool("openssl")
    base = [openssl, "s_client", "-connect", "127.0.0.1:%d" % srv.port("webs"),
            "-cipher", "DEFAULT@SECLEVEL=0"]
    code, out = handshake(base + ["-tls1_2"])
    ht.check(code == 0 and "Protocol  : TLSv1.2" in out, "TLS 1.2 with the same client:\n" + out)
    for flag in ("-tls1", "-tls1_1"):
        code, out = handshake(base + [flag])
        ht.check("BEGIN CERTIFICATE" not in out and code != 0,
                 "%s got a handshake:\n%s" % (flag, out))
    gnutls = [ht.need_tool("gnutls-cli"), "--insecure", "-p", str(srv.port("webs"))]
    code, out = handshake(gnutls + ["--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", "127.0.0.1"])
    ht.check(code == 0, "gnutls-cli TLS 1.2:\n" + out)
    for version in ("TLS1.0", "TLS1.1"):
        code, out = handshake(gnutls + ["--priority", "NORMAL:-VERS-ALL:+VERS-" + version,
                                        "127.0.0.1"])
        ht.check(code != 0, "gnutls-cli %s got a handshake:\n%s" % (version, out))


@ht.test
def replaced_certificate_served_after_sighup():
    keep = http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                       context=ht.client_tls_context())
    keep.request("GET", "/")
    ht.check_equal(keep.getresponse().read(), wt.PAGE, "before the reload")
    srv.ctl("cert", "create", "--host", "webmail.example.org", "--org", "Webmail Renewed",
            "--name", "webmail", "--force")
    ht.check("Webmail Org" in openssl_subject("webmail.example.org"),
             "the new file was served before SIGHUP")
    srv.proc.send_signal(signal.SIGHUP)
    ht.wait_until(lambda: "Webmail Renewed" in openssl_subject("webmail.example.org"), 60, 0.5,
                  "the replaced certificate after SIGHUP")
    ht.check("Other Wildcard" in openssl_subject("x.other.test"), "others still served")
    for _ in range(3):
        keep.request("GET", "/page.txt")
        ht.check_equal(len(keep.getresponse().read()), 22 * 1025, "the old connection goes on")
    keep.close()
    ht.check(srv.is_running(), "hermodd restarted")


def status_with_headers(headers):
    c = http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                    context=ht.client_tls_context())
    c.putrequest("GET", "/", skip_accept_encoding=True)
    for name, value in headers:
        c.putheader(name, value)
    c.endheaders()
    status = c.getresponse().status
    c.close()
    return status


@ht.test
def full_header_block_passes_at_the_default_size():
    ht.check_equal(status_with_headers([("Cookie", "c=" + "a" * 16200)]), 200, "16K cookie")
    fields = [("X%d" % i, "v" * (48 - len("X%d" % i))) for i in range(300)]
    ht.check_equal(status_with_headers(fields), 200, "300 fields in 16K")
    ht.check_equal(status_with_headers([("Cookie", "c=" + "a" * 16500)]), 431, "past 16K")


def timed_answer(c, method, path, body=None):
    """Seconds from sending the request to the whole answer, its status."""
    t0 = time.monotonic()
    c.request(method, path, body=body, headers={"Host": "mail.example.test"})
    r = c.getresponse()
    r.read()
    return time.monotonic() - t0, r.status


@ht.test
def small_answers_after_a_larger_one_are_not_held_back():
    # libmicrohttpd corks the socket at its first answer under 1,400
    # bytes, not at the first answer: with a larger one first, every
    # small answer after it took 200 ms or more (the kernel's cork
    # timer).  Not a timing of the server: a held answer is >= 200 ms
    # late, one sent is a few ms; half of them may be slow for other
    # reasons (a loaded machine) before this fails.
    c = http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                    context=ht.client_tls_context())
    c.request("GET", "/mid.txt", headers={"Host": "mail.example.test"})
    r = c.getresponse()
    ht.check_equal((r.status, r.read()), (200, MID), "the larger answer first")
    times = []
    for i in range(24):
        if i % 3 == 0:
            took, status = timed_answer(c, "POST", "/", body=b"x" * 300)
        else:
            took, status = timed_answer(c, "GET", "/" if i % 3 == 1 else "/no-such")
        ht.check(status in (200, 404, 405), "answer %d: status %d" % (i, status))
        times.append(took)
    c.close()
    held = [t for t in times if t >= 0.19]
    ht.check(len(held) < len(times) // 2,
             "%d of %d small answers took 190 ms or more: %s"
             % (len(held), len(times), ", ".join("%.0f" % (t * 1000) for t in times)))


PIPELINED = 15000  # 5.5 MB of 404 answers: more than the sockets hold
ONE = b"GET /no-such-%d HTTP/1.1\r\nHost: mail.example.test\r\n\r\n"


def send_some(s, out, off):
    try:
        return off + s.send(out[off:off + 16384])
    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
        return off


def pipeline_slow_reader(last, is_done):
    """PIPELINED requests (the last one `last`), nothing read for a second,
    then everything read until is_done(bytes so far) or the connection
    closes: the bytes read."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Before connect, so that the window is small from the handshake on.
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(ht.TIMEOUT)
    raw.connect(("127.0.0.1", srv.port("webs")))
    s = ht.client_tls_context().wrap_socket(raw, server_hostname="mail.example.test")
    s.setblocking(False)
    out = b"".join(ONE % i for i in range(PIPELINED - 1)) + last
    off, data, until = 0, bytearray(), time.monotonic() + 1.0
    while time.monotonic() < until:
        if off < len(out):
            off = send_some(s, out, off)
        time.sleep(0.01)
    until = time.monotonic() + ht.TIMEOUT
    while time.monotonic() < until and not is_done(data):
        if s.pending() == 0:
            select.select([s], [s] if off < len(out) else [], [], 1.0)
        if off < len(out):
            off = send_some(s, out, off)
        try:
            chunk = s.recv(65536)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            continue
        if not chunk:
            break
        data += chunk
    s.close()
    return bytes(data)


@ht.test
def pipelined_answers_to_a_slow_reader_all_arrive():
    data = pipeline_slow_reader(b"GET / HTTP/1.1\r\nHost: mail.example.test\r\n\r\n",
                                lambda d: d.endswith(wt.PAGE))
    ht.check_equal(data.count(b"HTTP/1.1 404 "), PIPELINED - 1, "404 answers")
    ht.check(data.endswith(wt.PAGE), "the last answer is whole")


@ht.test
def pipelined_answers_arrive_before_a_close():
    last = ONE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") % PIPELINED
    data = pipeline_slow_reader(last, lambda d: False)
    ht.check_equal(data.count(b"HTTP/1.1 404 "), PIPELINED, "404 answers before the close")
    ht.check(data.endswith(b"\r\n\r\nNot Found\n"), "the last answer is whole")
    ht.check(srv.is_running(), "hermodd still runs")


if __name__ == "__main__":
    ht.main()
