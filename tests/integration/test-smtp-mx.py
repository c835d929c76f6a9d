# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-smtp-mx.py - inbound mail on the MX listener with real clients:
# delivery into the store (byte-exact, with Return-Path and Received),
# unknown recipients, postmaster, every relay trick refused, SMTP
# smuggling, overlong lines and garbage, BDAT, the size limit.
import os
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

MAX_SIZE = 200 * 1024
srv = ht.Daemon("mx")
srv.sections["smtp"] = {"max_message_size": str(MAX_SIZE)}
DEMO = "demo@example.test"


@ht.setup
def daemon_starts():
    srv.start()


def ehlo(c):
    code, lines = c.cmd("EHLO client.example.net")
    ht.check_equal(code, 250, "EHLO")
    return [l.upper() for l in lines]


@ht.test
def swaks_delivery_is_stored_byte_exact():
    token = ht.unique("swaks")
    body = ("From: Sender <sender@remote.test>\n"
            "To: demo@example.test\n"
            "Subject: " + token + "\n"
            "Message-ID: <" + token + "@remote.test>\n"
            "\n"
            "Line one.\n"
            ".leading dot must be unstuffed\n"
            "trailing spaces   \n"
            "\ttab line\n"
            "\n"
            "last line\n")
    path = os.path.join(srv.dir, "swaks-body.eml")
    with open(path, "w") as f:
        f.write(body + ".\n")  # without the dot, swaks adds a blank line
    ht.run([ht.need_tool("swaks"), "--server", "127.0.0.1:%d" % srv.port("mx"),
            "--helo", "client.remote.test", "--from", "sender@remote.test",
            "--to", DEMO, "--data", "@" + path], timeout=60)
    raw = srv.wait_message(DEMO, token.encode())
    sent = body.replace("\n", "\r\n").encode()
    ht.check(raw.endswith(sent), "stored message does not end with the sent bytes:\n%r"
             % raw[-600:])
    head = raw[:len(raw) - len(sent)]
    ht.check(head.startswith(b"Return-Path: <sender@remote.test>\r\n"),
             "no Return-Path first: %r" % head[:200])
    ht.check(b"\r\nReceived: from client.remote.test" in head,
             "no Received header naming the HELO: %r" % head)
    ht.check(ht.HOSTNAME.encode() in head, "Received does not name %s" % ht.HOSTNAME)


@ht.test
def mx_starttls_delivery_without_auth():
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        caps = ehlo(c)
        ht.check("STARTTLS" in caps, "STARTTLS not offered on mx: %r" % caps)
        ht.check(not any(l.startswith("AUTH") for l in caps), "AUTH offered on mx: %r" % caps)
    token = ht.unique("mxtls")
    ht.run([ht.need_tool("swaks"), "--server", "127.0.0.1:%d" % srv.port("mx"), "--tls",
            "--from", "sender@remote.test", "--to", DEMO, "--header", "Subject: " + token],
           timeout=60)
    raw = srv.wait_message(DEMO, token.encode())
    ht.check(b"with ESMTPS" in raw, "Received does not say ESMTPS: %r" % raw[:400])


@ht.test
def swaks_pipelining():
    token = ht.unique("pipe")
    cp = ht.run([ht.need_tool("swaks"), "--server", "127.0.0.1:%d" % srv.port("mx"),
                 "--pipeline", "--from", "sender@remote.test", "--to", DEMO,
                 "--header", "Subject: " + token], timeout=60)
    ht.check(b"PIPELINING" in cp.stdout, "PIPELINING not advertised")
    srv.wait_message(DEMO, token.encode())


@ht.test
def smtplib_delivery_and_plus_address():
    token = ht.unique("plus")
    msg = "Subject: %s\r\nFrom: a@remote.test\r\n\r\nhello\r\n" % token
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        refused = s.sendmail("a@remote.test", ["demo+tag@example.test"], msg)
        ht.check_equal(refused, {}, "refused recipients")
    srv.wait_message(DEMO, token.encode())


