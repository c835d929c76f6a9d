/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the IMAP module's whole surface: descriptor, settings, init.
 *
 * Registers protocol "imap".  A listener with tls = starttls (port 143)
 * offers STARTTLS and refuses LOGIN/AUTHENTICATE until TLS (LOGINDISABLED)
 * unless the peer is in [auth] trusted_networks; a listener with tls =
 * implicit (993) starts in TLS.  The protocol lives in session.c and the
 * cmd-*.c files it dispatches to; mailboxes and messages come from the
 * core's store through HermodApi.mail (ABI 1.1).  Settings are read once
 * per connection, so a SIGHUP reload applies to new connections.
 */
#include "autoconfig.h"

#include "common/message-bytes.h"
#include "session.h"

const HermodApi *imap_api;
const HermodMailApi *imap_mail;
HermodModule *imap_module;

#define MINUTE 60
#define HOUR   (60 * MINUTE)

const HermodSetting imap_settings[] = {
    {"max_line", HERMOD_SETTING_SIZE, "64K", 1024, 16 << 20, NULL,
     "longest command line in octets, literals excluded"},
    {"max_literal", HERMOD_SETTING_SIZE, "64K", 1024, 64 << 20, NULL,
     "largest literal in any command but APPEND"},
    {"max_message_size", HERMOD_SETTING_SIZE, "50M", 1024, G_GINT64_CONSTANT(2) << 30, NULL,
     "largest message APPEND accepts, advertised as APPENDLIMIT"},
    {"max_bad_commands", HERMOD_SETTING_INT, "20", 1, 1000, NULL,
     "invalid commands per connection before BYE and disconnect"},
    {"timeout", HERMOD_SETTING_DURATION, "30m", 60, 24 * HOUR, NULL,
     "idle time allowed between commands (RFC 9051: at least 30 minutes)"},
    {"idle_timeout", HERMOD_SETTING_DURATION, "29m", 60, 24 * HOUR, NULL,
     "longest IDLE before the server ends it with BYE"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
imap_init(const HermodApi *api, HermodModule *self, GError **error)
{
    imap_api = api;
    imap_module = self;
    imap_mail = proto_mail_api(api); /* NULL before ABI 1.1 */
    return api->register_protocol(self, "imap", &imap_protocol, error);
}

static void
imap_shutdown(HermodModule *self)
{
    imap_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,      .name = "imap",    .version = PACKAGE_VERSION,
    .settings = imap_settings, .init = imap_init, .shutdown = imap_shutdown,
};
