# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-ctl-store.py - hermodctl domain, user, alias and mail commands
# against a temporary data folder, as an admin would type them: passwords
# on stdin, exit status 1 for refusals and 2 for usage errors.  The mail
# rows read a message that the store's orphan recovery indexed from a file
# dropped into the account's msg/ folder.  Speaks TAP.

import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("HERMOD_BUILDDIR", ".")
CTL = os.path.join(BUILD, "core", "ctl", "hermodctl")

tmp = tempfile.mkdtemp(prefix="hermod-ctl-")
conf = os.path.join(tmp, "hermod.conf")
with open(conf, "w") as f:
    f.write("[core]\ndata_dir = %s\n" % os.path.join(tmp, "data"))
    if os.getuid() == 0:
        f.write("user = root\n")

checks = []


def ctl(*args, stdin=None):
    p = subprocess.run([CTL, "-c", conf] + list(args), input=stdin,
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stdout, \
        p.stderr.decode("utf-8", "replace")


def check(name, ok, detail=""):
    checks.append((name, ok, detail))


def main():
    rc, out, _, _ = ctl("domain", "add", "Example.TEST")
    check("domain add", rc == 0)
    rc, out, _, _ = ctl("domain", "list")
    check("domain list is lower-case", rc == 0 and out == "example.test\n", out)
    rc, _, _, err = ctl("domain", "add", "example.test")
    check("domain add twice fails", rc == 1 and "exists" in err, err)

    rc, _, _, err = ctl("user", "add", "Alice@example.test", stdin=b"s3cret\n")
    check("user add reads the password from stdin", rc == 0, err)
    rc, _, _, err = ctl("user", "add", "bob@elsewhere.test", stdin=b"pw\n")
    check("user add refuses an unknown domain", rc == 1 and "unknown domain" in err, err)
    rc, _, _, err = ctl("user", "add", "alice@example.test", stdin=b"pw\n")
    check("user add refuses a duplicate", rc == 1, err)
    rc, _, _, err = ctl("user", "add")
    check("user add without address is a usage error", rc == 2, err)
    rc, _, _, err = ctl("user", "add", "carol@example.test", stdin=b"")
    check("user add without a password fails", rc == 1, err)
    rc, _, _, err = ctl("user", "quota", "alice@example.test", "2G")
    check("user quota", rc == 0, err)
    rc, _, _, err = ctl("user", "quota", "alice@example.test", "lots")
    check("user quota refuses a bad size", rc == 2, err)
    rc, out, _, _ = ctl("user", "list", "example.test")
    check("user list shows the quota",
          rc == 0 and out.split() == ["alice@example.test", "quota", "2.0", "GiB"], out)
    rc, _, _, err = ctl("user", "passwd", "alice@example.test", stdin=b"n3w\n")
    check("user passwd", rc == 0, err)

    rc, _, _, err = ctl("alias", "add", "team@example.test", "alice@example.test")
    rc2, _, _, _ = ctl("alias", "add", "team@example.test", "ext@remote.test")
    check("alias add, two targets", rc == 0 and rc2 == 0, err)
    rc, out, _, _ = ctl("alias", "list")
    check("alias list", out == "team@example.test -> alice@example.test\n"
          "team@example.test -> ext@remote.test\n", out)
    rc, _, _, err = ctl("alias", "add", "x@remote.test", "alice@example.test")
    check("alias in a remote domain is refused", rc == 1, err)
    rc, _, _, _ = ctl("alias", "del", "team@example.test", "ext@remote.test")
    rc2, out, _, _ = ctl("alias", "list", "example.test")
    check("alias del one target", rc == 0 and out.count("\n") == 1, out)

    rc, out, _, err = ctl("mail", "folders", "alice@example.test")
    names = [line.split("\t")[0] for line in out.splitlines()]
    check("mail folders: the default mailboxes",
          names == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], out + err)
    raw = (b"From: =?UTF-8?Q?J=C3=B6rg?= <j@x.test>\r\nSubject: Hello there\r\n"
           b"\r\nbody \x00\xff\r\n")
    msg_dir = os.path.join(tmp, "data", "mail", "example.test", "alice", "msg")
    with open(os.path.join(msg_dir, "dropped.eml"), "wb") as f:
        f.write(raw)
    rc, out, _, err = ctl("mail", "list", "alice@example.test")
    fields = out.rstrip("\n").split("\t")
    check("mail list: UID, date, size, flags, From, Subject",
          rc == 0 and len(fields) == 6 and fields[0] == "1"
          and fields[2] == str(len(raw)) and fields[3] == "-"
          and fields[4] == "Jörg <j@x.test>" and fields[5] == "Hello there", out + err)
    rc, _, data, err = ctl("mail", "cat", "alice@example.test", "INBOX", "1")
    check("mail cat is byte-exact", rc == 0 and data == raw, err)
    rc, _, _, err = ctl("mail", "cat", "alice@example.test", "INBOX", "7")
    check("mail cat of a missing UID fails", rc == 1, err)
    rc, _, _, err = ctl("mail", "list", "nobody@example.test")
    check("mail list of an unknown account fails", rc == 1, err)
    check("no folder made for it", not os.path.exists(
        os.path.join(tmp, "data", "mail", "example.test", "nobody")))

    rc, _, _, err = ctl("domain", "del", "example.test")
    check("domain del refuses while accounts remain", rc == 1, err)
    # user del moves the mail folder to data_dir/deleted/DOMAIN/LOCAL.DATE
    # and says so; --keep-mail leaves it; an account without one says that.
    alice_dir = os.path.join(tmp, "data", "mail", "example.test", "alice")
    deleted = os.path.join(tmp, "data", "deleted", "example.test")
    rc, _, _, err = ctl("user", "add", "dave@example.test", stdin=b"pw-dave\n")
    rc, out, _, err = ctl("user", "del", "dave@example.test")
    check("user del of an account without mail says so",
          rc == 0 and "no mail folder" in out, out + err)
    rc, out, _, err = ctl("user", "del", "Alice@Example.test")
    moved = [n for n in os.listdir(deleted)] if os.path.isdir(deleted) else []
    check("user del moves the mail folder to data_dir/deleted and says where",
          rc == 0 and not os.path.exists(alice_dir) and len(moved) == 1
          and moved[0].startswith("alice.") and os.path.join(deleted, moved[0]) in out,
          out + err + repr(moved))
    check("the moved folder keeps the message",
          len(moved) == 1 and os.listdir(os.path.join(deleted, moved[0], "msg")) != [], repr(moved))
    rc, _, _, err = ctl("user", "add", "erin@example.test", stdin=b"pw-erin\n")
    erin_dir = os.path.join(tmp, "data", "mail", "example.test", "erin")
    os.makedirs(os.path.join(erin_dir, "msg"))
    rc, out, _, err = ctl("user", "del", "--keep-mail", "erin@example.test")
    check("user del --keep-mail leaves the folder and says so",
          rc == 0 and os.path.isdir(erin_dir) and "kept" in out, out + err)
    rc, _, _, err = ctl("user", "del", "--frobnicate", "x@example.test")
    check("user del with an unknown option is a usage error", rc == 2, err)
    rc2, _, _, err2 = ctl("domain", "del", "example.test")
    check("user del, then domain del", rc2 == 0, err2)


try:
    main()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % len(checks))
for i, (name, ok, detail) in enumerate(checks, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, name))
    if not ok and detail:
        for line in detail.splitlines():
            print("# " + line)
sys.exit(0)
