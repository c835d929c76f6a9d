# SPDX-License-Identifier: GPL-2.0-or-later
#
# xmpptest.py - slixmpp clients for the XMPP integration tests.
#
# One asyncio loop for the whole script (slixmpp binds its objects to the
# loop they were made on); run() drives a coroutine on it with a timeout.
# Client logs in with the mechanism asked for, over STARTTLS or direct
# TLS, accepting the daemon's self-signed certificate, and collects what
# arrives (messages, presence, carbons) in queues that next() reads with a
# timeout.  RawStream is a socket client for what slixmpp will not send
# (broken XML, oversized stanzas).  Everything is bounded in time.

import asyncio
import socket
import ssl

import slixmpp

TIMEOUT = 20
LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(LOOP)


def run(coro, timeout=TIMEOUT):
    return LOOP.run_until_complete(asyncio.wait_for(coro, timeout))


def pump(seconds=0.2):
    """Let the clients run (send what they queued) for a while."""
    run(asyncio.sleep(seconds), seconds + TIMEOUT)


class LoginFailed(Exception):
    pass


class Client:
    """One slixmpp session: jid may carry a resource."""

    def __init__(self, port, jid, password, mech=None, direct_tls=False,
                 plugins=("xep_0030", "xep_0199", "xep_0280", "xep_0313", "xep_0059",
                          "xep_0203", "xep_0085")):
        self.x = slixmpp.ClientXMPP(jid, password, sasl_mech=mech)
        self.x.ssl_context.check_hostname = False
        self.x.ssl_context.verify_mode = ssl.CERT_NONE
        for p in plugins:
            self.x.register_plugin(p)
        self.port = port
        self.direct_tls = direct_tls
        self.queues = {}
        self.done = LOOP.create_future()
        for event in ("message", "presence", "carbon_received", "carbon_sent",
                      "presence_unavailable", "changed_status", "chatstate_composing"):
            self._collect(event)
        self.x.add_event_handler("session_start", self._started)
        self.x.add_event_handler("failed_all_auth", self._failed)
        self.x.add_event_handler("failed_auth", self._failed_once)
        self.x.add_event_handler("disconnected", self._gone)
        self.x.add_event_handler("connection_failed", self._gone)
        self.auth_failures = 0

    def _collect(self, event):
        q = asyncio.Queue()
        self.queues[event] = q
        self.x.add_event_handler(event, lambda stanza: q.put_nowait(stanza))

    def _started(self, event):
        if not self.done.done():
            self.done.set_result(True)

    def _failed_once(self, event):
        self.auth_failures += 1

    def _failed(self, event):
        if not self.done.done():
            self.done.set_exception(LoginFailed("authentication failed"))

    def _gone(self, event):
        if not self.done.done():
            self.done.set_exception(LoginFailed("disconnected before session start"))

    async def login(self, presence=True):
        self.x.connect(address=("127.0.0.1", self.port), use_ssl=self.direct_tls,
                       force_starttls=not self.direct_tls)
        await asyncio.wait_for(self.done, TIMEOUT)
        if presence:
            self.x.send_presence()
        return self

    async def next(self, event="message", timeout=10, match=None):
        """The next stanza of event (for which match(stanza) holds)."""
        q = self.queues[event]
        deadline = LOOP.time() + timeout
        while True:
            left = deadline - LOOP.time()
            if left <= 0:
                raise AssertionError("no %s within %ss" % (event, timeout))
            stanza = await asyncio.wait_for(q.get(), left)
            if match is None or match(stanza):
                return stanza

    def pending(self, event="message"):
        """Stanzas of event already received, without waiting."""
        out = []
        q = self.queues[event]
        while not q.empty():
            out.append(q.get_nowait())
        return out

    def send(self, to, body, mtype="chat"):
        self.x.send_message(mto=to, mbody=body, mtype=mtype)

    async def close(self):
        if self.x.transport is None:
            return
        waiter = LOOP.create_future()
        self.x.add_event_handler("disconnected",
                                 lambda e: waiter.done() or waiter.set_result(True))
        self.x.disconnect()
        try:
            await asyncio.wait_for(waiter, 10)
        except asyncio.TimeoutError:
            self.x.abort()


HEADER = ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


class RawStream:
    """A raw XMPP socket: send bytes, read until a marker or EOF."""

    def __init__(self, port, tls=False, timeout=TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.sock = ctx.wrap_socket(self.sock)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_until(self, marker, timeout=TIMEOUT):
        """Everything received until marker (bytes) or EOF; the text."""
        self.sock.settimeout(timeout)
        while marker not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionError, ssl.SSLError):
                break
            if not chunk:
                break
            self.buf += chunk
        return self.buf.decode(errors="replace")

    def is_closed(self, timeout=TIMEOUT):
        """Does the server close the connection (EOF) within timeout?"""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
