/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-addr.c - what an address means: its syntax, its canonical form,
 * whom it reaches.
 *
 * Canonical form: the local part unquoted and lower-cased (UTF-8 local
 * parts are allowed for SMTPUTF8), the domain lower-cased and IDNA-encoded,
 * or a domain literal such as "[192.0.2.1]".  Forms that only ever served
 * to relay through a host (source routes, %-hacks, bang paths) and control
 * characters are invalid outright.
 *
 * Resolution of a local address, in order: an account of that name, an
 * alias of that name (expanded recursively, loops cut), the same two with a
 * "+tag" removed, postmaster (first account of the domain, else the first
 * account at all), and last a domain alias "@domain" (target "@other" maps
 * every local part to the other domain; a plain target is a catch-all).
 * Remote targets are returned as they are.  The database rows are read in
 * directory.c's lock; nothing here writes.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/directory.h"
#include "directory/directory-private.h"

#define MAX_DEPTH 8

static gboolean
invalid(GError **error, const char *why, const char *address)
{
    g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID, "%s: %s", why,
                address);
    return FALSE;
}

static gboolean
has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return TRUE;
    }
    return FALSE;
}

/* s points after the opening quote; returns the content and sets *out_end
 * after the closing quote, or NULL when it never closes. */
static char *
unquote(const char *s, const char **out_end)
{
    GString *out = g_string_new(NULL);

    for (; *s != '\0' && *s != '"'; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        g_string_append_c(out, *s);
    }
    if (*s != '"') {
        g_string_free(out, TRUE);
        return NULL;
    }
    *out_end = s + 1;
    return g_string_free(out, FALSE);
}

/* Dot-string characters of RFC 5321 (atext and '.'), plus UTF-8 (RFC 6531).
 * '%' and '!' are atext but are refused earlier with their own reason. */
static gboolean
local_ok(const char *local)
{
    for (const char *p = local; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80 || g_ascii_isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL)
            continue;
        return FALSE;
    }
    return TRUE;
}

static char *
literal_canon(const char *domain)
{
    gsize len = strlen(domain);
    g_autofree char *inner = NULL;

    if (len < 3 || domain[len - 1] != ']')
        return NULL;
    inner = g_strndup(domain + 1, len - 2);
    if (g_ascii_strncasecmp(inner, "IPv6:", 5) == 0) {
        if (!g_hostname_is_ip_address(inner + 5) || strchr(inner + 5, ':') == NULL)
            return NULL;
        g_autofree char *low = g_ascii_strdown(inner + 5, -1);
        return g_strdup_printf("[ipv6:%s]", low);
    }
    if (!g_hostname_is_ip_address(inner) || strchr(inner, ':') != NULL)
        return NULL;
    return g_strdup_printf("[%s]", inner);
}

static gboolean
labels_ok(const char *name)
{
    gsize len = strlen(name);
    g_auto(GStrv) labels = NULL;

    if (len == 0 || len > 253 || g_hostname_is_ip_address(name))
        return FALSE;
    labels = g_strsplit(name, ".", -1);
    for (char **l = labels; *l != NULL; l++) {
        gsize n = strlen(*l);
        if (n == 0 || n > 63 || (*l)[0] == '-' || (*l)[n - 1] == '-')
            return FALSE;
        for (const char *p = *l; *p != '\0'; p++) {
            if (!g_ascii_isalnum(*p) && *p != '-')
                return FALSE;
        }
    }
    return TRUE;
}

char *
hermod_directory_domain_canon(const char *domain)
{
    g_autofree char *ascii = NULL;
    char *low;

    if (domain == NULL || *domain == '\0' || !g_utf8_validate(domain, -1, NULL) ||
        has_control(domain))
        return NULL;
    if (domain[0] == '[')
        return literal_canon(domain);
    ascii = g_hostname_to_ascii(domain);
    if (ascii == NULL)
        return NULL;
    low = g_ascii_strdown(ascii, -1);
    if (!labels_ok(low)) {
        g_free(low);
        return NULL;
    }
    return low;
}

/* The local part of address (before the domain's '@'), unquoted; *out_rest
 * points at the domain.  Reasons for refusal go to error. */
