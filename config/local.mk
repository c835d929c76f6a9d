# SPDX-License-Identifier: GPL-2.0-or-later
# config/: the commented sample config, systemd unit, logrotate.
EXTRA_DIST += config/hermod.conf
