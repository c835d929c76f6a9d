/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the POP3 module's whole surface: descriptor, settings, init.
 *
 * Registers protocol "pop3" (RFC 1939 with CAPA, STLS, UIDL, TOP, SASL
 * PLAIN).  A listener with tls = starttls (port 110) offers STLS and
 * refuses logins in clear text unless the peer is trusted or
 * require_tls_for_auth is off; a listener with tls = implicit (995) speaks
 * TLS from the first byte.  The maildrop is the account's INBOX, reached
 * through the core's mail store (HermodApi.mail, ABI 1.1), so IMAP and POP3
 * see the same messages.  The protocol itself lives in session.c and the
 * files it names.  Settings are read once per connection, so a SIGHUP
 * reload applies to new connections.
 */
#include "autoconfig.h"

#include "common/message-bytes.h"
#include "pop3.h"

const HermodApi *pop3_api;
HermodModule *pop3_module;

#define MINUTE 60
#define HOUR   (60 * MINUTE)

const HermodSetting pop3_settings[] = {
    {"max_errors", HERMOD_SETTING_INT, "20", 1, 1000, NULL,
     "refused commands per connection before -ERR and disconnect"},
    {"max_line", HERMOD_SETTING_INT, "512", 255, 65536, NULL,
     "longest command line in octets including CRLF (RFC 2449 4: at least 255)"},
    {"command_timeout", HERMOD_SETTING_DURATION, "10m", 10, HOUR, NULL,
     "idle time allowed between commands (RFC 1939 3: at least 10 minutes)"},
    {"require_tls_for_auth", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "USER/PASS and AUTH only after STLS, on implicit TLS or from trusted networks"},
    {"set_seen", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "messages sent whole by RETR get \\Seen at QUIT (as Dovecot does; TOP never does)"},
    {"banner", HERMOD_SETTING_STRING, "Hermod POP3 ready", 0, 0, NULL,
     "text after \"+OK\" in the greeting"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
pop3_init(const HermodApi *api, HermodModule *self, GError **error)
{
    if (proto_mail_api(api) == NULL) {
        g_set_error(error, g_quark_from_static_string("pop3-error"), 0,
                    "pop3 needs the mail store of ABI 1.1; this core offers %u.%u", api->abi_major,
                    api->abi_minor);
        return FALSE;
    }
    pop3_api = api;
    pop3_module = self;
    return api->register_protocol(self, "pop3", &pop3_protocol, error);
}

static void
pop3_shutdown(HermodModule *self)
{
    pop3_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,      .name = "pop3",    .version = PACKAGE_VERSION,
    .settings = pop3_settings, .init = pop3_init, .shutdown = pop3_shutdown,
};
