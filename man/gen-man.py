# SPDX-License-Identifier: GPL-2.0-or-later
#
# gen-man.py - write a manual page from its template and what the built
# programs say about themselves, so that the pages cannot drift from the
# code:
#
#   @SETTINGS@  every settings table (hermodd --dump-settings: the core's
#               sections and each module's, as --check-config uses them)
#   @COMMANDS@  every hermodctl command row (hermodctl --dump-commands)
#   @OPTIONS@   the program's options (PROGRAM --help, GOption's layout)
#   @NAME@      a -D NAME=VALUE substitution (paths, version, date)
#
#   gen-man.py TEMPLATE OUT [--settings FILE] [--commands FILE]
#              [--options FILE] [-D NAME=VALUE]...
#
# Python standard library only.
import argparse
import re
import sys


def esc(text):
    """Text for a roff line: backslashes escaped, hyphens as minus signs
    in words that look like options or code."""
    text = text.replace("\\", "\\e")
    # A line may break after any '/': long install paths must not warn.
    text = text.replace("/", "/\\:")
    return re.sub(r"(?<![\w])-", r"\\-", text)


def sentence(text):
    """A help line as a sentence: capital first letter, final period."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def line(text):
    """A roff text line that cannot be taken for a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def settings_roff(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            fields = raw.rstrip("\n").split("\t")
            if len(fields) != 9:
                sys.exit("gen-man.py: %s: bad line %r" % (path, raw))
            rows.append(fields)
    out, seen = [], None
    for section, kind, key, typ, default, lo, hi, choices, help_ in rows:
        if section != seen:
            seen = section
            out += section_head(section, kind)
        if kind == "free":
            out += [".TP", ".I KEY \\fB=\\fP VALUE", line(esc(sentence(help_)))]
            continue
        out += [".TP", ".B " + esc(key), line(esc(sentence(help_))), ".br",
                describe(typ, default, lo, hi, choices)]
    return "\n".join(out)


def section_head(section, kind):
    if kind == "named":
        return [".SS \"[%s \\fINAME\\fP]\"" % section,
                "Any number of these sections, each with its own NAME."]
    if kind == "module":
        return [".SS \"[%s]\"" % section,
                "Read by the %s module when [core] modules lists it." % section]
    if kind == "free":
        return [".SS \"[%s]\"" % section]
    return [".SS \"[%s]\"" % section]


def describe(typ, default, lo, hi, choices):
    parts = ["Type \\fI%s\\fP" % typ]
    if choices:
        parts.append("one of " + ", ".join("\\fB%s\\fP" % esc(c) for c in choices.split("|")))
    if lo or hi:
        parts.append("from %s to %s" % (lo, hi))
    if default == "-":
        parts.append("no default")
    elif default == "":
        parts.append("default empty")
    else:
        parts.append("default \\fB%s\\fP" % esc(default))
    return line("; ".join(parts) + ".")


def commands_roff(path):
    out, noun_seen = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            fields = raw.rstrip("\n").split("\t")
            if len(fields) != 4:
                sys.exit("gen-man.py: %s: bad line %r" % (path, raw))
            noun, verb, usage, help_ = fields
            if noun != noun_seen:
                noun_seen = noun
                out.append(".SS %s" % noun)
            out += [".TP", ".B hermodctl %s %s" % (esc(noun), esc(verb)) +
                    (" " + quote_usage(usage) if usage else ""), line(esc(sentence(help_)))]
    return "\n".join(out)


def quote_usage(usage):
    """Usage words as roff arguments: upper-case placeholders italic."""
    words = []
    for w in usage.split():
        words.append("\\fI%s\\fP" % esc(w) if w.isupper() else esc(w))
    return "\"" + " ".join(words) + "\""


def options_roff(path):
    """GOption's "Application Options" as .TP items."""
    out, on = [], False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            text = raw.rstrip("\n")
            if text.strip() == "Application Options:":
                on = True
                continue
            if not on or not text.strip():
                continue
            m = re.match(r"^\s+(\S.*?)\s{2,}(\S.*)$", text)
            if not m:
                sys.exit("gen-man.py: %s: cannot read option line %r" % (path, text))
            spec, help_ = m.groups()
            spec = re.sub(r"=([A-Z][A-Z.=_]*)", lambda k: "=\\fI" + esc(k.group(1)) + "\\fP",
                          esc(spec))
            out += [".TP", ".B " + spec, line(esc(sentence(help_)))]
    if not out:
        sys.exit("gen-man.py: %s: no options found" % path)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("template")
    ap.add_argument("out")
    ap.add_argument("--settings")
    ap.add_argument("--commands")
    ap.add_argument("--options")
    ap.add_argument("-D", action="append", default=[])
    a = ap.parse_args()
    with open(a.template, encoding="utf-8") as f:
        text = f.read()
    subst = {k: v.replace("/", "/\\:") for k, v in (d.split("=", 1) for d in a.D)}
    if a.settings:
        subst["SETTINGS"] = settings_roff(a.settings)
    if a.commands:
        subst["COMMANDS"] = commands_roff(a.commands)
    if a.options:
        subst["OPTIONS"] = options_roff(a.options)

    def put(m):
        if m.group(1) not in subst:
            sys.exit("gen-man.py: %s: nothing for @%s@" % (a.template, m.group(1)))
        return subst[m.group(1)]

    text = re.sub(r"@([A-Z_]+)@", put, text)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)


main()
