# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-pop3.py - the POP3 module against real clients: Python's poplib
# (STLS on the pop3 listener, implicit TLS on pop3s, CAPA, STAT/LIST/UIDL,
# RETR byte for byte with dot-stuffed lines and a 4 MB message, TOP, DELE
# and QUIT), curl (pop3:// with --ssl-reqd for STLS, pop3s://) and
# fetchmail (STLS and implicit TLS, delivering through an MDA and deleting
# on the server).  Also: no clear-text login before STLS, UIDs stable
# across a restart, one session per mailbox ([IN-USE]), bad passwords
# ([AUTH]), deletion only at QUIT, \Seen after RETR, garbage closes, and
# a message that IMAP expunges during a POP3 session answers -ERR on RETR.
import base64
import imaplib
import os
import poplib
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

DEMO = "demo@example.test"
PASSWORD = "pop pass-" + os.urandom(4).hex()  # with a space: PASS takes the rest
OTHER = "other@example.test"
OTHER_PASSWORD = "other-pass-1"
srv = ht.Daemon("pop3", users={DEMO: PASSWORD, OTHER: OTHER_PASSWORD})
srv.ports["pop3"] = ht.free_port()
srv.ports["pop3s"] = ht.free_port()
srv.ports["imaps"] = ht.free_port()
srv.sections["core"]["modules"] = "smtp;imap;pop3"
srv.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                  "port": str(srv.ports["imaps"]), "tls": "implicit"}
srv.sections["listener pop3"] = {"protocol": "pop3", "role": "pop3", "address": "127.0.0.1",
                                 "port": str(srv.ports["pop3"]), "tls": "starttls"}
srv.sections["listener pop3s"] = {"protocol": "pop3", "role": "pop3s", "address": "127.0.0.1",
                                  "port": str(srv.ports["pop3s"]), "tls": "implicit"}

stored = {}  # account -> [raw bytes of the seeded messages]


def deliver(account, subject, body):
    raw = ("From: sender@example.net\r\nTo: %s\r\nSubject: %s\r\n"
           "Message-ID: <%s@example.net>\r\n\r\n%s" % (account, subject, subject, body))
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("sender@example.net", [account], raw.encode())
    return srv.wait_message(account, subject.encode())


def seed(account, n, big=False):
    msgs = []
    for i in range(n):
        body = ".leading dot\r\nplain line %d\r\n..two dots\r\n.\r\nend\r\n" % i
        msgs.append(deliver(account, ht.unique("pop%d" % i), body))
    if big:
        lines = ["%c%0100d" % ("." if i % 7 == 0 else "x", i) for i in range(40000)]
        msgs.append(deliver(account, ht.unique("big"), "\r\n".join(lines) + "\r\n"))
    stored[account] = msgs
    return msgs


def pop3(tls="stls", user=DEMO, password=PASSWORD):
    """A logged-in poplib client over STLS or implicit TLS."""
    if tls == "implicit":
        c = poplib.POP3_SSL("127.0.0.1", srv.port("pop3s"), timeout=ht.TIMEOUT,
                            context=ht.client_tls_context())
    else:
        c = poplib.POP3("127.0.0.1", srv.port("pop3"), timeout=ht.TIMEOUT)
        c.stls(context=ht.client_tls_context())
    c.user(user)
    c.pass_(password)
    return c


def joined(lines):
    return b"".join(line + b"\r\n" for line in lines)


@ht.setup
def daemon_starts():
    srv.start()
    seed(DEMO, 3, big=True)


@ht.test
def no_cleartext_login_before_stls():
    c = poplib.POP3("127.0.0.1", srv.port("pop3"), timeout=ht.TIMEOUT)
    try:
        caps = c.capa()
        ht.check("STLS" in caps, "STLS not offered: %r" % caps)
        ht.check("USER" not in caps and "SASL" not in caps, "login offered in clear: %r" % caps)
        for want in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "IMPLEMENTATION"):
            ht.check(want in caps, "%s missing from CAPA %r" % (want, caps))
        try:
            c.user(DEMO)
            raise AssertionError("USER accepted in clear text")
        except poplib.error_proto as e:
            ht.check(str(e).startswith("b'-ERR [AUTH]"), "USER in clear: %s" % e)
        c.stls(context=ht.client_tls_context())
        caps = c.capa()
        ht.check("USER" in caps and caps.get("SASL") == ["PLAIN"], "after STLS: %r" % caps)
        ht.check("STLS" not in caps, "STLS offered twice")
    finally:
        c.quit()


