# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-webmail-browser.py - the webmail in headless Chromium against a
# running hermodd (smtp, imap, jmap, webmail): tests/browser/webmail.mjs
# drives the pages (Debian's chromium through playwright-core from
# tests/browser/package-lock.json), this script plants mail over SMTP
# first and checks the results over IMAP and HTTP afterwards:
#
#   login page, wrong password (role=alert), keyboard-only login and
#   reading; a message planted over SMTP read with its link; an HTML
#   message with scripts, handlers, SVG, frames and a tracking pixel shown
#   sanitised with images blocked; compose with an attachment, the
#   attachment checked over IMAP byte for byte in Sent and INBOX; reply
#   (In-Reply-To, References) and forward headers over IMAP; forward as
#   attachment (a message/rfc822 part holding the original, checked over
#   IMAP); folder create/rename/move/delete in dialogs (labelled fields,
#   Escape, focus back, errors in role=alert), a message dragged onto a
#   folder and a folder dragged into another, seen over IMAP; undo send
#   (the message back in Drafts, never delivered); search with
#   a highlighted snippet; delete to Trash and move to Archive, seen over
#   IMAP; an autosaved draft in Drafts; settings (signature) and the
#   language switch; two-step sign-in set up from the page's key, then
#   required at login, turned off with a recovery code; contacts over
#   CardDAV when the dav module is built (else the page says they are
#   not available); dark mode; logout, after which the old cookie no
#   longer works; the phone theme at 375x667.
#
# Screenshots of every main view go to BUILDDIR/tests/screenshots/.
import email
import email.policy
import http.client
import imaplib
import json
import os
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER, PASSWORD = "demo@example.test", "demo-secret-1"
BROWSER_DIR = os.path.join(ht.SRCDIR, "tests", "browser")
SHOTS = os.path.join(ht.BUILDDIR, "tests", "screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

srv = ht.Daemon("webmail-browser")
srv.add_web("https")
srv.ports["imap"] = ht.free_port()
srv.sections["listener imap"] = {"protocol": "imap", "address": "127.0.0.1",
                                 "port": str(srv.ports["imap"]), "tls": "starttls"}
srv.sections["core"]["modules"] = "smtp;imap;jmap;webmail"
if any(os.path.exists(os.path.join(d, "dav.so")) for d in ht.MODULE_DIR.split(";")):
    srv.sections["core"]["modules"] += ";dav"
srv.sections["webmail"] = {"themes_dir": os.path.join(ht.SRCDIR, "themes")}
# Sent mail waits, so that "undo send" has something to undo.
srv.sections["jmap"] = {"send_delay": "4s"}
ATTACHMENT = os.path.join(srv.dir, "report-2026.bin")
PLANTED_ID = "<planted-1@sender.test>"


@ht.setup
def tools_are_there():
    node = ht.need_tool("node")
    if not os.path.exists(CHROMIUM):
        raise ht.Skip("no %s (apt-get install chromium)" % CHROMIUM)
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        raise ht.Skip("no playwright-core: run npm ci in tests/browser (tools/install-deps)")
    if not any(os.path.exists(os.path.join(d, "jmap.so")) for d in ht.MODULE_DIR.split(";")):
        raise ht.Skip("the jmap module is not built")
    return node


def plant(subject, body, extra="", content_type="text/plain; charset=utf-8", sender="alice@sender.test"):
    msg = ("From: Alice Example <%s>\r\nTo: Demo <%s>\r\nSubject: %s\r\n"
           "Date: Sun, 06 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
           "Content-Type: %s\r\n%s\r\n%s\r\n" % (sender, USER, subject, content_type, extra, body))
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail(sender, [USER], msg.encode())
    srv.wait_message(USER, subject.encode())


@ht.test
def daemon_starts_with_mail():
    with open(ATTACHMENT, "wb") as f:
        f.write(bytes(range(256)) * 40 + b"\x00\xff end")
    srv.start()
    plant("Move me", "Please file this.")
    plant("Drag me", "Drag this one into a folder.")
    plant("Delete me", "Throw this away.")
    plant("Search target", "The word zanzibar is only here.")
    plant("HTML with tricks",
          "<html><body onload=alert(1)><p><b>Bold text</b> and "
          "<a href=\"javascript:alert(2)\">a bad link</a></p>"
          "<img src=\"https://tracker.test/p.gif\" onerror=alert(3)>"
          "<svg><animate onbegin=alert(4)></svg><iframe src=\"https://x.test/\"></iframe>"
          "<script>alert(5)</script></body></html>",
          content_type="text/html; charset=utf-8")
    plant("Planted over SMTP", "Hello Demo,\r\n\r\nThis message came in over SMTP.\r\n"
          "Docs: https://example.com/docs\r\n\r\nAlice",
          extra="Message-ID: %s\r\n" % PLANTED_ID)


def browser(step):
    env = dict(os.environ, BASE="https://127.0.0.1:%d" % srv.port("webs"), USER_ADDR=USER,
               PASSWORD=PASSWORD, SHOTS=SHOTS, ATTACHMENT=ATTACHMENT, STEPS=step,
               CHROMIUM=CHROMIUM)
    cp = subprocess.run(["node", os.path.join(BROWSER_DIR, "webmail.mjs")], cwd=BROWSER_DIR,
                        env=env, capture_output=True, timeout=180)
    out = cp.stdout.decode(errors="replace")
    ht.check(cp.returncode == 0 and "\nok 1 " in "\n" + out,
             "browser step %s failed:\n%s%s" % (step, out, cp.stderr.decode(errors="replace")))


def imap():
    c = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=ht.TIMEOUT)
    c.starttls(ht.client_tls_context())
    c.login(USER, PASSWORD)
    return c