static char *
split_local(const char *address, const char **out_rest, GError **error)
{
    const char *at;
    char *local;

    if (address[0] == '"') {
        local = unquote(address + 1, &at);
        if (local == NULL || *at != '@') {
            g_free(local);
            invalid(error, "bad quoted local part", address);
            return NULL;
        }
        if (strpbrk(local, "@%!") != NULL) {
            g_free(local);
            invalid(error, "quoted local part with @, % or !", address);
            return NULL;
        }
        *out_rest = at + 1;
        return local;
    }
    at = strrchr(address, '@');
    if (at == NULL) {
        invalid(error, "no domain", address);
        return NULL;
    }
    local = g_strndup(address, at - address);
    const char *why = strchr(local, '%')   ? "%-hack"
                      : strchr(local, '!') ? "bang path"
                      : strchr(local, '@') ? "more than one @"
                      : !local_ok(local)   ? "bad character in local part"
                                           : NULL;
    if (why != NULL) {
        g_free(local);
        invalid(error, why, address);
        return NULL;
    }
    *out_rest = at + 1;
    return local;
}

gboolean
hermod_directory_addr_split(const char *address, char **out_local, char **out_domain,
                            GError **error)
{
    g_autofree char *local = NULL;
    const char *rest = NULL;
    char *domain;

    if (address == NULL || *address == '\0')
        return invalid(error, "empty address", "");
    if (!g_utf8_validate(address, -1, NULL))
        return invalid(error, "not UTF-8", "(binary)");
    if (has_control(address))
        return invalid(error, "control character in address", "(binary)");
    if (address[0] == '@')
        return invalid(error, "source route", address);
    local = split_local(address, &rest, error);
    if (local == NULL)
        return FALSE;
    if (*local == '\0')
        return invalid(error, "empty local part", address);
    if (strlen(local) > 64)
        return invalid(error, "local part longer than 64 octets", address);
    if (*rest == '\0')
        return invalid(error, "no domain", address);
    domain = hermod_directory_domain_canon(rest);
    if (domain == NULL)
        return invalid(error, "bad domain", address);
    *out_local = g_utf8_strdown(local, -1);
    *out_domain = domain;
    return TRUE;
}

char *
hermod_directory_addr_canon(const char *address)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;

    if (!hermod_directory_addr_split(address, &local, &domain, NULL))
        return NULL;
    return g_strdup_printf("%s@%s", local, domain);
}

char *
hermod_directory_canonical(const char *address)
{
    return hermod_directory_addr_canon(address);
}

/* --- resolution (lock held)
 *
 * Every step returns FALSE once a query failed; the first error is kept in
 * the Expand and the expansion stops, so that a failure is never taken for
 * "nobody has this address". */

typedef struct {
    GPtrArray *out;
    GHashTable *seen; /* addresses expanded or added */
    GError **error;
} Expand;

static gboolean expand(Expand *x, const char *local, const char *domain, int depth);

static GPtrArray *
alias_targets(const char *alias, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt(
        "SELECT target FROM aliases WHERE alias = ? ORDER BY target", error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, alias, -1, SQLITE_TRANSIENT);
    if (!hermod_directory_db_strings(st, out, error))
        return NULL;
    return g_steal_pointer(&out);
}

/* The first account of domain, else the first account at all; TRUE with
 * NULL when there is none. */
static gboolean
first_account(const char *domain, char **out_account, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt(
        "SELECT address FROM accounts WHERE domain = ? ORDER BY id LIMIT 1", error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_TRANSIENT);
    if (!hermod_directory_db_text(st, out_account, error))
        return FALSE;
    if (*out_account != NULL)
        return TRUE;
    st = hermod_directory_db_stmt("SELECT address FROM accounts ORDER BY id LIMIT 1", error);
    return st != NULL && hermod_directory_db_text(st, out_account, error);
}

static void
add(Expand *x, const char *address)
{
    g_autofree char *key = g_strconcat("=", address, NULL);

    if (g_hash_table_add(x->seen, g_steal_pointer(&key)))
        g_ptr_array_add(x->out, g_strdup(address));
}

static gboolean
expand_target(Expand *x, const char *target, int depth)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;

    if (!hermod_directory_addr_split(target, &local, &domain, NULL))
        return TRUE; /* a bad target reaches nobody */
    return expand(x, local, domain, depth);
}

/* An account or an alias of exactly this address?  Adds what it reaches;
 * *out_hit says whether there was one. */
static gboolean
expand_exact(Expand *x, const char *address, int depth, gboolean *out_hit)
{
    g_autoptr(GPtrArray) targets = NULL;

    if (!hermod_directory_db_has_account(address, out_hit, x->error))
        return FALSE;
    if (*out_hit) {
        add(x, address);
        return TRUE;
    }
    targets = alias_targets(address, x->error);
    if (targets == NULL)
        return FALSE;
    for (guint i = 0; i < targets->len; i++) {
        if (!expand_target(x, targets->pdata[i], depth + 1))
            return FALSE;
    }
    *out_hit = targets->len > 0;
    return TRUE;
}

