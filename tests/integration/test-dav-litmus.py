# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-litmus.py - litmus (Debian's WebDAV server test suite) against
# a plain WebDAV collection of the dav module: basic, copymove, props,
# locks and http must each run with 0 failures.
# litmus speaks plain HTTP here ([dav] allow_plain_http, loopback only):
# neon has no switch to accept the test's self-signed certificate.
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("dav-litmus", allow_plain_http="true")
srv.add_web("both")
SUITES = ("basic", "copymove", "props", "locks", "http")


@ht.test
def daemon_starts():
    srv.start()


def run_suite(suite):
    url = "http://127.0.0.1:%d/dav/cal/demo@example.test/" % srv.port("web")
    cp = ht.run([ht.need_tool("litmus"), "-k", url, dt.DEMO[0], dt.DEMO[1]], check=False,
                env=dict(os.environ, TESTS=suite), timeout=300)
    out = cp.stdout.decode(errors="replace")
    m = re.search(r"summary for `%s': of (\d+) tests run: (\d+) passed, (\d+) failed" % suite, out)
    ht.check(m is not None, "%s: no summary in %r" % (suite, out[-2000:]))
    failed = [line for line in out.splitlines() if "FAIL" in line]
    ht.check_equal((int(m.group(3)), failed), (0, []), "%s failures" % suite)
    ht.check(int(m.group(1)) > 3, "%s ran only %s tests" % (suite, m.group(1)))


def suite_test(suite):
    def fn():
        run_suite(suite)
    fn.__name__ = "litmus_" + suite + "_has_no_failures"
    return fn


for _suite in SUITES:
    ht.test(suite_test(_suite))


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


if __name__ == "__main__":
    ht.main()
