# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-recurrence.py - calendar-query time-range and CALDAV:expand on
# a corpus of tricky recurrences, checked against an independent oracle,
# python3-recurring-ical-events: weekly across a DST change in a
# VTIMEZONE with an EXDATE and a moved override, all-day yearly events,
# monthly last Fridays with UNTIL, RDATE additions, DURATION instead of
# DTEND, an override moved into another week, instants on a window's
# edge.  For every event and every window of a sweep, the server's
# answer (which events match; which instance starts expand gives) must
# equal the oracle's.
import datetime
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

UTC = datetime.timezone.utc
srv = dt.dav_daemon("dav-recurrence")
me = dt.Client(srv)
CAL = "/dav/cal/demo@example.test/calendar/"

BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def cal(*events, tz=False):
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hermod tests//EN"]
    if tz:
        out.append(BERLIN)
    for e in events:
        out += ["BEGIN:VEVENT", "DTSTAMP:20240101T000000Z"] + e.strip().split("\n") + \
            ["END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


CORPUS = {
    "dst-weekly": cal("""UID:dst-weekly
DTSTART;TZID=Europe/Berlin:20240305T090000
DTEND;TZID=Europe/Berlin:20240305T100000
RRULE:FREQ=WEEKLY;COUNT=8
EXDATE;TZID=Europe/Berlin:20240319T090000
SUMMARY:Weekly across DST""", """UID:dst-weekly
RECURRENCE-ID;TZID=Europe/Berlin:20240402T090000
DTSTART;TZID=Europe/Berlin:20240403T150000
DTEND;TZID=Europe/Berlin:20240403T160000
SUMMARY:Moved a day""", tz=True),
    "allday-yearly": cal("""UID:allday-yearly
DTSTART;VALUE=DATE:20200229
RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1
SUMMARY:Yearly all day"""),
    "last-friday": cal("""UID:last-friday
DTSTART:20240126T160000Z
DTEND:20240126T170000Z
RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20240701T000000Z
SUMMARY:Last Friday"""),
    "rdate": cal("""UID:rdate
DTSTART:20240110T080000Z
DURATION:PT30M
RDATE:20240115T080000Z,20240301T120000Z
SUMMARY:Once plus extra dates"""),
    "moved-far": cal("""UID:moved-far
DTSTART:20240108T100000Z
DTEND:20240108T110000Z
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Weekly""", """UID:moved-far
RECURRENCE-ID:20240115T100000Z
DTSTART:20240212T100000Z
DTEND:20240212T110000Z
SUMMARY:Moved four weeks"""),
    "instant": cal("""UID:instant
DTSTART:20240205T000000Z
SUMMARY:Instant at midnight"""),
    "daily-count": cal("""UID:daily-count
DTSTART:20240225T233000Z
DTEND:20240226T003000Z
RRULE:FREQ=DAILY;COUNT=10;INTERVAL=2
SUMMARY:Every other day, over midnight"""),
}


def windows():
    """Day windows through Jan-Apr 2024, week windows through 2024, and
    a few long ones."""
    out = []
    day = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    while day < datetime.datetime(2024, 4, 30, tzinfo=UTC):
        out.append((day, day + datetime.timedelta(days=1)))
        day += datetime.timedelta(days=1)
    week = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    while week < datetime.datetime(2025, 1, 1, tzinfo=UTC):
        out.append((week, week + datetime.timedelta(days=7)))
        week += datetime.timedelta(days=7)
    out += [(datetime.datetime(2019, 1, 1, tzinfo=UTC), datetime.datetime(2030, 1, 1, tzinfo=UTC)),
            (datetime.datetime(2024, 2, 4, 23, 0, tzinfo=UTC),
             datetime.datetime(2024, 2, 5, 0, 0, tzinfo=UTC))]
    return out


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def oracle():
    try:
        import icalendar
        import recurring_ical_events
    except ImportError:
        raise ht.Skip("python3-recurring-ical-events not installed")
    return icalendar, recurring_ical_events


def utc_start(ev):
    v = ev["DTSTART"].dt
    if isinstance(v, datetime.datetime):
        return v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC)
    return datetime.datetime(v.year, v.month, v.day, tzinfo=UTC)


@ht.test
def daemon_starts_and_takes_the_corpus():
    srv.start()
    for name, text in CORPUS.items():
        ht.check_equal(me.put(CAL + name + ".ics", text).status, 201, name)


def server_answer(start, end):
    q = dt.calendar_query(stamp(start), stamp(end), props=(
        '<C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data>'
        % (stamp(start), stamp(end))))
    root = dt.multistatus(me.report(CAL, q))
    got = {}
    for href, (_, props) in dt.responses(root).items():
        name = href.rsplit("/", 1)[1][:-4]
        data = props[dt.tag("C", "calendar-data")].text
        starts = set()
        icalendar, _ = oracle()
        for ev in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            starts.add(utc_start(ev))
        got[name] = starts
    return got


def oracle_answer(start, end):
    icalendar, rie = oracle()
    want = {}
    for name, text in CORPUS.items():
        events = rie.of(icalendar.Calendar.from_ical(text)).between(start, end)
        if events:
            want[name] = {utc_start(e) for e in events}
    return want


@ht.test
def time_range_and_expand_match_the_oracle():
    oracle()
    ws = windows()
    mismatches = []
    for start, end in ws:
        got, want = server_answer(start, end), oracle_answer(start, end)
        if got != want:
            mismatches.append("%s..%s: server %r oracle %r" % (stamp(start), stamp(end),
                                                               got, want))
    ht.check(not mismatches, "%d of %d windows differ:\n%s" % (len(mismatches), len(ws),
                                                              "\n".join(mismatches[:8])))


@ht.test
def expand_gives_utc_and_recurrence_ids():
    q = dt.calendar_query("20240325T000000Z", "20240410T000000Z", props=(
        '<C:calendar-data><C:expand start="20240325T000000Z" end="20240410T000000Z"/>'
        '</C:calendar-data>'))
    root = dt.multistatus(me.report(CAL, q))
    data = dt.responses(root)[CAL + "dst-weekly.ics"][1][dt.tag("C", "calendar-data")].text
    ht.check("VTIMEZONE" not in data and "TZID" not in data, data)
    ht.check("DTSTART:20240326T080000Z" in data, "winter time instance in UTC: " + data)
    ht.check("DTSTART:20240409T070000Z" in data, "summer time instance in UTC: " + data)
    ht.check("RECURRENCE-ID:20240402T070000Z" in data, "override keeps its RECURRENCE-ID")
    ht.check("DTSTART:20240403T130000Z" in data, "override at its own time")


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


if __name__ == "__main__":
    ht.main()
