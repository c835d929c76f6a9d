/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * envelope.c - MAIL FROM and RCPT TO: the envelope of one transaction.
 *
 * Owns the policy for who may send and to whom: on the MX role only local
 * recipients (addr_classify LOCAL) are accepted from unauthenticated peers,
 * everything else is refused as relaying; on submission and SMTPS a sender
 * must have authenticated, and after AUTH (any role) the envelope sender
 * must belong to the account (addr_owned_by).  A directory that cannot
 * be read gets 451 4.3.0, never a permanent refusal, where the core can
 * say so (addr_lookup, addr_check_owner: ABI 1.4).  Also the ESMTP
 * parameters SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH (RFC 1870, 6152, 6531,
 * 3461, 4954) and NOTIFY, ORCPT.  Source routes are stripped from MAIL (RFC 5321 C)
 * and refused on RCPT, where they only serve relaying tricks.
 */
#include "autoconfig.h"

#include <string.h>

#include "smtp.h"

void
smtp_rcpt_free(gpointer data)
{
    SmtpRcpt *r = data;
    g_free(r->address);
    g_free(r->orcpt);
    g_free(r);
}

/* Parameters of MAIL, checked into a scratch copy before they count. */
typedef struct {
    guint flags;
    guint64 size;
    char *envid;
} MailParams;

static gboolean
mail_body_param(SmtpSession *s, const char *value, MailParams *mp)
{
    if (value != NULL && g_ascii_strcasecmp(value, "8BITMIME") == 0) {
        mp->flags |= HERMOD_MSG_8BITMIME;
        return TRUE;
    }
    if (value != NULL && g_ascii_strcasecmp(value, "7BIT") == 0)
        return TRUE;
    smtp_reply_error(s, 555, "5.5.4", "Unsupported BODY type");
    return FALSE;
}

static gboolean
mail_size_param(SmtpSession *s, const char *value, MailParams *mp)
{
    if (value == NULL || !smtp_parse_number(value, &mp->size)) {
        smtp_reply_error(s, 501, "5.5.4", "Bad SIZE parameter");
        return FALSE;
    }
    if (mp->size > s->lim.max_message_size) {
        smtp_reply_error(s, 552, "5.3.4", "Message size exceeds fixed limit of %" G_GUINT64_FORMAT,
                         s->lim.max_message_size);
        return FALSE;
    }
    return TRUE;
}

static gboolean
mail_ret_param(SmtpSession *s, const char *value, MailParams *mp)
{
    if (value != NULL && g_ascii_strcasecmp(value, "HDRS") == 0) {
        mp->flags |= HERMOD_MSG_RET_HDRS;
        return TRUE;
    }
    if (value != NULL && g_ascii_strcasecmp(value, "FULL") == 0)
        return TRUE;
    smtp_reply_error(s, 501, "5.5.4", "Bad RET parameter");
    return FALSE;
}

static gboolean
mail_envid_param(SmtpSession *s, const char *value, MailParams *mp)
{
    if (value == NULL || strlen(value) > SMTP_ENVID_MAX || !smtp_xtext_decode(value, &mp->envid)) {
        smtp_reply_error(s, 501, "5.5.4", "Bad ENVID parameter");
        return FALSE;
    }
    return TRUE;
}

static gboolean
mail_param(SmtpSession *s, const SmtpParam *p, MailParams *mp)
{
    if (strcmp(p->keyword, "SIZE") == 0)
        return mail_size_param(s, p->value, mp);
    if (strcmp(p->keyword, "BODY") == 0)
        return mail_body_param(s, p->value, mp);
    if (strcmp(p->keyword, "SMTPUTF8") == 0 && p->value == NULL) {
        mp->flags |= HERMOD_MSG_SMTPUTF8;
        return TRUE;
    }
    if (strcmp(p->keyword, "RET") == 0)
        return mail_ret_param(s, p->value, mp);
    if (strcmp(p->keyword, "ENVID") == 0)
        return mail_envid_param(s, p->value, mp);
    /* RFC 4954 5: AUTH=<mailbox> is informational; we trust only our own AUTH. */
    if (strcmp(p->keyword, "AUTH") == 0 && p->value != NULL)
        return TRUE;
    smtp_reply_error(s, 555, "5.5.4", "Unsupported parameter %s", p->keyword);
    return FALSE;
}

