/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * thread-tree.h - the threading algorithms of RFC 5256 over loaded
 * ImapSortInfo records, and the thread-list output.  Private.
 */
#ifndef HERMOD_IMAP_THREAD_TREE_H
#define HERMOD_IMAP_THREAD_TREE_H

#include "sortinfo.h"

G_BEGIN_DECLS

typedef struct ImapThreadNode ImapThreadNode;
struct ImapThreadNode {
    const ImapSortInfo *info; /* NULL: a dummy */
    ImapThreadNode *parent;
    GPtrArray *children; /* ImapThreadNode* (not owned) */
};

typedef struct {
    GPtrArray *nodes; /* every node (owned) */
    GPtrArray *roots; /* ImapThreadNode*, in output order */
} ImapThreadTree;

/* infos: GArray of ImapSortInfo (transfer none; must outlive the tree). */
ImapThreadTree *imap_thread_orderedsubject(GArray *infos);
ImapThreadTree *imap_thread_references(GArray *infos);
/* Append "(1 2)(3 (4)(5))" for the tree (sequence numbers or UIDs). */
void imap_thread_tree_format(const ImapThreadTree *tree, GString *out, gboolean is_uid);
void imap_thread_tree_free(ImapThreadTree *tree);

G_END_DECLS

#endif
