# SPDX-License-Identifier: GPL-2.0-or-later
#
# man/: hermodd(8), hermodctl(8), hermod.conf(5).  Each page is written at
# build time by gen-man.py from its template and from what the freshly
# built programs print about themselves (--dump-settings: the settings
# tables --check-config uses, modules included; --dump-commands: every
# hermodctl row; --help: the options), so a page cannot drift from the
# code.  tests/man/check-man.sh checks them with man --warnings.

man_MANS = man/hermodd.8 man/hermodctl.8 man/hermod.conf.5
MAN_GEN = $(PYTHON3) $(srcdir)/man/gen-man.py
# The date of the top ChangeLog entry, so that a rebuild gives the same page.
MAN_SUBST = -D DATE="`sed -n '1s/ .*//p' $(srcdir)/ChangeLog`" -D VERSION=$(PACKAGE_VERSION) \
	-D SYSCONFDIR=$(sysconfdir) -D LOCALSTATEDIR=$(localstatedir) -D PKGLIBDIR=$(pkglibdir)

# The modules of the sample config, loaded from the build tree.
man/settings.tsv: core/hermodd/hermodd $(pkglib_LTLIBRARIES) $(srcdir)/config/hermod.conf
	$(AM_V_GEN)$(MKDIR_P) man; \
	core/hermodd/hermodd -c $(srcdir)/config/hermod.conf --dump-settings > $@.tmp && mv $@.tmp $@
man/commands.tsv: core/ctl/hermodctl
	$(AM_V_GEN)$(MKDIR_P) man; core/ctl/hermodctl --dump-commands > $@.tmp && mv $@.tmp $@
man/hermodd.help: core/hermodd/hermodd
	$(AM_V_GEN)$(MKDIR_P) man; LC_ALL=C core/hermodd/hermodd --help > $@.tmp && mv $@.tmp $@
man/hermodctl.help: core/ctl/hermodctl
	$(AM_V_GEN)$(MKDIR_P) man; LC_ALL=C core/ctl/hermodctl --help > $@.tmp && mv $@.tmp $@

man/hermod.conf.5: $(srcdir)/man/hermod.conf.5.in $(srcdir)/man/gen-man.py man/settings.tsv
	$(AM_V_GEN)$(MAN_GEN) $(srcdir)/man/hermod.conf.5.in $@ --settings man/settings.tsv $(MAN_SUBST)
man/hermodd.8: $(srcdir)/man/hermodd.8.in $(srcdir)/man/gen-man.py man/hermodd.help
	$(AM_V_GEN)$(MAN_GEN) $(srcdir)/man/hermodd.8.in $@ --options man/hermodd.help $(MAN_SUBST)
man/hermodctl.8: $(srcdir)/man/hermodctl.8.in $(srcdir)/man/gen-man.py man/hermodctl.help \
		man/commands.tsv
	$(AM_V_GEN)$(MAN_GEN) $(srcdir)/man/hermodctl.8.in $@ --options man/hermodctl.help \
	    --commands man/commands.tsv $(MAN_SUBST)

CLEANFILES += $(man_MANS) man/settings.tsv man/commands.tsv man/hermodd.help man/hermodctl.help
EXTRA_DIST += man/gen-man.py man/hermodd.8.in man/hermodctl.8.in man/hermod.conf.5.in
