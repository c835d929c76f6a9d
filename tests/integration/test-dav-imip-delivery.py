# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-imip-delivery.py - iMIP mail is applied to the recipient's
# calendar when it is delivered (HermodApi.delivery_watch_add), not at
# the recipient's next DAV request; aliases are the account's calendar
# user addresses; the decline rules.
#
# Every invitation is sent through the MX with smtplib and the test then
# waits for the dav module's "delivered to" log line WITHOUT any request
# from the recipient (the module has no other path that applies mail:
# the old scan at the next DAV request is gone), and only then reads the
# calendar with python3-caldav and checks STATUS and PARTSTAT.  Also:
# calendar-user-address-set lists the login and the alias; an invitation
# to the alias (by mail and by a local organizer's PUT) lands in the
# account's calendar and its reply comes from the alias; per-account
# decline rules (dead properties on the schedule inbox) answer DECLINED
# and mail the REPLY to the external organizer; CANCEL by mail; another
# account can neither read nor set bob's rules, and an invitation for
# one account is never applied to another.
import base64
import datetime
import os
import re
import smtplib
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("dav-imip-delivery")
sink, controller = dt.remote_mx(srv)
demo = dt.Client(srv, dt.DEMO)
bob = dt.Client(srv, dt.BOB)
BCAL = "/dav/cal/bob@example.test/calendar/"
BINBOX = "/dav/cal/bob@example.test/inbox/"
ALIAS = "robert@example.test"


@ht.setup
def start():
    controller.start()
    srv.start()
    srv.ctl("alias", "add", ALIAS, dt.BOB[0])


def imip_mail(sender, rcpt, method, ical):
    body = base64.encodebytes(ical.replace("VERSION:2.0", "VERSION:2.0\r\nMETHOD:" + method)
                              .encode()).decode()
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: iMIP %s\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n"
           "Content-Type: text/plain\r\n\r\nSee the calendar part.\r\n--b1\r\n"
           "Content-Type: text/calendar; method=%s; charset=utf-8\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n%s--b1--\r\n"
           % (sender, rcpt, method, method, body))
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=30) as s:
        s.sendmail(sender, [rcpt], msg)


def log_count(pattern):
    return len(re.findall(pattern, srv.stderr_text()))


def wait_applied(method, sender, account, before):
    """Wait (no DAV request meanwhile) for the module's log line."""
    pat = r"dav: %s from %s delivered to %s" % (method, re.escape(sender), re.escape(account))
    ht.wait_until(lambda: log_count(pat) > before, what="%s from %s applied" % (method, sender))


def caldav_calendar(who):
    warnings.simplefilter("ignore")
    try:
        import caldav
    except ImportError:
        raise ht.Skip("python3-caldav not installed")
    client = caldav.DAVClient(url=bob.base + "/.well-known/caldav", username=who[0],
                              password=who[1], ssl_verify_cert=False)
    principal = client.principal()
    return principal, [c for c in principal.calendars() if c.name == "calendar"][0]


def event_text(cal, uid):
    return cal.event_by_uid(uid).data.replace("\r\n ", "")


def attendee_line(text, address):
    lines = [x for x in text.splitlines() if x.startswith("ATTENDEE") and address in x.lower()]
    ht.check(lines, "an ATTENDEE line for %s in %s" % (address, text))
    return lines[0]


def invite(uid, start, end, attendee, extra="", summary="Remote meeting"):
    return dt.vevent(uid, start, end, "ORGANIZER:mailto:eve@remote.test\n"
                     "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:%s%s" % (attendee, extra),
                     summary=summary)


@ht.test
def invitation_by_mail_is_on_the_calendar_before_any_request():
    pat = r"dav: REQUEST from eve@remote\.test delivered to bob@example\.test"
    before = log_count(pat)
    imip_mail("eve@remote.test", dt.BOB[0], "REQUEST",
              invite("mail-1", "20250310T090000Z", "20250310T100000Z", dt.BOB[0]))
    wait_applied("REQUEST", "eve@remote.test", dt.BOB[0], before)
    # The first request of bob's comes only now: the event is there already.
    _, cal = caldav_calendar(dt.BOB)
    text = event_text(cal, "mail-1")
    log = srv.stderr_text()
    applied = log.index("dav: REQUEST from eve@remote.test delivered to bob@example.test")
    first = log.find("account=bob@example.test")
    ht.check(0 <= applied < first, "applied (%d) before bob's first request (%d)" % (applied, first))
    ht.check("STATUS:TENTATIVE" in text, "placed as tentative: " + text)
    ht.check("PARTSTAT=NEEDS-ACTION" in attendee_line(text, dt.BOB[0]), "bob has not answered")


