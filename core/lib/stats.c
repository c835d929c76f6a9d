/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * stats.c - the core's counters, gauges and histograms, and their
 * Prometheus text form (the metrics module serves it at /metrics).
 *
 * Every metric is declared in the table below, with its type, help line
 * and the name of its one label (or none); a subsystem adds to it by name
 * (hermod_stats_add, hermod_stats_observe) and stats.c keeps one value
 * per label value.  One mutex guards everything: each call is a hash
 * lookup and an add, made once per connection, message or request.
 * It knows nothing about the subsystems that feed it.
 */
#include "autoconfig.h"

#include <string.h>

#include "lib/stats.h"

typedef enum { COUNTER, GAUGE, HISTOGRAM } Kind;

static const struct {
    const char *name;
    Kind kind;
    const char *label; /* NULL: no label */
    const char *help;
} metrics[] = {
    {"hermod_connections", GAUGE, "protocol", "Open client connections."},
    {"hermod_connections_total", COUNTER, "protocol", "Client connections accepted."},
    {"hermod_messages_accepted_total", COUNTER, NULL, "Messages accepted for delivery."},
    {"hermod_messages_delivered_total", COUNTER, "where",
     "Messages delivered (local: into a mailbox; remote: to the next hop)."},
    {"hermod_messages_deferred_total", COUNTER, NULL, "Delivery attempts deferred for a retry."},
    {"hermod_messages_bounced_total", COUNTER, NULL, "Messages returned to their sender."},
    {"hermod_queue_length", GAUGE, NULL, "Messages waiting in the outbound queue."},
    {"hermod_auth_failures_total", COUNTER, "protocol", "Failed logins."},
    {"hermod_auth_blocks_total", COUNTER, NULL, "Addresses blocked by dynamic screening."},
    {"hermod_store_commit_seconds", HISTOGRAM, NULL, "Time to make an append durable."},
    {"hermod_ims_total", COUNTER, "result",
     "Instant messages handed to the IM hub (delivered, duplicate, refused, failed)."},
};

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1,    2.5,   5};

typedef struct {
    gint64 value;                          /* counters, gauges */
    guint64 counts[G_N_ELEMENTS(buckets)]; /* histograms: per bucket, not cumulative */
    guint64 n;
    double sum;
} Value;

static GMutex lock;
static GHashTable *values[G_N_ELEMENTS(metrics)]; /* label value -> Value* */

static int
index_of(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(metrics); i++)
        if (strcmp(metrics[i].name, name) == 0)
            return (int)i;
    g_critical("stats: unknown metric %s", name);
    return -1;
}

/* Under lock. */
static Value *
value_of(int i, const char *label)
{
    Value *v;

    if (values[i] == NULL)
        values[i] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    v = g_hash_table_lookup(values[i], label != NULL ? label : "");
    if (v == NULL) {
        v = g_new0(Value, 1);
        g_hash_table_insert(values[i], g_strdup(label != NULL ? label : ""), v);
    }
    return v;
}

void
hermod_stats_add(const char *name, const char *label, gint64 delta)
{
    int i = index_of(name);

    if (i < 0)
        return;
    g_mutex_lock(&lock);
    value_of(i, label)->value += delta;
    g_mutex_unlock(&lock);
}

void
hermod_stats_set(const char *name, const char *label, gint64 value)
{
    int i = index_of(name);

    if (i < 0)
        return;
    g_mutex_lock(&lock);
    value_of(i, label)->value = value;
    g_mutex_unlock(&lock);
}

void
hermod_stats_observe(const char *name, double seconds)
{
    int i = index_of(name);
    Value *v;
    guint b = 0;

    if (i < 0)
        return;
    while (b < G_N_ELEMENTS(buckets) && seconds > buckets[b])
        b++;
    g_mutex_lock(&lock);
    v = value_of(i, NULL);
    if (b < G_N_ELEMENTS(buckets))
        v->counts[b]++;
    v->n++;
    v->sum += seconds;
    g_mutex_unlock(&lock);
}

/* Under lock: one histogram's lines. */
static void
write_histogram(GString *out, const char *name, const Value *v)
{
    guint64 cumulative = 0;

    for (guint b = 0; b < G_N_ELEMENTS(buckets); b++) {
        cumulative += v->counts[b];
        g_string_append_printf(out, "%s_bucket{le=\"%g\"} %" G_GUINT64_FORMAT "\n", name,
                               buckets[b], cumulative);
    }
    g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, v->n);
    g_string_append_printf(out, "%s_sum %.6f\n%s_count %" G_GUINT64_FORMAT "\n", name, v->sum, name,
                           v->n);
}

/* Under lock: one metric, every label value. */
static void
write_metric(GString *out, guint i)
{
    static const char *const kinds[] = {"counter", "gauge", "histogram"};
    GHashTableIter it;
    gpointer key, val;

    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", metrics[i].name, metrics[i].help,
                           metrics[i].name, kinds[metrics[i].kind]);
    if (values[i] == NULL) {
        if (metrics[i].kind == HISTOGRAM) {
            Value zero = {0};
            write_histogram(out, metrics[i].name, &zero);
        } else if (metrics[i].label == NULL) {
            g_string_append_printf(out, "%s 0\n", metrics[i].name);
        }
        return;
    }
    g_hash_table_iter_init(&it, values[i]);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        const Value *v = val;
        if (metrics[i].kind == HISTOGRAM)
            write_histogram(out, metrics[i].name, v);
        else if (metrics[i].label != NULL)
            g_string_append_printf(out, "%s{%s=\"%s\"} %" G_GINT64_FORMAT "\n", metrics[i].name,
                                   metrics[i].label, (const char *)key, v->value);
        else
            g_string_append_printf(out, "%s %" G_GINT64_FORMAT "\n", metrics[i].name, v->value);
    }
}

void
hermod_stats_write(GString *out)
{
    g_mutex_lock(&lock);
    for (guint i = 0; i < G_N_ELEMENTS(metrics); i++)
        write_metric(out, i);
    g_mutex_unlock(&lock);
}
