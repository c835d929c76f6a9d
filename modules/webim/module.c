/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the webim module's whole surface: descriptor, init.
 *
 * The webmail's instant messages: mounts /im/api/ (api.c), a small JSON
 * API over the core's IM hub for the webmail's IM panel -- contacts with
 * presence, conversations, sending, read marks, typing, the admin's
 * broadcasts -- and the tab's live event stream (events.c).  It uses the
 * core's web session, so a user logged in to the webmail is logged in
 * here.  Needs a 1.8 core (HermodApi.web and .im).
 */
#include "autoconfig.h"

#include "webim.h"

const HermodApi *webim_api;
HermodModule *webim_module;

static gboolean
webim_init(const HermodApi *api, HermodModule *self, GError **error)
{
    HermodWebMount mount = {
        .struct_size = sizeof(HermodWebMount),
        .prefix = "/im/api/",
        .max_body = 300 * 1024,
        .on_request = webim_on_request,
    };

    if (!HERMOD_API_HAS(api, im) || api->im == NULL || api->web == NULL ||
        !HERMOD_IM_API_HAS(api->im, im_json)) {
        g_set_error(error, g_quark_from_static_string("webim-error"), 0,
                    "webim needs the web server and IM hub of ABI 1.14; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    webim_api = api;
    webim_module = self;
    return api->web->mount(self, &mount, error);
}

static void
webim_shutdown(HermodModule *self)
{
    webim_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,       .name = "webim", .version = PACKAGE_VERSION, .init = webim_init,
    .shutdown = webim_shutdown,
};