@ht.test
def unknown_recipient_is_550_5_1_1():
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ehlo(c)
        ht.check_equal(c.cmd("MAIL FROM:<a@remote.test>")[0], 250, "MAIL")
        code, lines = c.cmd("RCPT TO:<nobody@example.test>")
        ht.check_equal(code, 550, "RCPT to an unknown user")
        ht.check(lines[0].startswith("5.1.1"), "enhanced code: %r" % lines)


@ht.test
def postmaster_is_accepted_and_delivered():
    token = ht.unique("pm")
    msg = "Subject: %s\r\n\r\nto the postmaster\r\n" % token
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        ht.check_equal(s.sendmail("a@remote.test", ["postmaster@example.test"], msg), {},
                       "refused")
    srv.wait_message(DEMO, token.encode())


@ht.test
def relay_attempts_are_refused():
    tricks = ["friend@remote.test",                 # plain relay
              "friend%remote.test@example.test",    # %-hack
              "@example.test:friend@remote.test",   # source route
              "remote.test!friend@example.test",    # bang path
              '"friend@remote.test"@example.test']  # quoted local part
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ehlo(c)
        ht.check_equal(c.cmd("MAIL FROM:<a@remote.test>")[0], 250, "MAIL")
        for rcpt in tricks:
            code, lines = c.cmd("RCPT TO:<%s>" % rcpt)
            ht.check(500 <= code < 600, "RCPT TO:<%s> got %d %r" % (rcpt, code, lines))
        code, _ = c.cmd("DATA")
        ht.check(code >= 500, "DATA without a recipient got %d" % code)


@ht.test
def smtp_smuggling_bare_lf_dot_does_not_end_data():
    token = ht.unique("smug")
    smuggled = ht.unique("smuggled")
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ehlo(c)
        c.cmd("MAIL FROM:<a@remote.test>")
        ht.check_equal(c.cmd("RCPT TO:<%s>" % DEMO)[0], 250, "RCPT")
        ht.check_equal(c.cmd("DATA")[0], 354, "DATA")
        # Three smuggling variants, then the real end of data.
        c.send("Subject: %s\r\n\r\nbody\n.\nMAIL FROM:<x@remote.test>\r\n"
               "RCPT TO:<%s>\r\nDATA\r\nSubject: %s\r\n\r\nevil\r\n.\n"
               "more\n.\r\nstill data\r\n.\r\n" % (token, DEMO, smuggled))
        code, lines = c.reply()
        ht.check(code == 250 or 500 <= code < 600, "end of data: %d %r" % (code, lines))
        # Exactly one reply came for the whole transaction: nothing answers
        # a smuggled command, and the next reply is the NOOP's.
        ht.check_equal(c.pending(), b"", "replies beyond the end of data")
        code2, lines2 = c.cmd("NOOP")
        ht.check_equal(code2, 250, "NOOP after data (%r)" % lines2)
        c.cmd("QUIT")
    if code == 250:
        raw = srv.wait_message(DEMO, token.encode())
        ht.check(smuggled.encode() in raw, "smuggled text is not part of the message")
    for uid, _ in srv.mail_list(DEMO):
        raw = srv.mail_cat(DEMO, uid)
        header = raw.split(b"\r\n\r\n", 1)[0]
        ht.check(smuggled.encode() not in header, "a smuggled second message was stored")


def still_answers():
    with ht.Raw(srv.port("mx")) as c:
        code, _ = c.reply()
        ht.check_equal(code, 220, "greeting")
        ehlo(c)
        ht.check_equal(c.cmd("QUIT")[0], 221, "QUIT")


@ht.test
def line_of_100k_is_refused_and_server_lives():
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ehlo(c)
        try:
            c.send("MAIL FROM:<" + "a" * 100 * 1024 + "@remote.test>\r\n")
            code, _ = c.reply()
            ht.check(500 <= code < 600, "100 KB command got %d" % code)
        except (ConnectionError, OSError):
            pass  # closing the connection is a fine answer too
    still_answers()


