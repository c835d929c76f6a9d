/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dav-harness.c - what the dav module's fuzz targets share: the module's
 * globals with a HermodApi whose dav table is the core's own (so that
 * the calendar arithmetic under test is the real one) and whose settings
 * are the defaults.  No store is opened: the targets call the parsers
 * and filters only.
 */
#include "autoconfig.h"

#include "dav/dav.h"
#include "lib/log.h"
#include "plugin/dav-api.h"

static gint64
setting_int(HermodModule *self, const char *key)
{
    return 10 * 1024 * 1024; /* max_resource_size; allow_plain_http reads it as true */
}

static HermodApi fuzz_api = {
    .struct_size = sizeof(HermodApi),
    .abi_major = HERMOD_ABI_MAJOR,
    .abi_minor = HERMOD_ABI_MINOR,
    .log = hermod_log,
    .setting_int = setting_int,
    .dav = &hermod_dav_api,
};

const HermodApi *dav_api = &fuzz_api;
HermodModule *dav_module;

/* A job holding body, as request.c makes it (transfer full). */
DavJob *
dav_fuzz_job(const guint8 *data, size_t size)
{
    DavJob *job = g_new0(DavJob, 1);

    job->method = g_strdup("REPORT");
    job->path = g_strdup("/dav/cal/fuzz@example.test/calendar/");
    job->account = g_strdup("fuzz@example.test");
    job->body = g_bytes_new(data, size);
    job->headers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    job->resp_headers = g_ptr_array_new_with_free_func(g_free);
    return job;
}

void
dav_fuzz_job_free(DavJob *job)
{
    g_free(job->method);
    g_free(job->path);
    g_free(job->account);
    g_free(job->content_type);
    g_bytes_unref(job->body);
    g_hash_table_unref(job->headers);
    g_ptr_array_unref(job->resp_headers);
    if (job->addresses != NULL)
        g_ptr_array_unref(job->addresses);
    if (job->dead_names != NULL)
        g_hash_table_unref(job->dead_names);
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    g_free(job);
}
