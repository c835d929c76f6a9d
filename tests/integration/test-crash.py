# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-crash.py - durability: 8 smtplib clients send 50 messages each while
# hermodd is SIGKILLed part-way; after a restart every message that got a
# 250 is in the store, and the account index is consistent (SQLite
# integrity_check, UIDs unique and below UIDNEXT, every row has its file,
# no message file left unindexed).
import os
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import storecheck  # noqa: E402

THREADS = 8
PER_THREAD = 50
KILL_AFTER = 120  # acknowledged messages before the SIGKILL
DEMO = "demo@example.test"
srv = ht.Daemon("crash")
acked = set()
acked_lock = threading.Lock()
stop = threading.Event()


def sender(n):
    """Send PER_THREAD messages, reconnecting after errors, until stop."""
    i = 0
    while i < PER_THREAD and not stop.is_set():
        try:
            with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
                while i < PER_THREAD and not stop.is_set():
                    token = "crash-%d-%d-%s" % (n, i, os.urandom(3).hex())
                    msg = ("Subject: %s\r\nMessage-ID: <%s@remote.test>\r\n\r\n%s\r\n"
                           % (token, token, "payload line\r\n" * 40))
                    s.sendmail("load@remote.test", [DEMO], msg)
                    i += 1
                    with acked_lock:  # sendmail returned: the server said 250
                        acked.add(token)
        except (OSError, smtplib.SMTPException):
            time.sleep(0.05)


@ht.setup
def daemon_starts():
    srv.start()


@ht.test
def load_with_sigkill_midway():
    threads = [threading.Thread(target=sender, args=(n,), daemon=True)
               for n in range(THREADS)]
    for t in threads:
        t.start()
    ht.wait_until(lambda: len(acked) >= KILL_AFTER, 180, 0.01, "%d acks" % KILL_AFTER)
    srv.kill()
    with acked_lock:
        ht.check(len(acked) < THREADS * PER_THREAD, "all messages were sent before the kill")
    stop.set()
    for t in threads:
        t.join(ht.TIMEOUT + 5)
    ht.check(not any(t.is_alive() for t in threads), "a sender thread hangs")


@ht.test
def restart_after_crash():
    srv.start()


@ht.test
def store_accepts_mail_after_restart():
    # The first delivery opens the store, which indexes files a crash left
    # without their row; the next test reads the index.
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("load@remote.test", [DEMO], "Subject: after-restart\r\n\r\nok\r\n")


@ht.test
def every_acknowledged_message_is_stored():
    stored = storecheck.subjects(srv, DEMO)
    missing = sorted(t for t in acked if t not in stored)
    print("# %d acknowledged before the SIGKILL, %d in INBOX after the restart"
          % (len(acked), len(stored)))
    ht.check(not missing, "%d of %d acknowledged messages lost, e.g. %r"
             % (len(missing), len(acked), missing[:5]))


@ht.test
def index_is_consistent():
    ht.check_equal(srv.stop(), 0, "exit code after SIGTERM")
    storecheck.check_account(srv, DEMO)


ht.main()