@ht.test
def binary_garbage_does_not_crash():
    data = os.urandom(256 * 1024) + b"\0\r\n\xff\xfe\r\n" * 100
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        try:
            c.send(data)
            c.sock.settimeout(5)
            c.sock.recv(65536)
        except (ConnectionError, OSError):
            pass
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        ehlo(c)
        c.send(b"MAIL FROM:<a@remote.test>\r\n" + os.urandom(4096) + b"\r\n")
        try:
            c.sock.settimeout(5)
            c.sock.recv(65536)
        except (ConnectionError, OSError):
            pass
    still_answers()
    ht.check(srv.is_running(), "hermodd died")


@ht.test
def bdat_chunks_are_stored_byte_exact():
    token = ht.unique("bdat")
    part1 = ("Subject: %s\r\nFrom: a@remote.test\r\n\r\nfirst chunk\r\n" % token).encode()
    part2 = b".a line that would be dot-stuffed in DATA\r\n\x00binary?\r\nend\r\n"
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        caps = ehlo(c)
        ht.check("CHUNKING" in caps, "CHUNKING not advertised: %r" % caps)
        c.cmd("MAIL FROM:<a@remote.test>")
        ht.check_equal(c.cmd("RCPT TO:<%s>" % DEMO)[0], 250, "RCPT")
        c.send(b"BDAT %d\r\n" % len(part1) + part1)
        ht.check_equal(c.reply()[0], 250, "first BDAT")
        c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
        ht.check_equal(c.reply()[0], 250, "BDAT LAST")
        c.cmd("QUIT")
    raw = srv.wait_message(DEMO, token.encode())
    ht.check(raw.endswith(part1 + part2), "BDAT content not stored as sent: %r" % raw[-300:])


@ht.test
def size_limit_is_advertised_and_enforced():
    with ht.Raw(srv.port("mx")) as c:
        c.reply()
        caps = ehlo(c)
        ht.check("SIZE %d" % MAX_SIZE in caps, "SIZE %d not advertised: %r" % (MAX_SIZE, caps))
        code, lines = c.cmd("MAIL FROM:<a@remote.test> SIZE=%d" % (MAX_SIZE + 1))
        ht.check_equal(code, 552, "MAIL with SIZE over the limit (%r)" % lines)
        ht.check_equal(c.cmd("MAIL FROM:<a@remote.test> SIZE=1000")[0], 250, "MAIL")
        ht.check_equal(c.cmd("RCPT TO:<%s>" % DEMO)[0], 250, "RCPT")
        ht.check_equal(c.cmd("DATA")[0], 354, "DATA")
        line = "x" * 998 + "\r\n"
        c.send("Subject: too big\r\n\r\n" + line * (MAX_SIZE // len(line) + 10) + ".\r\n")
        code, lines = c.reply()
        ht.check_equal(code, 552, "oversized DATA (%r)" % lines)
        ht.check(lines[0].startswith("5.3.4"), "enhanced code %r" % lines)
        ht.check_equal(c.cmd("NOOP")[0], 250, "NOOP after the refused message")


def fs_flags(path):
    """The folder's inode flags (FS_IOC_GETFLAGS), or None where the
    filesystem has none (tmpfs)."""
    import array
    import fcntl
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        buf = array.array("l", [0])
        fcntl.ioctl(fd, 0x80086601, buf, True)  # FS_IOC_GETFLAGS
        return buf[0]
    except OSError:
        return None
    finally:
        os.close(fd)


@ht.test
def account_folders_get_block_groups_of_their_own():
    # The store marks the mail root and each domain folder TOPDIR (chattr
    # +T) so that ext4 spreads account folders over the disk.
    root = os.path.join(srv.data_dir, "mail")
    domain = os.path.join(root, "example.test")
    flags = fs_flags(domain)
    if flags is None:
        raise ht.Skip("no inode flags on this filesystem")
    ht.check(os.path.isdir(os.path.join(domain, "demo")), "demo's folder exists")
    ht.check(flags & 0x00020000, "example.test is not TOPDIR: flags %#x" % flags)
    ht.check(fs_flags(root) & 0x00020000, "the mail root is not TOPDIR")


ht.main()
