/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sasl.c - SASL in XMPP (RFC 6120 6): PLAIN (RFC 4616) and SCRAM-SHA-1 /
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), against the core's directory.
 *
 * PLAIN goes to HermodApi.auth_check.  For SCRAM this file runs the
 * exchange -- GS2 header, nonces, the three messages -- and the core does
 * what needs the keys (scram_salt, scram_verify), so that keys never reach
 * a module; both count failures for the core's screening.  Channel
 * binding (-PLUS) is not offered, so a client that asks for it ("p=") is
 * refused.  An authcid without a domain is taken in the stream's domain
 * ("alice" on a stream to example.test is alice@example.test).  After
 * max_auth_failures failed attempts the stream is closed.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/sasl-plain.h"
#include "common/wipe.h"
#include "xmpp.h"

#define SCRAM_MESSAGE_MAX 4096

struct XmppScram {
    char *mechanism;
    char *login;
    char *gs2_header;   /* "n,," or "y,," (with a=... when given) */
    char *client_first; /* client-first-message-bare */
    char *server_first;
    char *nonce; /* client nonce + server nonce */
};

void
xmpp_scram_free(XmppScram *scram)
{
    if (scram == NULL)
        return;
    g_free(scram->mechanism);
    g_free(scram->login);
    g_free(scram->gs2_header);
    g_free(scram->client_first);
    g_free(scram->server_first);
    g_free(scram->nonce);
    g_free(scram);
}

void
xmpp_sasl_features(XmppSession *s, GString *out)
{
    g_string_append(out, "<mechanisms xmlns='" XMPP_NS_SASL "'>");
    if (s->lim.offer_scram)
        g_string_append(out, "<mechanism>SCRAM-SHA-256</mechanism>"
                             "<mechanism>SCRAM-SHA-1</mechanism>");
    if (s->lim.offer_plain)
        g_string_append(out, "<mechanism>PLAIN</mechanism>");
    g_string_append(out, "</mechanisms>");
}

static void
send_failure(XmppSession *s, const char *condition, const char *text)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_printf(out, "<failure xmlns='" XMPP_NS_SASL "'><%s/>", condition);
    if (text != NULL) {
        g_string_append(out, "<text xml:lang='en'>");
        xmpp_escape(out, text);
        g_string_append(out, "</text>");
    }
    g_string_append(out, "</failure>");
    xmpp_send(s, out->str);
    g_clear_pointer(&s->scram, xmpp_scram_free);
}

/* A failed attempt: counted per stream, the stream closed past the limit. */
static void
auth_failed(XmppSession *s, HermodAuthResult result)
{
    if (result == HERMOD_AUTH_TEMPFAIL) {
        send_failure(s, "temporary-auth-failure", "the directory cannot be read; try later");
        return;
    }
    send_failure(s, "not-authorized",
                 result == HERMOD_AUTH_BLOCKED ? "too many failed logins from your address" : NULL);
    if (result == HERMOD_AUTH_BLOCKED || ++s->auth_failures >= s->lim.max_auth_failures)
        xmpp_stream_error(s, "policy-violation", "too many failed logins");
}

static void
auth_ok(XmppSession *s, const char *account, const char *success_data)
{
    g_autoptr(GString) out = g_string_new("<success xmlns='" XMPP_NS_SASL "'");

    if (success_data != NULL) {
        g_autofree char *b64 = g_base64_encode((const guchar *)success_data, strlen(success_data));
        g_string_append_printf(out, ">%s</success>", b64);
    } else {
        g_string_append(out, "/>");
    }
    xmpp_send(s, out->str);
    g_free(s->account);
    s->account = g_strdup(account);
    g_clear_pointer(&s->scram, xmpp_scram_free);
    xmpp_session_restart(s);
}

/* The login for an authcid: with the stream's domain when it has none. */
static char *
login_of(XmppSession *s, const char *authcid)
{
    if (strchr(authcid, '@') != NULL)
        return g_strdup(authcid);
    return g_strconcat(authcid, "@", s->domain, NULL);
}

