# SPDX-License-Identifier: GPL-2.0-or-later
# config/: the commented sample config, systemd unit, logrotate.
EXTRA_DIST += config/hermod.conf config/install-conf.sed config/hermod.service.in \
	config/hermod.logrotate.in

# Paths are filled in at build time from the directories in force then
# (as for hermod.pc), so that `make prefix=...` gives matching files.
CONFIG_SUBST = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@pkglibdir[@]|$(pkglibdir)|g'
config/hermod.service: $(srcdir)/config/hermod.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config; $(CONFIG_SUBST) $(srcdir)/config/hermod.service.in > $@
config/hermod.logrotate: $(srcdir)/config/hermod.logrotate.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config; $(CONFIG_SUBST) $(srcdir)/config/hermod.logrotate.in > $@
config/hermod.conf.installed: $(srcdir)/config/hermod.conf $(srcdir)/config/install-conf.sed \
		Makefile
	$(AM_V_GEN)$(MKDIR_P) config; $(CONFIG_SUBST) $(srcdir)/config/install-conf.sed > $@.sed && \
	sed -f $@.sed $(srcdir)/config/hermod.conf > $@ && rm -f $@.sed
CONFIG_BUILT = config/hermod.service config/hermod.logrotate config/hermod.conf.installed
noinst_DATA = $(CONFIG_BUILT)
CLEANFILES += $(CONFIG_BUILT)

systemdsystemunit_DATA = config/hermod.service

# The sample config goes to SYSCONFDIR/hermod/hermod.conf only when there
# is none: a reinstall never overwrites the admin's file.  Uninstall
# removes it only while it is still the file make install put there.
# The logrotate file goes to SYSCONFDIR/logrotate.d/hermod; the state
# folder LOCALSTATEDIR/lib/hermod is created (mode 0750; hermodd hands it
# to its user on first start).
hermodconfdir = $(sysconfdir)/hermod
install-data-local: install-hermod-config
uninstall-local: uninstall-hermod-config
.PHONY: install-hermod-config uninstall-hermod-config
install-hermod-config: $(CONFIG_BUILT)
	$(MKDIR_P) '$(DESTDIR)$(hermodconfdir)' '$(DESTDIR)$(sysconfdir)/logrotate.d'
	@if test -f '$(DESTDIR)$(hermodconfdir)/hermod.conf'; then \
	    echo "keeping $(DESTDIR)$(hermodconfdir)/hermod.conf (not overwritten)"; \
	else \
	    echo " $(INSTALL_DATA) config/hermod.conf.installed '$(DESTDIR)$(hermodconfdir)/hermod.conf'"; \
	    $(INSTALL_DATA) config/hermod.conf.installed '$(DESTDIR)$(hermodconfdir)/hermod.conf'; \
	fi
	$(INSTALL_DATA) config/hermod.logrotate '$(DESTDIR)$(sysconfdir)/logrotate.d/hermod'
	$(MKDIR_P) '$(DESTDIR)$(localstatedir)/lib/hermod'
	chmod 0750 '$(DESTDIR)$(localstatedir)/lib/hermod'
uninstall-hermod-config:
	if cmp -s config/hermod.conf.installed '$(DESTDIR)$(hermodconfdir)/hermod.conf'; then \
	    rm -f '$(DESTDIR)$(hermodconfdir)/hermod.conf'; fi
	rm -f '$(DESTDIR)$(sysconfdir)/logrotate.d/hermod'

# Webmail themes (themes/NAME/...: HTML, CSS, JS, no build step) go to
# DATADIR/hermod/themes as they are in the tree.
hermodthemesdir = $(pkgdatadir)/themes
EXTRA_DIST += themes
install-data-local: install-hermod-themes
uninstall-local: uninstall-hermod-themes
.PHONY: install-hermod-themes uninstall-hermod-themes
install-hermod-themes:
	$(MKDIR_P) '$(DESTDIR)$(hermodthemesdir)'
	cd '$(srcdir)/themes' && find . -type d | while read -r d; do \
	    $(MKDIR_P) "$(DESTDIR)$(hermodthemesdir)/$$d" || exit 1; done
	cd '$(srcdir)/themes' && find . -type f | while read -r f; do \
	    $(INSTALL_DATA) "$$f" "$(DESTDIR)$(hermodthemesdir)/$$f" || exit 1; done
uninstall-hermod-themes:
	cd '$(srcdir)/themes' && find . -type f | while read -r f; do \
	    rm -f "$(DESTDIR)$(hermodthemesdir)/$$f"; done