/* Check the parameters; on failure the reply is sent.  Duplicates are
 * refused so that a later value cannot override a checked one. */
static GPtrArray *
parse_params(SmtpSession *s, const char *p)
{
    g_autoptr(GPtrArray) params = smtp_parse_params(p);
    if (params == NULL) {
        smtp_reply_error(s, 501, "5.5.4", "Bad parameter syntax");
        return NULL;
    }
    if (params->len > 0 && !s->is_esmtp) {
        smtp_reply_error(s, 555, "5.5.4", "ESMTP parameters need EHLO");
        return NULL;
    }
    for (guint i = 0; i < params->len; i++) {
        for (guint j = 0; j < i; j++) {
            const SmtpParam *a = params->pdata[i], *b = params->pdata[j];
            if (strcmp(a->keyword, b->keyword) == 0) {
                smtp_reply_error(s, 501, "5.5.4", "Duplicate parameter %s", a->keyword);
                return NULL;
            }
        }
    }
    return g_steal_pointer(&params);
}

/* Order and policy checks that come before MAIL's arguments. */
static gboolean
mail_allowed(SmtpSession *s)
{
    if (s->helo == NULL) {
        smtp_reply_error(s, 503, "5.5.1", "Send HELO/EHLO first");
        return FALSE;
    }
    if (s->sender != NULL) {
        smtp_reply_error(s, 503, "5.5.1", "Nested MAIL command");
        return FALSE;
    }
    if (s->role == SMTP_ROLE_MX || s->account != NULL)
        return TRUE;
    if (!smtp_session_is_tls(s) && s->lim.require_tls_for_auth)
        smtp_reply_error(s, 530, "5.7.0", "Must issue a STARTTLS command first");
    else
        smtp_reply_error(s, 530, "5.7.0", "Authentication required");
    return FALSE;
}

/* Parse "FROM:<path> params" or "TO:<path> params" into *out_path; on
 * failure the reply is sent.  Returns the parameters. */
static GPtrArray *
parse_path_and_params(SmtpSession *s, const char *args, gboolean is_mail, SmtpPath *out_path)
{
    const char *prefix = is_mail ? "FROM:" : "TO:";
    const char *ext = is_mail ? "5.1.7" : "5.1.3";
    gsize plen = strlen(prefix);
    if (g_ascii_strncasecmp(args, prefix, plen) != 0) {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: %s<address>",
                         is_mail ? "MAIL FROM:" : "RCPT TO:");
        return NULL;
    }
    const char *p = args + plen;
    while (*p == ' ')
        p++;
    switch (smtp_parse_path(&p, is_mail, out_path)) {
    case SMTP_PATH_OK:
        break;
    case SMTP_PATH_TOO_LONG:
        smtp_reply_error(s, 501, ext, "Address too long");
        return NULL;
    case SMTP_PATH_BAD_UTF8:
        smtp_reply_error(s, 553, "5.6.7", "Address is not valid UTF-8");
        return NULL;
    case SMTP_PATH_SYNTAX:
    default:
        smtp_reply_error(s, 501, ext, "Bad address syntax");
        return NULL;
    }
    GPtrArray *params = parse_params(s, p);
    if (params == NULL)
        g_clear_pointer(&out_path->address, g_free);
    return params;
}

static gboolean
check_sender(SmtpSession *s, const SmtpPath *path, const MailParams *mp)
{
    if (path->is_utf8 && !(mp->flags & HERMOD_MSG_SMTPUTF8)) {
        smtp_reply_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        return FALSE;
    }
    if (strchr(path->address, '@') == NULL && *path->address != '\0') {
        smtp_reply_error(s, 501, "5.1.7", "Bad address syntax");
        return FALSE;
    }
    if (s->account == NULL)
        return TRUE;
    HermodAuthResult owned =
        *path->address == '\0' ? HERMOD_AUTH_FAILED : smtp_check_owner(s, path->address);
    if (owned == HERMOD_AUTH_TEMPFAIL) {
        smtp_reply_error(s, 451, "4.3.0", "<%s>: Temporary lookup failure; try again later",
                         path->address);
        return FALSE;
    }
    if (owned != HERMOD_AUTH_OK) {
        smtp_reply_error(s, 553, "5.7.1", "Sender address <%s> not owned by user %s", path->address,
                         s->account);
        return FALSE;
    }
    return TRUE;
}

