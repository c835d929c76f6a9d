/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * autoconf.h - what the autoconfig module's files share.  (Not
 * "autoconfig.h": that name is the build's configure header.)
 */
#ifndef HERMOD_AUTOCONF_H
#define HERMOD_AUTOCONF_H

#include <hermod/hermod.h>

#define AC_THUNDERBIRD_WELL_KNOWN "/.well-known/autoconfig/mail/config-v1.1.xml"
#define AC_THUNDERBIRD            "/mail/config-v1.1.xml"
#define AC_OUTLOOK                "/autodiscover/autodiscover.xml"
#define AC_OUTLOOK_UPPER          "/Autodiscover/Autodiscover.xml"
#define AC_APPLE                  "/apple/mail.mobileconfig"

extern const HermodApi *ac_api;
extern HermodModule *ac_module;

/* Every mount's handler (web thread). */
void ac_on_request(HermodHttpRequest *req, gpointer data);
/* Drop what the handler keeps (module shutdown). */
void ac_handler_shutdown(void);

/* One server entry of the documents. */
typedef struct {
    const char *type; /* "imap", "pop3", "smtp" */
    guint16 port;
    const char *tls; /* "implicit", "starttls", "none" */
} AcServer;

/* The listeners worth describing, best first per type (implicit TLS
 * before STARTTLS; SMTP only for submission and smtps roles).
 * (transfer full) element AcServer, strings owned by listeners. */
GArray *ac_servers(GPtrArray *listeners);

/* The documents (dav_port 0: no CalDAV/CardDAV entries).  address may be NULL (Thunderbird's
 * well-known path). */
char *ac_thunderbird(const char *domain, const char *host, const char *name, GArray *servers,
                     guint16 dav_port);
char *ac_outlook(const char *address, const char *host, GArray *servers);
char *ac_apple(const char *address, const char *domain, const char *host, GArray *servers,
               guint16 dav_port);
/* The HTTPS port CalDAV/CardDAV clients are sent to (/dav/), or 0 when
 * there is no HTTPS listener or [autoconfig] dav is off. */
guint16 ac_dav_port(GPtrArray *listeners);

#endif
