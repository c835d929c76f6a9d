#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-module-hello.py - hermodd loads the out-of-tree example module and
# refuses modules it must not run.
#
# The example (plugin-api/examples/hello) is built by make check against an
# installed copy of the headers and hermod.pc (tests/abi/example/hello.so);
# here the real daemon loads it from a module_dir of its own and a TCP
# client talks to it.  Then hermodd must refuse to start with a module that
# is writable by group, and with one built for ABI 2.0, naming the file and
# both versions, without running any of the module's code.

import os
import shutil
import socket

import hermodtest as t

EXAMPLE = os.path.join(t.BUILDDIR, "tests", "abi", "example", "hello.so")
TEST_MODULES = os.path.join(t.BUILDDIR, "tests", "abi", ".libs")


def module_dir_with(src, name, mode=0o644):
    """A private module_dir holding a copy of src as NAME.so."""
    d = t.tmpdir("hermod-it-modules-")
    os.chmod(d, 0o755)
    dst = os.path.join(d, name + ".so")
    shutil.copyfile(src, dst)
    os.chmod(dst, mode)
    return d, dst


def hello_daemon(module_dir, module="hello"):
    d = t.Daemon(name=module)
    s = d.sections
    for name in [k for k in s if k.startswith("listener ")]:
        del s[name]
    s["core"]["modules"] = module
    s["core"]["module_dir"] = module_dir
    if module == "hello":
        s["hello"] = {"greeting": "hi from the test"}
    d.ports = {"hello": t.free_port()}
    s["listener hello"] = {"protocol": "hello", "address": "127.0.0.1",
                           "port": str(d.ports["hello"])}
    return d


class Lines:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=t.TIMEOUT)
        self.file = self.sock.makefile("rb")

    def line(self):
        return self.file.readline().decode(errors="replace")

    def send(self, text):
        self.sock.sendall(text.encode())

    def close(self):
        self.file.close()
        self.sock.close()


@t.test
def hermodd_runs_the_example_module():
    d = hello_daemon(module_dir_with(EXAMPLE, "hello")[0])
    d.start()
    c = Lines(d.port("hello"))
    try:
        t.check_equal(c.line(), "+OK %s hi from the test\r\n" % t.HOSTNAME, "greeting")
        c.send("Hello, World\r\n")
        t.check_equal(c.line(), "HELLO, WORLD\r\n", "echo")
        c.send("second line\n")
        t.check_equal(c.line(), "SECOND LINE\r\n", "echo of a bare-LF line")
        c.send("QUIT\r\n")
        t.check_equal(c.line(), "+OK bye after 2 lines\r\n", "QUIT reply")
        t.check_equal(c.line(), "", "connection closed after QUIT")
    finally:
        c.close()
    t.check("module hello" in d.stderr_text(), "the daemon logs the module it loaded")
    t.check_equal(d.stop(), 0, "exit code after SIGTERM")


def refused_start(module_dir, module, expect):
    d = hello_daemon(module_dir, module)
    d.provision()
    d.write_config()
    cp = t.run([t.HERMODD, "-c", d.conf_path], check=False, timeout=30)
    err = cp.stderr.decode(errors="replace") + cp.stdout.decode(errors="replace")
    t.check(cp.returncode != 0, "hermodd started with a module it must refuse:\n" + err)
    t.check(expect in err, "stderr does not say %r:\n%s" % (expect, err))


@t.test
def hermodd_refuses_a_group_writable_module():
    mdir, path = module_dir_with(EXAMPLE, "hello", 0o664)
    refused_start(mdir, "hello", "%s: refusing to load: file %s is writable by group or others"
                  % (path, os.path.realpath(path)))


@t.test
def hermodd_refuses_a_module_built_for_abi_2():
    mdir, path = module_dir_with(os.path.join(TEST_MODULES, "abi2.so"), "abi2")
    marker = os.path.join(mdir, "module-code-ran")
    os.environ["HERMOD_TEST_MARKER"] = marker
    try:
        refused_start(mdir, "abi2", "%s: module built for ABI 2.0, this hermodd has ABI 1." % path)
    finally:
        del os.environ["HERMOD_TEST_MARKER"]
    t.check(not os.path.exists(marker), "the ABI 2.0 module's code ran")


t.main()
