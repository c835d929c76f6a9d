# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-webmail-calendar.py - the webmail's calendar and invitation card
# in headless Chromium (tests/browser/calendar.mjs) against hermodd with
# smtp, jmap, webmail and dav, two accounts, the browser in Europe/Berlin.
# What the browser does is checked with a real CalDAV client
# (python3-caldav) or plain HTTP afterwards:
#
#   an event created in the webmail (weekly, 5 times, a reminder, an
#   attendee whose free/busy is shown) read back with python3-caldav, in
#   the user's zone with its VTIMEZONE, and the attendee invited by the
#   server; an event stored over CalDAV shown in the week view at the
#   Berlin time; moved with the keyboard (Alt+Down) and by dragging, the
#   new times read back; a daily event's second occurrence edited "only
#   this one" (an override with its RECURRENCE-ID, the master unchanged),
#   the sixth deleted "this and the following" (UNTIL) and the fourth
#   renamed "this and the following" (UNTIL, and a new series); bob's
#   invitation (his CalDAV PUT with ATTENDEE demo) shown as a card in
#   demo's mail, Accept puts PARTSTAT=ACCEPTED into bob's copy and bob's
#   reply mail shows a reply card, his cancellation a card that removes
#   demo's copy; an .ics attachment added to the
#   calendar; demo's web session refused on bob's calendars (nothing
#   changed there); screenshots of every view in both themes, dark mode,
#   the dialogs and the cards.
import datetime
import os
import smtplib
import subprocess
import sys
import warnings
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

