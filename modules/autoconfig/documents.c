/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * documents.c - the three autoconfig formats, built from the listeners:
 * Thunderbird's clientConfig 1.1, Outlook's Autodiscover POX response
 * (2006a schema) and an Apple configuration profile
 * (com.apple.mail.managed).  Every value from the request (the address)
 * is escaped with g_markup_escape_text; nothing else here is user data.
 */
#include "autoconfig.h"

#include <string.h>

#include "autoconf.h"

/* Implicit TLS first, then STARTTLS; plain text last. */
static int
rank(const char *tls)
{
    if (g_strcmp0(tls, "implicit") == 0)
        return 0;
    return g_strcmp0(tls, "starttls") == 0 ? 1 : 2;
}

static gint
by_rank(gconstpointer a, gconstpointer b)
{
    const AcServer *x = a, *y = b;
    int c = strcmp(x->type, y->type);

    return c != 0 ? c : rank(x->tls) - rank(y->tls);
}

GArray *
ac_servers(GPtrArray *listeners)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(AcServer));

    for (guint i = 0; i < listeners->len; i++) {
        const HermodListenerInfo *l = listeners->pdata[i];
        gboolean is_smtp = g_strcmp0(l->protocol, "smtp") == 0;
        AcServer s = {l->protocol, l->port, l->tls};
        if (is_smtp && g_strcmp0(l->role, "submission") != 0 && g_strcmp0(l->role, "smtps") != 0)
            continue; /* mx: not for clients */
        if (!is_smtp && g_strcmp0(l->protocol, "imap") != 0 && g_strcmp0(l->protocol, "pop3") != 0)
            continue;
        if (rank(l->tls) == 2)
            continue; /* no client should send a password in clear text */
        g_array_append_val(out, s);
    }
    g_array_sort(out, by_rank);
    return out;
}

guint16
ac_dav_port(GPtrArray *listeners)
{
    for (guint i = 0; i < listeners->len; i++) {
        const HermodListenerInfo *l = listeners->pdata[i];
        if (g_strcmp0(l->protocol, "http") == 0 && g_strcmp0(l->tls, "implicit") == 0)
            return l->port;
    }
    return 0;
}

/* https://HOST[:PORT]/dav/ (host escaped already).  (transfer full) */
static char *
dav_url(const char *h, guint16 port)
{
    return port == 443 ? g_strdup_printf("https://%s/dav/", h)
                       : g_strdup_printf("https://%s:%u/dav/", h, port);
}

static const char *
tb_socket(const char *tls)
{
    return g_strcmp0(tls, "implicit") == 0 ? "SSL" : "STARTTLS";
}

char *
ac_thunderbird(const char *domain, const char *host, const char *name, GArray *servers,
               guint16 dav_port)
{
    g_autofree char *d = g_markup_escape_text(domain, -1);
    g_autofree char *h = g_markup_escape_text(host, -1);
    g_autofree char *n = g_markup_escape_text(name, -1);
    GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<clientConfig version=\"1.1\">\n");

    g_string_append_printf(out,
                           "  <emailProvider id=\"%s\">\n    <domain>%s</domain>\n"
                           "    <displayName>%s</displayName>\n    <displayShortName>%s"
                           "</displayShortName>\n",
                           d, d, n, n);
    for (guint i = 0; i < servers->len; i++) {
        const AcServer *s = &g_array_index(servers, AcServer, i);
        gboolean is_smtp = strcmp(s->type, "smtp") == 0;
        g_string_append_printf(
            out,
            "    <%s type=\"%s\">\n      <hostname>%s</hostname>\n      <port>%u</port>\n"
            "      <socketType>%s</socketType>\n"
            "      <authentication>password-cleartext</authentication>\n"
            "      <username>%%EMAILADDRESS%%</username>\n    </%s>\n",
            is_smtp ? "outgoingServer" : "incomingServer", s->type, h, s->port, tb_socket(s->tls),
            is_smtp ? "outgoingServer" : "incomingServer");
    }
    g_string_append(out, "  </emailProvider>\n");
    if (dav_port != 0) {
        g_autofree char *url = dav_url(h, dav_port);
        for (int i = 0; i < 2; i++)
            g_string_append_printf(
                out,
                "  <%s type=\"%s\">\n      <username>%%EMAILADDRESS%%</username>\n"
                "      <authentication>http-basic</authentication>\n"
                "      <serverURL>%s</serverURL>\n  </%s>\n",
                i == 0 ? "addressBook" : "calendar", i == 0 ? "carddav" : "caldav", url,
                i == 0 ? "addressBook" : "calendar");
    }
    g_string_append(out, "</clientConfig>\n");
    return g_string_free(out, FALSE);
}

