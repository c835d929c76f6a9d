# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-clients.py - real DAV clients from Debian against the dav
# module over HTTPS: python3-caldav (discovery from the server root's
# well-known URL, make a calendar, save, date search with and without
# expansion, delete) and vdirsyncer (a calendar and an address book
# synced two ways with a local folder, then a run that changes nothing).
import datetime
import glob
import hashlib
import os
import ssl
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("dav-clients")
me = dt.Client(srv)


@ht.test
def daemon_starts():
    srv.start()


def caldav_client():
    warnings.simplefilter("ignore")
    try:
        import caldav
    except ImportError:
        raise ht.Skip("python3-caldav not installed")
    return caldav.DAVClient(url=me.base + "/.well-known/caldav", username=dt.DEMO[0],
                            password=dt.DEMO[1], ssl_verify_cert=False)


@ht.test
def python_caldav_discovers_saves_searches_deletes():
    client = caldav_client()
    principal = client.principal()
    names = [c.name for c in principal.calendars()]
    ht.check("calendar" in names, "default calendar found: %r" % names)
    cal = principal.make_calendar(name="Python Test", cal_id="pytest")
    ht.check("Python Test" in [c.name for c in principal.calendars()], "new calendar listed")
    cal.save_event(dt.vevent("py-1", "20240610T090000Z", "20240610T100000Z", summary="Single"))
    cal.save_event(dt.vevent("py-2", "20240601T120000Z", "20240601T130000Z",
                             "RRULE:FREQ=DAILY;COUNT=30", summary="Daily"))
    cal.save_event(dt.vevent("py-3", "20250101T120000Z", "20250101T130000Z", summary="Later"))
    found = cal.date_search(datetime.datetime(2024, 6, 10, tzinfo=datetime.timezone.utc),
                            datetime.datetime(2024, 6, 11, tzinfo=datetime.timezone.utc))
    uids = sorted(str(e.vobject_instance.vevent.uid.value) for e in found)
    ht.check_equal(uids, ["py-1", "py-2"], "date search")
    found = cal.date_search(datetime.datetime(2024, 6, 20, tzinfo=datetime.timezone.utc),
                            datetime.datetime(2024, 6, 23, tzinfo=datetime.timezone.utc),
                            expand=True)
    data = "".join(e.data for e in found)
    starts = sorted(line for line in data.splitlines() if line.startswith("DTSTART"))
    ht.check_equal(starts, ["DTSTART:202406%02dT120000Z" % d for d in (20, 21, 22)],
                   "expanded instances")
    event = cal.event_by_uid("py-3")
    event.delete()
    ht.check_equal(len(cal.events()), 2, "after delete")
    cal.delete()
    ht.check("Python Test" not in [c.name for c in principal.calendars()], "calendar deleted")


def fingerprint():
    """SHA-256 of the daemon's self-signed certificate, for vdirsyncer."""
    with open(os.path.join(srv.data_dir, "certs", "default.crt")) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return ":".join("%02X" % b for b in hashlib.sha256(der).digest())


def vdirsyncer(home, *args):
    cfg = os.path.join(home, "config")
    cp = ht.run([ht.need_tool("vdirsyncer"), "-c", cfg] + list(args), check=False,
                env=dict(os.environ, HOME=home), input=b"y\ny\ny\ny\n")
    out = cp.stdout.decode() + cp.stderr.decode()
    ht.check_equal(cp.returncode, 0, "vdirsyncer %s: %s" % (" ".join(args), out))
    return out


CONFIG = """[general]
status_path = "{home}/status/"

[pair cal]
a = "cal_local"
b = "cal_remote"
collections = ["calendar"]

[storage cal_local]
type = "filesystem"
path = "{home}/cal/"
fileext = ".ics"

[storage cal_remote]
type = "caldav"
url = "{base}/"
username = "{user}"
password = "{password}"
verify_fingerprint = "{fingerprint}"

[pair card]
a = "card_local"
b = "card_remote"
collections = ["contacts"]

[storage card_local]
type = "filesystem"
path = "{home}/card/"
fileext = ".vcf"

[storage card_remote]
type = "carddav"
url = "{base}/"
username = "{user}"
password = "{password}"
verify_fingerprint = "{fingerprint}"
"""


@ht.test
def vdirsyncer_two_way_then_nothing_to_do():
    ht.need_tool("vdirsyncer")
    home = ht.tmpdir("hermod-vds-")
    with open(os.path.join(home, "config"), "w") as f:
        f.write(CONFIG.format(home=home, base=me.base, user=dt.DEMO[0], password=dt.DEMO[1],
                              fingerprint=fingerprint()))
    CAL = "/dav/cal/demo@example.test/calendar/"
    BOOK = "/dav/card/demo@example.test/contacts/"
    me.put(CAL + "server.ics", dt.vevent("from-server", "20240801T100000Z"))
    me.put(BOOK + "server.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card-server\r\nFN:Server"
           "\r\nEND:VCARD\r\n", ctype="text/vcard")
    vdirsyncer(home, "discover")
    vdirsyncer(home, "sync")
    ht.check(glob.glob(os.path.join(home, "cal", "calendar", "*.ics")), "event came down")
    ht.check(glob.glob(os.path.join(home, "card", "contacts", "*.vcf")), "card came down")
    with open(os.path.join(home, "cal", "calendar", "local.ics"), "w") as f:
        f.write(dt.vevent("from-local", "20240802T100000Z"))
    with open(os.path.join(home, "card", "contacts", "local.vcf"), "w") as f:
        f.write("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card-local\r\nFN:Local\r\nEND:VCARD\r\n")
    vdirsyncer(home, "sync")
    r = me.propfind(CAL, "<D:getetag/>", "1")
    ht.check(b"local.ics" in r.body or b"from-local" in r.body, "event went up: %r" % r.body)
    q = dt.calendar_query("20240802T000000Z", "20240803T000000Z", props="<C:calendar-data/>")
    ht.check(b"from-local" in me.report(CAL, q).body, "server has the local event")
    r = me.propfind(BOOK, "<D:getetag/>", "1")
    ht.check_equal(r.body.count(b"<D:response>"), 3, "book: itself and two cards")
    out = vdirsyncer(home, "sync")
    for word in ("Copying", "Updating", "Deleting"):
        ht.check(word not in out, "second sync did something: %r" % out)


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


if __name__ == "__main__":
    ht.main()
