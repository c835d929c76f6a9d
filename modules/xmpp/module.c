/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the XMPP module's whole surface: descriptor, settings, init.
 *
 * Registers protocol "xmpp": client-to-server XMPP (RFC 6120, RFC 6121)
 * for the accounts of the directory.  A listener with tls = starttls
 * (port 5222) offers STARTTLS and, by default, SASL only after it; tls =
 * implicit (5223, XEP-0368 direct TLS) speaks TLS from the first byte.
 * SASL SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN against the directory with the
 * core's screening (HermodApi.auth_check, scram_salt/scram_verify, ABI
 * 1.11); the stream is read with conn_read_stream (1.11).  Messages,
 * presence, offline storage, carbons and the archive all go through the
 * core's IM hub (HermodApi.im, ABI 1.8), so that the webmail and scripts'
 * semaphore files meet XMPP clients there.  Server-to-server federation is
 * not offered.  Settings are read once per connection, so a SIGHUP reload
 * applies to new connections.
 */
#include "autoconfig.h"

#include "xmpp.h"

const HermodApi *xmpp_api;
HermodModule *xmpp_module;

const HermodSetting xmpp_settings[] = {
    {"max_stanza", HERMOD_SETTING_SIZE, "512K", 4096, 16 * 1024 * 1024, NULL,
     "largest stanza in bytes; a bigger one ends the stream (policy-violation)"},
    {"max_depth", HERMOD_SETTING_INT, "32", 4, 256, NULL,
     "deepest element nesting inside a stanza"},
    {"idle_timeout", HERMOD_SETTING_DURATION, "10m", 30, 86400, NULL,
     "idle time before the stream is closed (clients send whitespace or pings)"},
    {"require_tls_for_auth", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "SASL only after STARTTLS, on direct TLS or from trusted networks"},
    {"max_auth_failures", HERMOD_SETTING_INT, "3", 1, 100, NULL,
     "failed SASL attempts per stream before it is closed"},
    {"mam_max", HERMOD_SETTING_INT, "100", 1, 10000, NULL,
     "most archived messages (XEP-0313) sent for one query page"},
    {"scram", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "offer SCRAM-SHA-256 and SCRAM-SHA-1 (accounts need keys: set the password once)"},
    {"plain", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL, "offer SASL PLAIN"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
xmpp_init(const HermodApi *api, HermodModule *self, GError **error)
{
    if (!HERMOD_API_HAS(api, im) || api->im == NULL || !HERMOD_API_HAS(api, scram_verify)) {
        g_set_error(error, g_quark_from_static_string("xmpp-error"), 0,
                    "xmpp needs the IM hub and SCRAM of ABI 1.11; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    xmpp_api = api;
    xmpp_module = self;
    return api->register_protocol(self, "xmpp", &xmpp_protocol, error);
}

static void
xmpp_shutdown(HermodModule *self)
{
    xmpp_jid_registry_free();
    xmpp_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,      .name = "xmpp",    .version = PACKAGE_VERSION,
    .settings = xmpp_settings, .init = xmpp_init, .shutdown = xmpp_shutdown,
};
