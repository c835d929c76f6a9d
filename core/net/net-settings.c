/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * net-settings.c - the [limits] and [listener NAME] settings tables.
 *
 * Kept apart from listener.c so that the config checker (settings.c) can
 * list them without pulling the network code into every program.
 * listener.c reads these keys; the help lines are what the sample config
 * and error messages show.
 */
#include "autoconfig.h"

#include "net/listener.h"

static const char *const tls_modes[] = {"none", "starttls", "implicit", NULL};

const HermodSetting hermod_limits_settings[] = {
    {"line_max", HERMOD_SETTING_SIZE, "64K", 512, 16 * 1024 * 1024, NULL,
     "longest input line; longer lines reach the protocol in pieces it rejects"},
    {"idle_timeout", HERMOD_SETTING_DURATION, "5m", 1, 7 * 86400, NULL,
     "close a connection after this long without input or output"},
    {"handshake_timeout", HERMOD_SETTING_DURATION, "30s", 1, 3600, NULL,
     "time a client has to finish the TLS handshake"},
    {"line_timeout", HERMOD_SETTING_DURATION, "5m", 0, 7 * 86400, NULL,
     "a command line must arrive whole within this long of its first byte (0: no limit)"},
    {"data_min_rate", HERMOD_SETTING_SIZE, "256", 0, 1024 * 1024 * 1024, NULL,
     "bytes per second counted data (BDAT, literals) must average after data_grace "
     "(0: no limit)"},
    {"data_grace", HERMOD_SETTING_DURATION, "1m", 0, 86400, NULL,
     "how long counted data may lag before data_min_rate applies"},
    {"max_connections", HERMOD_SETTING_INT, "1000", 1, 1000000, NULL,
     "connections at once over all listeners; more are closed at accept"},
    {"max_connections_per_ip", HERMOD_SETTING_INT, "20", 0, 1000000, NULL,
     "connections at once from one address (0: no cap)"},
    {NULL},
};

const HermodSetting hermod_listener_settings[] = {
    {"protocol", HERMOD_SETTING_STRING, NULL, 0, 0, NULL,
     "protocol a module registers (smtp, imap, pop3, ...); required"},
    {"address", HERMOD_SETTING_LIST, "127.0.0.1", 0, 0, NULL,
     "IP addresses to listen on: 127.0.0.1, ::1, 0.0.0.0 (all IPv4), :: (all IPv6)"},
    {"port", HERMOD_SETTING_PORT, NULL, 0, 65535, NULL, "TCP port; required (0: any free port)"},
    {"tls", HERMOD_SETTING_ENUM, "none", 0, 0, tls_modes,
     "implicit: TLS from the first byte; starttls: plain text, the protocol offers STARTTLS; "
     "none: plain text only"},
    {"role", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "free word handed to the protocol (mx, submission, ...)"},
    {"enabled", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL, "no: skip this listener"},
    {NULL},
};
