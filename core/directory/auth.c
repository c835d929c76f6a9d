/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth.c - password checks for every protocol, and dynamic screening.
 *
 * Owns the [auth] settings and the per-IP failure record: each failed login
 * is remembered for failure_window; the max_failures-th failure within
 * that window blocks the IP for block_time, during which every login from
 * it is refused without looking at the password (so a blocked attacker
 * burns no yescrypt time either).  Addresses in trusted_networks are never
 * blocked.  Failures are not forgiven by a later success: an attacker who
 * knows one password must not be able to reset the count.  Every failure
 * writes one line to logs/auth-failures.log and one log line.
 *
 * The record lives in memory and is bounded: when it grows past
 * MAX_PEERS, entries with nothing left to remember are dropped.  Every
 * failure and block is also written to the directory database
 * (directory-screening.c) and read back at start-up, with its window, so
 * that a restart neither unblocks an attacker nor forgets his failures.  Checking the password
 * itself is the directory's job (hermod_directory_check); running this off the event loop is
 * auth-async.c's.
 */
#include "autoconfig.h"

#include <gio/gio.h>
#include <string.h>

#include "lib/stats.h"
#include "directory/auth.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "net/conn.h"

#define MAX_PEERS  50000
#define MAX_LOGGED 256

typedef struct {
    GArray *failures;     /* gint64 monotonic µs, oldest first */
    gint64 blocked_until; /* monotonic µs; 0: not blocked */
} Peer;

static GMutex lock;
static GHashTable *peers;  /* normalised IP -> Peer * */
static GPtrArray *trusted; /* GInetAddressMask * */
static guint max_failures = 10;
static gint64 window = 600 * G_USEC_PER_SEC;
static gint64 block_time = 1800 * G_USEC_PER_SEC;
static gboolean is_loaded; /* the database's record was read */

const HermodSetting hermod_auth_settings[] = {
    {"max_failures", HERMOD_SETTING_INT, "10", 1, 1000000, NULL,
     "failed logins from one IP within failure_window that block it"},
    {"failure_window", HERMOD_SETTING_DURATION, "10m", 1, 30 * 86400, NULL,
     "how long a failed login counts against its IP"},
    {"block_time", HERMOD_SETTING_DURATION, "30m", 1, 30 * 86400, NULL,
     "how long a blocked IP is refused"},
    {"trusted_networks", HERMOD_SETTING_LIST, "", 0, 0, NULL,
     "networks never blocked, ';'-separated CIDRs (e.g. 127.0.0.0/8;::1/128)"},
    {NULL},
};

static void load_record(void);

static void
peer_free(gpointer data)
{
    Peer *peer = data;

    g_array_unref(peer->failures);
    g_free(peer);
}

static GPtrArray *
parse_networks(const char *const *list, GError **error)
{
    g_autoptr(GPtrArray) masks = g_ptr_array_new_with_free_func(g_object_unref);

    for (guint i = 0; list[i] != NULL; i++) {
        GError *local_error = NULL;
        GInetAddressMask *mask = g_inet_address_mask_new_from_string(list[i], &local_error);
        if (mask == NULL) {
            g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE,
                        "[auth] trusted_networks: %s is not a network (%s)", list[i],
                        local_error->message);
            g_error_free(local_error);
            return NULL;
        }
        g_ptr_array_add(masks, mask);
    }
    return g_steal_pointer(&masks);
}

gboolean
hermod_auth_configure(HermodConfig *cfg, GError **error)
{
    GPtrArray *masks = parse_networks(hermod_config_list(cfg, "auth", "trusted_networks"), error);

    if (masks == NULL)
        return FALSE;
    g_mutex_lock(&lock);
    max_failures = (guint)hermod_config_int(cfg, "auth", "max_failures");
    window = hermod_config_int(cfg, "auth", "failure_window") * G_USEC_PER_SEC;
    block_time = hermod_config_int(cfg, "auth", "block_time") * G_USEC_PER_SEC;
    if (trusted != NULL)
        g_ptr_array_unref(trusted);
    trusted = masks;
    g_mutex_unlock(&lock);
    hermod_conn_set_trust_check(hermod_auth_is_trusted); /* net/ asks through it */
    load_record();
    return TRUE;
}

/* The address in its one canonical spelling; IPv4-mapped IPv6 becomes
 * IPv4, so that a dual-stack socket counts an IPv4 peer once.  NULL when
 * ip is not an address.  (transfer full) */
