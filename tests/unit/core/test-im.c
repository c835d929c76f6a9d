/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-im.c - the IM hub against a real directory and store in a
 * temporary data folder: delivery to accounts, aliases, plus-addresses
 * and any case; the sender's copy; refusals; dedupe keys; history
 * queries (with, time, id paging, last page, flags); live sessions
 * getting IMs, presence and transients, and none after close; the
 * central log; broadcasts shown once; IM settings; group IMs (all or
 * nothing); a schema 5 index upgraded to 8.
 */
#include "autoconfig.h"

#include <sqlite3.h>
#include <string.h>

#include "tmpdir.h"
#include "directory/directory.h"
#include "im/im-broadcast.h"
#include "im/im-session.h"
#include "im/im.h"
#include "lib/log.h"
#include "store/store-im.h"
#include "store/store.h"

#define ALICE "alice@example.test"
#define BOB   "bob@example.test"
#define CAROL "carol@example.test"

typedef struct {
    char *dir;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *logs = NULL;

    fx->dir = g_dir_make_tmp("hermod-im-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
    g_assert_true(hermod_directory_user_add(BOB, "pw", &error));
    g_assert_true(hermod_directory_user_add(CAROL, "pw", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", BOB, &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", CAROL, &error));
    g_assert_no_error(error);
    hermod_store_set_root(fx->dir);
    hermod_im_set_data_dir(fx->dir);
    logs = g_build_filename(fx->dir, "logs", NULL);
    hermod_log_set_dir(logs);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_im_shutdown();
    hermod_log_set_dir(NULL);
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static gint64
send_im(const char *from, const char *to, const char *text, const char *key, GError **error)
{
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "test",
                        .sender = from,
                        .recipient = to,
                        .text = text,
                        .dedupe_key = key};
    gint64 id = 0;

    return hermod_im_deliver(&req, &id, NULL, error) ? id : 0;
}

static GPtrArray *
history(const char *account, const char *with)
{
    g_autoptr(GError) error = NULL;
    HermodImQuery q = {.struct_size = sizeof q, .account = account, .with = with};
    GPtrArray *out = hermod_im_history(&q, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static void
test_deliver(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "test",
                        .sender = "Alice@Example.TEST",
                        .recipient = "BOB+chat@example.test",
                        .text = "Hello\nBob"};
    gint64 id = 0, sid = 0;

    g_assert_true(hermod_im_deliver(&req, &id, &sid, &error));
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_assert_cmpint(sid, >, 0);
    g_autoptr(GPtrArray) in = history(BOB, NULL);
    g_assert_cmpuint(in->len, ==, 1);
    HermodIm *im = in->pdata[0];
    g_assert_cmpstr(im->text, ==, "Hello\nBob");
    g_assert_cmpstr(im->sender, ==, ALICE);
    g_assert_cmpstr(im->recipient, ==, "bob+chat@example.test");
    g_assert_cmpstr(im->account, ==, BOB);
    g_assert_false(im->is_outgoing);
    g_assert_cmpint(im->id, ==, id);
    g_autoptr(GPtrArray) out = history(ALICE, BOB);
    g_assert_cmpuint(out->len, ==, 1);
    g_assert_true(((HermodIm *)out->pdata[0])->is_outgoing);
    /* an alias reaches both; a remote sender has no copy */
    g_assert_cmpint(
        send_im("script@elsewhere.test", "team@example.test", "deploy done", NULL, &error), >, 0);
    g_autoptr(GPtrArray) carol = history(CAROL, "script@elsewhere.test");
    g_assert_cmpuint(carol->len, ==, 1);
    g_autoptr(GPtrArray) bob2 = history(BOB, NULL);
    g_assert_cmpuint(bob2->len, ==, 2);
}

static void
test_refused(Fixture *fx, gconstpointer data)
{
    static const struct {
        const char *from, *to, *text;
        HermodImError code;
    } cases[] = {
        {ALICE, "nobody@example.test", "hi", HERMOD_IM_ERROR_NO_RECIPIENT},
        {ALICE, "someone@remote.test", "hi", HERMOD_IM_ERROR_NO_RECIPIENT},
        {ALICE, "not an address", "hi", HERMOD_IM_ERROR_BAD_ADDRESS},
        {"bad@@x", BOB, "hi", HERMOD_IM_ERROR_BAD_ADDRESS},
        {ALICE, BOB, "", HERMOD_IM_ERROR_BAD_TEXT},
        {ALICE, BOB, " \n ", HERMOD_IM_ERROR_BAD_TEXT},
        {ALICE, BOB, "bad \xff byte", HERMOD_IM_ERROR_BAD_TEXT},
        {ALICE, BOB, "bell \a", HERMOD_IM_ERROR_BAD_TEXT},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(send_im(cases[i].from, cases[i].to, cases[i].text, NULL, &error), ==, 0);
        g_assert_error(error, HERMOD_IM_ERROR, (gint)cases[i].code);
    }
    g_autofree char *big = g_strnfill(HERMOD_IM_TEXT_MAX + 1, 'x');
    g_autoptr(GError) error = NULL;
    g_assert_cmpint(send_im(ALICE, BOB, big, NULL, &error), ==, 0);
    g_assert_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TOO_BIG);
    g_autoptr(GPtrArray) none = history(BOB, NULL);
    g_assert_cmpuint(none->len, ==, 0);
}

static void
test_dedupe(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    gint64 a = send_im(ALICE, BOB, "once", "IM-1.SEM", &error);
    gint64 b = send_im(ALICE, BOB, "once", "IM-1.SEM", &error);
    gint64 c = send_im(ALICE, BOB, "twice", "IM-2.SEM", &error);

    g_assert_no_error(error);
    g_assert_cmpint(a, >, 0);
    g_assert_cmpint(a, ==, b);
    g_assert_cmpint(c, >, a);
    g_autoptr(GPtrArray) in = history(BOB, NULL);
    g_assert_cmpuint(in->len, ==, 2);
    g_autoptr(GPtrArray) out = history(ALICE, NULL);
    g_assert_cmpuint(out->len, ==, 2);
}

static void
test_query(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    gint64 ids[10];

    for (int i = 0; i < 10; i++) {
        g_autofree char *text = g_strdup_printf("m%d", i);
        ids[i] = send_im(i % 2 ? CAROL : ALICE, BOB, text, NULL, &error);
        g_assert_no_error(error);
    }
    HermodImQuery q = {.struct_size = sizeof q, .account = BOB, .limit = 3, .is_last = TRUE};
    g_autoptr(GPtrArray) last = hermod_im_history(&q, &error);
    g_assert_cmpuint(last->len, ==, 3);
    g_assert_cmpstr(((HermodIm *)last->pdata[0])->text, ==, "m7");
    g_assert_cmpstr(((HermodIm *)last->pdata[2])->text, ==, "m9");
    HermodImQuery page = {.struct_size = sizeof page,
                          .account = BOB,
                          .after_id = ids[2],
                          .before_id = ids[6],
                          .with = "CAROL@example.test"};
    g_autoptr(GPtrArray) mid = hermod_im_history(&page, &error);
    g_assert_cmpuint(mid->len, ==, 2); /* m3, m5 */
    g_assert_cmpstr(((HermodIm *)mid->pdata[1])->text, ==, "m5");
    g_assert_true(hermod_im_set_flags(BOB, ids, 4, HERMOD_IM_FLAG_READ, TRUE, &error));
    guint unread = 0;
    g_autoptr(GHashTable) by = NULL;
    g_assert_true(hermod_im_unread(BOB, &unread, &by, &error));
    g_assert_cmpuint(unread, ==, 6);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(by, CAROL)), ==, 3);
    HermodImQuery fl = {.struct_size = sizeof fl,
                        .account = BOB,
                        .without_flags = HERMOD_IM_FLAG_READ,
                        .is_incoming_only = TRUE};
    g_autoptr(GPtrArray) rest = hermod_im_history(&fl, &error);
    g_assert_cmpuint(rest->len, ==, 6);
    HermodImQuery t = {
        .struct_size = sizeof t, .account = BOB, .since = g_get_real_time() + 1000000};
    g_autoptr(GPtrArray) future = hermod_im_history(&t, &error);
    g_assert_cmpuint(future->len, ==, 0);
    g_assert_no_error(error);
}

