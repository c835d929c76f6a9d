# SPDX-License-Identifier: GPL-2.0-or-later
# plugin-api/: the public headers, GUIDE.md, hermod.pc, the example module.  The ABI
# baseline and gate live in tests/abi/ (see tests/local.mk, "--- abi").
hermodincludedir = $(includedir)/hermod
hermodinclude_HEADERS = plugin-api/hermod/hermod.h plugin-api/hermod/version.h \
	plugin-api/hermod/setting.h plugin-api/hermod/protocol.h \
	plugin-api/hermod/module.h plugin-api/hermod/api.h \
	plugin-api/hermod/mailstore.h plugin-api/hermod/web.h \
	plugin-api/hermod/im.h plugin-api/hermod/dav.h
# The module author's guide, installed beside the headers it describes;
# make check installs it with them (tests/local.mk, "--- abi").
hermodinclude_DATA = plugin-api/GUIDE.md
EXTRA_DIST += plugin-api/GUIDE.md

# hermod.pc is written at install time from the directories in force then,
# so that `make install prefix=/opt/x` installs a hermod.pc that points to
# /opt/x (a file made by configure would keep configure's prefix).
EXTRA_DIST += plugin-api/hermod.pc.in
install-data-local: install-hermod-pc
uninstall-local: uninstall-hermod-pc
.PHONY: install-hermod-pc uninstall-hermod-pc
install-hermod-pc: $(srcdir)/plugin-api/hermod.pc.in
	$(MKDIR_P) '$(DESTDIR)$(pkgconfigdir)'
	sed -e 's|@prefix[@]|$(prefix)|g' -e 's|@exec_prefix[@]|$(exec_prefix)|g' \
	    -e 's|@libdir[@]|$(libdir)|g' -e 's|@includedir[@]|$(includedir)|g' \
	    -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	    '$(srcdir)/plugin-api/hermod.pc.in' > '$(DESTDIR)$(pkgconfigdir)/hermod.pc'
uninstall-hermod-pc:
	rm -f '$(DESTDIR)$(pkgconfigdir)/hermod.pc'

# The example module builds out of tree with its own Makefile; shipped as
# source, built and loaded by make check (tests/local.mk, "--- abi").
EXTRA_DIST += plugin-api/examples/hello/hello.c plugin-api/examples/hello/Makefile \
	plugin-api/examples/hello/README