static void
plain_done(HermodConn *conn, HermodAuthResult result, const char *account, gpointer data)
{
    XmppSession *s = data;

    if (!s->is_closed && result == HERMOD_AUTH_OK)
        auth_ok(s, account, NULL);
    else if (!s->is_closed)
        auth_failed(s, result);
    xmpp_session_done(s);
}

static void
auth_plain(XmppSession *s, const char *text)
{
    g_auto(ProtoSaslPlain) plain = {0};
    g_autoptr(GError) error = NULL;

    if (!proto_sasl_plain_decode(text, TRUE, &plain, &error)) {
        gboolean authz = g_error_matches(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_AUTHZID);
        send_failure(s, authz ? "invalid-authzid" : "malformed-request", NULL);
        return;
    }
    g_autofree char *login = login_of(s, plain.authcid);
    xmpp_api->auth_check(s->conn, "xmpp", login, plain.passwd, plain_done, xmpp_session_busy(s));
}

/* A decoded SASL message as a string, or NULL when it is not base64, too
 * long or holds a NUL. */
static char *
decode(const char *text)
{
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    guchar *buf = proto_sasl_decode(text, TRUE, SCRAM_MESSAGE_MAX, &len, &error);

    if (buf == NULL)
        return NULL;
    if (memchr(buf, '\0', len) != NULL) {
        proto_wipe_free(buf, len);
        return NULL;
    }
    return (char *)buf;
}

/* saslname (RFC 5802 5.1): "=2C" is ',', "=3D" is '='; other '=' bad. */
static char *
saslname(const char *text)
{
    GString *out = g_string_new(NULL);

    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '=') {
            g_string_append_c(out, *p);
        } else if (strncmp(p, "=2C", 3) == 0 || strncmp(p, "=3D", 3) == 0) {
            g_string_append_c(out, p[1] == '2' ? ',' : '=');
            p += 2;
        } else {
            g_string_free(out, TRUE);
            return NULL;
        }
    }
    return g_string_free(out, FALSE);
}

