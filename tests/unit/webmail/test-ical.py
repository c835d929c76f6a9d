# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-ical.py - the webmail calendar's iCalendar module
# (themes/default/js/ical.js) under node: ical-check.mjs beside this file
# prints the TAP, passed through here.  Skipped without node.
import os
import shutil
import subprocess
import sys

SRC = os.environ.get("HERMOD_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..")
node = shutil.which("node")
if not node:
    print("1..0 # SKIP node is not installed")
    sys.exit(0)
cp = subprocess.run([node, os.path.join(SRC, "tests", "unit", "webmail", "ical-check.mjs"),
                     os.path.join(SRC, "themes", "default", "js", "ical.js")],
                    capture_output=True, timeout=60)
sys.stdout.write(cp.stdout.decode(errors="replace"))
if cp.returncode != 0 and b"1.." not in cp.stdout:
    print("1..1\nnot ok 1 - node ran ical-check.mjs\n# " + cp.stderr.decode(errors="replace")
          .replace("\n", "\n# "))
sys.exit(0 if cp.returncode == 0 else 1)
