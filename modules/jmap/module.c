/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the jmap module's whole surface: descriptor, settings,
 * init.
 *
 * JMAP (RFC 8620 core, RFC 8621 mail, submission, vacation response) on
 * the core's web server, over the same account stores IMAP and POP3 use
 * (HermodMailApi, ABI 1.12), so a change made over one protocol shows in
 * the others at once.  It mounts /jmap/ (session, API, blobs, event
 * source; http.c) and /.well-known/jmap (a redirect to the session).
 * The webmail is its first client; any JMAP client is another.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>

#include "jmap-http.h"
#include "jmap-submit.h"

const HermodApi *jmap_api;
HermodModule *jmap_module;

const HermodSetting jmap_settings[] = {
    {"max_upload_size", HERMOD_SETTING_SIZE, "50M", 1024, G_MAXINT32, NULL,
     "largest blob a client may upload (maxSizeUpload)"},
    {"send_delay", HERMOD_SETTING_DURATION, "0s", 0, 3600, NULL,
     "how long a submission waits, undoable, before it is sent (undo send)"},
    {"allow_plain_basic", HERMOD_SETTING_BOOL, "no", 0, 1, NULL,
     "accept HTTP Basic over plain HTTP (only for tests behind a TLS proxy)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
mount(const HermodApi *api, HermodModule *self, const char *prefix, gsize max_body, GError **error)
{
    HermodWebMount m = {
        .struct_size = sizeof m,
        .prefix = prefix,
        .max_body = max_body,
        .on_request = jmap_on_request,
    };

    return api->web->mount(self, &m, error);
}

static gboolean
jmap_init(const HermodApi *api, HermodModule *self, GError **error)
{
    gsize upload;

    if (!HERMOD_API_HAS(api, web) || api->web == NULL ||
        !HERMOD_MAIL_API_HAS(api->mail, record_due_accounts) ||
        !HERMOD_API_HAS(api, account_addresses)) {
        g_set_error(error, g_quark_from_static_string("jmap-error"), 0,
                    "jmap needs the web server and mail store of ABI 1.12; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    jmap_api = api;
    jmap_module = self;
    g_mime_init(); /* once, here on the main thread: the pool threads parse and build */
    upload = (gsize)api->setting_int(self, "max_upload_size");
    jmap_submission_start(); /* what a restart left pending */
    /* Twice the request limit, so that the API answers a too-large
     * request with its own "limit" problem instead of the core's 413. */
    return mount(api, self, "/jmap", 2 * JMAP_MAX_SIZE_REQUEST, error) &&
           mount(api, self, "/jmap/upload", upload, error) &&
           mount(api, self, "/.well-known/jmap", 1, error);
}

static void
jmap_shutdown(HermodModule *self)
{
    jmap_push_shutdown();
    jmap_submission_shutdown();
    jmap_query_cache_clear();
    jmap_http_shutdown();
    jmap_module = NULL;
}

HERMOD_MODULE(jmap) = {
    HERMOD_MODULE_HEADER,      .name = "jmap",    .version = PACKAGE_VERSION,
    .settings = jmap_settings, .init = jmap_init, .shutdown = jmap_shutdown,
};