/* What a session heard, from the dispatcher thread. */
typedef struct {
    GMutex lock;
    GPtrArray *texts; /* "im:TEXT", "presence:ACCOUNT/RES:NAME", "transient:KIND" */
} Heard;

static void
heard_add(Heard *h, char *line)
{
    g_mutex_lock(&h->lock);
    g_ptr_array_add(h->texts, line);
    g_mutex_unlock(&h->lock);
}

static void
on_im(HermodImSession *s, const HermodIm *im, gpointer data)
{
    heard_add(data, g_strdup_printf("im:%s%s", im->is_outgoing ? "out:" : "", im->text));
}

static void
on_presence(HermodImSession *s, const HermodImPresenceInfo *info, gpointer data)
{
    heard_add(data, g_strdup_printf("presence:%s:%d", info->account, info->presence));
}

static void
on_transient(HermodImSession *s, const char *from, const char *res, const char *kind,
             const char *payload, gpointer data)
{
    heard_add(data, g_strdup_printf("transient:%s:%s", from, kind));
}

static gboolean
wait_for(Heard *h, const char *line)
{
    for (int i = 0; i < 200; i++) {
        gboolean found = FALSE;
        g_mutex_lock(&h->lock);
        for (guint j = 0; j < h->texts->len; j++)
            found |= g_str_equal(h->texts->pdata[j], line);
        g_mutex_unlock(&h->lock);
        if (found)
            return TRUE;
        g_usleep(10000);
    }
    return FALSE;
}

