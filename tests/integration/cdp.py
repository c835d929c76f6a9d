# SPDX-License-Identifier: GPL-2.0-or-later
#
# cdp.py - headless Debian chromium driven over the DevTools protocol on
# a pipe (--remote-debugging-pipe: JSON messages ending in NUL on file
# descriptors 3 and 4), Python standard library only.  Enough for the
# IM panel's test: isolated browser contexts (one per user, so cookies
# do not mix), pages, Runtime.evaluate, screenshots.  Every wait is
# bounded; the browser is stopped by PID.

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time


class Browser:
    def __init__(self, timeout=20):
        self.exe = shutil.which("chromium")
        if not self.exe:
            raise FileNotFoundError("chromium")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="hermod-cdp-")
        to_r, to_w = os.pipe()    # commands: we write, chromium reads fd 3
        from_r, from_w = os.pipe()  # replies: chromium writes fd 4

        def fds():
            # Through copies: a pipe end may be 3 or 4 itself, and
            # dup2(3, 3) would leave it close-on-exec.
            r, w = os.dup(to_r), os.dup(from_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [self.exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
             "--ignore-certificate-errors", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + self.profile, "about:blank"],
            # close_fds would close 3 and 4 after fds() made them.
            preexec_fn=fds, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        for fd in (to_w, from_r):
            os.set_inheritable(fd, False)
        self.w = os.fdopen(to_w, "wb", buffering=0)
        self.r = os.fdopen(from_r, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        os.set_blocking(from_r, False)

    def _read_message(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = self.r.read(65536)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})

    def page(self, url):
        """A page in a browser context of its own; returns its session."""
        ctx = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call("Target.createTarget", {"url": "about:blank",
                                                   "browserContextId": ctx})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        self.call("Page.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        return session

    def eval(self, session, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                           "returnByValue": True}, session=session)
        if "exceptionDetails" in r:
            raise RuntimeError("JS: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def wait(self, session, expression, timeout=20, what=None):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.eval(session, expression)
            except RuntimeError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s" % (what or expression))
            time.sleep(0.1)

    def screenshot(self, session, path):
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError, TimeoutError, EOFError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)