@ht.test
def cancellation_by_mail_is_applied_on_delivery():
    before = log_count(r"dav: CANCEL from eve@remote\.test delivered to bob@example\.test")
    imip_mail("eve@remote.test", dt.BOB[0], "CANCEL",
              invite("mail-1", "20250310T090000Z", "20250310T100000Z", dt.BOB[0]))
    wait_applied("CANCEL", "eve@remote.test", dt.BOB[0], before)
    _, cal = caldav_calendar(dt.BOB)
    ht.check("STATUS:CANCELLED" in event_text(cal, "mail-1"), "cancelled")


@ht.test
def address_set_lists_the_login_and_the_alias():
    principal, _ = caldav_calendar(dt.BOB)
    got = sorted(str(a).lower() for a in principal.calendar_user_address_set())
    ht.check_equal(got, sorted(["mailto:" + dt.BOB[0], "mailto:" + ALIAS]),
                   "calendar-user-address-set")
    p, _ = caldav_calendar(dt.DEMO)
    ht.check_equal([str(a) for a in p.calendar_user_address_set()], ["mailto:" + dt.DEMO[0]],
                   "demo's has only demo")


@ht.test
def invitation_to_the_alias_by_mail_lands_in_the_account():
    before = log_count(r"dav: REQUEST from eve@remote\.test delivered to bob@example\.test")
    imip_mail("eve@remote.test", ALIAS, "REQUEST",
              invite("mail-alias", "20250311T090000Z", "20250311T100000Z", ALIAS))
    wait_applied("REQUEST", "eve@remote.test", dt.BOB[0], before)
    _, cal = caldav_calendar(dt.BOB)
    text = event_text(cal, "mail-alias")
    ht.check("STATUS:TENTATIVE" in text, "placed: " + text)
    # Bob accepts as the alias: the REPLY goes to eve by mail, from the alias.
    obj = cal.event_by_uid("mail-alias")
    obj.data = obj.data.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
    obj.save()
    ht.wait_until(lambda: sink.find(b"METHOD:REPLY", b"mail-alias"), what="REPLY to eve")
    rcpts, data = sink.find(b"METHOD:REPLY", b"mail-alias")
    ht.check_equal(rcpts, ["eve@remote.test"], "envelope")
    ht.check(b"PARTSTAT=ACCEPTED" in data and ALIAS.encode() in data, "reply as the alias")


@ht.test
def local_organizer_invites_the_alias():
    ev = dt.vevent("local-alias", "20250312T090000Z", "20250312T100000Z",
                   "ORGANIZER:mailto:demo@example.test\n"
                   "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:%s" % ALIAS, summary="Alias sync")
    ht.check_equal(demo.put("/dav/cal/demo@example.test/calendar/la.ics", ev).status, 201, "PUT")
    mine = demo.req("GET", "/dav/cal/demo@example.test/calendar/la.ics").body.decode()
    ht.check("SCHEDULE-STATUS=1.2" in mine.replace("\r\n ", ""), "delivered locally: " + mine)
    ht.check(not sink.find(b"local-alias"), "no iMIP mail for a local alias")
    _, cal = caldav_calendar(dt.BOB)
    obj = cal.event_by_uid("local-alias")
    obj.data = obj.data.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DECLINED")
    obj.save()
    mine = demo.req("GET", "/dav/cal/demo@example.test/calendar/la.ics").body.decode()
    ht.check("PARTSTAT=DECLINED" in attendee_line(mine.replace("\r\n ", ""), ALIAS),
             "organizer's copy updated by the alias's reply: " + mine)


def set_rule(client, name, value):
    body = ('<D:propertyupdate xmlns:D="DAV:" xmlns:H="urn:hermod:dav"><D:set><D:prop>'
            '<H:%s>%s</H:%s></D:prop></D:set></D:propertyupdate>' % (name, value, name))
    return client.req("PROPPATCH", BINBOX, body, ["Content-Type: application/xml"])