static HermodImSession *
open_session(const char *account, Heard *h, guint32 client)
{
    g_autoptr(GError) error = NULL;
    HermodImSessionSpec spec = {.struct_size = sizeof spec,
                                .account = account,
                                .client = client,
                                .on_im = on_im,
                                .on_presence = on_presence,
                                .on_transient = on_transient,
                                .data = h};
    HermodImSession *s = hermod_im_session_open(&spec, &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

static void
test_sessions(Fixture *fx, gconstpointer data)
{
    Heard hb = {.texts = g_ptr_array_new_with_free_func(g_free)};
    Heard ha = {.texts = g_ptr_array_new_with_free_func(g_free)};
    g_autoptr(GError) error = NULL;

    HermodImSession *bob = open_session(BOB, &hb, HERMOD_IM_CLIENT_XMPP);
    HermodImSession *alice = open_session(ALICE, &ha, HERMOD_IM_CLIENT_WEB);
    HermodImSession *alice2 = open_session(ALICE, &ha, HERMOD_IM_CLIENT_WEB);
    g_assert_cmpstr(hermod_im_session_resource(alice), !=, hermod_im_session_resource(alice2));
    g_assert_true(wait_for(&hb, "presence:" ALICE ":1"));
    g_assert_cmpint(hermod_im_presence_of(ALICE), ==, HERMOD_IM_PRESENCE_ONLINE);
    g_autoptr(GPtrArray) list = hermod_im_presence_list("example.test");
    g_assert_cmpuint(list->len, ==, 3);

    /* alice sends from one session: bob gets it, her other session the copy */
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "webmail",
                        .sender = ALICE,
                        .recipient = BOB,
                        .text = "ping",
                        .origin = alice};
    g_assert_true(hermod_im_deliver(&req, NULL, NULL, &error));
    g_assert_true(wait_for(&hb, "im:ping"));
    g_assert_true(wait_for(&ha, "im:out:ping"));
    g_autoptr(GPtrArray) in = history(BOB, NULL);
    g_assert_cmpuint(((HermodIm *)in->pdata[0])->flags & HERMOD_IM_FLAG_PUSHED_XMPP, !=, 0);
    g_assert_true(hermod_im_send_transient(bob, ALICE, NULL, "composing", NULL));
    g_assert_true(wait_for(&ha, "transient:" BOB ":composing"));

    hermod_im_session_set_presence(bob, HERMOD_IM_PRESENCE_AWAY, "lunch", 0);
    g_assert_true(wait_for(&ha, "presence:" BOB ":2"));
    hermod_im_session_close(bob);
    g_assert_true(wait_for(&ha, "presence:" BOB ":0"));
    g_assert_cmpint(hermod_im_presence_of(BOB), ==, HERMOD_IM_PRESENCE_OFFLINE);
    guint n = hb.texts->len;
    g_assert_true(hermod_im_deliver(&req, NULL, NULL, &error));
    g_usleep(100000);
    g_assert_cmpuint(hb.texts->len, ==, n); /* closed: nothing more */
    hermod_im_session_close(alice);
    hermod_im_session_close(alice2);
    g_assert_cmpuint(hermod_im_session_count(), ==, 0);
    hermod_im_shutdown();
    g_ptr_array_unref(ha.texts);
    g_ptr_array_unref(hb.texts);
}

static void
test_log(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *name = g_date_time_format(now, "logs/im-%Y-%m-%d.log");
    g_autofree char *path = g_build_filename(fx->dir, name, NULL);
    g_autofree char *text = NULL;

    g_assert_cmpint(send_im(ALICE, BOB, "logged", NULL, &error), >, 0);
    g_assert_cmpint(send_im(ALICE, "ghost@example.test", "lost", NULL, NULL), ==, 0);
    g_assert_true(g_file_get_contents(path, &text, NULL, &error));
    g_assert_nonnull(strstr(text, "source=test"));
    g_assert_nonnull(strstr(text, "from=<" ALICE "> to=<" BOB "> size=6 result=delivered"));
    g_assert_nonnull(strstr(text, "to=<ghost@example.test> size=4 result=refused:no-recipient"));
}

static void
test_broadcast(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_im_broadcast_add("Maintenance at 22:00", 3600, &error));
    g_assert_true(hermod_im_broadcast_add("expired", -1, &error));
    g_autoptr(GPtrArray) first = hermod_im_broadcast_take(ALICE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(first->len, ==, 1);
    g_assert_cmpstr(first->pdata[0], ==, "Maintenance at 22:00");
    g_autoptr(GPtrArray) again = hermod_im_broadcast_take(ALICE, &error);
    g_assert_cmpuint(again->len, ==, 0);
    g_autoptr(GPtrArray) bob = hermod_im_broadcast_take(BOB, &error);
    g_assert_cmpuint(bob->len, ==, 1);
}

static void
test_group(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const char *const group[] = {ALICE, BOB, "Carol@example.test", NULL};
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "webmail",
                        .sender = ALICE,
                        .text = "team meeting",
                        .group = group};
    gint64 id = 0, sid = 0;

    g_assert_true(hermod_im_deliver(&req, &id, &sid, &error));
    g_assert_no_error(error);
    g_autoptr(GPtrArray) bob = history(BOB, NULL);
    g_autoptr(GPtrArray) carol = history(CAROL, NULL);
    g_autoptr(GPtrArray) alice = history(ALICE, NULL);
    g_assert_cmpuint(bob->len, ==, 1);
    g_assert_cmpuint(carol->len, ==, 1);
    g_assert_cmpuint(alice->len, ==, 1);
    HermodIm *b = bob->pdata[0], *a = alice->pdata[0];
    g_assert_nonnull(b->thread);
    g_assert_cmpstr(b->thread, ==, ((HermodIm *)carol->pdata[0])->thread);
    g_assert_cmpstr(b->thread, ==, a->thread);
    g_assert_true(a->is_outgoing);
    g_assert_cmpuint(g_strv_length(b->group), ==, 3);
    g_assert_cmpstr(b->group[2], ==, CAROL);
    /* the conversation is the thread */
    g_autoptr(GPtrArray) conv = history(BOB, b->thread);
    g_assert_cmpuint(conv->len, ==, 1);
    const char *const bad[] = {BOB, "nobody@example.test", NULL};
    req.group = bad;
    g_assert_false(hermod_im_deliver(&req, NULL, NULL, &error));
    g_assert_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_NO_RECIPIENT);
    g_autoptr(GPtrArray) still = history(BOB, NULL);
    g_assert_cmpuint(still->len, ==, 1); /* all or nothing */
}