void
smtp_cmd_mail(SmtpSession *s, const char *args)
{
    if (!mail_allowed(s))
        return;
    SmtpPath path;
    g_autoptr(GPtrArray) params = parse_path_and_params(s, args, TRUE, &path);
    if (params == NULL)
        return;
    g_autofree char *address = path.address;
    MailParams mp = {0};
    for (guint i = 0; i < params->len; i++) {
        if (!mail_param(s, params->pdata[i], &mp)) {
            g_free(mp.envid);
            return;
        }
    }
    if (!check_sender(s, &path, &mp)) {
        g_free(mp.envid);
        return;
    }
    s->sender = g_steal_pointer(&address);
    s->envid = mp.envid;
    s->msg_flags = mp.flags;
    s->declared_size = mp.size;
    smtp_reply(s, 250, "2.1.0", "Ok");
}

static guint
notify_word(const char *word)
{
    if (g_ascii_strcasecmp(word, "NEVER") == 0)
        return HERMOD_NOTIFY_NEVER;
    if (g_ascii_strcasecmp(word, "SUCCESS") == 0)
        return HERMOD_NOTIFY_SUCCESS;
    if (g_ascii_strcasecmp(word, "FAILURE") == 0)
        return HERMOD_NOTIFY_FAILURE;
    if (g_ascii_strcasecmp(word, "DELAY") == 0)
        return HERMOD_NOTIFY_DELAY;
    return 0;
}

/* NOTIFY=NEVER or NOTIFY=1#(SUCCESS / FAILURE / DELAY). */
static gboolean
notify_param(SmtpSession *s, const char *value, SmtpRcpt *r)
{
    g_auto(GStrv) words = g_strsplit(value != NULL ? value : "", ",", 0);
    guint bits = 0;
    gboolean ok = words[0] != NULL;
    for (guint i = 0; ok && words[i] != NULL; i++) {
        guint bit = notify_word(words[i]);
        ok = bit != 0;
        bits |= bit;
    }
    if (!ok || ((bits & HERMOD_NOTIFY_NEVER) && bits != HERMOD_NOTIFY_NEVER)) {
        smtp_reply_error(s, 501, "5.5.4", "Bad NOTIFY parameter");
        return FALSE;
    }
    r->notify = bits;
    return TRUE;
}

/* ORCPT=addr-type;xtext, kept decoded as "addr-type;address". */
static gboolean
orcpt_param(SmtpSession *s, const char *value, SmtpRcpt *r)
{
    const char *semi = value != NULL ? strchr(value, ';') : NULL;
    g_autofree char *decoded = NULL;
    gboolean ok = semi != NULL && semi > value && strlen(value) <= SMTP_ORCPT_MAX &&
                  smtp_xtext_decode(semi + 1, &decoded) && *decoded != '\0';
    for (const char *c = value; ok && c < semi; c++)
        ok = g_ascii_isalnum(*c) || *c == '-';
    if (!ok) {
        smtp_reply_error(s, 501, "5.5.4", "Bad ORCPT parameter");
        return FALSE;
    }
    r->orcpt = g_strdup_printf("%.*s;%s", (int)(semi - value), value, decoded);
    return TRUE;
}

static gboolean
rcpt_param(SmtpSession *s, const SmtpParam *p, SmtpRcpt *r)
{
    if (strcmp(p->keyword, "NOTIFY") == 0)
        return notify_param(s, p->value, r);
    if (strcmp(p->keyword, "ORCPT") == 0)
        return orcpt_param(s, p->value, r);
    smtp_reply_error(s, 555, "5.5.4", "Unsupported parameter %s", p->keyword);
    return FALSE;
}

HermodAuthResult
smtp_check_owner(SmtpSession *s, const char *address)
{
    if (!HERMOD_API_HAS(smtp_api, addr_check_owner))
        return smtp_api->addr_owned_by(address, s->account) ? HERMOD_AUTH_OK : HERMOD_AUTH_FAILED;
    g_autoptr(GError) error = NULL;
    HermodAuthResult r = smtp_api->addr_check_owner(address, s->account, &error);
    if (r == HERMOD_AUTH_TEMPFAIL)
        smtp_api->log(HERMOD_LOG_WARNING, smtp_api->conn_session(s->conn),
                      "smtp: cannot check that %s owns <%s>: %s", s->account, address,
                      error != NULL ? error->message : "directory unavailable");
    return r;
}