def messages(folder):
    c = imap()
    try:
        typ, _ = c.select('"%s"' % folder, readonly=True)
        ht.check_equal(typ, "OK", "SELECT %s" % folder)
        typ, data = c.uid("SEARCH", None, "ALL")
        out = []
        for uid in data[0].split():
            typ, msg = c.uid("FETCH", uid, "(BODY.PEEK[])")
            out.append(email.message_from_bytes(msg[0][1], policy=email.policy.default))
        return out
    finally:
        c.logout()


def by_subject(folder, subject):
    """The last message with subject in folder, waited for (sending is
    delayed by [jmap] send_delay)."""
    def find():
        found = [m for m in messages(folder) if m["Subject"] == subject]
        return found[-1] if found else None
    return ht.wait_until(find, 30, 0.5, "%r in %s" % (subject, folder))


@ht.test
def login_page():
    browser("login_page")


@ht.test
def wrong_password():
    browser("wrong_password")


@ht.test
def keyboard_only_login():
    browser("keyboard_login")


@ht.test
def read_a_planted_message():
    browser("read_planted")


@ht.test
def sanitised_html_message():
    browser("sanitised_html")


@ht.test
def compose_with_an_attachment():
    browser("compose_attachment")
    with open(ATTACHMENT, "rb") as f:
        want = f.read()
    for folder in ("Sent", "INBOX"):
        m = by_subject(folder, "With an attachment")
        parts = [p for p in m.iter_attachments()]
        ht.check_equal([p.get_filename() for p in parts], ["report-2026.bin"], "attachments")
        ht.check_equal(parts[0].get_content(), want, "the attachment's bytes in %s" % folder)
        ht.check("See the attached file." in m.get_body(("plain",)).get_content(), "text")


@ht.test
def reply_and_forward_headers():
    browser("reply_forward")
    r = by_subject("INBOX", "Re: Planted over SMTP")
    ht.check_equal(r["In-Reply-To"], PLANTED_ID, "In-Reply-To")
    ht.check(PLANTED_ID in r["References"], "References: %r" % r["References"])
    ht.check("> This message came in over SMTP." in r.get_body(("plain",)).get_content(), "quote")
    f = by_subject("INBOX", "Fwd: Planted over SMTP")
    ht.check("This message came in over SMTP." in f.get_body(("plain",)).get_content(), "fwd")


