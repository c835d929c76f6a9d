/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * metrics.c - GET /metrics: the allow-list check, then the core's
 * counters in the Prometheus text exposition format (version 0.0.4).
 * Writing them is a few hash-table walks under the core's locks, so it
 * runs on the web thread without a job.
 */
#include "autoconfig.h"

#include <string.h>

#include "metrics.h"

static void
answer_text(HermodHttpRequest *req, guint status, const char *text)
{
    g_autoptr(GBytes) body = g_bytes_new(text, strlen(text));

    metrics_api->web->respond(req, status, "text/plain; charset=utf-8", body);
}

void
metrics_on_request(HermodHttpRequest *req, gpointer data)
{
    const HermodWebApi *web = metrics_api->web;
    const char *method = web->req_method(req);
    const char *const *allow = NULL;
    g_auto(GStrv) nets = NULL;
    GString *out;
    g_autoptr(GBytes) body = NULL;

    nets = g_strsplit(metrics_api->setting_string(metrics_module, "allow"), ";", -1);
    allow = (const char *const *)nets;
    if (!web->addr_in_networks(web->req_peer(req), allow)) {
        answer_text(req, 403, "Forbidden\n");
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        web->resp_header(req, "Allow", "GET, HEAD");
        answer_text(req, 405, "Method Not Allowed\n");
        return;
    }
    out = g_string_sized_new(4096);
    web->metrics_write(out);
    web->resp_header(req, "Cache-Control", "no-store");
    body = g_string_free_to_bytes(out);
    web->respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", body);
}
