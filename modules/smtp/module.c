/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the SMTP module's whole surface: descriptor, settings, init.
 *
 * Registers protocol "smtp"; each listener's "role" picks the behaviour:
 * "mx" (port 25: inbound for local domains, no relaying, AUTH only with
 * mx_auth), "submission" (587: STARTTLS, AUTH, then any destination) and
 * "smtps" (465: the same over implicit TLS).  The protocol itself lives in
 * session.c and the files it names.  Settings are read once per
 * connection, so a SIGHUP reload applies to new connections.
 */
#include "autoconfig.h"

#include "smtp.h"

const HermodApi *smtp_api;
HermodModule *smtp_module;

#define MINUTE 60
#define HOUR   (60 * MINUTE)

const HermodSetting smtp_settings[] = {
    {"max_message_size", HERMOD_SETTING_SIZE, "25M", 1024, G_GINT64_CONSTANT(2) << 30, NULL,
     "largest message accepted, advertised as SIZE (RFC 1870)"},
    {"max_recipients", HERMOD_SETTING_INT, "100", 1, 100000, NULL,
     "recipients per message; more get 452 4.5.3"},
    {"max_errors", HERMOD_SETTING_INT, "20", 1, 1000, NULL,
     "refused commands per connection before 421 and disconnect"},
    {"max_line", HERMOD_SETTING_INT, "512", 512, 65536, NULL,
     "longest command line in octets including CRLF (RFC 5321 4.5.3.1.4)"},
    {"command_timeout", HERMOD_SETTING_DURATION, "5m", 10, HOUR, NULL,
     "idle time allowed between commands; then 421 4.4.2"},
    {"data_timeout", HERMOD_SETTING_DURATION, "10m", 10, HOUR, NULL,
     "idle time allowed inside DATA or a BDAT chunk; then 421 4.4.2"},
    {"mx_auth", HERMOD_SETTING_BOOL, "no", 0, 0, NULL, "offer AUTH on mx listeners too"},
    {"require_tls_for_auth", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "AUTH (and submission) only after STARTTLS or on implicit TLS"},
    {"banner", HERMOD_SETTING_STRING, "Hermod", 0, 0, NULL,
     "text after \"220 hostname ESMTP\" in the greeting"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
smtp_init(const HermodApi *api, HermodModule *self, GError **error)
{
    smtp_api = api;
    smtp_module = self;
    return api->register_protocol(self, "smtp", &smtp_protocol, error);
}

static void
smtp_shutdown(HermodModule *self)
{
    smtp_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,      .name = "smtp",    .version = PACKAGE_VERSION,
    .settings = smtp_settings, .init = smtp_init, .shutdown = smtp_shutdown,
};
