# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-modules.py - the autoconfig and metrics modules against a
# hermodd with SMTP, IMAP and POP3 listeners: Thunderbird's
# config-v1.1.xml (well-known path by Host, and ?emailaddress=), Outlook's
# POST /autodiscover/autodiscover.xml and Apple's .mobileconfig each name
# the real ports and TLS modes for every local domain and nothing for
# other domains (and with an HTTPS listener the CalDAV/CardDAV server at
# /dav/); the kept Thunderbird document, sent again as the same response
# object, follows a [web] reload at once; /metrics in the Prometheus text
# format counts
# connections, messages, auth failures, store commits and HTTP requests,
# and only for [metrics] allow.
import os
import plistlib
import signal
import smtplib
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402


def daemon(name, **metrics):
    d = wt.web_daemon(name, "https")
    d.domains.append("second.test")
    d.sections["core"]["modules"] = "smtp;imap;pop3;autoconfig;metrics"
    for lname, proto, tls in (("imap", "imap", "starttls"), ("imaps", "imap", "implicit"),
                              ("pop3s", "pop3", "implicit")):
        d.ports[lname] = ht.free_port()
        d.sections["listener " + lname] = {"protocol": proto, "address": "127.0.0.1",
                                           "port": str(d.ports[lname]), "tls": tls}
    if metrics:
        d.sections["metrics"] = metrics
    return d


srv = daemon("web-modules")
closed = daemon("web-metrics-closed", allow="10.0.0.0/8")


def get(d, path, *args):
    return wt.curl("https://127.0.0.1:%d%s" % (d.port("webs"), path), *args)


@ht.test
def daemons_start():
    srv.start()
    closed.start()


def servers_of(root):
    out = {}
    for s in root.iter():
        if s.tag in ("incomingServer", "outgoingServer"):
            out.setdefault(s.get("type"), []).append(
                (int(s.findtext("port")), s.findtext("socketType"), s.findtext("hostname")))
    return out


@ht.test
def thunderbird_by_address_names_the_real_listeners():
    r = get(srv, "/mail/config-v1.1.xml?emailaddress=demo%40example.test")
    ht.check_equal(r.status, 200, "status")
    root = ET.fromstring(r.body)
    ht.check_equal(root.find("emailProvider").findtext("domain"), "example.test", "domain")
    s = servers_of(root)
    ht.check_equal(s["imap"], [(srv.port("imaps"), "SSL", ht.HOSTNAME),
                               (srv.port("imap"), "STARTTLS", ht.HOSTNAME)], "imap servers")
    ht.check_equal(s["pop3"], [(srv.port("pop3s"), "SSL", ht.HOSTNAME)], "pop3 servers")
    ht.check_equal(sorted(s["smtp"]), sorted([(srv.port("smtps"), "SSL", ht.HOSTNAME),
                                              (srv.port("submission"), "STARTTLS", ht.HOSTNAME)]),
                   "smtp servers (not the MX port)")


@ht.test
def thunderbird_well_known_by_host_for_every_local_domain():
    for host in ("autoconfig.example.test", "autoconfig.second.test", "second.test"):
        r = get(srv, "/.well-known/autoconfig/mail/config-v1.1.xml", "-H", "Host: " + host)
        ht.check_equal(r.status, 200, host)
        ht.check_equal(ET.fromstring(r.body).find("emailProvider").findtext("domain"),
                       host.replace("autoconfig.", ""), host)
    r = get(srv, "/.well-known/autoconfig/mail/config-v1.1.xml", "-H", "Host: autoconfig.other.test")
    ht.check_equal(r.status, 404, "a domain that is not ours")
    r = get(srv, "/mail/config-v1.1.xml?emailaddress=a%40other.test")
    ht.check_equal(r.status, 404, "an address that is not ours")


@ht.test
def a_domain_added_while_running_is_described_within_seconds():
    # The module keeps the domains it read for 5 s: the answer for a new
    # domain may be a 404 at first, and must turn into its document.
    url = "/mail/config-v1.1.xml?emailaddress=a%40third.test"
    ht.check_equal(get(srv, url).status, 404, "before the domain exists")
    srv.ctl("domain", "add", "third.test")
    deadline = time.monotonic() + 15
    status = get(srv, url).status
    while status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        status = get(srv, url).status
    ht.check_equal(status, 200, "within 15 s of hermodctl domain add")
    ht.check_equal(get(srv, "/mail/config-v1.1.xml?emailaddress=a%40fourth.test").status, 404,
                   "another domain that is not ours, from the kept list")


@ht.test
def outlook_autodiscover():
    ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
    req = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas."
           "microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request>"
           "<EMailAddress>demo@second.test</EMailAddress><AcceptableResponseSchema>http://"
           "schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
           "</AcceptableResponseSchema></Request></Autodiscover>")
    r = get(srv, "/autodiscover/autodiscover.xml", "-X", "POST", "-H",
            "Content-Type: text/xml", "--data-binary", req)
    ht.check_equal(r.status, 200, "status")
    protos = {}
    for p in ET.fromstring(r.body).iter(ns + "Protocol"):
        protos.setdefault(p.findtext(ns + "Type"), []).append(
            (int(p.findtext(ns + "Port")), p.findtext(ns + "Encryption"),
             p.findtext(ns + "LoginName")))
    ht.check_equal(protos["IMAP"][0], (srv.port("imaps"), "SSL", "demo@second.test"), "IMAP")
    ht.check_equal(protos["POP3"][0], (srv.port("pop3s"), "SSL", "demo@second.test"), "POP3")
    ht.check((srv.port("submission"), "TLS", "demo@second.test") in protos["SMTP"], "SMTP")
    ht.check_equal(get(srv, "/autodiscover/autodiscover.xml").status, 405, "GET")