char *
ac_outlook(const char *address, const char *host, GArray *servers)
{
    g_autofree char *a = g_markup_escape_text(address, -1);
    g_autofree char *h = g_markup_escape_text(host, -1);
    GString *out = g_string_new(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
        "responseschema/2006\">\n"
        "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
        "responseschema/2006a\">\n"
        "    <Account>\n      <AccountType>email</AccountType>\n"
        "      <Action>settings</Action>\n");

    for (guint i = 0; i < servers->len; i++) {
        const AcServer *s = &g_array_index(servers, AcServer, i);
        gboolean is_ssl = g_strcmp0(s->tls, "implicit") == 0;
        g_autofree char *type = g_ascii_strup(s->type, -1);
        g_string_append_printf(out,
                               "      <Protocol>\n        <Type>%s</Type>\n"
                               "        <Server>%s</Server>\n        <Port>%u</Port>\n"
                               "        <LoginName>%s</LoginName>\n        <SPA>off</SPA>\n"
                               "        <SSL>on</SSL>\n        <Encryption>%s</Encryption>\n"
                               "        <AuthRequired>on</AuthRequired>\n      </Protocol>\n",
                               type, h, s->port, a, is_ssl ? "SSL" : "TLS");
    }
    g_string_append(out, "    </Account>\n  </Response>\n</Autodiscover>\n");
    return g_string_free(out, FALSE);
}

/* The first server of type, or NULL. */
static const AcServer *
first(GArray *servers, const char *type)
{
    for (guint i = 0; i < servers->len; i++)
        if (strcmp(g_array_index(servers, AcServer, i).type, type) == 0)
            return &g_array_index(servers, AcServer, i);
    return NULL;
}

static void
plist_server(GString *out, const char *prefix, const AcServer *s, const char *h, const char *a)
{
    g_string_append_printf(out,
                           "      <key>%sMailServerHostName</key><string>%s</string>\n"
                           "      <key>%sMailServerPortNumber</key><integer>%u</integer>\n"
                           "      <key>%sMailServerUseSSL</key><%s/>\n"
                           "      <key>%sMailServerUsername</key><string>%s</string>\n"
                           "      <key>%sMailServerAuthentication</key>"
                           "<string>EmailAuthPassword</string>\n",
                           prefix, h, prefix, s->port, prefix, "true", prefix, a, prefix);
}

/* A CalDAV or CardDAV account payload (strings escaped already). */
static void
apple_dav(GString *out, const char *kind, const char *type, const char *a, const char *d,
          const char *h, guint16 port)
{
    g_autofree char *uuid = g_uuid_string_random();
    g_autofree char *principal = g_strdup_printf("/dav/principals/%s/", a);

    g_string_append_printf(out,
                           "    <dict>\n      <key>%sAccountDescription</key><string>%s</string>\n"
                           "      <key>%sHostName</key><string>%s</string>\n"
                           "      <key>%sPort</key><integer>%u</integer>\n"
                           "      <key>%sUseSSL</key><true/>\n"
                           "      <key>%sUsername</key><string>%s</string>\n"
                           "      <key>%sPrincipalURL</key><string>%s</string>\n"
                           "      <key>PayloadType</key><string>%s</string>\n"
                           "      <key>PayloadIdentifier</key><string>%s.%s.%s</string>\n"
                           "      <key>PayloadUUID</key><string>%s</string>\n"
                           "      <key>PayloadVersion</key><integer>1</integer>\n    </dict>\n",
                           kind, d, kind, h, kind, port, kind, kind, a, kind, principal, type, d,
                           kind, uuid, uuid);
}

char *
ac_apple(const char *address, const char *domain, const char *host, GArray *servers,
         guint16 dav_port)
{
    g_autofree char *a = g_markup_escape_text(address, -1);
    g_autofree char *d = g_markup_escape_text(domain, -1);
    g_autofree char *h = g_markup_escape_text(host, -1);
    g_autofree char *uuid = g_uuid_string_random();
    g_autofree char *uuid2 = g_uuid_string_random();
    const AcServer *in = first(servers, "imap") ? first(servers, "imap") : first(servers, "pop3");
    const AcServer *smtp = first(servers, "smtp");
    GString *out = g_string_new(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n<dict>\n  <key>PayloadContent</key>\n  <array>\n    <dict>\n");

    g_string_append_printf(
        out,
        "      <key>EmailAccountType</key><string>%s</string>\n"
        "      <key>EmailAddress</key><string>%s</string>\n"
        "      <key>EmailAccountDescription</key><string>%s</string>\n",
        in != NULL && strcmp(in->type, "pop3") == 0 ? "EmailTypePOP" : "EmailTypeIMAP", a, d);
    if (in != NULL)
        plist_server(out, "Incoming", in, h, a);
    if (smtp != NULL)
        plist_server(out, "Outgoing", smtp, h, a);
    g_string_append_printf(out,
                           "      <key>PayloadType</key><string>com.apple.mail.managed</string>\n"
                           "      <key>PayloadIdentifier</key><string>%s.mail.%s</string>\n"
                           "      <key>PayloadUUID</key><string>%s</string>\n"
                           "      <key>PayloadVersion</key><integer>1</integer>\n    </dict>\n",
                           d, uuid, uuid);
    if (dav_port != 0) {
        apple_dav(out, "CalDAV", "com.apple.caldav.account", a, d, h, dav_port);
        apple_dav(out, "CardDAV", "com.apple.carddav.account", a, d, h, dav_port);
    }
    g_string_append_printf(out,
                           "  </array>\n"
                           "  <key>PayloadDisplayName</key><string>%s mail</string>\n"
                           "  <key>PayloadIdentifier</key><string>%s.mail</string>\n"
                           "  <key>PayloadType</key><string>Configuration</string>\n"
                           "  <key>PayloadUUID</key><string>%s</string>\n"
                           "  <key>PayloadVersion</key><integer>1</integer>\n</dict>\n</plist>\n",
                           d, d, uuid2);
    return g_string_free(out, FALSE);
}
