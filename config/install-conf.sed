# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-conf.sed - turn the demo config (config/hermod.conf: loopback,
# ports 2xxx, data in the source tree) into the one make install puts in
# SYSCONFDIR/hermod/hermod.conf: every listener of the demo on its
# standard port on all IPv4 and IPv6 addresses, data_dir in
# LOCALSTATEDIR/lib/hermod.  A listener this file does not know keeps the
# demo's port and loopback.  @localstatedir@ is filled in by config/local.mk.
1i\
# Installed by make install (config/install-conf.sed): the demo's\
# listeners on their standard ports on every address, data in\
# @localstatedir@/lib/hermod.  Set [core] hostname to the server's name.
s|^data_dir = .*|data_dir = @localstatedir@/lib/hermod|
s|^port = 2525$|port = 25\naddress = 0.0.0.0;::|
s|^port = 2587$|port = 587\naddress = 0.0.0.0;::|
s|^port = 2465$|port = 465\naddress = 0.0.0.0;::|
s|^port = 2143$|port = 143\naddress = 0.0.0.0;::|
s|^port = 2993$|port = 993\naddress = 0.0.0.0;::|
s|^port = 2110$|port = 110\naddress = 0.0.0.0;::|
s|^port = 2995$|port = 995\naddress = 0.0.0.0;::|
