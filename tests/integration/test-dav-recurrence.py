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
# equal the oracle's.  limit-recurrence-set (RFC 4791 9.6.6) over the
# same sweep: the master and exactly the overrides whose own instance
# the oracle puts in the window or whose original time overlaps it.
# VTODOs (RFC 4791 9.9's table: DTSTART with DUE, DURATION or alone, DUE
# alone, COMPLETED and/or CREATED, none, a weekly rule) over day windows
# and windows touching each edge, against a Python reading of the table
# (and the oracle's instances for the rule).
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


def todo_cal(*lines):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hermod tests//EN\r\nBEGIN:VTODO\r\n"
            "DTSTAMP:20240101T000000Z\r\n" + "\r\n".join(lines) +
            "\r\nSUMMARY:Todo\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


TODOS = {
    "todo-start-due": todo_cal("UID:todo-start-due", "DTSTART:20240301T090000Z",
                               "DUE:20240301T110000Z"),
    "todo-start-duration": todo_cal("UID:todo-start-duration", "DTSTART:20240302T090000Z",
                                    "DURATION:PT2H"),
    "todo-start-only": todo_cal("UID:todo-start-only", "DTSTART:20240303T090000Z"),
    "todo-due-only": todo_cal("UID:todo-due-only", "DUE:20240304T120000Z"),
    "todo-completed-created": todo_cal("UID:todo-completed-created",
                                       "COMPLETED:20240306T100000Z", "CREATED:20240305T080000Z"),
    "todo-completed": todo_cal("UID:todo-completed", "COMPLETED:20240307T100000Z"),
    "todo-created": todo_cal("UID:todo-created", "CREATED:20240308T080000Z"),
    "todo-zero": todo_cal("UID:todo-zero", "DTSTART:20240309T120000Z", "DUE:20240309T120000Z"),
    "todo-none": todo_cal("UID:todo-none"),
    "todo-weekly": todo_cal("UID:todo-weekly", "DTSTART:20240311T090000Z",
                            "DUE:20240311T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4"),
}


def utc(text):
    return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def todo_props(text):
    return {k: v for k, v in (line.split(":", 1) for line in text.split("\r\n") if ":" in line)}


def todo_instances(p):
    """(DTSTART, end) of each instance: the rule is weekly COUNT=n."""
    if "DTSTART" not in p:
        return [None]
    s = utc(p["DTSTART"])
    e = utc(p["DUE"]) if "DUE" in p else s + datetime.timedelta(hours=2) \
        if "DURATION" in p else s
    n = int(p["RRULE"].rsplit("=", 1)[1]) if "RRULE" in p else 1
    week = datetime.timedelta(days=7)
    return [(s + k * week, e + k * week) for k in range(n)]


def rfc_todo_match(text, start, end):
    """RFC 4791 9.9, the VTODO table, row by row."""
    p = todo_props(text)
    for inst in todo_instances(p):
        if inst is None:
            if "DUE" in p:
                hit = start < utc(p["DUE"]) <= end
            elif "COMPLETED" in p and "CREATED" in p:
                cr, co = utc(p["CREATED"]), utc(p["COMPLETED"])
                hit = (start <= cr or start <= co) and (end >= cr or end >= co)
            elif "COMPLETED" in p:
                hit = start <= utc(p["COMPLETED"]) <= end
            elif "CREATED" in p:
                hit = end > utc(p["CREATED"])
            else:
                hit = True
        else:
            s, e = inst
            if "DURATION" in p:
                hit = start <= e and (end > s or end >= e)
            elif "DUE" in p:
                hit = (start < e or start <= s) and (end > s or end >= e)
            else:
                hit = start <= s < end
        if hit:
            return True
    return False


def todo_windows():
    """Day windows through March 2024 and an hour each side of every
    time in the corpus (windows that touch an edge)."""
    out = []
    day = datetime.datetime(2024, 2, 28, tzinfo=UTC)
    while day < datetime.datetime(2024, 4, 10, tzinfo=UTC):
        out.append((day, day + datetime.timedelta(days=1)))
        day += datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    for text in TODOS.values():
        p = todo_props(text)
        times = [utc(v) for k, v in p.items() if k in ("DTSTART", "DUE", "COMPLETED", "CREATED")]
        for inst in todo_instances(p):
            times += list(inst) if inst else []
        for t in times:
            out += [(t - hour, t), (t, t + hour), (t - hour, t + hour)]
    return out


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
    for name, text in list(CORPUS.items()) + list(TODOS.items()):
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