static gboolean
expand_domain_alias(Expand *x, const char *local, const char *domain, int depth)
{
    g_autofree char *key = g_strconcat("@", domain, NULL);
    g_autoptr(GPtrArray) targets = alias_targets(key, x->error);

    for (guint i = 0; targets != NULL && i < targets->len; i++) {
        const char *t = targets->pdata[i];
        if (!(t[0] == '@' ? expand(x, local, t + 1, depth + 1) : expand_target(x, t, depth + 1)))
            return FALSE;
    }
    return targets != NULL;
}

/* postmaster with no account or alias of its own. */
static gboolean
expand_postmaster(Expand *x, const char *domain)
{
    g_autofree char *account = NULL;

    if (!first_account(domain, &account, x->error))
        return FALSE;
    if (account != NULL)
        add(x, account);
    return TRUE;
}

static gboolean
expand(Expand *x, const char *local, const char *domain, int depth)
{
    g_autofree char *address = g_strdup_printf("%s@%s", local, domain);
    g_autofree char *base = NULL;
    const char *plus = strchr(local, '+');
    gboolean hit = FALSE;

    if (depth > MAX_DEPTH || !g_hash_table_add(x->seen, g_strdup(address)))
        return TRUE;
    if (!hermod_directory_db_has_domain(domain, &hit, x->error))
        return FALSE;
    if (!hit) {
        add(x, address);
        return TRUE;
    }
    if (!expand_exact(x, address, depth, &hit))
        return FALSE;
    if (hit)
        return TRUE;
    base = plus != NULL && plus != local ? g_strndup(local, plus - local) : g_strdup(local);
    if (plus != NULL && plus != local) {
        g_autofree char *stripped = g_strdup_printf("%s@%s", base, domain);
        if (!expand_exact(x, stripped, depth, &hit))
            return FALSE;
        if (hit)
            return TRUE;
    }
    if (g_str_equal(base, "postmaster"))
        return expand_postmaster(x, domain);
    return expand_domain_alias(x, local, domain, depth);
}

/* Everyone local@domain reaches (empty: nobody), or NULL when a query
 * failed.  (transfer full) */
static GPtrArray *
resolve_locked(const char *local, const char *domain, GError **error)
{
    Expand x = {g_ptr_array_new_with_free_func(g_free),
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), error};
    gboolean ok = expand(&x, local, domain, 0);

    g_hash_table_destroy(x.seen);
    if (!ok)
        g_clear_pointer(&x.out, g_ptr_array_unref);
    return x.out;
}

static gboolean
is_bare_postmaster(const char *address)
{
    return address != NULL && g_ascii_strcasecmp(address, "postmaster") == 0;
}

/* RFC 5321 4.5.1: "postmaster" without a domain must be accepted; it means
 * the postmaster of our first domain.  FALSE with INVALID for what is no
 * address (or a bare postmaster without any domain), DB when the query
 * failed. */
static gboolean
split_or_postmaster(const char *address, char **out_local, char **out_domain, GError **error)
{
    sqlite3_stmt *st;

    if (!is_bare_postmaster(address))
        return hermod_directory_addr_split(address, out_local, out_domain, error);
    st = hermod_directory_db_stmt("SELECT name FROM domains ORDER BY created, name LIMIT 1", error);
    if (st == NULL || !hermod_directory_db_text(st, out_domain, error))
        return FALSE;
    if (*out_domain == NULL)
        return invalid(error, "no local domain for", address);
    *out_local = g_strdup("postmaster");
    return TRUE;
}

/* What address is; for a local one (nullable out) everyone it reaches,
 * else NULL.  (transfer full) */
