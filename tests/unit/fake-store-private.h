/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-store-private.h - the model of the fake mail store shared by its two
 * halves: fake-store.c (accounts, mailboxes, message files, watches, the
 * test's side) and fake-store-api.c (the HermodMailApi table over it).
 * Nothing else includes it.
 */
#ifndef FAKE_STORE_PRIVATE_H
#define FAKE_STORE_PRIVATE_H

#include "fake-store.h"

G_BEGIN_DECLS

typedef struct {
    HermodMsgInfo info; /* keywords never NULL */
    char *path;         /* the message's file (gone after fake_store_lose) */
    GHashTable *cache;  /* field -> value: the parse cache */
} FakeMsg;

typedef struct {
    guint32 uid;
    guint64 modseq;
} FakeGone;

typedef struct {
    char *name;
    char *special_use; /* nullable */
    guint32 uidvalidity, uidnext;
    guint64 highestmodseq;
    gboolean is_subscribed;
    GPtrArray *msgs; /* FakeMsg *, ascending UID */
    GArray *gone;    /* FakeGone: the expunge history */
} FakeBox;

struct HermodMailStore {
    char *account;
    int refs;         /* the fake's own plus the module's open()s */
    GPtrArray *boxes; /* FakeBox *, name order */
    guint64 quota;    /* 0: unlimited */
};

/* How a table member is checked against the work rule. */
typedef enum {
    FAKE_CALL_BLOCKING, /* hermod/mailstore.h says "blocking" */
    FAKE_CALL_QUICK,    /* a quick read: from a work job under FAKE_STORE_ALL_IN_WORK */
    FAKE_CALL_ANY,      /* message bytes, status, frees, watches: anywhere */
} FakeCall;

/* Count a call of member and check the work rule; FALSE with error set
 * when the test made member fail (fake_store_fail). */
gboolean fake_store_enter(const char *member, FakeCall kind, GError **error);

/* account's store, made on first use; INBOX always exists. */
HermodMailStore *fake_store_account(const char *account);
FakeBox *fake_store_box(HermodMailStore *store, const char *name);
/* FALSE if name exists; parents are made as needed, special_use on the
 * last one. */
gboolean fake_store_make_box(HermodMailStore *store, const char *name, const char *special_use);
/* Delete a mailbox (not INBOX) or rename it with its children; FALSE
 * with a HERMOD_MAIL_ERROR. */
gboolean fake_store_drop_box(HermodMailStore *store, const char *name, GError **error);
gboolean fake_store_rename_box(HermodMailStore *store, const char *from, const char *to,
                               GError **error);
FakeMsg *fake_store_msg(FakeBox *box, guint32 uid);
/* A new message at UIDNEXT, its bytes in a new file; returns its UID. */
guint32 fake_store_append_msg(FakeBox *box, GBytes *data, guint32 flags,
                              const char *const *keywords, gint64 date);
/* The next modseq of box (also its HIGHESTMODSEQ). */
guint64 fake_store_bump(FakeBox *box);
/* Remove uids (NULL: every \Deleted one) into the history; returns the
 * UIDs removed, ascending (transfer full). */
GArray *fake_store_remove(FakeBox *box, const guint32 *uids, gsize n);
guint64 fake_store_used(HermodMailStore *store);
/* The message's bytes (transfer full), or NULL with error. */
GBytes *fake_store_read(FakeMsg *msg, GError **error);
/* Queue a callback for every watch of store's account. */
void fake_store_notify(HermodMailStore *store);
guint fake_store_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn,
                           gpointer data);
void fake_store_watch_remove(guint id);

G_END_DECLS

#endif
