/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-store.h - the one in-memory HermodMailApi of the unit tests: IMAP
 * sessions, FETCH/SEARCH/SORT/THREAD and POP3 all read and write this
 * store, through the table as a module does and through the functions
 * below as another session, the delivery agent or a failing disk would.
 *
 * Accounts are made on first use, each with an INBOX.  Mailboxes have
 * UIDVALIDITY (never the same twice in a process, so that a module's
 * caches keyed by it stay right across resets), UIDNEXT, a HIGHESTMODSEQ and an
 * expunge history (expunged_since, QRESYNC); messages have flags,
 * keywords, a modseq (from 11 after a reset), an internal date and a parse
 * cache, and their bytes live in files under a temporary folder, so that
 * open_message maps a real file and a test can make one vanish.  A quota
 * per account; watches whose callbacks run from the fake core's pump
 * (FakeCoreSpec.run_event = fake_store_run_watches), as the real core
 * posts them to the connection's loop.  Errors carry the codes of
 * hermod/mailstore.h.
 *
 * fake_store_api is the full table (ABI 1.3); fake_store_api_until is an
 * older core's, which ends before a member, so that a module's fallback
 * (open_message without read_message, its own search without search_text)
 * stays tested.  Main thread only, like the fake core; the folder goes at
 * exit.
 */
#ifndef FAKE_STORE_H
#define FAKE_STORE_H

#include <hermod/mailstore.h>

G_BEGIN_DECLS

/* The internal date of a message added with date 0. */
#define FAKE_STORE_NOW 1700000000

/* Which calls must come from a work job (fake_in_work), as the module's
 * contract with the core says; a call from elsewhere fails the test. */
typedef enum {
    FAKE_STORE_ANY_THREAD,       /* no check */
    FAKE_STORE_BLOCKING_IN_WORK, /* the calls hermod/mailstore.h marks blocking */
    /* every call but the message bytes (read_message, open_message),
     * mailbox_status, the frees and the watches: what POP3 promises */
    FAKE_STORE_ALL_IN_WORK,
} FakeStoreWork;

/* Empty every account, forget watches, call counts, failures and quotas,
 * restart modseq numbering; the work rule goes back to
 * FAKE_STORE_ANY_THREAD.  Handles the module holds stay valid. */
void fake_store_reset(void);
void fake_store_require_work(FakeStoreWork rule);

/* The full table (transfer none). */
const HermodMailApi *fake_store_api(void);
/* The table of an older core: struct_size end (a G_STRUCT_OFFSET), every
 * member from there on NULL.  (transfer none; one such table at a time) */
const HermodMailApi *fake_store_api_until(gsize end);
/* account's store as open() hands it out (transfer none). */
HermodMailStore *fake_store_of(const char *account);

/* --- as another session, the delivery agent or the disk would --- */
/* Create mailbox (and its parents) with special_use (nullable), delete or
 * rename it (children follow); watches fire. */
void fake_store_create(const char *account, const char *mailbox, const char *special_use);
void fake_store_delete(const char *account, const char *mailbox);
void fake_store_rename(const char *account, const char *from, const char *to);
/* Add a message (len -1: text is NUL-terminated) with flags and an
 * internal date (0: FAKE_STORE_NOW); returns its UID.  Watches fire. */
guint32 fake_store_add(const char *account, const char *mailbox, const char *text, gssize len,
                       guint32 flags, gint64 date);
/* The same, from a file (an absolute path); aborts if unreadable. */
guint32 fake_store_add_file(const char *account, const char *mailbox, const char *path,
                            guint32 flags, gint64 date);
void fake_store_set_flags(const char *account, const char *mailbox, guint32 uid, guint32 flags);
/* Give a message keywords as it arrived with them (its modseq stays). */
void fake_store_set_keywords(const char *account, const char *mailbox, guint32 uid,
                             const char *const *keywords);
void fake_store_expunge(const char *account, const char *mailbox, guint32 uid);
void fake_store_set_quota(const char *account, guint64 limit);
/* The message's file disappears: it stays in the index with its cache,
 * reading its bytes fails. */
void fake_store_lose(const char *account, const char *mailbox, guint32 uid);
/* A parse-cache value, as an earlier session would have stored it. */
void fake_store_cache_put(const char *account, const char *mailbox, guint32 uid, const char *field,
                          const char *value);
/* Make every call of one table member ("expunge", ...) fail with this
 * HERMOD_MAIL_ERROR code; -1: work again. */
void fake_store_fail(const char *member, int code);

/* --- what the module did --- */
/* UIDs of mailbox, ascending (transfer full). */
GArray *fake_store_uids(const char *account, const char *mailbox);
guint32 fake_store_flags(const char *account, const char *mailbox, guint32 uid);
guint32 fake_store_uidvalidity(const char *account, const char *mailbox);
/* Calls of one table member ("mailbox_status", "cache_set", ...) since
 * the reset. */
guint fake_store_calls(const char *member);

/* --- watches --- */
/* Run one queued watch callback of conn; TRUE if one ran. */
gboolean fake_store_run_watches(HermodConn *conn);
/* Forget the callbacks queued so far (a notification still on its way
 * when the next command arrives). */
void fake_store_drop_watches(void);

G_END_DECLS

#endif