/* An index.db of schema 7 (the one before the IM tables) gets them on
 * open. */
static void
test_upgrade(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *db_path =
        g_build_filename(fx->dir, "mail", "example.test", "bob", "index.db", NULL);
    sqlite3 *db = NULL;

    g_assert_cmpint(send_im(ALICE, BOB, "before", NULL, &error), >, 0);
    hermod_store_shutdown();
    g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db,
                                 "DROP TABLE im; DROP TABLE im_settings; PRAGMA user_version = 7;",
                                 NULL, NULL, NULL),
                    ==, SQLITE_OK);
    sqlite3_close(db);
    g_assert_cmpint(send_im(ALICE, BOB, "after the upgrade", NULL, &error), >, 0);
    g_assert_no_error(error);
    g_autoptr(GPtrArray) in = history(BOB, NULL);
    g_assert_cmpuint(in->len, ==, 1);
    g_assert_cmpstr(((HermodIm *)in->pdata[0])->text, ==, "after the upgrade");
    hermod_store_shutdown();
    g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_assert_cmpint(sqlite3_column_int(st, 0), >=, 8); /* 8 or a later schema */
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void
test_settings(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *v = NULL;
    g_autofree char *none = NULL;

    g_assert_true(hermod_im_setting_get(ALICE, "notify_new_mail", &none, &error));
    g_assert_null(none);
    g_assert_true(hermod_im_setting_set(ALICE, "notify_new_mail", "Mail from %from%", &error));
    g_assert_true(hermod_im_setting_get(ALICE, "notify_new_mail", &v, &error));
    g_assert_cmpstr(v, ==, "Mail from %from%");
    g_assert_false(hermod_im_setting_set(ALICE, "no_such_key", "x", &error));
    g_assert_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/im/deliver", test_deliver);
    ADD("/im/refused", test_refused);
    ADD("/im/dedupe", test_dedupe);
    ADD("/im/query", test_query);
    ADD("/im/sessions", test_sessions);
    ADD("/im/log", test_log);
    ADD("/im/broadcast", test_broadcast);
    ADD("/im/settings", test_settings);
    ADD("/im/group", test_group);
    ADD("/im/upgrade", test_upgrade);
    return g_test_run();
}
