/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-api.c - the HermodWebApi table (hermod/web.h): modules' window onto
 * the web server.
 *
 * Each member is wired, in the header's order, to the core/web/ function
 * that implements it, plus the adapters that need the module's identity
 * (mounts are logged under the module's name) or another subsystem (the
 * listeners from the config in force, the directory's domains, the
 * counters of lib/stats.c with the queue's length and the web's requests
 * by status).  module-api.c hands the table out as HermodApi.web.
 */
#include "autoconfig.h"

#include <gio/gio.h>

#include "config/config.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "lib/stats.h"
#include "mailflow/queue.h"
#include "net/listener.h"
#include "plugin/module.h"
#include "plugin/web-api.h"
#include "web/web.h"

static gboolean
mount(HermodModule *self, const HermodWebMount *spec, GError **error)
{
    return hermod_web_mount(hermod_module_name(self), spec, error);
}

static gboolean
mount_static(HermodModule *self, const char *prefix, const char *dir, const char *csp,
             GError **error)
{
    return hermod_web_mount_static(hermod_module_name(self), prefix, dir, csp, error);
}

static void
listener_info_free(gpointer data)
{
    HermodListenerInfo *info = data;

    g_free(info->name);
    g_free(info->protocol);
    g_free(info->role);
    g_free(info->tls);
    g_free(info);
}

static GPtrArray *
listeners(void)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();
    GPtrArray *out = g_ptr_array_new_with_free_func(listener_info_free);

    for (const char *const *n = hermod_config_named(cfg, "listener"); cfg && *n != NULL; n++) {
        g_autofree char *section = g_strdup_printf("listener %s", *n);
        HermodListenerInfo *info;
        guint16 port;
        if (!hermod_config_bool(cfg, section, "enabled"))
            continue;
        port = hermod_listener_port(*n);
        info = g_new0(HermodListenerInfo, 1);
        info->name = g_strdup(*n);
        info->protocol = g_strdup(hermod_config_string(cfg, section, "protocol"));
        info->role = g_strdup(hermod_config_string(cfg, section, "role"));
        info->tls = g_strdup(hermod_config_string(cfg, section, "tls"));
        info->port = port != 0 ? port : (guint16)hermod_config_int(cfg, section, "port");
        g_ptr_array_add(out, info);
    }
    return out;
}

/* The ABI member has no GError (1.x is append-only): a failure gives an
 * empty list, and is logged here so that it is not mistaken for "no
 * domains" in silence. */
static GPtrArray *
local_domains(void)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *domains = hermod_directory_domain_list(&error);

    if (domains != NULL)
        return domains;
    hermod_log(HERMOD_LOG_WARNING, NULL, "web: cannot list the local domains: %s",
               error != NULL ? error->message : "unknown error");
    return g_ptr_array_new_with_free_func(g_free);
}

static void
metrics_write(GString *out)
{
    hermod_stats_set("hermod_queue_length", NULL, (gint64)hermod_queue_length());
    hermod_stats_write(out);
    hermod_web_metrics_write(out);
}

static gboolean
addr_in_networks(const char *ip, const char *const *networks)
{
    g_autoptr(GInetAddress) addr = ip != NULL ? g_inet_address_new_from_string(ip) : NULL;

    for (guint i = 0; addr != NULL && networks != NULL && networks[i] != NULL; i++) {
        g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string(networks[i], NULL);
        if (mask != NULL && g_inet_address_mask_matches(mask, addr))
            return TRUE;
    }
    return FALSE;
}

static HermodWebAuthResult
password_change(const char *account, const char *old_password, const char *new_password,
                const char *peer, GError **error)
{
    switch (hermod_web_password_change(account, old_password, new_password, peer, NULL, error)) {
    case HERMOD_AUTH_OK:
        return HERMOD_WEB_AUTH_OK;
    case HERMOD_AUTH_BLOCKED:
        return HERMOD_WEB_AUTH_BLOCKED;
    case HERMOD_AUTH_TEMPFAIL:
        return HERMOD_WEB_AUTH_TEMPFAIL;
    default:
        return HERMOD_WEB_AUTH_FAILED;
    }
}

const HermodWebApi hermod_web_api = {
    .struct_size = sizeof(HermodWebApi),

    .mount = mount,
    .mount_static = mount_static,

    .req_method = hermod_web_req_method,
    .req_path = hermod_web_req_path,
    .req_query = hermod_web_req_query,
    .req_query_arg = hermod_web_req_query_arg,
    .req_header = hermod_web_req_header,
    .req_cookie = hermod_web_req_cookie,
    .req_peer = hermod_web_req_peer,
    .req_is_tls = hermod_web_req_is_tls,
    .req_host = hermod_web_req_host,
    .req_body = hermod_web_req_body,
    .req_session = hermod_web_req_session,
    .req_set_data = hermod_web_req_set_data,
    .req_get_data = hermod_web_req_get_data,

    .resp_header = hermod_web_resp_header,
    .respond = hermod_web_respond,
    .respond_file = hermod_web_respond_file,
    .respond_stream = hermod_web_respond_stream,
    .respond_sse = hermod_web_respond_sse,

    .sse_send = hermod_web_sse_send,
    .sse_close = hermod_web_sse_close,
    .sse_is_open = hermod_web_sse_is_open,

    .work_run = hermod_web_work_run,

    .auth_basic = hermod_web_auth_basic,
    .session_login = hermod_web_session_login,
    .session_check = hermod_web_session_check,
    .session_logout = hermod_web_session_logout,
    .session_csrf = hermod_web_session_csrf,

    .listeners = listeners,
    .local_domains = local_domains,
    .metrics_write = metrics_write,
    .addr_in_networks = addr_in_networks,

    .session_id = hermod_web_session_id,
    .sessions_list = hermod_web_sessions_of,
    .session_end = hermod_web_session_end,
    .account_value_get = hermod_web_account_value_get,
    .account_value_set = hermod_web_account_value_set,
    .password_change = password_change,
};
