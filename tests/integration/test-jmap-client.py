# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-client.py - a third-party JMAP client, jmap-jam from npm
# (pinned in tests/jmap-client/package-lock.json; tools/install-deps
# runs npm ci there), drives hermodd: session, mailbox list, a query
# with a back-reference into Email/get, a keyword set, an upload, a
# draft with the attachment and its submission moved to Sent.  The
# result is checked over IMAP.  Skips only when node is not installed.
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

CLIENT_DIR = os.path.join(ht.SRCDIR, "tests", "jmap-client")
srv = jt.jmap_daemon("jmap-client")


@ht.test
def daemon_starts():
    if shutil.which("node") is None:
        raise ht.Skip("node is not installed (Debian package nodejs)")
    if not os.path.isdir(os.path.join(CLIENT_DIR, "node_modules", "jmap-jam")):
        raise ht.Skip("jmap-jam is not installed: tools/install-deps runs npm ci in"
                      " tests/jmap-client (it could not reach the npm registry?)")
    srv.start()
    jt.smtp_send(srv, "a@remote.test", jt.USER, "For jmap-jam")
    srv.wait_message(jt.USER, b"For jmap-jam")


@ht.test
def jmap_jam_logs_in_lists_queries_sets_and_submits():
    if shutil.which("node") is None:
        raise ht.Skip("node is not installed")
    if not os.path.isdir(os.path.join(CLIENT_DIR, "node_modules", "jmap-jam")):
        raise ht.Skip("jmap-jam is not installed (see the first test)")
    env = dict(os.environ, NODE_TLS_REJECT_UNAUTHORIZED="0", NODE_NO_WARNINGS="1",
               HERMOD_JMAP_URL="https://127.0.0.1:%d/.well-known/jmap" % srv.port("webs"),
               HERMOD_JMAP_USER=jt.USER, HERMOD_JMAP_PASSWORD=jt.PASSWORD,
               HERMOD_JMAP_RCPT=jt.OTHER)
    cp = ht.run(["node", os.path.join(CLIENT_DIR, "jam-test.mjs")], env=env, check=False)
    ht.check(cp.returncode == 0, "jam-test.mjs failed:\n%s\n%s" % (cp.stdout.decode(),
                                                                  cp.stderr.decode()))
    out = json.loads(cp.stdout.decode().strip().splitlines()[-1])
    ht.check_equal(out["mailboxes"], sorted(["archive", "drafts", "inbox", "junk", "sent",
                                             "trash"]), "mailboxes")
    ht.check_equal(out["subjects"], ["For jmap-jam"], "query + get by back-reference")
    ht.check_equal((out["seen"], out["uploadSize"], out["inSent"]), (True, 16, True), "set")
    ht.check_equal(out["foreign"], "accountNotFound", "a foreign account id")
    ht.check_equal(out["identityUpdated"], ["I1"], "Identity/set")
    ht.check_equal(out["identity"], ["Jam User", "-- \njam"], "the identity as stored")
    ht.check_equal(out["pageTotal"], 1, "the inbox's threads")
    ht.check_equal(out["mailboxAdded"], 1, "Mailbox/queryChanges shows the new mailbox")
    raw = srv.wait_message(jt.OTHER, b"Sent by jmap-jam")
    ht.check(b"Hello from jmap-jam." in raw and b"jam.txt" in raw, "delivered with attachment")
    with jt.imap(srv) as m:
        m.select("INBOX")
        typ, data = m.fetch("1", "(FLAGS)")
        ht.check(b"\\Seen" in data[0], "the keyword is an IMAP flag: %r" % data)
        typ, data = m.select("Sent")
        ht.check_equal(data[0], b"1", "the sent message is in Sent")


ht.main()
