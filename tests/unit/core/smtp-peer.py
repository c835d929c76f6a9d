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
# The server exits by itself after LIFETIME seconds (default 120) so that a
# crashed test never leaves it behind.
#
# usage: smtp-peer.py PORT_FILE OUT [LIFETIME]

import asyncio
import os
import re
import sys
import time

from aiosmtpd.smtp import SMTP

PORT_FILE, OUT = sys.argv[1], sys.argv[2]
LIFETIME = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0


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
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(OUT, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env.tmp", "w") as f:
            f.write("[envelope]\n")
            f.write("from=%s\n" % envelope.mail_from)
            f.write("mail_options=%s\n" % " ".join(envelope.mail_options))
            f.write("rcpts=%s\n" % ";".join(envelope.rcpt_tos))
            f.write("rcpt_options=%s\n" % " ".join(envelope.rcpt_options))
            f.write("helo=%s\n" % session.host_name)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".env.tmp", base + ".env")
        return "250 2.0.0 Ok: queued as %d" % self.count


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="peer.test", enable_SMTPUTF8=True),
        "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    await asyncio.sleep(LIFETIME)
    server.close()


asyncio.run(main())
