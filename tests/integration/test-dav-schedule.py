# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-schedule.py - implicit scheduling (RFC 6638) between two local
# accounts and iMIP (RFC 6047) to an external attendee, end to end: the
# organizer's PUT puts a REQUEST in the attendee's schedule inbox and a
# tentative copy in their calendar, sets SCHEDULE-STATUS, and mails the
# external attendee (through the route table to an aiosmtpd sink) a
# multipart text + text/calendar; method=REQUEST; a busy attendee gets a
# conflict notice; the attendee's PARTSTAT change updates the
# organizer's copy (REPLY) and, once all answered, the organizer gets a
# summary mail; SCHEDULE-AGENT=CLIENT is left alone; the organizer's
# DELETE cancels; a VFREEBUSY POST to the outbox answers for local users;
# iMIP mail arriving through the MX (an invitation from an external
# organizer, an external attendee's reply) is applied, a forged one not.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("dav-schedule")
sink, controller = dt.remote_mx(srv)
demo = dt.Client(srv, dt.DEMO)
bob = dt.Client(srv, dt.BOB)
DCAL = "/dav/cal/demo@example.test/calendar/"
BCAL = "/dav/cal/bob@example.test/calendar/"


def meeting(partstat_bob="NEEDS-ACTION", extra=""):
    return dt.vevent("meet-1", "20240910T090000Z", "20240910T100000Z", (
        "ORGANIZER;CN=Demo:mailto:demo@example.test\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:demo@example.test\n"
        "ATTENDEE;PARTSTAT=%s;RSVP=TRUE:mailto:bob@example.test\n"
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@remote.test%s") % (partstat_bob, extra),
        summary="Planning")


@ht.setup
def start():
    controller.start()
    srv.start()


@ht.test
def options_advertise_auto_schedule():
    r = demo.req("OPTIONS", "/dav/")
    ht.check("calendar-auto-schedule" in r.header("dav"), r.header("dav"))
    p = dt.responses(dt.multistatus(demo.propfind(
        "/dav/principals/demo@example.test/", "<C:schedule-inbox-URL/><C:schedule-outbox-URL/>")))
    props = list(p.values())[0][1]
    ht.check_equal(props[dt.tag("C", "schedule-inbox-URL")].findtext("D:href", namespaces=dt.NS),
                   "/dav/cal/demo@example.test/inbox/", "inbox URL")


@ht.test
def organizer_put_invites_local_and_external_attendees():
    ht.check_equal(bob.put(BCAL + "busy.ics", dt.vevent("bob-busy", "20240910T093000Z",
                                                        "20240910T103000Z",
                                                        summary="Dentist")).status, 201, "busy")
    r = demo.put(DCAL + "meet.ics", meeting())
    ht.check_equal(r.status, 201, "PUT")
    ht.check(r.header("etag") is None, "no ETag: the server changed the data")
    mine = demo.req("GET", DCAL + "meet.ics").body.decode()
    ht.check("SCHEDULE-STATUS=1.2" in mine.replace("\r\n ", ""), "bob delivered: " + mine)
    ht.check("SCHEDULE-STATUS=1.1" in mine.replace("\r\n ", ""), "carol sent: " + mine)
    inbox = bob.propfind("/dav/cal/bob@example.test/inbox/", "<D:getetag/>", "1").body
    ht.check(inbox.count(b"<D:response>") == 2, "one item in bob's inbox: %r" % inbox)
    q = dt.calendar_query("20240910T000000Z", "20240911T000000Z", props="<C:calendar-data/>")
    got = bob.report(BCAL, q).body.decode()
    ht.check("meet-1" in got and "STATUS:TENTATIVE" in got, "tentative copy: " + got)
    ht.wait_until(lambda: sink.find(b"meet-1"), what="iMIP mail to carol")
    rcpts, data = sink.find(b"meet-1")
    ht.check_equal(rcpts, ["carol@remote.test"], "envelope")
    ht.check(b"method=REQUEST" in data and b"METHOD:REQUEST" in data, "text/calendar part")
    ht.check(b"text/plain" in data and b"Event: Planning" in data, "readable part")
    ht.check("When:  Tue 10 Sep 2024 09:00 \u2013 10:00 UTC\r\n".encode() in data and
             b"Organizer: demo@example.test\r\n" in data, "readable time and organizer: %r" % data)
    raw = srv.wait_message("bob@example.test", b"Conflict: Planning overlaps Dentist")
    ht.check(b"Dentist" in raw, "conflict notice")


@ht.test
def attendee_reply_updates_the_organizer():
    obj = [h for h in dt.responses(dt.multistatus(bob.propfind(BCAL, "<D:getetag/>", "1")))
           if "sched-" in h]
    ht.check_equal(len(obj), 1, "bob's copy")
    text = bob.req("GET", obj[0].replace("https://", "")).body.decode()
    accepted = text.replace("PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob",
                            "PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bob")
    ht.check(accepted != text, "bob's copy has his attendee line: " + text)
    ht.check_equal(bob.put(obj[0], accepted).status, 204, "bob accepts")
    mine = demo.req("GET", DCAL + "meet.ics").body.decode().replace("\r\n ", "")
    line = [x for x in mine.splitlines() if "mailto:bob@" in x][0]
    ht.check("PARTSTAT=ACCEPTED" in line, "organizer's copy: " + line)
    inbox = demo.propfind("/dav/cal/demo@example.test/inbox/", "<D:getetag/>", "1").body
    ht.check(inbox.count(b"<D:response>") == 2, "REPLY in demo's inbox: %r" % inbox)


@ht.test
def organizer_gets_a_summary_once_everyone_answered():
    ev = dt.vevent("retro-1", "20240912T090000Z", "20240912T100000Z",
                   "ORGANIZER:mailto:demo@example.test\n"
                   "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.test", summary="Retro")
    ht.check_equal(demo.put(DCAL + "retro.ics", ev).status, 201, "PUT")
    q = dt.calendar_query("20240912T000000Z", "20240913T000000Z", props="<C:calendar-data/>")
    got = dt.responses(dt.multistatus(bob.report(BCAL, q)))
    href = [h for h in got if "sched-" in h][0]
    text = got[href][1][dt.tag("C", "calendar-data")].text.replace("\n", "\r\n")
    ht.check_equal(bob.put(href, text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DECLINED"))
                   .status, 204, "bob declines")
    raw = srv.wait_message("demo@example.test", b"Replies are in: Retro")
    ht.check(b"bob@example.test" in raw and b"DECLINED" in raw, raw[-400:])


@ht.test
def schedule_agent_client_is_left_alone():
    before = len(sink.received)
    ev = dt.vevent("client-1", "20240911T090000Z", "20240911T100000Z",
                   "ORGANIZER:mailto:demo@example.test\n"
                   "ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:dave@remote.test")
    r = demo.put(DCAL + "client.ics", ev)
    ht.check_equal(r.status, 201, "PUT")
    ht.check(r.header("etag") is not None, "stored as sent")
    ht.check_equal(demo.req("GET", DCAL + "client.ics").body, ev.encode(), "byte-exact")
    ht.check_equal(len(sink.received), before, "no mail")


@ht.test
def organizer_delete_cancels():
    ht.check_equal(demo.req("DELETE", DCAL + "meet.ics").status, 204, "DELETE")
    q = dt.calendar_query("20240910T000000Z", "20240911T000000Z", props="<C:calendar-data/>")
    got = bob.report(BCAL, q).body.decode()
    ht.check("meet-1" in got and "STATUS:CANCELLED" in got, "bob's copy cancelled: " + got)
    ht.wait_until(lambda: sink.find(b"METHOD:CANCEL"), what="iMIP CANCEL to carol")


@ht.test
def outbox_post_answers_free_busy_for_local_users():
    req = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
           "UID:fb-q\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240910T000000Z\r\n"
           "DTEND:20240911T000000Z\r\nORGANIZER:mailto:demo@example.test\r\n"
           "ATTENDEE:mailto:bob@example.test\r\nATTENDEE:mailto:carol@remote.test\r\n"
           "END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    r = demo.req("POST", "/dav/cal/demo@example.test/outbox/", req,
                 ["Content-Type: text/calendar"])
    ht.check_equal(r.status, 200, "status: %r" % r.body[:300])
    body = r.body.decode()
    bob_part, carol_part = body.split("mailto:carol@remote.test")
    ht.check("2.0;Success" in bob_part and
             "FREEBUSY:20240910T093000Z/20240910T103000Z" in bob_part, bob_part)
    ht.check("3.7" in carol_part, carol_part)
    r = bob.req("POST", "/dav/cal/demo@example.test/outbox/", req,
                ["Content-Type: text/calendar"])
    ht.check_equal(r.status, 403, "someone else's outbox")
    r = bob.req("POST", "/dav/cal/bob@example.test/outbox/", req,
                ["Content-Type: text/calendar"])
    ht.check_equal(r.status, 403, "as another organizer")


def imip_mail(sender, rcpt, method, ical):
    """An iMIP message as an external calendar sends it, through the MX."""
    import base64
    import smtplib
    body = base64.encodebytes(ical.replace("VERSION:2.0", "VERSION:2.0\r\nMETHOD:" + method)
                              .encode()).decode()
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: iMIP %s from the outside\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n"
           "Content-Type: text/plain\r\n\r\nSee the calendar part.\r\n--b1\r\n"
           "Content-Type: text/calendar; method=%s; charset=utf-8\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n%s--b1--\r\n"
           % (sender, rcpt, method + " " + sender, method, body))
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=30) as s:
        s.sendmail(sender, [rcpt], msg)


