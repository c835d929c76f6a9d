# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-i18n.py - the webmail's translation files: every language has
# every key of English and no other, no value is empty, every {placeholder}
# of the English string is in each translation, and every key the themes
# use (data-i18n* attributes, t('...') calls, the folder role names) is
# in English.  Speaks TAP.
import glob
import json
import os
import re
import sys

SRC = os.environ.get("HERMOD_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..")
I18N = os.path.join(SRC, "themes", "default", "i18n")
LANGS = ["en", "de", "fr", "es", "it"]
results = []


def check(ok, name, detail=""):
    results.append((ok, name, detail))


def used_keys():
    keys = set()
    for f in glob.glob(os.path.join(SRC, "themes", "*", "index.html")):
        keys |= set(re.findall(r'data-i18n(?:-label|-placeholder|-title)?="([^"]+)"', open(f).read()))
    for f in glob.glob(os.path.join(SRC, "themes", "*", "js", "*.js")):
        text = open(f).read()
        keys |= set(re.findall(r"\bt\(\s*'([^']+)'", text))
        keys |= set(re.findall(r"\?\s*'((?:login|error|security)\.[A-Za-z]+)'", text))
        keys |= set(re.findall(r":\s*'((?:login|error|security)\.[A-Za-z]+)'", text))
    for role in ("inbox", "drafts", "sent", "archive", "junk", "trash"):
        keys.add("folder." + role)
    return keys


data = {}
for lang in LANGS:
    path = os.path.join(I18N, lang + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            data[lang] = json.load(f)
        check(True, "%s.json parses" % lang)
    except (OSError, ValueError) as e:
        check(False, "%s.json parses" % lang, str(e))
        data[lang] = {}

en = data["en"]
for lang in LANGS[1:]:
    missing = sorted(set(en) - set(data[lang]))
    extra = sorted(set(data[lang]) - set(en))
    check(not missing, "%s has every English key" % lang, "missing: %s" % missing)
    check(not extra, "%s has no key English lacks" % lang, "extra: %s" % extra)
    bad = [k for k in en if k in data[lang] and
           set(re.findall(r"\{\w+\}", en[k])) != set(re.findall(r"\{\w+\}", data[lang][k]))]
    check(not bad, "%s keeps every placeholder" % lang, "keys: %s" % bad)
for lang in LANGS:
    empty = [k for k, v in data[lang].items() if not isinstance(v, str) or not v.strip()]
    check(not empty, "%s has no empty string" % lang, "keys: %s" % empty)
unknown = sorted(used_keys() - set(en))
check(not unknown, "every key the themes use is translated", "unknown: %s" % unknown)

print("1..%d" % len(results))
for i, (ok, name, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        print("# " + detail)
sys.exit(0 if all(r[0] for r in results) else 1)