@ht.test
def decline_rules_answer_declined_and_reply_by_mail():
    ht.check_equal(set_rule(bob, "decline-recurring", "true").status, 207, "PROPPATCH")
    before = log_count(r"dav: REQUEST from eve@remote\.test delivered to bob@example\.test")
    imip_mail("eve@remote.test", dt.BOB[0], "REQUEST",
              invite("mail-weekly", "20250401T090000Z", "20250401T100000Z", dt.BOB[0],
                     "\nRRULE:FREQ=WEEKLY;COUNT=5", summary="Weekly"))
    wait_applied("REQUEST", "eve@remote.test", dt.BOB[0], before)
    ht.wait_until(lambda: sink.find(b"METHOD:REPLY", b"mail-weekly"), what="DECLINED to eve")
    _, data = sink.find(b"METHOD:REPLY", b"mail-weekly")
    ht.check(b"PARTSTAT=DECLINED" in data, "the reply declines")
    _, cal = caldav_calendar(dt.BOB)
    ht.check("PARTSTAT=DECLINED" in attendee_line(event_text(cal, "mail-weekly"), dt.BOB[0]),
             "bob's copy says declined")
    # Conflicts: off by default, on for bob now; a single event is fine.
    ht.check_equal(set_rule(bob, "decline-conflicts", "true").status, 207, "PROPPATCH")
    ht.check_equal(bob.put(BCAL + "busy.ics", dt.vevent("busy", "20250402T093000Z",
                                                        "20250402T103000Z",
                                                        summary="Dentist")).status, 201, "busy")
    before = log_count(r"dav: REQUEST from eve@remote\.test delivered to bob@example\.test")
    imip_mail("eve@remote.test", dt.BOB[0], "REQUEST",
              invite("mail-clash", "20250402T090000Z", "20250402T100000Z", dt.BOB[0]))
    imip_mail("eve@remote.test", dt.BOB[0], "REQUEST",
              invite("mail-free", "20250403T090000Z", "20250403T100000Z", dt.BOB[0]))
    wait_applied("REQUEST", "eve@remote.test", dt.BOB[0], before + 1)
    ht.wait_until(lambda: sink.find(b"METHOD:REPLY", b"mail-clash"), what="DECLINED clash")
    ht.check(b"PARTSTAT=DECLINED" in sink.find(b"METHOD:REPLY", b"mail-clash")[1], "declined")
    ht.check(not sink.find(b"METHOD:REPLY", b"mail-free"), "no answer for a free slot")
    text = event_text(cal, "mail-free")
    ht.check("PARTSTAT=NEEDS-ACTION" in attendee_line(text, dt.BOB[0]), "free slot: " + text)


@ht.test
def another_account_cannot_touch_the_rules():
    r = demo.req("PROPFIND", BINBOX, '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
                 ["Depth: 0"], check=False)
    ht.check(r.status in (403, 404), "demo reads bob's inbox: %d" % r.status)
    ht.check(b"decline" not in r.body, "nothing leaked")
    r = set_rule(demo, "decline-conflicts", "false")
    ht.check(r.status in (403, 404), "demo sets bob's rule: %d" % r.status)
    # An invitation naming demo, mailed to bob, is applied to nobody.
    before = log_count(r"delivered to")
    imip_mail("eve@remote.test", dt.BOB[0], "REQUEST",
              invite("mail-demo", "20250501T090000Z", "20250501T100000Z", dt.DEMO[0]))
    ht.wait_until(lambda: "iMIP from <eve@remote.test> to bob@example.test not applied"
                  in srv.stderr_text(), what="refusal logged")
    ht.check_equal(log_count(r"delivered to"), before, "not delivered anywhere")
    for who in (dt.BOB, dt.DEMO):
        _, cal = caldav_calendar(who)
        found = cal.date_search(datetime.datetime(2025, 5, 1, tzinfo=datetime.timezone.utc),
                                datetime.datetime(2025, 5, 2, tzinfo=datetime.timezone.utc))
        ht.check_equal(len(found), 0, "%s's calendar untouched" % who[0])


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


@ht.teardown
def stop_sink():
    controller.stop()


if __name__ == "__main__":
    ht.main()