static GInetAddress *
parse_ip(const char *ip)
{
    GInetAddress *addr = ip != NULL ? g_inet_address_new_from_string(ip) : NULL;
    const guint8 *b;

    if (addr == NULL || g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV6)
        return addr;
    b = g_inet_address_to_bytes(addr);
    if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
        return addr;
    g_object_unref(addr);
    return g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4);
}

static gboolean
trusted_locked(GInetAddress *addr)
{
    for (guint i = 0; addr != NULL && trusted != NULL && i < trusted->len; i++) {
        if (g_inet_address_mask_matches(trusted->pdata[i], addr))
            return TRUE;
    }
    return FALSE;
}

gboolean
hermod_auth_is_trusted(const char *ip)
{
    g_autoptr(GInetAddress) addr = parse_ip(ip);
    gboolean found;

    g_mutex_lock(&lock);
    found = trusted_locked(addr);
    g_mutex_unlock(&lock);
    return found;
}

static char *
peer_key(GInetAddress *addr, const char *ip)
{
    return addr != NULL ? g_inet_address_to_string(addr) : g_strdup(ip != NULL ? ip : "");
}

/* Forget failures older than the window and a block that has run out. */
static void
prune(Peer *peer, gint64 now)
{
    guint old = 0;

    while (old < peer->failures->len && g_array_index(peer->failures, gint64, old) <= now - window)
        old++;
    if (old > 0)
        g_array_remove_range(peer->failures, 0, old);
    if (peer->blocked_until != 0 && peer->blocked_until <= now)
        peer->blocked_until = 0;
}

gboolean
hermod_auth_is_blocked(const char *ip)
{
    g_autoptr(GInetAddress) addr = parse_ip(ip);
    g_autofree char *key = peer_key(addr, ip);
    gboolean blocked = FALSE;
    Peer *peer;

    g_mutex_lock(&lock);
    peer = peers != NULL && !trusted_locked(addr) ? g_hash_table_lookup(peers, key) : NULL;
    if (peer != NULL) {
        prune(peer, g_get_monotonic_time());
        blocked = peer->blocked_until != 0;
    }
    g_mutex_unlock(&lock);
    return blocked;
}

static void
sweep(gint64 now)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, peers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        prune(value, now);
        if (((Peer *)value)->failures->len == 0 && ((Peer *)value)->blocked_until == 0)
            g_hash_table_iter_remove(&it);
    }
}

/* Write one failure (and a block it started) to the database.  A write
 * that fails is logged: screening goes on in memory. */
static void
persist(const char *key, gboolean is_block, gint64 keep, gint64 until)
{
    g_autoptr(GError) error = NULL;
    gint64 now = g_get_real_time();
    gboolean ok = is_block ? hermod_directory_screen_block(key, now + until, &error)
                           : hermod_directory_screen_failure(key, now, keep, &error);

    if (!ok)
        hermod_log(HERMOD_LOG_WARNING, NULL, "auth: cannot record the failure of %s: %s", key,
                   error->message);
}

/* Lock held. */
static Peer *
peer_get(const char *key)
{
    Peer *peer = g_hash_table_lookup(peers, key);

    if (peer == NULL) {
        peer = g_new0(Peer, 1);
        peer->failures = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_hash_table_insert(peers, g_strdup(key), peer);
    }
    return peer;
}

/* Wall-clock µs to this process's monotonic clock. */
static gint64
to_monotonic(gint64 real)
{
    return g_get_monotonic_time() - (g_get_real_time() - real);
}

static void
load_failure(const char *ip, gint64 at, gpointer data)
{
    gint64 t = to_monotonic(at);

    g_array_append_val(peer_get(ip)->failures, t);
}

static void
load_block(const char *ip, gint64 until, gpointer data)
{
    peer_get(ip)->blocked_until = to_monotonic(until);
}

/* Once per process, after the directory is open: the record on disk. */
static void
load_record(void)
{
    g_autoptr(GError) error = NULL;

    g_mutex_lock(&lock);
    if (!is_loaded) {
        if (peers == NULL)
            peers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, peer_free);
        is_loaded = hermod_directory_screen_load(g_get_real_time(), window, load_failure,
                                                 load_block, NULL, &error);
    }
    g_mutex_unlock(&lock);
    /* Not read (no directory open yet, or a fault): tried again at the
     * next configure (SIGHUP). */
    if (error != NULL)
        hermod_log(HERMOD_LOG_WARNING, NULL, "auth: screening record not read: %s", error->message);
}