@ht.test
def forward_as_attachment():
    browser("forward_attached")
    f = by_subject("INBOX", "Fwd: Planted over SMTP (attached)")
    ht.check_equal(f.get_content_type(), "multipart/mixed", "the forward's type")
    parts = list(f.iter_parts())
    ht.check_equal([p.get_content_type() for p in parts], ["text/plain", "message/rfc822"], "parts")
    att = parts[1]
    ht.check_equal(att.get_content_disposition(), "attachment", "disposition")
    ht.check_equal(att.get_filename(), "Planted over SMTP.eml", "file name")
    ht.check(att.get("Content-Transfer-Encoding", "7bit").lower() in ("7bit", "8bit", "binary"),
             "message/rfc822 encoded as %s" % att.get("Content-Transfer-Encoding"))
    inner = att.get_content()
    ht.check_equal(inner["Message-ID"], PLANTED_ID, "the original's Message-ID")
    ht.check_equal(inner["Subject"], "Planted over SMTP", "the original's Subject")
    ht.check("This message came in over SMTP." in inner.get_body(("plain",)).get_content(),
             "the original's text")
    ht.check("came in over SMTP" not in parts[0].get_content(), "the original inline too")


@ht.test
def folder_dialogs_and_moving():
    browser("folders")
    c = imap()
    try:
        typ, data = c.list()
        names = [line.decode() for line in data]
        ht.check(any('"Projects 2026"' in n or n.endswith(" Projects 2026") for n in names),
                 "no Projects 2026 in %r" % names)
        ht.check(not any("Old stuff" in n for n in names), "Old stuff not deleted: %r" % names)
        ht.check(not any(n.endswith(" Projects") or '"Projects"' in n for n in names),
                 "the old name is still there: %r" % names)
    finally:
        c.logout()
    ht.check(any(m["Subject"] == "Drag me" for m in messages("Projects 2026")),
             "the dragged message is not in Projects 2026")


@ht.test
def undo_send():
    browser("undo_send")
    d = by_subject("Drafts", "Second thoughts")
    ht.check("Not sure yet" in d.get_body(("plain",)).get_content(), "the draft's text")
    import time
    time.sleep(6)  # past the send delay: nothing may arrive
    ht.check(not any(m["Subject"] == "Second thoughts" for m in messages("INBOX")),
             "an undone message was delivered")


@ht.test
def search_with_snippets():
    browser("search")


@ht.test
def delete_to_trash_and_move():
    browser("delete_and_move")
    ht.check(any(m["Subject"] == "Delete me" for m in messages("Trash")), "not in Trash")
    ht.check(any(m["Subject"] == "Move me" for m in messages("Archive")), "not in Archive")
    ht.check(not any(m["Subject"] in ("Delete me", "Move me") for m in messages("INBOX")),
             "still in INBOX")


@ht.test
def autosaved_draft():
    browser("drafts")
    d = by_subject("Drafts", "Unfinished draft")
    ht.check("Half a thought" in d.get_body(("plain",)).get_content(), "draft text")


@ht.test
def settings_and_language_switch():
    browser("settings_language")


@ht.test
def two_step_sign_in():
    browser("two_factor")


def has_module(name):
    return any(os.path.exists(os.path.join(d, name + ".so")) for d in ht.MODULE_DIR.split(";"))


@ht.test
def contacts_page():
    if not has_module("dav"):
        # Without CardDAV the page says so instead of failing.
        browser("contacts_missing")
        raise ht.Skip("the dav module (CardDAV) is not in this build")
    browser("contacts")


@ht.test
def dark_mode():
    browser("dark_mode")


@ht.test
def logout_kills_the_old_cookie():
    browser("logout")
    with open(os.path.join(SHOTS, "results.json")) as f:
        cookie = json.load(f)["oldCookie"]
    c = http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                    context=ht.client_tls_context())
    c.request("GET", "/webmail/api/session", headers={"Cookie": cookie})
    r = c.getresponse()
    r.read()
    ht.check_equal(r.status, 401, "the cookie after logout")
    c.request("GET", "/jmap/session", headers={"Cookie": cookie})
    r = c.getresponse()
    r.read()
    ht.check(r.status in (401, 403), "JMAP with the old cookie: %d" % r.status)


@ht.test
def mobile_theme_at_375x667():
    browser("mobile")


@ht.test
def accessibility_names_keyboard_and_focus():
    browser("accessibility")


@ht.test
def phone_views_in_dark_mode():
    browser("mobile_views")


ht.main()
