# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-reminders.py - calendar reminders: python3-caldav stores events
# whose VALARMs come due a few seconds ahead; each reminder reaches the
# owner as an IM through the hub (hermodctl im history, source
# "reminder") exactly once, an EMAIL alarm also as mail (read over
# IMAP), every instance of a recurring event fires, ACKNOWLEDGED and
# X-MOZ-LASTACK silence an alarm, X-MOZ-SNOOZE-TIME brings one back, and
# a kill -9 across an alarm's time neither loses nor repeats it.
import datetime
import imaplib
import json
import os
import ssl
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("reminders", modules="smtp;imap;dav")
srv.ports["imap"] = ht.free_port()
srv.sections["listener imap"] = {"protocol": "imap", "address": "127.0.0.1",
                                 "port": str(srv.ports["imap"]), "tls": "starttls"}
ACCOUNT = dt.DEMO[0]


def utc(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def event(uid, start, summary, alarms, extra=""):
    """A VEVENT starting at start (seconds), with VALARM texts."""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hermod test//EN\r\n"
            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:%s\r\n"
            "DTEND:%s\r\nSUMMARY:%s\r\n%s%s"
            "END:VEVENT\r\nEND:VCALENDAR\r\n"
            % (uid, utc(start), utc(start + 600), summary, extra, "".join(alarms)))


def alarm(trigger, action="DISPLAY", extra=""):
    body = "DESCRIPTION:Remember\r\n" if action == "DISPLAY" else \
        "SUMMARY:Mail reminder\r\nDESCRIPTION:Remember\r\nATTENDEE:mailto:%s\r\n" % ACCOUNT
    return "BEGIN:VALARM\r\nACTION:%s\r\nTRIGGER%s\r\n%s%sEND:VALARM\r\n" % (
        action, trigger, body, extra)


def calendar():
    warnings.simplefilter("ignore")
    try:
        import caldav
    except ImportError:
        raise ht.Skip("python3-caldav not installed")
    me = dt.Client(srv)
    client = caldav.DAVClient(url=me.base + "/.well-known/caldav", username=dt.DEMO[0],
                              password=dt.DEMO[1], ssl_verify_cert=False)
    cals = client.principal().calendars()
    return [c for c in cals if c.name == "calendar"][0] if len(cals) > 1 else cals[0]


def reminders(summary=None):
    cp = srv.ctl("im", "history", ACCOUNT, "--json")
    out = [json.loads(line) for line in cp.stdout.decode().splitlines() if line.strip()]
    return [m for m in out if m.get("source") == "reminder" and
            (summary is None or summary in m["text"])]


def wait_count(summary, n, timeout=20):
    ht.wait_until(lambda: len(reminders(summary)) >= n, timeout, 0.3,
                  "%d reminder(s) for %s" % (n, summary))


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def display_alarm_fires_once_as_an_im():
    cal = calendar()
    t = time.time()
    cal.save_event(event("r-1", t + 3 + 300, "Standup", [alarm(":-PT5M")]))
    wait_count("Standup", 1)
    m = reminders("Standup")[0]
    ht.check(m["text"].startswith("Reminder: Standup"), "text: %r" % m["text"])
    ht.check("Remember" in m["text"], "alarm description in the text")
    ht.check(m["sender"].startswith("calendar@"), "sender %r" % m["sender"])
    # DTSTART has whole seconds: the alarm is due at int(t) + 3, which can
    # be up to a second before t + 3.
    due = int(t) + 3
    ht.check(m["time"] / 1e3 >= due - 0.001,
             "not before its time: %.3f s after it" % (m["time"] / 1e3 - due))
    time.sleep(3)
    ht.check_equal(len(reminders("Standup")), 1, "reminders after waiting on")


@ht.test
def recurring_event_fires_per_instance():
    cal = calendar()
    t = int(time.time()) + 3
    ics = event("r-2", t, "Ticker", [alarm(":PT0S")], "RRULE:FREQ=SECONDLY;INTERVAL=3;COUNT=3\r\n")
    cal.save_event(ics)
    wait_count("Ticker", 3, timeout=30)
    time.sleep(3)
    ht.check_equal(len(reminders("Ticker")), 3, "one per instance")


@ht.test
def acknowledged_and_lastack_silence_alarms():
    cal = calendar()
    t = time.time() + 3
    cal.save_event(event("r-3", t, "Acked", [alarm(":PT0S", extra="ACKNOWLEDGED:%s\r\n"
                                                   % utc(t + 60))]))
    cal.save_event(event("r-4", t, "Moz acked", [alarm(":PT0S")],
                         "X-MOZ-LASTACK:%s\r\n" % utc(t + 60)))
    cal.save_event(event("r-5", t, "Control", [alarm(":PT0S")]))
    wait_count("Control", 1)
    time.sleep(2)
    ht.check_equal(len(reminders("Acked")), 0, "ACKNOWLEDGED alarm")
    ht.check_equal(len(reminders("Moz acked")), 0, "X-MOZ-LASTACK alarm")


@ht.test
def snooze_fires_again():
    cal = calendar()
    t = time.time()
    ev = cal.save_event(event("r-6", t + 2, "Snoozy", [alarm(":PT0S")]))
    wait_count("Snoozy", 1)
    # what Thunderbird writes back when the user snoozes it
    ev.data = event("r-6", t + 2, "Snoozy", [alarm(":PT0S")],
                    "X-MOZ-LASTACK:%s\r\nX-MOZ-SNOOZE-TIME:%s\r\n"
                    % (utc(time.time()), utc(time.time() + 3)))
    ev.save()
    wait_count("Snoozy", 2)
    time.sleep(2)
    ht.check_equal(len(reminders("Snoozy")), 2, "the alarm and its snooze")


@ht.test
def email_alarm_arrives_as_mail():
    cal = calendar()
    t = time.time()
    cal.save_event(event("r-7", t + 3, "Dentist", [alarm(";VALUE=DATE-TIME:%s" % utc(t + 3),
                                                         "EMAIL")]))
    wait_count("Dentist", 1)
    imap = imaplib.IMAP4("127.0.0.1", srv.port("imap"))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    imap.starttls(ctx)
    imap.login(*dt.DEMO)
    found = []
    for _ in range(50):
        imap.select("INBOX")
        typ, data = imap.search(None, "SUBJECT", '"Reminder: Dentist"')
        found = data[0].split()
        if found:
            break
        time.sleep(0.2)
    ht.check_equal(len(found), 1, "reminder mails")
    typ, data = imap.fetch(found[0], "(RFC822)")
    raw = data[0][1]
    ht.check(b"Reminder: Dentist" in raw and b"Remember" in raw, "mail body")
    imap.logout()


@ht.test
def kill_across_the_alarm_time_fires_once():
    cal = calendar()
    t = time.time()
    cal.save_event(event("r-8", t + 4, "Across a crash", [alarm(":PT0S")]))
    cal.save_event(event("r-9", t + 1, "Before a crash", [alarm(":PT0S")]))
    wait_count("Before a crash", 1)
    time.sleep(0.5)
    srv.kill()  # before r-8's time, after r-9's
    time.sleep(max(0, t + 5 - time.time()))
    srv.start()
    wait_count("Across a crash", 1)
    time.sleep(3)
    srv.kill()  # and once more after it fired
    srv.start()
    time.sleep(3)
    ht.check_equal(len(reminders("Across a crash")), 1, "reminder due while down")
    ht.check_equal(len(reminders("Before a crash")), 1, "reminder fired before the crash")
    ht.check_equal(len(reminders("Standup")), 1, "earlier reminders after restarts")


if __name__ == "__main__":
    ht.main()