@ht.test
def retr_is_byte_exact_over_stls_and_pop3s():
    for tls in ("stls", "implicit"):
        c = pop3(tls)
        try:
            count, size = c.stat()
            ht.check_equal(count, len(stored[DEMO]), "STAT count")
            ht.check_equal(size, sum(len(m) for m in stored[DEMO]), "STAT size")
            _, listing, _ = c.list()
            ht.check_equal([int(l.split()[1]) for l in listing],
                           [len(m) for m in stored[DEMO]], "LIST sizes")
            for i, raw in enumerate(stored[DEMO], 1):
                _, lines, octets = c.retr(i)
                ht.check_equal(joined(lines), raw, "RETR %d over %s" % (i, tls))
            _, top, _ = c.top(1, 0)
            head = stored[DEMO][0].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            ht.check_equal(joined(top), head, "TOP 1 0")
            _, top, _ = c.top(1, 2)
            ht.check_equal(joined(top), head + b".leading dot\r\nplain line 0\r\n", "TOP 1 2")
        finally:
            c.rset()
            c.quit()


@ht.test
def uidl_stable_across_sessions_and_restart():
    c = pop3()
    first = c.uidl()[1]
    c.quit()
    ht.check_equal(len(first), len(stored[DEMO]), "UIDL lines")
    c = pop3("implicit")
    ht.check_equal(c.uidl()[1], first, "UIDL in a second session")
    one = c.uidl(2)
    c.quit()
    ht.check(one.endswith(first[1].split(b" ")[1]), "UIDL 2: %r vs %r" % (one, first[1]))
    srv.stop()
    srv.start()
    c = pop3()
    ht.check_equal(c.uidl()[1], first, "UIDL after a restart")
    c.quit()


@ht.test
def second_session_is_in_use():
    a = pop3()
    try:
        b = poplib.POP3_SSL("127.0.0.1", srv.port("pop3s"), timeout=ht.TIMEOUT,
                            context=ht.client_tls_context())
        b.user(DEMO)
        try:
            b.pass_(PASSWORD)
            raise AssertionError("second session logged in")
        except poplib.error_proto as e:
            ht.check(str(e).startswith("b'-ERR [IN-USE]"), "second login: %s" % e)
        a.quit()
        b.user(DEMO)
        b.pass_(PASSWORD)
        b.quit()
    finally:
        a.close()


@ht.test
def bad_password_and_sasl_plain():
    with ht.Raw(srv.port("pop3s"), tls=True) as c:
        ht.check(c.readline().startswith("+OK"), "greeting")
        c.send("USER %s\r\nPASS wrong\r\n" % DEMO)
        ht.check(c.readline().startswith("+OK"), "USER")
        line = c.readline()
        ht.check(line.startswith("-ERR [AUTH]"), "bad password: %r" % line)
        token = base64.b64encode(b"\0" + DEMO.encode() + b"\0" + PASSWORD.encode()).decode()
        c.send("AUTH PLAIN\r\n")
        ht.check_equal(c.readline(), "+ ", "continuation")
        c.send(token + "\r\n")
        line = c.readline()
        ht.check(line.startswith("+OK Logged in"), "AUTH PLAIN: %r" % line)
        c.send("QUIT\r\n")
        ht.check(c.readline().startswith("+OK"), "QUIT")


@ht.test
def garbage_is_refused_and_closes():
    with ht.Raw(srv.port("pop3")) as c:
        c.readline()
        c.send("".join("NONSENSE %d\r\n" % i for i in range(30)))
        lines = []
        try:
            while True:
                lines.append(c.readline())
        except (ConnectionError, OSError):
            pass
        ht.check(all(l.startswith("-ERR") for l in lines), "replies %r" % lines[:3])
        ht.check(len(lines) <= 21, "closed after max_errors: %d replies" % len(lines))
        ht.check(srv.is_running(), "daemon alive")


@ht.test
def curl_stls_and_pop3s():
    curl = ht.need_tool("curl")
    auth = "%s:%s" % (DEMO, PASSWORD)
    out = ht.run([curl, "-sS", "--max-time", "20", "--ssl-reqd", "-k", "-u", auth,
                  "pop3://127.0.0.1:%d/1" % srv.port("pop3")]).stdout
    ht.check_equal(out, stored[DEMO][0], "curl pop3:// --ssl-reqd RETR 1")
    out = ht.run([curl, "-sS", "--max-time", "20", "-k", "-u", auth,
                  "pop3s://127.0.0.1:%d/%d" % (srv.port("pop3s"), len(stored[DEMO]))]).stdout
    ht.check_equal(out, stored[DEMO][-1], "curl pop3s:// RETR of the big message")
    out = ht.run([curl, "-sS", "--max-time", "20", "-k", "-u", auth,
                  "pop3s://127.0.0.1:%d/" % srv.port("pop3s")]).stdout.decode()
    ht.check_equal(len(out.splitlines()), len(stored[DEMO]), "curl LIST: %r" % out)
    cp = ht.run([curl, "-sS", "--max-time", "20", "-k", "-u", "%s:wrong" % DEMO,
                 "pop3s://127.0.0.1:%d/" % srv.port("pop3s")], check=False)
    ht.check(cp.returncode != 0, "curl with a wrong password succeeded")


