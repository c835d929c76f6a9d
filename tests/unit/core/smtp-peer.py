#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# smtp-peer.py - the far end for the outbound queue's unit tests.
#
# An aiosmtpd server on 127.0.0.1, a free port written to PORT_FILE.  Every
# accepted message becomes OUT/N.env (a GKeyFile: from, mail_options, rcpts,
# rcpt_options) and OUT/N.eml (the bytes exactly as received after
# dot-unstuffing).  Every RCPT is logged to OUT/rcpt.log as
# "unix-time address code".  Recipients choose their fate by local part:
#   reject*     550 5.1.1
#   deferN-*    451 4.3.0 for the first N tries, then accepted
#   defer*      always 451 4.3.0
# The server exits by itself after LIFETIME seconds so that a crashed test
# never leaves it behind.
#
# Options: --tls CERT KEY offers STARTTLS; --dsn announces DSN and records
# the RET, ENVID, NOTIFY and ORCPT parameters (aiosmtpd itself knows none).
#
# usage: smtp-peer.py PORT_FILE OUT LIFETIME [--tls CERT KEY] [--dsn]

import asyncio
import os
import re
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP

PORT_FILE, OUT, LIFETIME = sys.argv[1], sys.argv[2], float(sys.argv[3])
OPTS = sys.argv[4:]
DSN = "--dsn" in OPTS
DSN_PARAMS = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")


def split_dsn(arg):
    """arg without the DSN parameters, and those parameters."""
    words = (arg or "").split(" ")
    dsn = [w for w in words if w.upper().startswith(DSN_PARAMS)]
    rest = [w for w in words if not w.upper().startswith(DSN_PARAMS)]
    return " ".join(rest), dsn


class DsnSMTP(SMTP):
    """aiosmtpd with the DSN parameters of RFC 3461 taken aside."""

    async def smtp_MAIL(self, arg):
        if DSN:
            arg, self.mail_dsn = split_dsn(arg)
        return await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        if DSN:
            arg, self.rcpt_dsn = split_dsn(arg)
        return await super().smtp_RCPT(arg)


class Handler:
    def __init__(self):
        self.count = 0
        self.tries = {}

    def log(self, address, code):
        with open(os.path.join(OUT, "rcpt.log"), "a") as f:
            f.write("%.3f %s %d\n" % (time.time(), address, code))

    async def handle_RCPT(self, server, session, envelope, address, options):
        local = address.split("@")[0]
        tries = self.tries.get(address, 0) + 1
        self.tries[address] = tries
        m = re.match(r"defer(\d+)-", local)
        if local.startswith("reject"):
            self.log(address, 550)
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if (m and tries <= int(m.group(1))) or (not m and local.startswith("defer")):
            self.log(address, 451)
            return "451 4.3.0 Try again later"
        self.log(address, 250)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options + getattr(server, "rcpt_dsn", []))
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(OUT, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env.tmp", "w") as f:
            f.write("[envelope]\n")
            f.write("from=%s\n" % envelope.mail_from)
            f.write("mail_options=%s\n" % " ".join(
                envelope.mail_options + getattr(server, "mail_dsn", [])))
            f.write("rcpts=%s\n" % ";".join(envelope.rcpt_tos))
            f.write("rcpt_options=%s\n" % " ".join(envelope.rcpt_options))
            f.write("helo=%s\n" % session.host_name)
            f.write("tls=%s\n" % ("yes" if session.ssl else "no"))
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".env.tmp", base + ".env")
        return "250 2.0.0 Ok: queued as %d" % self.count


    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if DSN:
            responses.insert(-1, "250-DSN")
        return responses


def tls_context():
    if "--tls" not in OPTS:
        return None
    i = OPTS.index("--tls")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(OPTS[i + 1], OPTS[i + 2])
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    ctx = tls_context()
    server = await loop.create_server(
        lambda: DsnSMTP(handler, hostname="peer.test", enable_SMTPUTF8=True,
                        tls_context=ctx),
        "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    await asyncio.sleep(LIFETIME)
    server.close()


asyncio.run(main())