@ht.test
def apple_mobileconfig():
    r = get(srv, "/apple/mail.mobileconfig?emailaddress=demo%40example.test")
    ht.check_equal(r.status, 200, "status")
    ht.check_equal(r.header("content-type"), "application/x-apple-aspen-config", "type")
    p = plistlib.loads(r.body)
    mail = p["PayloadContent"][0]
    ht.check_equal(mail["PayloadType"], "com.apple.mail.managed", "payload type")
    ht.check_equal(mail["IncomingMailServerPortNumber"], srv.port("imaps"), "IMAP port")
    ht.check_equal(mail["IncomingMailServerHostName"], ht.HOSTNAME, "host")
    ht.check_equal(mail["EmailAddress"], "demo@example.test", "address")
    ht.check(mail["OutgoingMailServerPortNumber"] in (srv.port("smtps"), srv.port("submission")),
             "SMTP port")
    dav = {c["PayloadType"]: c for c in p["PayloadContent"][1:]}
    for kind in ("CalDAV", "CardDAV"):
        c = dav["com.apple.%s.account" % kind.lower()]
        ht.check_equal((c[kind + "HostName"], c[kind + "Port"], c[kind + "UseSSL"],
                        c[kind + "PrincipalURL"]),
                       (ht.HOSTNAME, srv.port("webs"), True, "/dav/principals/demo@example.test/"),
                       kind + " payload")


@ht.test
def thunderbird_names_the_caldav_and_carddav_server():
    root = ET.fromstring(get(srv, "/mail/config-v1.1.xml?emailaddress=demo%40example.test").body)
    url = "https://%s:%d/dav/" % (ht.HOSTNAME, srv.port("webs"))
    ht.check_equal(root.find("calendar").get("type"), "caldav", "calendar type")
    ht.check_equal(root.find("calendar").findtext("serverURL"), url, "CalDAV URL")
    ht.check_equal(root.find("addressBook").get("type"), "carddav", "address book type")
    ht.check_equal(root.find("addressBook").findtext("serverURL"), url, "CardDAV URL")


@ht.test
def a_document_sent_again_follows_a_web_reload():
    # The Thunderbird document is kept and sent as the same response object
    # again (core/web/web-reuse.c); a reloaded [web] header must still show
    # on the next answer of every web thread, and HEAD gets no body.
    url = "/mail/config-v1.1.xml?emailaddress=demo%40second.test"
    first = get(srv, url)
    for _ in range(8):
        r = get(srv, url)
        ht.check_equal((r.status, r.body), (200, first.body), "the same document again")
        ht.check_equal(r.header("referrer-policy"), "strict-origin-when-cross-origin", "before")
    head = get(srv, url, "-I")
    ht.check_equal((head.status, head.body, head.header("content-length")),
                   (200, b"", str(len(first.body))), "HEAD of the kept document")
    srv.sections["web"]["referrer_policy"] = "no-referrer"
    srv.write_config()
    srv.proc.send_signal(signal.SIGHUP)
    # A fresh answer (the 404) shows when the reload is in; the kept
    # document must show it from then on.
    ht.wait_until(lambda: get(srv, "/missing").header("referrer-policy") == "no-referrer", 30,
                  0.1, "the reloaded Referrer-Policy")
    for _ in range(8):
        r = get(srv, url)
        ht.check_equal((r.header("referrer-policy"), r.body), ("no-referrer", first.body),
                       "after the reload, every thread")
    ht.check_equal(get(srv, "/mail/config-v1.1.xml?emailaddress=demo%40example.test").body,
                   first.body.replace(b"second.test", b"example.test"), "another domain's")


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


@ht.test
def metrics_count_what_happened():
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("a@remote.test", ["demo@example.test"], b"Subject: m\r\n\r\nhello\r\n")
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=ht.TIMEOUT) as s:
        s.starttls(context=ht.client_tls_context())
        try:
            s.login("demo@example.test", "wrong")
        except smtplib.SMTPAuthenticationError:
            pass
    get(srv, "/missing")
    r = get(srv, "/metrics")
    ht.check_equal(r.status, 200, "status")
    ht.check(r.header("content-type").startswith("text/plain; version=0.0.4"), "type")
    text = r.body.decode()
    for line in ("# TYPE hermod_connections gauge", 'hermod_connections{protocol="https"} 1',
                 "# TYPE hermod_store_commit_seconds histogram",
                 'hermod_store_commit_seconds_bucket{le="+Inf"}'):
        ht.check(line in text, "%r not in:\n%s" % (line, text))
    ht.check(metric(text, "hermod_messages_accepted_total") >= 1, "accepted")
    ht.check(metric(text, 'hermod_messages_delivered_total{where="local"}') >= 1, "delivered")
    ht.check(metric(text, 'hermod_auth_failures_total{protocol="smtp"}') >= 1, "auth failures")
    ht.check(metric(text, "hermod_store_commit_seconds_count") >= 1, "store commits")
    ht.check(metric(text, 'hermod_http_requests_total{status="404"}') >= 1, "HTTP 404s")
    ht.check(metric(text, 'hermod_connections_total{protocol="smtp"}') >= 2, "SMTP connections")
    ht.check(metric(text, "hermod_queue_length") == 0, "queue length")


@ht.test
def metrics_only_for_allowed_networks():
    ht.check_equal(get(closed, "/metrics").status, 403, "outside [metrics] allow")
    ht.check_equal(get(srv, "/metrics", "-X", "POST").status, 405, "POST")


if __name__ == "__main__":
    ht.main()