/* Count one failure; TRUE when it starts a block. */
static gboolean
record_failure(const char *ip)
{
    g_autoptr(GInetAddress) addr = parse_ip(ip);
    g_autofree char *key = peer_key(addr, ip);
    gint64 now = g_get_monotonic_time();
    gboolean started = FALSE;
    Peer *peer;

    g_mutex_lock(&lock);
    if (peers == NULL)
        peers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, peer_free);
    if (g_hash_table_size(peers) >= MAX_PEERS)
        sweep(now);
    peer = peer_get(key);
    prune(peer, now);
    g_array_append_val(peer->failures, now);
    if (peer->failures->len >= max_failures && !trusted_locked(addr)) {
        peer->blocked_until = now + block_time;
        g_array_set_size(peer->failures, 0);
        started = TRUE;
    }
    gint64 keep = window, until = block_time;
    g_mutex_unlock(&lock);
    persist(key, started, keep, until);
    return started;
}

/* A login as the client sent it, safe for a one-line log: escaped,
 * bounded. */
static char *
printable(const char *text)
{
    g_autofree char *cut = g_strndup(text != NULL ? text : "", MAX_LOGGED);

    return g_strescape(cut, NULL);
}

static void
log_failure(const char *protocol, const char *session, const char *ip, const char *login,
            const char *known)
{
    g_autofree char *shown = printable(login);
    const char *sid = session != NULL ? session : "-";
    const char *who = known != NULL ? known : "none";

    hermod_log_to_file("auth-failures", "protocol=%s session=%s ip=%s login=\"%s\" account=%s",
                       protocol, sid, ip != NULL ? ip : "-", shown, who);
    hermod_log(HERMOD_LOG_NOTICE, session, "auth: %s login \"%s\" from %s failed (account %s)",
               protocol, shown, ip != NULL ? ip : "-", who);
}

/* An account whose password predates SCRAM gets its keys at its next
 * password login, so that SCRAM clients work without a password reset.
 * A failure only costs SCRAM (logged); the login stands. */
static void
scram_upgrade(const char *session, const char *account, const char *password)
{
    g_autoptr(GError) error = NULL;
    gboolean done = FALSE;

    if (!hermod_directory_scram_upgrade(account, password != NULL ? password : "", &done, &error))
        hermod_log(HERMOD_LOG_WARNING, session, "auth: SCRAM keys for %s: %s", account,
                   error->message);
    else if (done)
        hermod_log(HERMOD_LOG_INFO, session, "auth: SCRAM keys for %s stored at login", account);
}

HermodAuthResult
hermod_auth_verify(const char *protocol, const char *session, const char *ip, const char *login,
                   const char *password, char **out_account)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *known = NULL;
    char *account = NULL;

    *out_account = NULL;
    if (ip != NULL && hermod_auth_is_blocked(ip)) {
        hermod_log(HERMOD_LOG_NOTICE, session, "auth: %s login from blocked %s refused", protocol,
                   ip);
        return HERMOD_AUTH_BLOCKED;
    }
    if (!hermod_directory_check(login, password, &account, &known, &error)) {
        hermod_log(HERMOD_LOG_WARNING, session, "auth: %s", error->message);
        return HERMOD_AUTH_TEMPFAIL;
    }
    if (account != NULL) {
        hermod_log(HERMOD_LOG_INFO, session, "auth: %s login %s from %s", protocol, account,
                   ip != NULL ? ip : "-");
        scram_upgrade(session, account, password);
        *out_account = account;
        return HERMOD_AUTH_OK;
    }
    hermod_auth_note_failure(protocol, session, ip, login, known);
    return HERMOD_AUTH_FAILED;
}

void
hermod_auth_note_failure(const char *protocol, const char *session, const char *ip,
                         const char *login, const char *known)
{
    log_failure(protocol, session, ip, login, known);
    hermod_stats_add("hermod_auth_failures_total", protocol, 1);
    if (ip != NULL && record_failure(ip)) {
        hermod_stats_add("hermod_auth_blocks_total", NULL, 1);
        hermod_log(HERMOD_LOG_WARNING, session,
                   "auth: blocking %s for %" G_GINT64_FORMAT " s after %u failed logins", ip,
                   block_time / G_USEC_PER_SEC, max_failures);
    }
}
