#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imsem.py - semaphore files (IM-*.SEM) through the imsem module and
# the IM hub, against the real hermodd: the drop folder's mode and group;
# a SEM is left alone (same inode, same bytes, no IM) for several seconds
# while its LCK exists and is delivered once the LCK goes; multi-line text
# and the sender recorded (hermodctl im history --json); plus-addressing,
# case and aliases; each bad shape (empty, no blank third line, bad or
# unknown recipient, bad sender, too big, not UTF-8, a NUL byte, wrong
# name, a symlink) moved to bad/ with a .reason and a log line, never
# delivered; a file left in processing/ by a crash delivered at start,
# and one whose IM was delivered just before the crash not delivered
# again; 1,000 files dropped at once each delivered once (the time is
# printed, not checked); kill -9 while hundreds are being processed, then
# every IM exactly once after the restart; hermodctl im send; history
# --since; new-mail notifications as IMs (hermodctl im notify); the daily
# central log with a line per IM.
import datetime
import json
import os
import re
import shutil
import smtplib
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"

d = ht.Daemon("imsem", users={ALICE: "alice-pw-1", BOB: "bob-pw-1", CAROL: "carol-pw-1"})
d.sections["core"]["modules"] = "smtp;imsem"
d.sections["imsem"] = {"scan_interval": "2s", "bad_name_delay": "1s", "max_size": "4K",
                       "group": "mail", "threads": "2"}
DROP = os.path.join(d.data_dir, "im", "drop")
BAD = os.path.join(DROP, "bad")
PROCESSING = os.path.join(DROP, "processing")


def history(account, *extra):
    cp = d.ctl("im", "history", account, "--json", *extra)
    return [json.loads(line) for line in cp.stdout.decode().splitlines() if line.strip()]


def texts(account):
    return [im["text"] for im in history(account) if not im["outgoing"]]


