/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module-api.c - the HermodApi table: the whole surface modules can reach.
 *
 * Every member of hermod/api.h is wired here, in the order of the header,
 * to the core function that implements it (conn.c, auth.c, directory.c,
 * message.c, log.c, listener.c), plus the few adapters that need the
 * module's identity: its settings come from its own config section of the
 * config in force, with its table's defaults, the protocols it registers
 * are copied into its record (module.c), and the directory lookups, whose
 * ABI 1.0 members fold a failure into "unknown" (logged here) while the
 * 1.4 ones report it.  A member appended to
 * HermodApi gets its line here in the same commit.  Nothing else in the
 * core hands out function pointers to modules.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/auth.h"
#include "config/config.h"
#include "net/conn.h"
#include "directory/directory.h"
#include "net/listener.h"
#include "lib/log.h"
#include "plugin/mail-api.h"
#include "mailflow/delivery-watch.h"
#include "mailflow/message.h"
#include "plugin/module-api.h"
#include "plugin/module.h"
#include "plugin/im-api.h"
#include "plugin/dav-api.h"
#include "plugin/web-api.h"

/* The ABI 1.0 size of HermodProtocol, the smallest a module may hand us. */
#define PROTOCOL_SIZE_1_0 (G_STRUCT_OFFSET(HermodProtocol, on_close) + sizeof(gpointer))

/* Strings handed out stay valid until the next reload: main.c keeps the
 * config it replaced alive until the reload after. */
static gboolean
is_path_setting(HermodModule *self, const char *key)
{
    for (const HermodSetting *s = hermod_module_settings(self); s != NULL && s->key != NULL; s++) {
        if (g_str_equal(s->key, key))
            return s->type == HERMOD_SETTING_PATH;
    }
    return FALSE;
}

/* A PATH setting comes resolved against data_dir, as setting.h says
 * ("" stays "": none).  The resolved text is interned: a few bytes per
 * distinct value for the process's life, valid beyond any reload. */
static const char *
setting_string(HermodModule *self, const char *key)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();
    const char *name = hermod_module_name(self);
    g_autofree char *path = NULL;

    if (!is_path_setting(self, key))
        return hermod_config_string(cfg, name, key);
    path = hermod_config_path(cfg, name, key);
    return path != NULL ? g_intern_string(path) : "";
}

static gint64
setting_int(HermodModule *self, const char *key)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();

    return hermod_config_int(cfg, hermod_module_name(self), key);
}

static const char *
hostname(void)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();

    return hermod_config_string(cfg, "core", "hostname");
}

static gboolean
register_protocol(HermodModule *self, const char *name, const HermodProtocol *proto, GError **error)
{
    const char *module = hermod_module_name(self);

    if (proto == NULL || proto->struct_size < PROTOCOL_SIZE_1_0 || proto->on_close == NULL) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_INIT,
                    "module %s: protocol %s: struct_size too small or no on_close", module, name);
        return FALSE;
    }
    /* Listeners and connections get the core's zero-filled copy, never the
     * module's struct: what a shorter struct lacks reads as NULL. */
    proto = hermod_module_copy_protocol(self, proto);
    if (hermod_listeners_attach(name, proto) == 0)
        hermod_log(HERMOD_LOG_WARNING, NULL,
                   "module %s: no [listener] has protocol = %s; it serves nothing", module, name);
    return TRUE;
}

/* The ABI 1.0 members have no answer for "the directory failed": they
 * say UNKNOWN and FALSE, as before 1.4, and the failure is logged here,
 * where it is folded. */
static HermodAddrKind
addr_classify(const char *address)
{
    g_autoptr(GError) error = NULL;
    HermodAddrKind kind = HERMOD_ADDR_UNKNOWN;

    if (!hermod_directory_classify(address, &kind, &error))
        hermod_log(HERMOD_LOG_WARNING, NULL, "addr_classify <%s>: %s; answering UNKNOWN",
                   address != NULL ? address : "", error->message);
    return kind;
}

static gboolean
addr_owned_by(const char *address, const char *account)
{
    g_autoptr(GError) error = NULL;
    gboolean is_owner = FALSE;

    if (!hermod_directory_owns(address, account, &is_owner, &error))
        hermod_log(HERMOD_LOG_WARNING, NULL, "addr_owned_by <%s>: %s; answering no",
                   address != NULL ? address : "", error->message);
    return is_owner;
}

static HermodAddrKind
addr_lookup(const char *address, GError **error)
{
    HermodAddrKind kind;

    return hermod_directory_classify(address, &kind, error) ? kind : HERMOD_ADDR_TEMPFAIL;
}

static HermodAuthResult
addr_check_owner(const char *address, const char *account, GError **error)
{
    gboolean is_owner = FALSE;

    if (!hermod_directory_owns(address, account, &is_owner, error))
        return HERMOD_AUTH_TEMPFAIL;
    return is_owner ? HERMOD_AUTH_OK : HERMOD_AUTH_FAILED;
}