@ht.test
def imip_invitation_and_reply_arriving_as_mail_are_applied():
    invite = dt.vevent("ext-1", "20240920T090000Z", "20240920T100000Z",
                       "ORGANIZER:mailto:eve@remote.test\n"
                       "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.test",
                       summary="External kickoff")
    imip_mail("eve@remote.test", "bob@example.test", "REQUEST", invite)
    forged = invite.replace("ext-1", "ext-forged")
    imip_mail("mallory@remote.test", "bob@example.test", "REQUEST", forged)
    srv.wait_message("bob@example.test", b"iMIP REQUEST mallory@remote.test")
    ht.wait_until(lambda: "to bob@example.test not applied" in srv.stderr_text() and
                  "REQUEST from eve@remote.test delivered to bob" in srv.stderr_text(),
                  what="both applied or refused on delivery")
    q = dt.calendar_query("20240920T000000Z", "20240921T000000Z", props="<C:calendar-data/>")
    got = bob.report(BCAL, q).body.decode()
    ht.check("ext-1" in got and "STATUS:TENTATIVE" in got, "invitation applied: " + got)
    ht.check("ext-forged" not in got, "a REQUEST not from the organizer is left alone")
    ev = dt.vevent("ask-carol", "20240921T090000Z", "20240921T100000Z",
                   "ORGANIZER:mailto:demo@example.test\n"
                   "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@remote.test",
                   summary="Ask Carol")
    ht.check_equal(demo.put(DCAL + "carol.ics", ev).status, 201, "PUT")
    reply = dt.vevent("ask-carol", "20240921T090000Z", "20240921T100000Z",
                      "ORGANIZER:mailto:demo@example.test\n"
                      "ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@remote.test", summary="Ask Carol")
    imip_mail("carol@remote.test", "demo@example.test", "REPLY", reply)
    srv.wait_message("demo@example.test", b"iMIP REPLY carol@remote.test")
    ht.wait_until(lambda: "REPLY from carol@remote.test delivered to demo" in srv.stderr_text(),
                  what="reply applied on delivery")
    mine = demo.req("GET", DCAL + "carol.ics").body.decode().replace("\r\n ", "")
    line = [x for x in mine.splitlines() if "mailto:carol@" in x][0]
    ht.check("PARTSTAT=ACCEPTED" in line, "organizer's copy after the mailed reply: " + line)
    srv.wait_message("demo@example.test", b"Replies are in: Ask Carol")


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


@ht.teardown
def stop_sink():
    controller.stop()


if __name__ == "__main__":
    ht.main()