def drop(name, content, lock=False):
    """Write a SEM the way a careful script does: a dot-temporary renamed
    into place (atomic), or under its LCK when lock is set."""
    data = content if isinstance(content, bytes) else content.encode()
    path = os.path.join(DROP, name)
    if lock:
        lck = re.sub(r"\.SEM$", ".LCK", path)
        open(lck, "w").close()
        with open(path, "wb") as f:
            f.write(data)
        return lck
    tmp = os.path.join(DROP, ".tmp-" + name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
    return path


def sem(to, sender, text):
    return "%s\n%s\n\n%s\n" % (to, sender, text)


def wait_text(account, text, timeout=ht.TIMEOUT):
    return ht.wait_until(lambda: text in texts(account), timeout=timeout,
                         what="%r in %s's history" % (text, account))


@ht.setup
def start():
    d.start()
    d.ctl("alias", "add", "team@example.test", BOB)
    d.ctl("alias", "add", "team@example.test", CAROL)


@ht.test
def drop_folder_is_group_writable():
    st = os.stat(DROP)
    ht.check_equal(stat.S_IMODE(st.st_mode), 0o3770, "mode of the drop folder")
    import grp
    ht.check_equal(st.st_gid, grp.getgrnam("mail").gr_gid, "group of the drop folder")
    for sub in (PROCESSING, BAD):
        ht.check(os.path.isdir(sub), sub + " exists")


@ht.test
def locked_file_is_left_alone_then_delivered():
    lck = drop("IM-100.SEM", sem(BOB, ALICE, "locked one"), lock=True)
    path = os.path.join(DROP, "IM-100.SEM")
    before = os.stat(path)
    time.sleep(5)  # two periodic scans and any inotify event have passed
    after = os.stat(path)
    ht.check_equal((after.st_ino, after.st_size, after.st_mtime_ns),
                   (before.st_ino, before.st_size, before.st_mtime_ns), "the locked SEM")
    ht.check("locked one" not in texts(BOB), "delivered while locked")
    os.unlink(lck)
    wait_text(BOB, "locked one", timeout=5)
    ht.wait_until(lambda: not os.path.exists(path), timeout=5, what="the SEM removed")


@ht.test
def multiline_text_and_sender_are_recorded():
    body = "first line\nsecond line\n\n  indented fourth\nünïcödé ✓"
    drop("IM-101.SEM", sem(BOB, "Script@Elsewhere.TEST", body).replace("\n", "\r\n"))
    wait_text(BOB, body)
    im = [m for m in history(BOB) if m["text"] == body][0]
    ht.check_equal(im["sender"], "script@elsewhere.test", "sender")
    ht.check_equal(im["source"], "sem", "source")
    ht.check_equal(im["recipient"], BOB, "recipient")


@ht.test
def local_sender_keeps_a_copy_and_aliases_fan_out():
    drop("IM-102.SEM", sem("BOB+alerts@Example.Test", ALICE, "plus and case"))
    wait_text(BOB, "plus and case")
    out = [m for m in history(ALICE) if m["outgoing"] and m["text"] == "plus and case"]
    ht.check_equal(len(out), 1, "alice's outgoing copies")
    drop("IM-103.SEM", sem("team@example.test", ALICE, "to the team"))
    wait_text(BOB, "to the team")
    wait_text(CAROL, "to the team")


BAD_FILES = [
    ("IM-200.SEM", b"", "empty"),
    ("IM-201.SEM", b"bob@example.test\nalice@example.test\nno blank line\n", "third line"),
    ("IM-202.SEM", b"bob@example.test\n", "no sender"),
    ("IM-203.SEM", sem("not an address", ALICE, "x").encode(), "recipient"),
    ("IM-204.SEM", sem("nobody@example.test", ALICE, "unknown").encode(), "nobody@example.test"),
    ("IM-205.SEM", sem(BOB, "bad sender", "x").encode(), "sender"),
    ("IM-206.SEM", sem(BOB, ALICE, "x" * 5000).encode(), "max_size"),
    ("IM-207.SEM", sem(BOB, ALICE, "latin1 caf\xe9").encode("latin-1"), "UTF-8"),
    ("IM-208.SEM", sem(BOB, ALICE, "nul\0byte").encode(), "NUL"),
    ("IM-209.SEM", sem(BOB, ALICE, "   ").encode(), "empty"),
    ("IM-210.SEM", sem("someone@remote.test", ALICE, "remote").encode(), "remote.test"),
    ("notes.txt", sem(BOB, ALICE, "wrong name").encode(), "name"),
    ("IM-x!.SEM", sem(BOB, ALICE, "wrong id").encode(), "name"),
]


@ht.test
def bad_files_are_set_aside_with_a_reason():
    for name, content, _ in BAD_FILES:
        drop(name, content)
    os.symlink("/etc/passwd", os.path.join(DROP, "IM-211.SEM"))
    expect = BAD_FILES + [("IM-211.SEM", None, "regular file")]
    for name, _, why in expect:
        reason_path = os.path.join(BAD, name + ".reason")
        ht.wait_until(lambda: os.path.exists(reason_path) and os.path.lexists(
            os.path.join(BAD, name)), timeout=10, what=name + " in bad/")
        with open(reason_path) as f:
            reason = f.read()
        ht.check(why in reason, "%s: reason %r lacks %r" % (name, reason, why))
        ht.check(not os.path.lexists(os.path.join(DROP, name)), name + " still in drop/")
        # The line is logged after the move, so it may lag behind it.
        ht.wait_until(lambda: re.search(r"imsem: %s set aside" % re.escape(name),
                                        d.stderr_text()), timeout=10, what="a log line for " + name)
    got = texts(BOB)
    for word in ("no blank line", "unknown", "wrong name", "wrong id", "latin1"):
        ht.check(not any(word in t for t in got), "a bad file was delivered: " + word)


@ht.test
def hermodctl_im_send_and_history_since():
    cp = d.ctl("im", "send", "--from", ALICE, "--to", BOB, input="from the admin\nline 2\n")
    ht.check(b"queued" in cp.stdout, cp.stdout)
    wait_text(BOB, "from the admin\nline 2")
    cp = d.ctl("im", "send", "--from", ALICE, "--to", "ghost@example.test", input="x",
               check=False)
    ht.check_equal(cp.returncode, 1, "send to an unknown account")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    ht.check_equal(history(BOB, "--since", tomorrow), [], "history --since tomorrow")
    today = datetime.date.today().isoformat()
    ht.check(len(history(BOB, "--since", today)) >= 5, "history --since today")
    plain = d.ctl("im", "history", BOB).stdout.decode()
    ht.check("\tin\t%s\t%s\tsem\n    from the admin\n    line 2\n" % (ALICE, BOB) in plain,
             "the plain history format:\n" + plain)


@ht.test
def leftovers_of_a_crash_are_delivered_once():
    # A crash after the claim: the file waits in processing/.
    d.stop()
    with open(os.path.join(PROCESSING, "1-1-IM-300.SEM"), "w") as f:
        f.write(sem(BOB, ALICE, "claimed before the crash"))
    with open(os.path.join(DROP, "IM-302.SEM"), "w") as f:
        f.write(sem(BOB, ALICE, "dropped while stopped"))
    d.start()
    wait_text(BOB, "claimed before the crash")
    wait_text(BOB, "dropped while stopped", timeout=5)  # the start-up scan
    # A crash after delivery, before the file was removed: put it back.
    drop("IM-301.SEM", sem(BOB, ALICE, "delivered before the crash"))
    wait_text(BOB, "delivered before the crash")
    m = ht.wait_until(lambda: re.search(r"IM-301\.SEM from .* \((\S+)\)", d.stderr_text()),
                      what="the claimed name in the log")
    d.stop()
    with open(os.path.join(PROCESSING, m.group(1)), "w") as f:
        f.write(sem(BOB, ALICE, "delivered before the crash"))
    d.start()
    ht.wait_until(lambda: not os.listdir(PROCESSING), timeout=10, what="processing/ empty")
    ht.check_equal(texts(BOB).count("delivered before the crash"), 1, "copies after redelivery")
    ht.check_equal(texts(BOB).count("claimed before the crash"), 1, "copies")


def drop_many(n, tag):
    for i in range(n):
        drop("IM-%s%05d.SEM" % (tag, i), sem(CAROL, ALICE, "%s %d" % (tag, i)))


def count_tagged(account, tag):
    got = [t for t in texts(account) if t.startswith(tag + " ")]
    return got


@ht.test
def a_thousand_files_each_delivered_once():
    start = time.monotonic()
    drop_many(1000, "bulk")
    ht.wait_until(lambda: len(count_tagged(CAROL, "bulk")) >= 1000, timeout=120, interval=0.5,
                  what="1000 IMs")
    elapsed = time.monotonic() - start
    print("# 1000 SEM files delivered in %.1f s" % elapsed, flush=True)
    got = count_tagged(CAROL, "bulk")
    ht.check_equal(len(got), 1000, "IMs")
    ht.check_equal(len(set(got)), 1000, "distinct IMs")
    ht.check_equal([f for f in os.listdir(DROP) if f.startswith("IM-bulk")], [], "left in drop/")


@ht.test
def kill_9_mid_processing_loses_nothing_and_doubles_nothing():
    for round_, wait_for in enumerate((5, 60, 150)):
        tag = "crash%d" % round_
        drop_many(300, tag)
        ht.wait_until(lambda: len(count_tagged(CAROL, tag)) >= wait_for, timeout=60,
                      interval=0.02, what="%d delivered" % wait_for)
        d.kill()
        n_at_kill = len(count_tagged(CAROL, tag))
        d.start()
        ht.wait_until(lambda: len(count_tagged(CAROL, tag)) >= 300, timeout=90, interval=0.5,
                      what="all 300 after the restart")
        time.sleep(2.5)  # a periodic scan more: nothing may come twice
        got = count_tagged(CAROL, tag)
        print("# round %d: %d delivered at kill -9, %d after" % (round_, n_at_kill, len(got)))
        ht.check_equal(len(got), 300, "IMs of %s" % tag)
        ht.check_equal(len(set(got)), 300, "distinct IMs of %s" % tag)
    ht.check_equal(os.listdir(PROCESSING), [], "processing/ after the restarts")


def send_mail(to, subject):
    msg = ("From: Eve Example <eve@remote.test>\r\nTo: %s\r\nSubject: %s\r\n"
           "Message-ID: <%s@remote.test>\r\n\r\nbody\r\n" % (to, subject, ht.unique()))
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("eve@remote.test", [to], msg.encode())


@ht.test
def new_mail_notification_as_im():
    d.ctl("im", "notify", BOB, "Mail from %from%: %subject%")
    ht.check_equal(d.ctl("im", "notify", BOB).stdout.decode().strip(),
                   "Mail from %from%: %subject%", "the setting")
    send_mail(BOB, "=?utf-8?q?Gr=C3=BC=C3=9Fe?=")
    want = "Mail from Eve Example <eve@remote.test>: Grüße"
    wait_text(BOB, want)
    im = [m for m in history(BOB) if m["text"] == want][0]
    ht.check_equal((im["source"], im["sender"]), ("notify", "mailer-daemon@example.test"),
                   "source and sender of the notice")
    send_mail(CAROL, "carol has no notifications")
    d.ctl("im", "notify", BOB, "off")
    send_mail(BOB, "after off")
    d.wait_message(BOB, b"after off")
    d.wait_message(CAROL, b"carol has no notifications")
    time.sleep(1)
    ht.check(not any("after off" in t for t in texts(BOB)), "a notice after off")
    ht.check(not any("carol has" in t for t in texts(CAROL)), "a notice without the setting")


@ht.test
def central_log_has_a_line_per_im():
    name = datetime.date.today().strftime("im-%Y-%m-%d.log")
    with open(os.path.join(d.data_dir, "logs", name)) as f:
        log = f.read()
    delivered = re.findall(r"source=sem .* from=<([^>]*)> to=<([^>]*)> size=(\d+) "
                           r"result=delivered", log)
    ht.check(len(delivered) >= 1000 + 900, "delivered lines: %d" % len(delivered))
    ht.check(("script@elsewhere.test", BOB) in [(f, t) for f, t, _ in delivered],
             "the script's IM in the log")
    ht.check(re.search(r"to=<nobody@example\.test> size=\d+ result=refused:no-recipient", log),
             "the refused IM in the log")
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
    ht.check(all(stamp.match(line) for line in log.splitlines()), "every line has a time")


ht.main()
