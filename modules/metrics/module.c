/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the metrics module's whole surface: descriptor, settings,
 * init.
 *
 * Mounts [metrics] path (default /metrics) on the web server and answers
 * it with the core's counters in the Prometheus text format
 * (metrics.c): connections per protocol, messages accepted, delivered,
 * deferred and bounced, the queue's length, authentication failures and
 * blocks, the store's commit latency, HTTP requests by status.  Only
 * clients inside [metrics] allow get them; everyone else gets 403.
 */
#include "autoconfig.h"

#include "metrics.h"

const HermodApi *metrics_api;
HermodModule *metrics_module;

const HermodSetting metrics_settings[] = {
    {"path", HERMOD_SETTING_STRING, "/metrics", 0, 0, NULL, "where the metrics are served"},
    {"allow", HERMOD_SETTING_LIST, "127.0.0.0/8;::1/128", 0, 0, NULL,
     "networks (CIDRs) allowed to read them; everyone else gets 403"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
metrics_init(const HermodApi *api, HermodModule *self, GError **error)
{
    HermodWebMount mount = {
        .struct_size = sizeof(HermodWebMount),
        .prefix = api->setting_string(self, "path"),
        .max_body = 1,
        .on_request = metrics_on_request,
    };

    if (!HERMOD_API_HAS(api, web) || api->web == NULL) {
        g_set_error(error, g_quark_from_static_string("metrics-error"), 0,
                    "metrics needs the web server of ABI 1.6; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    metrics_api = api;
    metrics_module = self;
    return api->web->mount(self, &mount, error);
}

static void
metrics_shutdown(HermodModule *self)
{
    metrics_module = NULL;
}

HERMOD_MODULE(metrics) = {
    HERMOD_MODULE_HEADER,         .name = "metrics",    .version = PACKAGE_VERSION,
    .settings = metrics_settings, .init = metrics_init, .shutdown = metrics_shutdown,
};
