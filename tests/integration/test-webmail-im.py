# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-webmail-im.py - the IM panel in the webmail page (themes/default
# js/im-dock.js over js/im.js) in headless Chromium (tests/browser/
# webmail-im.mjs), against hermodd with webmail, webim, imsem and xmpp:
# after logging in, the panel opens from the top bar and lists the
# domain's users with presence (bob online over XMPP with slixmpp); a
# SEM file dropped meanwhile shows live with the unread badge and a
# notice in the live region; bob's XMPP message shows in his
# conversation; the reply typed in the panel reaches bob's XMPP client;
# the phone theme has the same panel.  Screenshots go to
# BUILDDIR/tests/screenshots/im-*.png.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

try:
    import xmpptest as xt  # noqa: E402
except ImportError:  # python3-slixmpp missing
    xt = None

USER, PASSWORD = "demo@example.test", "demo-secret-1"
BOB, BOB_PW = "bob@example.test", "bob-secret-2"
BROWSER_DIR = os.path.join(ht.SRCDIR, "tests", "browser")
SHOTS = os.path.join(ht.BUILDDIR, "tests", "screenshots")

srv = ht.Daemon("webmail-im", users={USER: PASSWORD, BOB: BOB_PW})
srv.add_web("https")
srv.ports["xmpp"] = ht.free_port()
srv.sections["listener xmpp"] = {"protocol": "xmpp", "address": "127.0.0.1",
                                 "port": str(srv.ports["xmpp"]), "tls": "starttls"}
srv.sections["core"]["modules"] = "smtp;jmap;webmail;webim;imsem;xmpp"
srv.sections["webmail"] = {"themes_dir": os.path.join(ht.SRCDIR, "themes")}
srv.sections["imsem"] = {"scan_interval": "2s"}
SIGNALS = os.path.join(srv.dir, "signals")
state = {}


@ht.setup
def start():
    if xt is None:
        raise ht.Skip("python3-slixmpp is not installed")
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        raise ht.Skip("playwright-core not installed (npm ci in tests/browser)")
    if not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        raise ht.Skip("chromium not installed")
    os.mkdir(SIGNALS)
    srv.start()
    state["bob"] = xt.run(xt.Client(srv.port("xmpp"), BOB + "/laptop", BOB_PW).login())


def done(name):
    return os.path.exists(os.path.join(SIGNALS, name + ".done"))


def go(name):
    open(os.path.join(SIGNALS, name + ".go"), "w").close()


def drop_sem():
    drop = os.path.join(srv.data_dir, "im", "drop")
    tmp = os.path.join(drop, ".IM-panel-1.SEM")
    with open(tmp, "w") as f:
        f.write("%s\nops@example.test\n\nBackup finished\n" % USER)
    os.rename(tmp, os.path.join(drop, "IM-panel-1.SEM"))


@ht.test
def panel_shows_sem_and_xmpp_ims_and_replies_over_xmpp():
    env = dict(os.environ, BASE="https://127.0.0.1:%d" % srv.port("webs"), USER_ADDR=USER,
               PASSWORD=PASSWORD, SHOTS=SHOTS, SIGNALS=SIGNALS, BOB=BOB)
    proc = subprocess.Popen(["node", os.path.join(BROWSER_DIR, "webmail-im.mjs")],
                            cwd=BROWSER_DIR, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    bob = state["bob"]
    steps = {"ready": drop_sem, "open": lambda: bob.send(USER, "hello from xmpp")}
    deadline = time.time() + 150
    try:
        while proc.poll() is None and time.time() < deadline:
            xt.pump(0.2)
            for name in list(steps):
                if done(name):
                    steps.pop(name)()
            if done("replied") and "reply" not in state:
                m = xt.run(bob.next("message", match=lambda m: m["body"] == "reply from the panel"))
                state["reply"] = m
                ht.check_equal(m["from"].bare, USER, "the reply's sender")
                go("received")
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = out.decode(errors="replace")
    ht.check(proc.returncode == 0 and "\nnot ok" not in "\n" + text,
             "browser:\n%s%s" % (text, err.decode(errors="replace")[-3000:]))
    ht.check("reply" in state, "bob's XMPP client got the panel's reply")


@ht.test
def bob_logs_out():
    xt.run(state["bob"].close())


if __name__ == "__main__":
    ht.main()