static gboolean
classify_locked(const char *address, HermodAddrKind *out_kind, GPtrArray **out_found,
                GError **error)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;
    g_autoptr(GPtrArray) found = NULL;
    g_autoptr(GError) why = NULL;
    gboolean is_local = FALSE;

    if (out_found != NULL)
        *out_found = NULL;
    if (!split_or_postmaster(address, &local, &domain, &why)) {
        if (!g_error_matches(why, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID)) {
            g_propagate_error(error, g_steal_pointer(&why));
            return FALSE;
        }
        *out_kind = is_bare_postmaster(address) ? HERMOD_ADDR_UNKNOWN : HERMOD_ADDR_INVALID;
        return TRUE;
    }
    if (!hermod_directory_db_has_domain(domain, &is_local, error))
        return FALSE;
    if (!is_local) {
        *out_kind = domain[0] == '[' ? HERMOD_ADDR_INVALID : HERMOD_ADDR_REMOTE;
        return TRUE;
    }
    found = resolve_locked(local, domain, error);
    if (found == NULL)
        return FALSE;
    *out_kind = found->len > 0 ? HERMOD_ADDR_LOCAL : HERMOD_ADDR_UNKNOWN;
    if (out_found != NULL && found->len > 0)
        *out_found = g_steal_pointer(&found);
    return TRUE;
}

/* Where a target of an alias goes: an account is local, anything else is
 * what classify says of it. */
static gboolean
target_kind_locked(HermodDirectoryTarget *t, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(t->address);

    if (canon != NULL && !hermod_directory_db_has_account(canon, &t->is_account, error))
        return FALSE;
    if (t->is_account) {
        t->kind = HERMOD_ADDR_LOCAL;
        return TRUE;
    }
    return classify_locked(t->address, &t->kind, NULL, error);
}

static void
target_free(gpointer p)
{
    HermodDirectoryTarget *t = p;

    g_free(t->address);
    g_free(t);
}

gboolean
hermod_directory_expand(const char *address, HermodAddrKind *out_kind, GPtrArray **out_targets,
                        GError **error)
{
    g_autoptr(GPtrArray) found = NULL;
    g_autoptr(GPtrArray) targets = NULL;
    gboolean ok;

    *out_targets = NULL;
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    hermod_directory_db_read_begin();
    ok = classify_locked(address, out_kind, &found, error);
    if (ok && found != NULL) {
        targets = g_ptr_array_new_with_free_func(target_free);
        for (guint i = 0; ok && i < found->len; i++) {
            HermodDirectoryTarget *t = g_new0(HermodDirectoryTarget, 1);
            t->address = g_steal_pointer(&found->pdata[i]);
            g_ptr_array_add(targets, t);
            ok = target_kind_locked(t, error);
        }
    }
    hermod_directory_db_read_end();
    hermod_directory_db_unlock();
    if (ok)
        *out_targets = g_steal_pointer(&targets);
    return ok;
}

gboolean
hermod_directory_classify(const char *address, HermodAddrKind *out_kind, GError **error)
{
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    hermod_directory_db_read_begin();
    ok = classify_locked(address, out_kind, NULL, error);
    hermod_directory_db_read_end();
    hermod_directory_db_unlock();
    return ok;
}

GPtrArray *
hermod_directory_resolve(const char *address, GError **error)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;
    GPtrArray *found = NULL;

    if (hermod_directory_db_lock(error) == NULL)
        return NULL;
    hermod_directory_db_read_begin();
    if (split_or_postmaster(address, &local, &domain, error))
        found = resolve_locked(local, domain, error);
    hermod_directory_db_read_end();
    hermod_directory_db_unlock();
    if (found != NULL && found->len == 0) {
        g_clear_pointer(&found, g_ptr_array_unref);
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND,
                    "no such address: %s", address);
    }
    return found;
}

/* The account itself, its plus-addresses, and every address that resolves
 * to it (its aliases) may be used as its sender. */
gboolean
hermod_directory_owns(const char *address, const char *account, gboolean *out_is_owner,
                      GError **error)
{
    g_autofree char *who = hermod_directory_addr_canon(account);
    g_autoptr(GPtrArray) found = NULL;
    g_autoptr(GError) why = NULL;

    *out_is_owner = FALSE;
    if (who == NULL || address == NULL || *address == '\0' || is_bare_postmaster(address))
        return TRUE;
    found = hermod_directory_resolve(address, &why);
    if (found == NULL) {
        if (g_error_matches(why, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND) ||
            g_error_matches(why, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&why));
        return FALSE;
    }
    for (guint i = 0; i < found->len && !*out_is_owner; i++)
        *out_is_owner = g_str_equal(found->pdata[i], who);
    return TRUE;
}

gboolean
hermod_directory_account_exists(const char *address, gboolean *out_exists, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(address);
    gboolean ok;

    if (canon == NULL) {
        *out_exists = FALSE;
        return TRUE;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = hermod_directory_db_has_account(canon, out_exists, error);
    hermod_directory_db_unlock();
    return ok;
}
