#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-im-panel.py - the webmail's IM panel (themes/default/js/im.js) in
# headless Chromium (cdp.py) against the real hermodd with the webim
# module: two users in separate browser contexts; the admin's broadcast
# shown; contacts with presence (the other user online, a third offline)
# and keyboard-reachable, named buttons; a SEM-dropped IM arriving live
# as a new contact with an unread count and a notification text; a
# conversation opened, a message typed and sent with Enter shown on both
# sides, the typing indicator, unread cleared on opening; presence going
# offline when a page is left.  A screenshot of each page is kept in the
# test's folder (HERMOD_KEEP_TMP) for a look.
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

ALICE, BOB, CAROL = "alice@example.test", "bob@example.test", "carol@example.test"
PW = {ALICE: "alice-pw-1", BOB: "bob-pw-1", CAROL: "carol-pw-1"}
PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")
HERE = os.path.dirname(os.path.abspath(__file__))

srv = wt.web_daemon("im-panel", "both")
srv.users = dict(PW)
srv.sections["core"]["modules"] = "smtp;imsem;webim;webprobe"
srv.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
srv.sections["webprobe"] = {"file": os.path.join(srv.data_dir, "www", "index.html")}
srv.sections["web"]["content_security_policy"] = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; frame-ancestors 'none'")
DROP = os.path.join(srv.data_dir, "im", "drop")
browser = None
pages = {}


def url(user):
    return "https://127.0.0.1:%d/panel/index.html#%s:%s" % (srv.port("webs"), user, PW[user])


def contact(page, address, field):
    js = ("(() => { const b = document.querySelector('.im-contact[data-address=\"%s\"]');"
          " return b ? b.%s : null; })()" % (address, field))
    return browser.eval(pages[page], js)


@ht.setup
def start():
    global browser
    import cdp
    try:
        browser = cdp.Browser()
    except FileNotFoundError:
        raise ht.Skip("chromium is not installed")
    panel = os.path.join(srv.data_dir, "www", "panel")
    os.makedirs(panel)
    for src in (os.path.join(ht.SRCDIR, "themes", "default", "js", "im.js"),
                os.path.join(ht.SRCDIR, "themes", "default", "css", "im.css"),
                os.path.join(HERE, "im-panel", "index.html"),
                os.path.join(HERE, "im-panel", "harness.js")):
        shutil.copy(src, panel)
    srv.start()
    srv.ctl("im", "broadcast", "Maintenance tonight at 22:00")


@ht.test
def panel_shows_broadcast_and_contacts():
    pages[BOB] = browser.page(url(BOB))
    browser.wait(pages[BOB], "document.querySelectorAll('.im-contact').length === 2",
                 what="bob's two contacts")
    note = browser.eval(pages[BOB], "document.querySelector('.im-broadcast').textContent")
    ht.check("Maintenance tonight at 22:00" in note, "broadcast: %r" % note)
    ht.check_equal(contact(BOB, CAROL, "dataset.presence"), "offline", "carol")
    pages[ALICE] = browser.page(url(ALICE))
    browser.wait(pages[ALICE], "document.querySelectorAll('.im-contact').length === 2",
                 what="alice's contacts")
    browser.wait(pages[BOB], "document.querySelector('.im-contact[data-address=\"%s\"]')"
                 ".dataset.presence === 'online'" % ALICE, what="alice online for bob")
    label = contact(BOB, ALICE, "getAttribute('aria-label')")
    ht.check_equal(label, "%s, online" % ALICE, "accessible name")
    ht.check_equal(contact(BOB, ALICE, "tagName"), "BUTTON", "a keyboard-reachable button")