/* Parse "gs2-header client-first-bare" into scram; FALSE: malformed. */
static gboolean
parse_client_first(XmppScram *scram, const char *msg, gboolean *out_wants_cb)
{
    const char *p = msg;
    *out_wants_cb = msg[0] == 'p';
    if ((msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
        return FALSE;
    p = strchr(msg + 2, ','); /* skip the authzid field */
    if (p == NULL)
        return FALSE;
    scram->gs2_header = g_strndup(msg, (gsize)(p - msg) + 1);
    scram->client_first = g_strdup(p + 1);
    g_auto(GStrv) attrs = g_strsplit(scram->client_first, ",", -1);
    if (g_strv_length(attrs) < 2 || strncmp(attrs[0], "n=", 2) != 0 ||
        strncmp(attrs[1], "r=", 2) != 0 || attrs[1][2] == '\0')
        return FALSE;
    scram->login = saslname(attrs[0] + 2);
    scram->nonce = g_strdup(attrs[1] + 2);
    return scram->login != NULL && scram->login[0] != '\0';
}

static void
salt_done(HermodConn *conn, HermodAuthResult result, const HermodScramReply *reply, gpointer data)
{
    XmppSession *s = data;

    if (s->is_closed || s->scram == NULL) {
        xmpp_session_done(s);
        return;
    }
    if (result != HERMOD_AUTH_OK) {
        auth_failed(s, result);
        xmpp_session_done(s);
        return;
    }
    g_autofree char *server_nonce = xmpp_random_hex(18);
    char *nonce = g_strconcat(s->scram->nonce, server_nonce, NULL);
    g_free(s->scram->nonce);
    s->scram->nonce = nonce;
    s->scram->server_first =
        g_strdup_printf("r=%s,s=%s,i=%u", nonce, reply->salt, reply->iterations);
    g_autofree char *b64 =
        g_base64_encode((const guchar *)s->scram->server_first, strlen(s->scram->server_first));
    g_autofree char *xml =
        g_strdup_printf("<challenge xmlns='" XMPP_NS_SASL "'>%s</challenge>", b64);
    xmpp_send(s, xml);
    xmpp_session_done(s);
}

static void
auth_scram(XmppSession *s, const char *mechanism, const char *text)
{
    g_autofree char *msg = decode(text);
    gboolean wants_cb = FALSE;

    xmpp_scram_free(s->scram);
    s->scram = g_new0(XmppScram, 1);
    s->scram->mechanism = g_strdup(mechanism);
    if (msg == NULL || !parse_client_first(s->scram, msg, &wants_cb)) {
        send_failure(s, wants_cb ? "encryption-required" : "malformed-request",
                     wants_cb ? "channel binding is not offered" : NULL);
        return;
    }
    g_autofree char *login = login_of(s, s->scram->login);
    HermodScramRequest req = {
        .struct_size = sizeof req,
        .protocol = "xmpp",
        .mechanism = mechanism,
        .login = login,
    };
    xmpp_api->scram_salt(s->conn, &req, salt_done, xmpp_session_busy(s));
}

static void
verify_done(HermodConn *conn, HermodAuthResult result, const HermodScramReply *reply, gpointer data)
{
    XmppSession *s = data;

    if (!s->is_closed && result == HERMOD_AUTH_OK) {
        g_autofree char *v = g_strconcat("v=", reply->server_signature, NULL);
        auth_ok(s, reply->account, v);
    } else if (!s->is_closed) {
        auth_failed(s, result);
    }
    xmpp_session_done(s);
}

/* "c=...,r=...[,ext],p=..." against the exchange so far. */
static void
scram_final(XmppSession *s, const char *text)
{
    g_autofree char *msg = decode(text);
    XmppScram *sc = s->scram;
    const char *proof = msg != NULL ? strstr(msg, ",p=") : NULL;
    g_autofree char *cbind =
        g_base64_encode((const guchar *)sc->gs2_header, strlen(sc->gs2_header));
    g_autofree char *expect = g_strdup_printf("c=%s,r=%s", cbind, sc->nonce);
    gsize proof_len = 0;

    if (proof == NULL || strncmp(msg, expect, strlen(expect)) != 0 ||
        (msg[strlen(expect)] != ',' && msg + strlen(expect) != proof)) {
        send_failure(s, "malformed-request", NULL);
        return;
    }
    g_autofree char *without = g_strndup(msg, (gsize)(proof - msg));
    g_autofree guchar *p = g_base64_decode(proof + 3, &proof_len);
    g_autofree char *auth_message =
        g_strdup_printf("%s,%s,%s", sc->client_first, sc->server_first, without);
    g_autofree char *login = login_of(s, sc->login);
    HermodScramRequest req = {
        .struct_size = sizeof req,
        .protocol = "xmpp",
        .mechanism = sc->mechanism,
        .login = login,
        .auth_message = auth_message,
        .proof = p,
        .proof_len = proof_len,
    };
    xmpp_api->scram_verify(s->conn, &req, verify_done, xmpp_session_busy(s));
}

static void
on_auth(XmppSession *s, XmppNode *node)
{
    const char *mech = xmpp_node_attr(node, "mechanism");
    const char *text = xmpp_node_text(node);

    if (s->scram != NULL) {
        send_failure(s, "malformed-request", "an exchange is running");
    } else if (mech != NULL && strcmp(mech, "PLAIN") == 0 && s->lim.offer_plain) {
        auth_plain(s, text);
    } else if (mech != NULL && s->lim.offer_scram &&
               (strcmp(mech, "SCRAM-SHA-1") == 0 || strcmp(mech, "SCRAM-SHA-256") == 0)) {
        auth_scram(s, mech, text);
    } else {
        send_failure(s, "invalid-mechanism", NULL);
    }
}

void
xmpp_sasl_stanza(XmppSession *s, XmppNode *node)
{
    if (strcmp(node->name, "auth") == 0) {
        on_auth(s, node);
    } else if (strcmp(node->name, "response") == 0 && s->scram != NULL &&
               s->scram->server_first != NULL) {
        scram_final(s, xmpp_node_text(node));
    } else if (strcmp(node->name, "abort") == 0) {
        send_failure(s, "aborted", NULL);
    } else {
        send_failure(s, "malformed-request", NULL);
    }
}
