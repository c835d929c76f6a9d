/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store-imap.c - the store operations IMAP needs: mailbox create,
 * delete (\Noselect parents), rename (children, INBOX), subscribe; append
 * with keywords; STORE with CONDSTORE; EXPUNGE and the expunge log; COPY
 * (hard links) and MOVE; the parse cache; quota figures; mailbox status
 * kept only while the index is unchanged.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tmpdir.h"
#include "directory/directory.h"
#include "store/store.h"

#define ALICE "alice@example.test"

typedef struct {
    char *dir;
    HermodStore *store;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-imapstore-XXXXXX", &error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
    g_assert_no_error(error);
    hermod_store_set_root(fx->dir);
    fx->store = hermod_store_open(ALICE, &error);
    g_assert_no_error(error);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_store_unref(fx->store);
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static char *
names(HermodStore *store)
{
    g_autoptr(GPtrArray) list = hermod_store_mailboxes(store, NULL);
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        HermodStoreMailbox *mb = list->pdata[i];
        g_string_append_printf(out, "%s%s%s", out->len ? "," : "", mb->name,
                               mb->is_noselect ? "(noselect)" : "");
    }
    return g_string_free(out, FALSE);
}

/* A cache lookup that must answer.  (transfer full) */
static char *
cache_get(HermodStore *store, const char *mailbox, guint32 uid, const char *field)
{
    g_autoptr(GError) error = NULL;
    char *value = NULL;

    g_assert_true(hermod_store_cache_get(store, mailbox, uid, field, &value, &error));
    g_assert_no_error(error);
    return value;
}

static guint32
add(HermodStore *store, const char *mailbox, const char *text, guint32 flags)
{
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    g_autoptr(GError) error = NULL;
    guint32 uid = 0;

    g_assert_true(hermod_store_append(store, mailbox, data, flags, 0, &uid, &error));
    g_assert_no_error(error);
    return uid;
}

static HermodStoreMailbox *
status(HermodStore *store, const char *name)
{
    g_autoptr(GError) error = NULL;
    HermodStoreMailbox *mb = hermod_store_mailbox_status(store, name, &error);

    g_assert_no_error(error);
    return mb;
}