@ht.test
def sem_im_arrives_live_with_unread_and_notification():
    with open(os.path.join(DROP, ".t"), "w") as f:
        f.write("%s\nci@build.example.net\n\nbuild 7 passed\n" % BOB)
    os.rename(os.path.join(DROP, ".t"), os.path.join(DROP, "IM-7.SEM"))
    browser.wait(pages[BOB], "document.querySelector('.im-contact[data-address="
                 "\"ci@build.example.net\"] .im-unread')?.textContent === '1'",
                 what="the new contact with 1 unread")
    status = browser.eval(pages[BOB], "document.querySelector('#status').textContent")
    ht.check_equal(status, "New message from ci@build.example.net", "notification text")


@ht.test
def conversation_send_typing_and_read():
    b, a = pages[BOB], pages[ALICE]
    browser.eval(b, "document.querySelector('.im-contact[data-address=\"%s\"]').click()" % ALICE)
    browser.wait(b, "!document.querySelector('.im-conversation').hidden", what="bob's conversation")
    browser.eval(a, "document.querySelector('.im-contact[data-address=\"%s\"]').click()" % BOB)
    browser.wait(a, "!document.querySelector('.im-conversation').hidden")
    browser.wait(a, "document.activeElement.className === 'im-input'",
                 what="focus in the message box")
    # typing, then Enter sends
    browser.eval(a, "(() => { const i = document.querySelector('.im-input');"
                 " i.value = 'hello <b>bob</b>'; i.dispatchEvent(new Event('input')); })()")
    browser.wait(b, "document.querySelector('.im-typing').textContent.includes('is typing')",
                 what="the typing indicator")
    browser.eval(a, "document.querySelector('.im-input').dispatchEvent(new KeyboardEvent("
                 "'keydown', {key: 'Enter', bubbles: true}))")
    browser.wait(b, "[...document.querySelectorAll('.im-in .im-text')].some("
                 "p => p.textContent === 'hello <b>bob</b>')", what="bob sees it")
    browser.wait(a, "[...document.querySelectorAll('.im-out .im-text')].some("
                 "p => p.textContent === 'hello <b>bob</b>')", what="alice sees her copy")
    ht.check_equal(browser.eval(b, "document.querySelectorAll('.im-text b').length"), 0,
                   "text stays text")
    ht.check_equal(browser.eval(a, "document.querySelector('.im-input').value"), "",
                   "the box is empty after sending")
    ht.check_equal(browser.eval(b, "document.querySelector('.im-typing').textContent"), "",
                   "typing cleared by the message")
    hist = srv.ctl("im", "history", BOB, "--with", ALICE).stdout.decode()
    ht.check("hello <b>bob</b>" in hist, "in bob's history")


@ht.test
def unread_while_elsewhere_then_cleared_on_open():
    b, a = pages[BOB], pages[ALICE]
    browser.eval(b, "document.querySelector('.im-back').click()")
    browser.eval(a, "(() => { const i = document.querySelector('.im-input'); i.value = 'are you"
                 " there?'; document.querySelector('.im-send').requestSubmit(); })()")
    browser.wait(b, "document.querySelector('.im-contact[data-address=\"%s\"] .im-unread')"
                 "?.textContent === '1'" % ALICE, what="1 unread from alice")
    browser.eval(b, "document.querySelector('.im-contact[data-address=\"%s\"]').click()" % ALICE)
    browser.wait(b, "!document.querySelector('.im-contact[data-address=\"%s\"] .im-unread')"
                 % ALICE, what="unread cleared")
    texts = browser.eval(b, "[...document.querySelectorAll('.im-text')].map(p => p.textContent)")
    ht.check_equal(texts[-2:], ["hello <b>bob</b>", "are you there?"], "the conversation")
    for user in (ALICE, BOB):
        browser.screenshot(pages[user], os.path.join(srv.dir, "panel-%s.png" % user.split("@")[0]))


@ht.test
def leaving_the_page_goes_offline():
    browser.eval(pages[ALICE], "window.imPanel.leave()")
    browser.wait(pages[BOB], "document.querySelector('.im-contact[data-address=\"%s\"]')"
                 ".dataset.presence === 'offline'" % ALICE, what="alice offline for bob")


@ht.setup
def stop_browser():
    browser.close()


ht.main()
