# SPDX-License-Identifier: GPL-2.0-or-later
# modules/metrics/: /metrics in the Prometheus text format, for clients
# inside [metrics] allow (test-web-modules.py).

pkglib_LTLIBRARIES += modules/metrics.la
modules_metrics_la_SOURCES = modules/metrics/module.c modules/metrics/metrics.c \
	modules/metrics/metrics.h
modules_metrics_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_metrics_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_metrics_la_LIBADD = $(GLIB_LIBS)