/* The account and every alias of any local domain whose only target it
 * is and that it owns as a sender.  Blocking (SQLite). */
static GPtrArray *
account_addresses(const char *account, GError **error)
{
    g_autoptr(GPtrArray) domains = hermod_directory_domain_list(error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

    if (domains == NULL)
        return NULL;
    g_ptr_array_add(out, g_strdup(account));
    for (guint i = 0; i < domains->len; i++) {
        g_autoptr(GPtrArray) aliases = hermod_directory_alias_list(domains->pdata[i], error);
        if (aliases == NULL)
            return NULL;
        for (guint j = 0; j < aliases->len; j++) {
            g_auto(GStrv) pair = g_strsplit(aliases->pdata[j], " -> ", 2);
            gboolean owns = FALSE;
            if (pair[1] == NULL || g_ascii_strcasecmp(pair[1], account) != 0 ||
                g_ptr_array_find_with_equal_func(out, pair[0], g_str_equal, NULL))
                continue;
            if (!hermod_directory_owns(pair[0], account, &owns, error))
                return NULL;
            if (owns)
                g_ptr_array_add(out, g_strdup(pair[0]));
        }
    }
    return g_steal_pointer(&out);
}

/* The one account address leads to, owned by it as a sender; NULL with
 * error unset when there is none.  Blocking (SQLite). */
static char *
addr_account(const char *address, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) targets = hermod_directory_resolve(address, &err);
    gboolean owns = FALSE;
    const char *account;

    if (targets == NULL) {
        if (!g_error_matches(err, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB))
            return NULL;
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (targets->len != 1)
        return NULL;
    account = targets->pdata[0];
    if (!hermod_directory_account_exists(account, &owns, error))
        return NULL;
    if (!owns || !hermod_directory_owns(address, account, &owns, error) || !owns)
        return NULL;
    return g_strdup(account);
}

static const HermodApi api = {
    .struct_size = sizeof(HermodApi),
    .abi_major = HERMOD_ABI_MAJOR,
    .abi_minor = HERMOD_ABI_MINOR,

    .log = hermod_log,

    .setting_string = setting_string,
    .setting_int = setting_int,
    .hostname = hostname,

    .register_protocol = register_protocol,

    .conn_write = hermod_conn_write,
    .conn_printf = hermod_conn_printf,
    .conn_output_pending = hermod_conn_output_pending,
    .conn_want_writable = hermod_conn_want_writable,
    .conn_start_tls = hermod_conn_start_tls,
    .conn_read_bytes = hermod_conn_read_bytes,
    .conn_pause = hermod_conn_pause,
    .conn_resume = hermod_conn_resume,
    .conn_close = hermod_conn_close,
    .conn_is_closed = hermod_conn_is_closed,
    .conn_is_tls = hermod_conn_is_tls,
    .conn_role = hermod_conn_role,
    .conn_is_implicit_tls = hermod_conn_is_implicit_tls,
    .conn_peer = hermod_conn_peer,
    .conn_session = hermod_conn_session,
    .conn_tls_info = hermod_conn_tls_info,
    .conn_set_data = hermod_conn_set_data,
    .conn_get_data = hermod_conn_get_data,
    .conn_set_timeout = hermod_conn_set_timeout,
    .conn_is_trusted = hermod_conn_is_trusted,

    .work_run = hermod_conn_work_run,

    .auth_check = hermod_auth_check,
    .addr_classify = addr_classify,
    .addr_owned_by = addr_owned_by,

    .msg_new = hermod_message_new,
    .msg_append = hermod_message_append,
    .msg_set_limit = hermod_message_set_limit,
    .msg_size = hermod_message_size,
    .msg_set_sender = hermod_message_set_sender,
    .msg_add_recipient = hermod_message_add_recipient,
    .msg_set_flags = hermod_message_set_flags,
    .msg_set_auth = hermod_message_set_auth,
    .msg_submit = hermod_message_submit,
    .msg_free = hermod_message_free,
    .mail = &hermod_mail_api,

    .conn_may_start_tls = hermod_conn_may_start_tls,
    .conn_start_deflate = hermod_conn_start_deflate,
    .conn_is_deflate = hermod_conn_is_deflate,

    .addr_lookup = addr_lookup,
    .addr_check_owner = addr_check_owner,
    .web = &hermod_web_api,
    .account_addresses = account_addresses,

    .im = &hermod_im_api,
    .dav = &hermod_dav_api,

    .conn_read_stream = hermod_conn_read_stream,
    .scram_salt = hermod_auth_scram_salt,
    .scram_verify = hermod_auth_scram_verify,

    .delivery_watch_add = hermod_delivery_watch_add,
    .delivery_watch_remove = hermod_delivery_watch_remove,
    .addr_account = addr_account,
};

const HermodApi *
hermod_module_api(void)
{
    return &api;
}