DEMO, BOB = dt.DEMO, dt.BOB
BROWSER_DIR = os.path.join(ht.SRCDIR, "tests", "browser")
SHOTS = os.path.join(ht.BUILDDIR, "tests", "screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TODAY = datetime.datetime.now(BERLIN).date()

srv = ht.Daemon("webmail-calendar")
srv.users[BOB[0]] = BOB[1]
srv.add_web("https")
srv.sections["core"]["modules"] = "smtp;jmap;webmail;dav"
srv.sections["webmail"] = {"themes_dir": os.path.join(ht.SRCDIR, "themes")}
demo = dt.Client(srv, DEMO)
bob = dt.Client(srv, BOB)
DCAL = "/dav/cal/demo@example.test/calendar/"
BCAL = "/dav/cal/bob@example.test/calendar/"


def has_module(name):
    return any(os.path.exists(os.path.join(d, name + ".so")) for d in ht.MODULE_DIR.split(";"))


@ht.setup
def tools_are_there():
    ht.need_tool("node")
    ht.need_tool("curl")
    if not os.path.exists(CHROMIUM):
        raise ht.Skip("no %s (apt-get install chromium)" % CHROMIUM)
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        raise ht.Skip("no playwright-core: run npm ci in tests/browser (tools/install-deps)")
    for m in ("jmap", "dav", "webmail"):
        if not has_module(m):
            raise ht.Skip("the %s module is not built" % m)
    try:
        import caldav  # noqa: F401
    except ImportError:
        raise ht.Skip("python3-caldav not installed")
    srv.start()


def utc(day, hh, mm=0):
    """The UTC iCalendar value of a Berlin wall time."""
    t = datetime.datetime(day.year, day.month, day.day, hh, mm, tzinfo=BERLIN)
    return t.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def browser(step, **extra):
    env = dict(os.environ, BASE="https://127.0.0.1:%d" % srv.port("webs"), USER_ADDR=DEMO[0],
               PASSWORD=DEMO[1], BOB_ADDR=BOB[0], BOB_PASSWORD=BOB[1], SHOTS=SHOTS,
               STEPS=step, CHROMIUM=CHROMIUM, TODAY=TODAY.isoformat(), **extra)
    cp = subprocess.run(["node", os.path.join(BROWSER_DIR, "calendar.mjs")], cwd=BROWSER_DIR,
                        env=env, capture_output=True, timeout=240)
    out = cp.stdout.decode(errors="replace")
    ht.check(cp.returncode == 0 and "\nok 1 " in "\n" + out,
             "browser step %s failed:\n%s%s" % (step, out, cp.stderr.decode(errors="replace")))


def caldav_calendar(who=DEMO):
    warnings.simplefilter("ignore")
    import caldav
    client = caldav.DAVClient(url="https://127.0.0.1:%d/.well-known/caldav" % srv.port("webs"),
                              username=who[0], password=who[1], ssl_verify_cert=False)
    return [c for c in client.principal().calendars() if c.url.path.endswith("/calendar/")][0]


def unfolded(text):
    return text.replace("\r\n ", "").replace("\n ", "")


def event_with(cal, summary):
    for e in cal.events():
        if "SUMMARY:%s\r\n" % summary in unfolded(e.data).replace("\n", "\r\n").replace("\r\r", "\r"):
            return unfolded(e.data)
    return None


@ht.test
def event_created_in_the_webmail_is_read_back_with_caldav():
    browser("create_event")
    data = event_with(caldav_calendar(), "Planning lunch")
    ht.check(data is not None, "the event is not in demo's calendar")
    want = "DTSTART;TZID=Europe/Berlin:%sT120000" % TODAY.strftime("%Y%m%d")
    ht.check(want in data, "%s in %s" % (want, data))
    ht.check("BEGIN:VTIMEZONE" in data and "TZID:Europe/Berlin" in data, "VTIMEZONE: " + data)
    ht.check("RRULE:FREQ=WEEKLY;COUNT=5" in data, "RRULE: " + data)
    ht.check("LOCATION:Canteen" in data, "LOCATION: " + data)
    ht.check("BEGIN:VALARM" in data and "TRIGGER:-PT15M" in data and "ACTION:DISPLAY" in data,
             "VALARM: " + data)
    ht.check("ORGANIZER:mailto:demo@example.test" in data, "ORGANIZER: " + data)
    ht.check("mailto:bob@example.test" in data and "SCHEDULE-STATUS=1.2" in data,
             "bob invited by the server: " + data)
    got = event_with(caldav_calendar(BOB), "Planning lunch")
    ht.check(got is not None and "STATUS:TENTATIVE" in got, "bob's tentative copy: %r" % got)
    srv.wait_message(BOB[0], b"Invitation: Planning lunch")


@ht.test
def caldav_event_shows_in_the_week_view_and_moves():
    cal = caldav_calendar()
    cal.save_event(dt.vevent("board-1", utc(TODAY, 15), utc(TODAY, 16), summary="Board review",
                             extra="LOCATION:Room 4"))
    browser("week_view")
    data = unfolded(demo.req("GET", DCAL + "board-1.ics").body.decode())
    # Alt+Down twice (30 minutes), then dragged down by an hour.
    ht.check("DTSTART:%s" % utc(TODAY, 16, 30) in data, "moved start: " + data)
    ht.check("DTEND:%s" % utc(TODAY, 17, 30) in data, "moved end: " + data)


@ht.test
def recurring_edit_this_occurrence_and_delete_following():
    cal = caldav_calendar()
    start = TODAY + datetime.timedelta(days=1)
    cal.save_event(dt.vevent("standup-1", utc(start, 9), utc(start, 9, 15),
                             extra="RRULE:FREQ=DAILY;COUNT=10", summary="Standup"))
    browser("recurring")
    data = unfolded(demo.req("GET", DCAL + "standup-1.ics").body.decode())
    ht.check_equal(data.count("BEGIN:VEVENT"), 2, "master and one override: " + data)
    master, override = data.split("BEGIN:VEVENT")[1], data.split("BEGIN:VEVENT")[2]
    if "RECURRENCE-ID" in master:
        master, override = override, master
    second = start + datetime.timedelta(days=1)
    ht.check("RECURRENCE-ID:%s" % utc(second, 9) in override, "RECURRENCE-ID: " + override)
    ht.check("SUMMARY:Standup (moved)" in override, "override summary: " + override)
    ht.check("DTSTART:%s" % utc(second, 11) in override or
             "DTSTART;TZID=Europe/Berlin:%sT110000" % second.strftime("%Y%m%d") in override,
             "override start: " + override)
    ht.check("SUMMARY:Standup\r\n" in master.replace("\n", "\r\n").replace("\r\r", "\r"),
             "master summary: " + master)
    ht.check("DTSTART:%s" % utc(start, 9) in master, "master start: " + master)
    fourth = start + datetime.timedelta(days=3)
    ht.check("UNTIL=%s" % utc(fourth, 8, 59).replace("5900Z", "5959Z") in master and
             "COUNT" not in master, "deleted from the sixth, renamed from the fourth: " + master)
    new = event_with(caldav_calendar(), "Standup v2")
    ht.check(new is not None and "UID:standup-1" not in [x.strip() for x in new.splitlines()],
             "a new series: %r" % new)
    ht.check("DTSTART:%s" % utc(fourth, 9) in new and "RRULE:FREQ=DAILY;UNTIL=" in new,
             "the new series starts at the fourth: " + new)


@ht.test
def invitation_card_accept_updates_the_organizer():
    day = TODAY + datetime.timedelta(days=2)
    ev = dt.vevent("design-1", utc(day, 10), utc(day, 11), (
        "ORGANIZER;CN=Bob:mailto:bob@example.test\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.test\n"
        "ATTENDEE;CN=Demo;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:demo@example.test"),
        summary="Design review")
    ht.check_equal(bob.put(BCAL + "design.ics", ev).status, 201, "bob's PUT")
    srv.wait_message(DEMO[0], b"Invitation: Design review")
    browser("invitation_card")
    data = unfolded(bob.req("GET", BCAL + "design.ics").body.decode())
    line = [x for x in data.splitlines() if "mailto:demo@" in x and x.startswith("ATTENDEE")][0]
    ht.check("PARTSTAT=ACCEPTED" in line, "bob's copy: " + line)
    srv.wait_message(BOB[0], b"Reply: Design review")
    browser("reply_card")


@ht.test
def ics_attachment_is_added_to_the_calendar():
    day = TODAY + datetime.timedelta(days=3)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Conference//EN\r\nMETHOD:PUBLISH\r\n"
           "BEGIN:VEVENT\r\nUID:talk-77@conf.test\r\nDTSTAMP:20261201T000000Z\r\n"
           "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Conference talk\r\nLOCATION:Hall B\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n" % (utc(day, 14), utc(day, 15)))
    msg = ("From: Conference <info@conf.test>\r\nTo: <%s>\r\nSubject: Your talk slot\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
           "--b1\r\nContent-Type: text/plain\r\n\r\nYour slot is attached.\r\n"
           "--b1\r\nContent-Type: text/calendar; name=talk.ics\r\n"
           "Content-Disposition: attachment; filename=talk.ics\r\n\r\n%s--b1--\r\n"
           % (DEMO[0], ics))
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("info@conf.test", [DEMO[0]], msg.encode())
    srv.wait_message(DEMO[0], b"Your talk slot")
    browser("ics_attachment")
    data = event_with(caldav_calendar(), "Conference talk")
    ht.check(data is not None and "UID:talk-77@conf.test" in data, "added: %r" % data)


@ht.test
def another_users_calendar_is_refused():
    before = bob.propfind(BCAL, "<D:getetag/>", "1").body
    browser("cross_user")
    ht.check_equal(bob.propfind(BCAL, "<D:getetag/>", "1").body, before, "bob's calendar changed")


@ht.test
def screenshots_dark_and_phone():
    browser("dark")
    browser("mobile")


@ht.test
def cancellation_card_removes_the_event():
    ht.check_equal(bob.req("DELETE", BCAL + "design.ics").status, 204, "bob cancels")
    srv.wait_message(DEMO[0], b"Cancelled: Design review")
    ht.check(event_with(caldav_calendar(), "Design review") is not None, "demo's copy before")
    browser("cancel_card")
    ht.check(event_with(caldav_calendar(), "Design review") is None, "demo's copy still there")


ht.main()
