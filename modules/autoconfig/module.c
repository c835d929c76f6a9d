/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the autoconfig module's whole surface: descriptor,
 * settings, init.
 *
 * Mail clients ask the server how to reach it; this module answers from
 * the server's real listeners (ports, TLS modes, password auth) for every
 * local domain (autoconfig.c builds the documents):
 *
 *   Thunderbird  GET /.well-known/autoconfig/mail/config-v1.1.xml and
 *                GET /mail/config-v1.1.xml?emailaddress=ADDRESS
 *                (asked at autoconfig.DOMAIN and at DOMAIN itself)
 *   Outlook      POST /autodiscover/autodiscover.xml (autodiscover.DOMAIN)
 *   Apple        GET /apple/mail.mobileconfig?emailaddress=ADDRESS, a
 *                configuration profile to open on macOS or iOS
 *
 * With an HTTPS listener (and [autoconfig] dav on), Thunderbird's
 * document also names the CalDAV and CardDAV server (/dav/ of the dav
 * module) and Apple's profile carries CalDAV and CardDAV accounts.
 *
 * A domain that is not local gets 404, so the module says nothing about
 * other people's domains.  [autoconfig] hostname overrides the server
 * name written into the documents ([core] hostname by default).
 */
#include "autoconfig.h"

#include "autoconf.h"

const HermodApi *ac_api;
HermodModule *ac_module;

const HermodSetting ac_settings[] = {
    {"hostname", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "server name in the documents (empty: [core] hostname)"},
    {"display_name", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "the provider's name clients show (empty: the domain)"},
    {"dav", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "advertise CalDAV/CardDAV at https://HOST/dav/ (the dav module) when there is an HTTPS "
     "listener"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
mount_one(HermodModule *self, const char *prefix, gsize max_body, GError **error)
{
    HermodWebMount mount = {
        .struct_size = sizeof(HermodWebMount),
        .prefix = prefix,
        .max_body = max_body,
        .on_request = ac_on_request,
    };

    return ac_api->web->mount(self, &mount, error);
}

static gboolean
ac_init(const HermodApi *api, HermodModule *self, GError **error)
{
    if (!HERMOD_API_HAS(api, web) || api->web == NULL) {
        g_set_error(error, g_quark_from_static_string("autoconfig-error"), 0,
                    "autoconfig needs the web server of ABI 1.6; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    ac_api = api;
    ac_module = self;
    return mount_one(self, AC_THUNDERBIRD_WELL_KNOWN, 1, error) &&
           mount_one(self, AC_THUNDERBIRD, 1, error) &&
           mount_one(self, AC_OUTLOOK, 64 * 1024, error) &&
           mount_one(self, AC_OUTLOOK_UPPER, 64 * 1024, error) &&
           mount_one(self, AC_APPLE, 1, error);
}

static void
ac_shutdown(HermodModule *self)
{
    ac_handler_shutdown();
    ac_module = NULL;
}

HERMOD_MODULE(autoconfig) = {
    HERMOD_MODULE_HEADER,    .name = "autoconfig", .version = PACKAGE_VERSION,
    .settings = ac_settings, .init = ac_init,      .shutdown = ac_shutdown,
};
