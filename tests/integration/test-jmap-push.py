# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-push.py - JMAP push over EventSource (RFC 8620 7.3) driven by
# the store watches that wake IMAP IDLE: a StateChange after an SMTP
# delivery and after an IMAP STORE, types filtering, ping events at the
# asked interval, closeafter=state ending the stream after one change
# (20 rounds, each beside a stream its client left), streams ending while
# new TLS connections start, and another account's changes never
# reaching this stream.
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

srv = jt.jmap_daemon("jmap-push")
c = jt.Client(srv)


class Events:
    """An EventSource stream read on a thread into a list of (event, data)."""

    def __init__(self, query, user=jt.USER, password=jt.PASSWORD):
        self.events = []
        self.closed = False
        self.started = False  # the response head came: the stream is registered
        self.bad = []  # blocks whose data was not JSON
        self.error = None  # why the stream ended, when not at its end
        raw = socket.create_connection(("127.0.0.1", srv.port("webs")), timeout=ht.TIMEOUT)
        self.sock = ht.client_tls_context().wrap_socket(raw)
        req = ("GET /jmap/eventsource?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: %s\r\nAccept: text/event-stream\r\n\r\n"
               % (query, jt.basic(user, password)))
        self.sock.sendall(req.encode())
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        """De-chunks the body as it comes (an event may span chunks: the
        server's reader is given whatever room its send buffer has) and
        splits it into events."""
        raw, body = b"", b""
        head_done = False
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
                if not head_done:
                    if b"\r\n\r\n" not in raw:
                        continue
                    head, raw = raw.split(b"\r\n\r\n", 1)
                    head_done = True
                    self.started = head.startswith(b"HTTP/1.1 200")
                ended = False
                while b"\r\n" in raw:
                    size_line, rest = raw.split(b"\r\n", 1)
                    size = int(size_line.split(b";")[0], 16)
                    if size == 0:
                        ended = True
                        break
                    if len(rest) < size + 2:
                        break
                    body += rest[:size]
                    raw = rest[size + 2:]
                while b"\n\n" in body:
                    block, body = body.split(b"\n\n", 1)
                    self.parse(block)
                if ended:
                    break
        except OSError as e:
            self.error = e
        self.closed = True

    def parse(self, block):
        ev, data = None, []
        for line in block.decode(errors="replace").splitlines():
            if line.startswith("event:"):
                ev = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            try:
                self.events.append((ev, json.loads("\n".join(data))))
            except ValueError:
                self.bad.append(block)

    def wait(self, pred, what):
        return ht.wait_until(lambda: next((e for e in list(self.events) if pred(e)), None),
                             what=what)

    def close(self):
        """Ends the stream from this side.  The socket is shut down first,
        which wakes the reader thread (its recv sees the end), and closed
        only once that thread has stopped.  Closing it under a blocked
        reader frees the descriptor number while the thread still polls
        it: the next socket this process opens gets that number, and the
        old thread's TLS reads then take the new connection's records (the
        new client sees a bad record MAC, a lost event, or a broken
        handshake)."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(ht.TIMEOUT)
        ht.check(not self.thread.is_alive(), "the stream's reader stopped")
        self.sock.close()


def changed(e):
    return e[1]["changed"][c.account] if e[0] == "state" else {}


@ht.test
def daemon_starts():
    srv.start()
    c.connect()


@ht.test
def push_after_smtp_and_after_imap_store():
    ev = Events("types=*&closeafter=no&ping=0")
    first = ev.wait(lambda e: e[0] == "state", "the first state event")
    ht.check_equal(first[1]["@type"], "StateChange", "type")
    start = len(ev.events)
    t0 = time.monotonic()
    jt.smtp_send(srv, "a@remote.test", jt.USER, "Push one")
    e = ev.wait(lambda e: ev.events.index(e) >= start and "Email" in changed(e),
                "a push after SMTP")
    ht.check("Mailbox" in changed(e) and "Thread" in changed(e), "Mailbox and Thread too")
    ht.check_equal(changed(e)["Email"], c.state("Email"), "the pushed state is the state")
    print("# push %.0f ms after the SMTP send started" % ((time.monotonic() - t0) * 1000))
    start = len(ev.events)
    with jt.imap(srv) as m:
        m.select("INBOX")
        m.store("1", "+FLAGS", "(\\Flagged)")
    e = ev.wait(lambda e: ev.events.index(e) >= start and "Email" in changed(e),
                "a push after IMAP STORE")
    ht.check("Thread" not in changed(e), "a flag change leaves the Thread state: %r" % e[1])
    ev.close()


@ht.test
def types_ping_and_closeafter():
    ev = Events("types=Mailbox&closeafter=no&ping=1")
    ev.wait(lambda e: e[0] == "ping", "a ping")
    ping = [e for e in ev.events if e[0] == "ping"][0]
    ht.check_equal(ping[1], {"@type": "Ping", "interval": 1}, "ping data")
    for e in ev.events:
        ht.check(e[0] != "state" or set(changed(e)) <= {"Mailbox"}, "only Mailbox: %r" % (e,))
    ev.close()


ROUNDS = 20  # closeafter_state
PARALLEL = 8  # streams at once in many_streams_and_new_connections
PAGE = (b"0123456789abcdef" * 64 + b"\n") * 22  # webtest's page.txt


@ht.test
def closeafter_state():
    # closeafter=state (RFC 8620 7.3): the server ends the response after
    # pushing a state event: nothing before a change, then exactly one
    # state event (for the delivery), then the end of the response.  Each
    # round first has another stream of the account left by its client
    # mid-stream (the server finds out at its next write), so streams end
    # on both sides while the next connection starts; every round must
    # get its event.
    for r in range(ROUNDS):
        left = Events("types=*&closeafter=no&ping=0")
        left.wait(lambda e: e[0] == "state", "round %d: the left stream's first event" % r)
        left.close()
        once = Events("types=*&closeafter=state&ping=0")
        ht.wait_until(lambda: once.started, what="round %d: the stream's response head" % r)
        time.sleep(0.2)
        ht.check_equal((once.events, once.closed), ([], False),
                       "round %d: no event and no end before a change" % r)
        jt.smtp_send(srv, "a@remote.test", jt.USER, "Push two %d" % r)
        ht.wait_until(lambda: once.closed, what="round %d: the stream's end" % r)
        once.close()
        ht.check_equal(once.error, None, "round %d: the stream ends at its last chunk" % r)
        ht.check_equal([e[0] for e in once.events], ["state"],
                       "round %d: exactly one state event, then the end" % r)
        ht.check_equal(once.bad, [], "round %d: well-formed events" % r)
        ht.check_equal(changed(once.events[0])["Email"], c.state("Email"),
                       "round %d: the event carries the state after the delivery" % r)
    print("# %d closeafter=state streams, each with its one event" % ROUNDS)


def fetch_pages(stop, got):
    """New HTTPS connections, one GET of page.txt each, until stop."""
    while not stop.is_set() and len(got) < 5000:
        conn = http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                           context=ht.client_tls_context())
        try:
            conn.request("GET", "/page.txt")
            r = conn.getresponse()
            body = r.read()
            got.append("ok" if (r.status, body) == (200, PAGE) else
                       "status %d, %d bytes" % (r.status, len(body)))
        except (OSError, http.client.HTTPException) as e:
            got.append(repr(e))
        finally:
            conn.close()


@ht.test
def many_streams_and_new_connections():
    # Streams ending while other TLS connections start: 5 rounds of
    # PARALLEL closeafter=state streams and one delivery, while a thread
    # opens new HTTPS connections throughout.  Every handshake and page
    # must be whole, every stream must get exactly one state event and
    # its end.
    stop, got = threading.Event(), []
    fetcher = threading.Thread(target=fetch_pages, args=(stop, got), daemon=True)
    fetcher.start()
    try:
        for r in range(5):
            streams = [Events("types=Email&closeafter=state&ping=0") for _ in range(PARALLEL)]
            for s in streams:
                ht.wait_until(lambda: s.started, what="round %d: a stream's response head" % r)
            jt.smtp_send(srv, "a@remote.test", jt.USER, "Push many %d" % r)
            for i, s in enumerate(streams):
                ht.wait_until(lambda: s.closed, what="round %d: stream %d's end" % (r, i))
                s.close()
                ht.check_equal((s.error, [e[0] for e in s.events], s.bad), (None, ["state"], []),
                               "round %d, stream %d: one state event, then the end" % (r, i))
    finally:
        stop.set()
        fetcher.join(ht.TIMEOUT)
    ht.check_equal([g for g in got if g != "ok"], [], "every new connection's page")
    ht.check(len(got) > 0, "pages were fetched meanwhile")
    print("# %d streams, %d new connections meanwhile" % (5 * PARALLEL, len(got)))


@ht.test
def another_accounts_changes_do_not_reach_us():
    ev = Events("types=*&closeafter=no&ping=0")
    ev.wait(lambda e: e[0] == "state", "the first state event")
    n = len(ev.events)
    jt.smtp_send(srv, "a@remote.test", jt.OTHER, "For the other one")
    srv.wait_message(jt.OTHER, b"For the other one")
    time.sleep(1)
    ht.check_equal(len(ev.events), n, "nothing for another account's delivery")
    status, _, _ = c.http("GET", "/jmap/eventsource?closeafter=maybe")
    ht.check_equal(status, 400, "bad closeafter")
    ev.close()


ht.main()
