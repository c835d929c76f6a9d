/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * stats.h - the core's counters, gauges and histograms (stats.c holds
 * the list of metrics, their types and help lines).
 *
 * Threads: any.
 */
#ifndef HERMOD_CORE_STATS_H
#define HERMOD_CORE_STATS_H

#include <glib.h>

G_BEGIN_DECLS

/* Add delta to a counter or gauge; label is the value of the metric's
 * one label (NULL for a metric without one).  name must be in stats.c's
 * table (a programming error otherwise). */
void hermod_stats_add(const char *name, const char *label, gint64 delta);
/* Set a gauge. */
void hermod_stats_set(const char *name, const char *label, gint64 value);
/* One observation of a histogram, in seconds. */
void hermod_stats_observe(const char *name, double seconds);
/* Every metric in the Prometheus text exposition format, appended. */
void hermod_stats_write(GString *out);

G_END_DECLS

#endif