def limited_answer(start, end):
    """name -> (has a master, {RECURRENCE-IDs in UTC}) of the objects a
    time-range query with limit-recurrence-set returns."""
    icalendar, _ = oracle()
    q = dt.calendar_query(stamp(start), stamp(end), props=(
        '<C:calendar-data><C:limit-recurrence-set start="%s" end="%s"/></C:calendar-data>'
        % (stamp(start), stamp(end))))
    got = {}
    for href, (_, props) in dt.responses(dt.multistatus(me.report(CAL, q))).items():
        cal = icalendar.Calendar.from_ical(props[dt.tag("C", "calendar-data")].text)
        evs = list(cal.walk("VEVENT"))
        rids = {utc_start({"DTSTART": e["RECURRENCE-ID"]}) for e in evs if "RECURRENCE-ID" in e}
        got[href.rsplit("/", 1)[1][:-4]] = (any("RECURRENCE-ID" not in e for e in evs), rids)
    return got


def limited_want(start, end):
    """The oracle's instances decide the overrides that are in the window
    at their own time; the original time (RECURRENCE-ID plus the
    master's length) is the other way in."""
    icalendar, rie = oracle()
    want = {}
    for name, text in CORPUS.items():
        cal = icalendar.Calendar.from_ical(text)
        evs = list(cal.walk("VEVENT"))
        if not rie.of(cal).between(start, end):
            continue
        master = [e for e in evs if "RECURRENCE-ID" not in e]
        length = (master[0]["DTEND"].dt - master[0]["DTSTART"].dt) if master and \
            "DTEND" in master[0] else datetime.timedelta(0)
        own = {(utc_start(e), utc_start({"DTSTART": e["RECURRENCE-ID"]}))
               for e in rie.of(cal).between(start, end) if "RECURRENCE-ID" in e}
        rids = set()
        for o in (e for e in evs if "RECURRENCE-ID" in e):
            rid = utc_start({"DTSTART": o["RECURRENCE-ID"]})
            if (utc_start(o), rid) in own or (start < rid + length and end > rid):
                rids.add(rid)
        want[name] = (bool(master), rids)
    return want


@ht.test
def limit_recurrence_set_keeps_master_and_overrides_in_range():
    oracle()
    ws = windows()
    mismatches = []
    seen_without, seen_with = 0, 0
    for start, end in ws:
        got, want = limited_answer(start, end), limited_want(start, end)
        if got != want:
            mismatches.append("%s..%s: server %r want %r" % (stamp(start), stamp(end), got, want))
        for name in ("dst-weekly", "moved-far"):
            if name in got:
                seen_with += bool(got[name][1])
                seen_without += not got[name][1]
    ht.check(not mismatches, "%d of %d windows differ:\n%s" % (len(mismatches), len(ws),
                                                              "\n".join(mismatches[:8])))
    ht.check(seen_with > 0 and seen_without > 0,
             "the sweep saw overrides both kept (%d) and left out (%d)" % (seen_with, seen_without))


def todo_answer(start, end):
    q = dt.calendar_query(stamp(start), stamp(end), comp="VTODO")
    return {href.rsplit("/", 1)[1][:-4] for href in dt.responses(dt.multistatus(me.report(CAL, q)))}


@ht.test
def vtodo_time_ranges_follow_the_rfc_table():
    ws = todo_windows()
    mismatches = []
    for start, end in ws:
        got = todo_answer(start, end)
        want = {name for name, text in TODOS.items() if rfc_todo_match(text, start, end)}
        if got != want:
            mismatches.append("%s..%s: server %r table %r" % (stamp(start), stamp(end),
                                                             sorted(got), sorted(want)))
    ht.check(not mismatches, "%d of %d windows differ:\n%s" % (len(mismatches), len(ws),
                                                              "\n".join(mismatches[:8])))


@ht.test
def recurring_vtodo_matches_the_oracle():
    icalendar, rie = oracle()
    cal = icalendar.Calendar.from_ical(TODOS["todo-weekly"])
    try:
        instances = rie.of(cal, components=["VTODO"]).between
    except TypeError:
        raise ht.Skip("this recurring_ical_events has no VTODO support")
    ws = todo_windows()
    mismatches = []
    for start, end in ws:
        got = "todo-weekly" in todo_answer(start, end)
        want = bool(instances(start, end))
        if got != want:
            mismatches.append("%s..%s: server %r oracle %r" % (stamp(start), stamp(end), got, want))
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