static void
test_create_delete(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *after_create = NULL;
    g_autofree char *after_parent = NULL;
    g_autofree char *after_child = NULL;
    HermodStoreMailbox *mb;
    guint32 old_validity;

    g_assert_true(hermod_store_mailbox_create(fx->store, "Work/2024/Q1", NULL, &error));
    g_assert_no_error(error);
    after_create = names(fx->store);
    g_assert_cmpstr(after_create, ==,
                    "Archive,Drafts,INBOX,Junk,Sent,Trash,Work,Work/2024,Work/2024/Q1");
    g_assert_false(hermod_store_mailbox_create(fx->store, "Work", NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(hermod_store_mailbox_create(fx->store, "inbox", NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS);
    g_clear_error(&error);
    for (const char *const *bad = (const char *const[]){"", "/a", "a/", "a//b", "a\tb", NULL};
         *bad != NULL; bad++) {
        g_assert_false(hermod_store_mailbox_create(fx->store, *bad, NULL, &error));
        g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID);
        g_clear_error(&error);
    }
    g_assert_false(hermod_store_mailbox_delete(fx->store, "INBOX", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID);
    g_clear_error(&error);
    /* A parent with children keeps existing as \Noselect, without mail. */
    add(fx->store, "Work/2024", "x", 0);
    mb = status(fx->store, "Work/2024");
    old_validity = mb->uidvalidity;
    hermod_store_mailbox_free(mb);
    g_assert_true(hermod_store_mailbox_delete(fx->store, "Work/2024", &error));
    after_parent = names(fx->store);
    g_assert_cmpstr(after_parent, ==,
                    "Archive,Drafts,INBOX,Junk,Sent,Trash,Work,Work/2024(noselect),Work/2024/Q1");
    g_assert_null(hermod_store_messages(fx->store, "Work/2024", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    /* Deleting the last child takes the \Noselect parent along. */
    g_assert_true(hermod_store_mailbox_delete(fx->store, "Work/2024/Q1", &error));
    after_child = names(fx->store);
    g_assert_cmpstr(after_child, ==, "Archive,Drafts,INBOX,Junk,Sent,Trash,Work");
    /* Made again, a name gets a new UIDVALIDITY. */
    g_assert_true(hermod_store_mailbox_create(fx->store, "Work/2024", NULL, &error));
    mb = status(fx->store, "Work/2024");
    g_assert_cmpuint(mb->uidvalidity, >, old_validity);
    g_assert_cmpuint(mb->messages, ==, 0);
    hermod_store_mailbox_free(mb);
}

static void
test_rename(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;
    g_autoptr(GPtrArray) moved = NULL;
    g_autoptr(GPtrArray) inbox = NULL;
    g_autoptr(GArray) gone = NULL;
    HermodStoreMailbox *mb;
    guint32 validity;

    g_assert_true(hermod_store_mailbox_create(fx->store, "A/B", NULL, &error));
    add(fx->store, "A/B", "in b", 0);
    mb = status(fx->store, "A/B");
    validity = mb->uidvalidity;
    hermod_store_mailbox_free(mb);
    g_assert_true(hermod_store_mailbox_rename(fx->store, "A", "X/Y", &error));
    g_assert_no_error(error);
    after = names(fx->store);
    g_assert_cmpstr(after, ==, "Archive,Drafts,INBOX,Junk,Sent,Trash,X,X/Y,X/Y/B");
    mb = status(fx->store, "X/Y/B");
    g_assert_cmpuint(mb->uidvalidity, ==, validity);
    g_assert_cmpuint(mb->messages, ==, 1);
    hermod_store_mailbox_free(mb);
    g_assert_false(hermod_store_mailbox_rename(fx->store, "X", "X/Y/Z", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(hermod_store_mailbox_rename(fx->store, "X", "Sent", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS);
    g_clear_error(&error);
    /* INBOX: its messages move to the new mailbox, INBOX stays. */
    add(fx->store, "INBOX", "one", 0);
    add(fx->store, "INBOX", "two", 0);
    g_assert_true(hermod_store_mailbox_rename(fx->store, "inbox", "Old", &error));
    g_assert_no_error(error);
    moved = hermod_store_messages(fx->store, "Old", NULL);
    inbox = hermod_store_messages(fx->store, "INBOX", NULL);
    g_assert_cmpuint(moved->len, ==, 2);
    g_assert_cmpuint(inbox->len, ==, 0);
    gone = hermod_store_expunged_since(fx->store, "INBOX", 0, NULL);
    g_assert_cmpuint(gone->len, ==, 2);
    g_assert_cmpuint(add(fx->store, "INBOX", "three", 0), ==, 3);
}

static void
test_subscribe(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    HermodStoreMailbox *mb;

    g_assert_true(hermod_store_mailbox_subscribe(fx->store, "Junk", FALSE, &error));
    mb = status(fx->store, "Junk");
    g_assert_false(mb->subscribed);
    hermod_store_mailbox_free(mb);
    g_assert_false(hermod_store_mailbox_subscribe(fx->store, "Nope", TRUE, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
}

static char *
keywords_of(HermodStore *store, guint32 uid, guint32 *out_flags, guint64 *out_modseq)
{
    g_autoptr(GPtrArray) msgs = hermod_store_messages(store, "INBOX", NULL);

    for (guint i = 0; i < msgs->len; i++) {
        HermodStoreMessage *m = msgs->pdata[i];
        if (m->uid != uid)
            continue;
        *out_flags = m->flags;
        *out_modseq = m->modseq;
        return m->keywords != NULL ? g_strjoinv(" ", m->keywords) : g_strdup("");
    }
    g_assert_not_reached();
}

static void
store_flags(HermodStore *store, guint32 uid, HermodStoreFlagsOp op, guint32 flags,
            const char *const *kw, guint64 unchangedsince, GArray *failed)
{
    HermodStoreFlagChange c = {&uid, 1, op, flags, kw, unchangedsince};
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_store_update_flags(store, "INBOX", &c, failed, &error));
    g_assert_no_error(error);
}

static void
test_flags(Fixture *fx, gconstpointer data)
{
    static const char *const kw[] = {"$Label1", "Work", NULL};
    static const char *const work[] = {"work", NULL};
    g_autoptr(GBytes) bytes = g_bytes_new_static("m", 1);
    HermodStoreAppend in = {bytes, HERMOD_MAIL_FLAG_DRAFT, kw, 0};
    g_autoptr(GArray) failed = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) since = NULL;
    guint32 uid = 0, validity = 0, flags = 0;
    guint64 m1, m2, m3;
    char *words;

    g_assert_true(hermod_store_append_full(fx->store, "INBOX", &in, &uid, &validity, &error));
    g_assert_cmpuint(uid, ==, 1);
    g_assert_cmpuint(validity, >, 0);
    words = keywords_of(fx->store, 1, &flags, &m1);
    g_assert_cmpstr(words, ==, "$Label1 Work");
    g_assert_cmpuint(flags, ==, HERMOD_MAIL_FLAG_DRAFT);
    g_free(words);
    store_flags(fx->store, 1, HERMOD_STORE_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL, 0, NULL);
    store_flags(fx->store, 1, HERMOD_STORE_FLAGS_REMOVE, HERMOD_MAIL_FLAG_DRAFT, work, 0, NULL);
    words = keywords_of(fx->store, 1, &flags, &m2);
    g_assert_cmpstr(words, ==, "$Label1");
    g_assert_cmpuint(flags, ==, HERMOD_MAIL_FLAG_SEEN);
    g_assert_cmpuint(m2, ==, m1 + 2);
    g_free(words);
    /* Nothing changes: no new MODSEQ. */
    store_flags(fx->store, 1, HERMOD_STORE_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL, 0, NULL);
    g_free(keywords_of(fx->store, 1, &flags, &m3));
    g_assert_cmpuint(m3, ==, m2);
    /* UNCHANGEDSINCE older than the message: refused, reported. */
    store_flags(fx->store, 1, HERMOD_STORE_FLAGS_SET, HERMOD_MAIL_FLAG_FLAGGED, NULL, m2 - 1,
                failed);
    g_assert_cmpuint(failed->len, ==, 1);
    g_assert_cmpuint(g_array_index(failed, guint32, 0), ==, 1);
    store_flags(fx->store, 1, HERMOD_STORE_FLAGS_SET, HERMOD_MAIL_FLAG_FLAGGED, NULL, m2, failed);
    words = keywords_of(fx->store, 1, &flags, &m3);
    g_assert_cmpstr(words, ==, "");
    g_assert_cmpuint(flags, ==, HERMOD_MAIL_FLAG_FLAGGED);
    g_free(words);
    since = hermod_store_messages_since(fx->store, "INBOX", m3, NULL);
    g_assert_cmpuint(since->len, ==, 0);
}

static void
test_expunge(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) first = NULL;
    g_autoptr(GArray) second = NULL;
    g_autoptr(GArray) log = NULL;
    g_autoptr(GPtrArray) left = NULL;
    g_autofree char *file = g_build_filename(fx->dir, "mail/example.test/alice/msg/1.1", NULL);
    guint32 two = 2;
    guint64 used = 0, limit = 1;
    HermodStoreMailbox *mb;
    guint64 modseq;

    add(fx->store, "INBOX", "aaaa", HERMOD_MAIL_FLAG_DELETED);
    add(fx->store, "INBOX", "bbbb", 0);
    add(fx->store, "INBOX", "cccc", HERMOD_MAIL_FLAG_DELETED | HERMOD_MAIL_FLAG_SEEN);
    hermod_store_cache_set(fx->store, "INBOX", 1, "envelope", "(\"x\")");
    g_assert_true(hermod_store_quota(fx->store, &used, &limit, &error));
    g_assert_cmpuint(used, ==, 12);
    g_assert_cmpuint(limit, ==, 0);
    mb = status(fx->store, "INBOX");
    g_assert_cmpuint(mb->deleted, ==, 2);
    modseq = mb->highestmodseq;
    hermod_store_mailbox_free(mb);
    first = hermod_store_expunge(fx->store, "INBOX", NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(first->len, ==, 2);
    g_assert_cmpuint(g_array_index(first, guint32, 0), ==, 1);
    g_assert_cmpuint(g_array_index(first, guint32, 1), ==, 3);
    g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
    g_autofree char *gone = cache_get(fx->store, "INBOX", 1, "envelope");
    g_assert_null(gone);
    second = hermod_store_expunge(fx->store, "INBOX", &two, 1, &error);
    g_assert_cmpuint(second->len, ==, 1);
    log = hermod_store_expunged_since(fx->store, "INBOX", modseq, NULL);
    g_assert_cmpuint(log->len, ==, 3);
    left = hermod_store_messages(fx->store, "INBOX", NULL);
    g_assert_cmpuint(left->len, ==, 0);
    g_assert_true(hermod_store_quota(fx->store, &used, &limit, &error));
    g_assert_cmpuint(used, ==, 0);
}

static void
test_cache(Fixture *fx, gconstpointer data)
{
    g_autofree char *value = NULL;
    g_autofree char *before = NULL;

    add(fx->store, "INBOX", "m", 0);
    before = cache_get(fx->store, "INBOX", 1, "bodystructure");
    g_assert_null(before);
    hermod_store_cache_set(fx->store, "inbox", 1, "bodystructure", "(\"text\" \"plain\")");
    value = cache_get(fx->store, "INBOX", 1, "bodystructure");
    g_assert_cmpstr(value, ==, "(\"text\" \"plain\")");
}

static void
test_copy_move(Fixture *fx, gconstpointer data)
{
    static const char *const kw[] = {"Important", NULL};
    g_autoptr(GBytes) bytes = g_bytes_new_static("copy me", 7);
    HermodStoreAppend in = {bytes, HERMOD_MAIL_FLAG_SEEN, kw, 0};
    guint32 uids[] = {1, 2, 5};
    HermodStoreCopy copy = {uids, 3, "Archive", FALSE};
    HermodStoreCopy move = {uids, 2, "Trash", TRUE};
    g_autoptr(GArray) src = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GArray) dst = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GPtrArray) archived = NULL;
    g_autoptr(GPtrArray) trash = NULL;
    g_autoptr(GArray) gone = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *src_file = g_build_filename(fx->dir, "mail/example.test/alice/msg/1.1", NULL);
    guint32 validity = 0;
    GStatBuf st;

    g_assert_true(hermod_store_append_full(fx->store, "INBOX", &in, NULL, NULL, &error));
    add(fx->store, "INBOX", "second", 0);
    g_assert_true(hermod_store_copy(fx->store, "INBOX", &copy, src, dst, &validity, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(src->len, ==, 2);
    g_assert_cmpuint(g_array_index(src, guint32, 1), ==, 2);
    g_assert_cmpuint(g_array_index(dst, guint32, 0), ==, 1);
    g_assert_cmpuint(g_array_index(dst, guint32, 1), ==, 2);
    g_assert_cmpuint(validity, >, 0);
    g_assert_cmpint(g_stat(src_file, &st), ==, 0);
    g_assert_cmpuint(st.st_nlink, ==, 2);
    archived = hermod_store_messages(fx->store, "Archive", NULL);
    g_assert_cmpuint(archived->len, ==, 2);
    g_assert_cmpstr(((HermodStoreMessage *)archived->pdata[0])->keywords[0], ==, "Important");
    g_assert_cmpuint(((HermodStoreMessage *)archived->pdata[0])->flags, ==, HERMOD_MAIL_FLAG_SEEN);
    /* MOVE: rows change mailbox, INBOX logs the expunge, no file moves. */
    g_array_set_size(src, 0);
    g_array_set_size(dst, 0);
    g_assert_true(hermod_store_copy(fx->store, "INBOX", &move, src, dst, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(dst->len, ==, 2);
    trash = hermod_store_messages(fx->store, "Trash", NULL);
    g_assert_cmpuint(trash->len, ==, 2);
    gone = hermod_store_expunged_since(fx->store, "INBOX", 0, NULL);
    g_assert_cmpuint(gone->len, ==, 2);
    g_assert_cmpint(g_stat(src_file, &st), ==, 0);
    g_assert_false(hermod_store_copy(fx->store, "Trash", &(HermodStoreCopy){uids, 1, "Nope", FALSE},
                                     NULL, NULL, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    /* Copies count against the quota. */
    g_assert_true(hermod_directory_user_set_quota(ALICE, 30, NULL));
    g_assert_false(hermod_store_copy(fx->store, "Trash", &(HermodStoreCopy){uids, 2, "Sent", FALSE},
                                     NULL, NULL, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA);
}

static void
test_reopen_after_expunge(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) gone = NULL;
    g_autoptr(GPtrArray) msgs = NULL;
    g_autofree char *leftover = g_build_filename(fx->dir, "mail/example.test/alice/msg/1.1", NULL);

    add(fx->store, "INBOX", "one", HERMOD_MAIL_FLAG_DELETED);
    add(fx->store, "INBOX", "two", 0);
    gone = hermod_store_expunge(fx->store, "INBOX", NULL, 0, &error);
    g_assert_cmpuint(gone->len, ==, 1);
    /* As if the process died between commit and unlink. */
    g_assert_true(g_file_set_contents(leftover, "one", -1, NULL));
    hermod_store_unref(fx->store);
    hermod_store_shutdown();
    fx->store = hermod_store_open(ALICE, &error);
    g_assert_no_error(error);
    msgs = hermod_store_messages(fx->store, "INBOX", NULL);
    g_assert_cmpuint(msgs->len, ==, 1);
    g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
}

static char *
found(HermodStore *store, const char *mailbox, const char *field, const char *query)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) uids = hermod_store_search_text(store, mailbox, field, query, &error);
    GString *out = g_string_new(NULL);

    g_assert_no_error(error);
    for (guint i = 0; i < uids->len; i++)
        g_string_append_printf(out, "%s%u", i ? "," : "", g_array_index(uids, guint32, i));
    return g_string_free(out, FALSE);
}

#define CHECK_FOUND(mailbox, field, query, want)                                                   \
    do {                                                                                           \
        g_autofree char *got_ = found(fx->store, mailbox, field, query);                           \
        g_assert_cmpstr(got_, ==, want);                                                           \
    } while (0)

static void
test_search(Fixture *fx, gconstpointer data)
{
    static const char multipart[] = "Subject: =?UTF-8?Q?r=C3=A9sum=C3=A9?=\r\nMIME-Version: 1.0\r\n"
                                    "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
                                    "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n"
                                    "VGhlIHNlY3JldCByw6lzdW3DqSBpcyBhdHRhY2hlZC4=\r\n--XX--\r\n";
    guint32 two = 2;
    HermodStoreCopy move = {&two, 1, "Archive", TRUE};
    g_autoptr(GArray) gone = NULL;

    add(fx->store, "INBOX", "Subject: Quarterly Meeting\r\n\r\nPlease bring coffee.\r\n", 0);
    add(fx->store, "INBOX", multipart, 0);
    add(fx->store, "INBOX", "Subject: other\r\n\r\nnothing here\r\n", 0);
    CHECK_FOUND("INBOX", "text", "meeting", "1");
    CHECK_FOUND("INBOX", "body", "meeting", "");
    CHECK_FOUND("INBOX", "body", "COFFEE please", "1");
    CHECK_FOUND("INBOX", "text", "resume", "2");
    CHECK_FOUND("INBOX", "body", "secret résumé", "2");
    CHECK_FOUND("INBOX", "text", "   ", "");
    CHECK_FOUND("INBOX", "text", "a\"b", "");
    gone = hermod_store_expunge(fx->store, "INBOX", (const guint32[]){1}, 1, NULL);
    CHECK_FOUND("INBOX", "body", "coffee", "");
    g_assert_true(hermod_store_copy(fx->store, "INBOX", &move, NULL, NULL, NULL, NULL));
    CHECK_FOUND("Archive", "body", "secret", "1");
    CHECK_FOUND("INBOX", "body", "secret", "");
}

/* A big text part is indexed from its first few MB only: the start is
 * found, the end is not (and the indexer does not decode it whole).  The
 * part is base64 and Latin-1, so the bounded decode goes through both
 * filters. */
static void
test_search_big_part(Fixture *fx, gconstpointer data)
{
    g_autoptr(GString) text = g_string_new("alpha caf\xe9 ");
    while (text->len < (12u << 20))
        g_string_append(text, "filler words for the index ");
    g_string_append(text, " omega");
    g_autofree char *b64 = g_base64_encode((const guchar *)text->str, text->len);
    g_autofree char *msg = g_strdup_printf("Subject: big\r\nMIME-Version: 1.0\r\n"
                                           "Content-Type: text/plain; charset=iso-8859-1\r\n"
                                           "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n",
                                           b64);

    add(fx->store, "INBOX", msg, 0);
    CHECK_FOUND("INBOX", "body", "alpha", "1");
    CHECK_FOUND("INBOX", "body", "café", "1");
    CHECK_FOUND("INBOX", "body", "omega", "");
}

static void
test_deleted_mailbox_leftover(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) inbox = NULL;
    g_autofree char *msg_dir = g_build_filename(fx->dir, "mail/example.test/alice/msg", NULL);
    g_autofree char *leftover = g_build_filename(msg_dir, "7.1", NULL);

    /* The six defaults are ids 1-6: "Tmp" is 7, its first message 7.1. */
    g_assert_true(hermod_store_mailbox_create(fx->store, "Tmp", NULL, &error));
    add(fx->store, "Tmp", "doomed", 0);
    g_assert_true(g_file_test(leftover, G_FILE_TEST_EXISTS));
    g_assert_true(hermod_store_mailbox_delete(fx->store, "Tmp", &error));
    g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
    /* As if the process died between the commit and the unlink. */
    g_assert_true(g_file_set_contents(leftover, "doomed", -1, NULL));
    hermod_store_unref(fx->store);
    hermod_store_shutdown();
    fx->store = hermod_store_open(ALICE, &error);
    g_assert_no_error(error);
    inbox = hermod_store_messages(fx->store, "INBOX", NULL);
    g_assert_cmpuint(inbox->len, ==, 0);
    g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
}

/* mailbox_status keeps its answer until the index changes: through this
 * store (STORE, EXPUNGE, APPEND) or through another connection. */
static void
expect_counts(HermodStore *store, guint32 messages, guint32 unseen)
{
    HermodStoreMailbox *mb = status(store, "INBOX");

    g_assert_cmpuint(mb->messages, ==, messages);
    g_assert_cmpuint(mb->unseen, ==, unseen);
    hermod_store_mailbox_free(mb);
}

static void
test_status_follows(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    guint32 one = add(fx->store, "INBOX", "Subject: 1\r\n\r\none\r\n", 0);
    guint32 two = add(fx->store, "INBOX", "Subject: 2\r\n\r\ntwo\r\n", 0);

    expect_counts(fx->store, 2, 2);
    expect_counts(fx->store, 2, 2);
    store_flags(fx->store, one, HERMOD_STORE_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL, 0, NULL);
    expect_counts(fx->store, 2, 1);
    g_autoptr(GArray) gone = hermod_store_expunge(fx->store, "INBOX", &two, 1, &error);
    g_assert_no_error(error);
    expect_counts(fx->store, 1, 0);
    add(fx->store, "INBOX", "Subject: 3\r\n\r\nthree\r\n", 0);
    expect_counts(fx->store, 2, 1);

    g_autofree char *path =
        g_build_filename(fx->dir, "mail", "example.test", "alice", "index.db", NULL);
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    /* Another writer, as an admin's sqlite3 would be: the store's indexer
     * may hold the write lock for a moment (the cause of a SQLITE_BUSY
     * bail-out seen on fresh machines), so wait for it as any client must. */
    sqlite3_busy_timeout(db, 10000);
    g_assert_cmpint(sqlite3_exec(db, "UPDATE messages SET flags = 0", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    sqlite3_close(db);
    expect_counts(fx->store, 2, 2);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/store-imap/create-delete", test_create_delete);
    ADD("/store-imap/rename", test_rename);
    ADD("/store-imap/subscribe", test_subscribe);
    ADD("/store-imap/flags", test_flags);
    ADD("/store-imap/expunge", test_expunge);
    ADD("/store-imap/cache", test_cache);
    ADD("/store-imap/copy-move", test_copy_move);
    ADD("/store-imap/reopen-after-expunge", test_reopen_after_expunge);
    ADD("/store-imap/search", test_search);
    ADD("/store-imap/search-big-part", test_search_big_part);
    ADD("/store-imap/deleted-mailbox-leftover", test_deleted_mailbox_leftover);
    ADD("/store-imap/status-follows", test_status_follows);
#undef ADD
    return g_test_run();
}