@ht.test
def dele_only_at_quit_and_seen_after_retr():
    for tag in ("read", "unread"):
        stored[DEMO].append(deliver(DEMO, ht.unique(tag), "fresh\r\n"))
    before = srv.mail_list(DEMO)
    n = len(before)
    c = pop3()
    c.dele(1)
    c.close()  # no QUIT: nothing is deleted
    ht.check_equal(srv.mail_list(DEMO), before, "after DELE without QUIT")
    c = pop3()
    c.retr(n - 1)
    c.top(n, 1)
    c.dele(1)
    c.quit()
    after = srv.mail_list(DEMO)
    ht.check_equal([u for u, _ in after], [u for u, _ in before[1:]], "after DELE 1 + QUIT")
    flags = dict((u, rest.split("\t")[2]) for u, rest in after)
    ht.check("S" in flags[before[n - 2][0]], "RETR'd message not \\Seen: %r" % after)
    ht.check("S" not in flags[before[n - 1][0]], "TOP set \\Seen: %r" % after)
    stored[DEMO] = stored[DEMO][1:]


@ht.test
def imap_expunge_during_pop3_session():
    c = pop3()
    count, _ = c.stat()
    uids = c.uidl()[1]
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    try:
        m.login(DEMO, PASSWORD)
        m.select("INBOX")
        typ, _ = m.store("1", "+FLAGS", "(\\Deleted)")
        ht.check_equal(typ, "OK", "IMAP STORE")
        typ, _ = m.expunge()
        ht.check_equal(typ, "OK", "IMAP EXPUNGE")
        m.logout()
    finally:
        if m.state != "LOGOUT":
            m.shutdown()
    try:
        c.retr(1)
        raise AssertionError("RETR of a message IMAP expunged succeeded")
    except poplib.error_proto as e:
        ht.check(str(e).startswith("b'-ERR"), "RETR: %s" % e)
    ht.check_equal(c.uidl()[1], uids, "the session keeps its snapshot")
    _, lines, _ = c.retr(2)
    ht.check_equal(joined(lines), stored[DEMO][1], "RETR 2 after the IMAP session")
    c.quit()
    c = pop3()
    ht.check_equal(c.stat()[0], count - 1, "a new session sees the expunge")
    c.quit()
    stored[DEMO] = stored[DEMO][1:]


def fetchmail(account, password, implicit, keep=False):
    exe = ht.need_tool("fetchmail")
    home = ht.tmpdir("hermod-it-fetchmail-")
    sink = os.path.join(home, "mbox")
    rc = os.path.join(home, "fetchmailrc")
    port = srv.port("pop3s" if implicit else "pop3")
    with open(rc, "w") as f:
        f.write("set no bouncemail\n"
                "poll 127.0.0.1 with proto POP3 port %d\n"
                "  user \"%s\" there with password \"%s\" is \"x\" here\n"
                "  %s no sslcertck fetchall %s\n"
                "  mda \"cat >> %s\"\n"
                % (port, account, password, "ssl" if implicit else "sslproto 'TLS1.2+'",
                   "keep" if keep else "nokeep", sink))
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
    ht.run([exe, "-f", rc, "--nodetach", "--nosyslog", "-v"], env=env, timeout=60)
    with open(sink, "rb") as f:
        return f.read()


@ht.test
def fetchmail_stls_keep_then_pop3s_delete():
    msgs = seed(OTHER, 2)
    got = fetchmail(OTHER, OTHER_PASSWORD, implicit=False, keep=True)
    for raw in msgs:
        body = raw.split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n")
        ht.check(body in got.replace(b"\r\n", b"\n"), "fetchmail over STLS lost a body")
    ht.check_equal(len(srv.mail_list(OTHER)), 2, "keep left the messages")
    got = fetchmail(OTHER, OTHER_PASSWORD, implicit=True)
    ht.check_equal(got.count(b"Subject: pop"), 2, "fetchmail over pop3s")
    ht.check_equal(srv.mail_list(OTHER), [], "fetchmail deleted on the server")


ht.main()