/* What the directory says of a recipient: with a 1.4 core a failure is
 * HERMOD_ADDR_TEMPFAIL (logged), with an older one addr_classify's UNKNOWN. */
static HermodAddrKind
lookup_recipient(SmtpSession *s, const char *address)
{
    if (!HERMOD_API_HAS(smtp_api, addr_lookup))
        return smtp_api->addr_classify(address);
    g_autoptr(GError) error = NULL;
    HermodAddrKind kind = smtp_api->addr_lookup(address, &error);
    if (kind == HERMOD_ADDR_TEMPFAIL)
        smtp_api->log(HERMOD_LOG_WARNING, smtp_api->conn_session(s->conn),
                      "smtp: cannot look up recipient <%s>: %s", address,
                      error != NULL ? error->message : "directory unavailable");
    return kind;
}

/* The relay decision for one recipient; replies on refusal. */
static gboolean
check_recipient(SmtpSession *s, const SmtpPath *path, const char *address)
{
    if (path->is_utf8 && !(s->msg_flags & HERMOD_MSG_SMTPUTF8)) {
        smtp_reply_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        return FALSE;
    }
    if (path->has_route) {
        smtp_reply_error(s, 550, "5.7.1", "<%s>: Source routes are not accepted", address);
        return FALSE;
    }
    switch (lookup_recipient(s, address)) {
    case HERMOD_ADDR_LOCAL:
        return TRUE;
    case HERMOD_ADDR_TEMPFAIL:
        smtp_reply_error(s, 451, "4.3.0", "<%s>: Temporary lookup failure; try again later",
                         address);
        return FALSE;
    case HERMOD_ADDR_UNKNOWN:
        smtp_reply_error(s, 550, "5.1.1", "<%s>: Recipient address rejected: User unknown",
                         address);
        return FALSE;
    case HERMOD_ADDR_REMOTE:
        if (s->account != NULL)
            return TRUE;
        smtp_reply_error(s, 554, "5.7.1", "<%s>: Relay access denied", address);
        return FALSE;
    case HERMOD_ADDR_INVALID:
    default:
        smtp_reply_error(s, 553, "5.1.3", "<%s>: Recipient address invalid", address);
        return FALSE;
    }
}

static gboolean
is_duplicate(SmtpSession *s, const char *address)
{
    for (guint i = 0; i < s->rcpts->len; i++) {
        const SmtpRcpt *r = s->rcpts->pdata[i];
        if (g_ascii_strcasecmp(r->address, address) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
add_recipient(SmtpSession *s, const SmtpPath *path, GPtrArray *params)
{
    /* RFC 5321 4.5.1: a bare <Postmaster> (the parser gives "postmaster")
     * stays bare: the directory delivers it to the postmaster of the
     * primary domain, whatever [core] hostname says. */
    g_autoptr(GString) address = g_string_new(path->address);
    SmtpRcpt *r = g_new0(SmtpRcpt, 1);
    for (guint i = 0; i < params->len; i++) {
        if (!rcpt_param(s, params->pdata[i], r)) {
            smtp_rcpt_free(r);
            return;
        }
    }
    if (!check_recipient(s, path, address->str)) {
        smtp_rcpt_free(r);
        return;
    }
    if (is_duplicate(s, address->str)) {
        smtp_rcpt_free(r);
    } else {
        r->address = g_string_free(g_steal_pointer(&address), FALSE);
        g_ptr_array_add(s->rcpts, r);
    }
    smtp_reply(s, 250, "2.1.5", "Ok");
}

void
smtp_cmd_rcpt(SmtpSession *s, const char *args)
{
    if (s->sender == NULL) {
        smtp_reply_error(s, 503, "5.5.1", "Need MAIL command");
        return;
    }
    if (s->used_bdat) {
        smtp_reply_error(s, 503, "5.5.1", "RCPT after BDAT");
        return;
    }
    if (s->rcpts->len >= s->lim.max_recipients) {
        smtp_reply_error(s, 452, "4.5.3", "Too many recipients");
        return;
    }
    SmtpPath path;
    g_autoptr(GPtrArray) params = parse_path_and_params(s, args, FALSE, &path);
    if (params == NULL)
        return;
    add_recipient(s, &path, params);
    g_free(path.address);
}
