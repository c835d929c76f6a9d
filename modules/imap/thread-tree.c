/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * thread-tree.c - RFC 5256's ORDEREDSUBJECT and REFERENCES threading over
 * ImapSortInfo records, and the thread-list syntax "(1 2 (3)(4))".
 * Node dates: a message's sent date (sequence number breaking ties); a
 * dummy takes its first child's.
 */
#include "autoconfig.h"

#include "thread-tree.h"

#include <string.h>

static ImapThreadNode *
node_new(ImapThreadTree *tree, const ImapSortInfo *info)
{
    ImapThreadNode *node = g_new0(ImapThreadNode, 1);

    node->info = info;
    node->children = g_ptr_array_new();
    g_ptr_array_add(tree->nodes, node);
    return node;
}

static void
node_free(ImapThreadNode *node)
{
    g_ptr_array_unref(node->children);
    g_free(node);
}

static ImapThreadTree *
tree_new(void)
{
    ImapThreadTree *tree = g_new0(ImapThreadTree, 1);
    tree->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
    tree->roots = g_ptr_array_new();
    return tree;
}

void
imap_thread_tree_free(ImapThreadTree *tree)
{
    g_ptr_array_unref(tree->roots);
    g_ptr_array_unref(tree->nodes);
    g_free(tree);
}

static void
link_child(ImapThreadNode *parent, ImapThreadNode *child)
{
    child->parent = parent;
    g_ptr_array_add(parent->children, child);
}

static void
unlink_child(ImapThreadNode *child)
{
    if (child->parent != NULL)
        g_ptr_array_remove(child->parent->children, child);
    child->parent = NULL;
}

/* Is a equal to b or one of b's ancestors? */
static gboolean
is_ancestor(const ImapThreadNode *a, const ImapThreadNode *b)
{
    for (; b != NULL; b = b->parent) {
        if (a == b)
            return TRUE;
    }
    return FALSE;
}

static const ImapSortInfo *
date_info(const ImapThreadNode *node)
{
    while (node->info == NULL && node->children->len > 0)
        node = node->children->pdata[0];
    return node->info;
}

static int
compare_dates(gconstpointer pa, gconstpointer pb)
{
    const ImapSortInfo *a = date_info(*(ImapThreadNode *const *)pa);
    const ImapSortInfo *b = date_info(*(ImapThreadNode *const *)pb);

    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    if (a->sent != b->sent)
        return a->sent < b->sent ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static void
sort_nodes(GPtrArray *list, guint depth)
{
    for (guint i = 0; depth < 10000 && i < list->len; i++)
        sort_nodes(((ImapThreadNode *)list->pdata[i])->children, depth + 1);
    g_ptr_array_sort(list, compare_dates);
}

static int
compare_subjects(gconstpointer pa, gconstpointer pb)
{
    const ImapSortInfo *a = pa, *b = pb;
    int r = strcmp(a->subject, b->subject);

    if (r != 0)
        return r;
    if (a->sent != b->sent)
        return a->sent < b->sent ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int
compare_subject_ptrs(gconstpointer pa, gconstpointer pb)
{
    return compare_subjects(*(gconstpointer const *)pa, *(gconstpointer const *)pb);
}

ImapThreadTree *
imap_thread_orderedsubject(GArray *infos)
{
    ImapThreadTree *tree = tree_new();
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    ImapThreadNode *root = NULL;

    for (guint i = 0; i < infos->len; i++)
        g_ptr_array_add(sorted, &g_array_index(infos, ImapSortInfo, i));
    g_ptr_array_sort(sorted, compare_subject_ptrs);
    for (guint i = 0; i < sorted->len; i++) {
        const ImapSortInfo *info = sorted->pdata[i];
        ImapThreadNode *node = node_new(tree, info);
        if (root != NULL && strcmp(root->info->subject, info->subject) == 0) {
            link_child(root, node);
        } else {
            root = node;
            g_ptr_array_add(tree->roots, node);
        }
    }
    g_ptr_array_sort(tree->roots, compare_dates);
    return tree;
}

/* The container for id, created (as a dummy) when new. */
static ImapThreadNode *
container(ImapThreadTree *tree, GHashTable *ids, const char *id)
{
    ImapThreadNode *node = g_hash_table_lookup(ids, id);

    if (node == NULL) {
        node = node_new(tree, NULL);
        g_hash_table_insert(ids, (gpointer)id, node);
    }
    return node;
}

/* Step 1: one message's container and its references chain. */
static void
link_message(ImapThreadTree *tree, GHashTable *ids, const ImapSortInfo *info)
{
    const char *id = info->message_id;
    ImapThreadNode *node = id != NULL ? g_hash_table_lookup(ids, id) : NULL;
    ImapThreadNode *prev = NULL;

    if (node == NULL || node->info != NULL) /* no id, or a duplicate: a unique container */
        node = id != NULL && node == NULL ? container(tree, ids, id) : node_new(tree, NULL);
    node->info = info;
    for (guint i = 0; info->references[i] != NULL; i++) {
        ImapThreadNode *ref = container(tree, ids, info->references[i]);
        if (prev != NULL && ref->parent == NULL && !is_ancestor(ref, prev))
            link_child(prev, ref);
        prev = ref;
    }
    if (node->parent != NULL)
        unlink_child(node);
    if (prev != NULL && !is_ancestor(node, prev))
        link_child(prev, node);
}

/* Step 3: drop empty dummies; promote a dummy's children unless it is a
 * root with several. */
static void
prune(GPtrArray *list, ImapThreadNode *parent, guint depth)
{
    g_autoptr(GPtrArray) kept = g_ptr_array_new();

    for (guint i = 0; i < list->len; i++) {
        ImapThreadNode *node = list->pdata[i];
        if (depth < 10000)
            prune(node->children, node, depth + 1);
        if (node->info != NULL || (parent == NULL && node->children->len > 1)) {
            g_ptr_array_add(kept, node);
            continue;
        }
        for (guint c = 0; c < node->children->len; c++) {
            ImapThreadNode *child = node->children->pdata[c];
            child->parent = parent;
            g_ptr_array_add(kept, child);
        }
        g_ptr_array_set_size(node->children, 0);
    }
    g_ptr_array_set_size(list, 0);
    g_ptr_array_extend(list, kept, NULL, NULL);
}

static const ImapSortInfo *
subject_info(const ImapThreadNode *node)
{
    return node->info != NULL        ? node->info
           : node->children->len > 0 ? ((ImapThreadNode *)node->children->pdata[0])->info
                                     : NULL;
}

static gboolean
replaces(const ImapThreadNode *current, const ImapThreadNode *in_table)
{
    if (current->info == NULL)
        return in_table->info != NULL;
    return in_table->info != NULL && in_table->info->is_reply && !current->info->is_reply;
}

/* Step 5 (C): merge root into the table's container t for its subject. */
static gboolean
merge(ImapThreadTree *tree, GHashTable *subjects, ImapThreadNode *root, ImapThreadNode *t)
{
    if (root->info == NULL && t->info == NULL) {
        for (guint c = 0; c < root->children->len; c++)
            link_child(t, root->children->pdata[c]);
        g_ptr_array_set_size(root->children, 0);
    } else if (t->info == NULL ||
               (root->info != NULL && root->info->is_reply && !t->info->is_reply)) {
        link_child(t, root);
    } else {
        ImapThreadNode *dummy = node_new(tree, NULL);
        guint pos = 0;
        g_ptr_array_find(tree->roots, t, &pos);
        tree->roots->pdata[pos] = dummy;
        link_child(dummy, t);
        link_child(dummy, root);
        g_hash_table_replace(subjects, subject_info(t)->subject, dummy);
    }
    return TRUE;
}

static void
merge_subjects(ImapThreadTree *tree)
{
    g_autoptr(GHashTable) subjects = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) roots = g_ptr_array_copy(tree->roots, NULL, NULL);

    for (guint i = 0; i < roots->len; i++) {
        ImapThreadNode *root = roots->pdata[i];
        const ImapSortInfo *info = subject_info(root);
        ImapThreadNode *t = info != NULL ? g_hash_table_lookup(subjects, info->subject) : NULL;
        if (info == NULL || *info->subject == '\0')
            continue;
        if (t == NULL || replaces(root, t))
            g_hash_table_replace(subjects, info->subject, root);
    }
    for (guint i = 0; i < roots->len; i++) {
        ImapThreadNode *root = roots->pdata[i];
        const ImapSortInfo *info = subject_info(root);
        ImapThreadNode *t = info != NULL ? g_hash_table_lookup(subjects, info->subject) : NULL;
        if (info == NULL || *info->subject == '\0' || t == NULL || t == root ||
            root->parent != NULL)
            continue;
        g_ptr_array_remove(tree->roots, root);
        merge(tree, subjects, root, t);
    }
}

ImapThreadTree *
imap_thread_references(GArray *infos)
{
    ImapThreadTree *tree = tree_new();
    g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < infos->len; i++)
        link_message(tree, ids, &g_array_index(infos, ImapSortInfo, i));
    for (guint i = 0; i < tree->nodes->len; i++) {
        ImapThreadNode *node = tree->nodes->pdata[i];
        if (node->parent == NULL)
            g_ptr_array_add(tree->roots, node);
    }
    prune(tree->roots, NULL, 0);
    sort_nodes(tree->roots, 0);
    merge_subjects(tree);
    sort_nodes(tree->roots, 0);
    return tree;
}

static void
format_chain(const ImapThreadNode *node, GString *out, gboolean is_uid, guint depth)
{
    if (node->info != NULL)
        g_string_append_printf(out, "%u", is_uid ? node->info->msg->uid : node->info->idx + 1);
    if (node->children->len == 0 || depth > 10000)
        return;
    if (node->info != NULL)
        g_string_append_c(out, ' ');
    if (node->children->len == 1) {
        format_chain(node->children->pdata[0], out, is_uid, depth + 1);
        return;
    }
    for (guint i = 0; i < node->children->len; i++) {
        g_string_append_c(out, '(');
        format_chain(node->children->pdata[i], out, is_uid, depth + 1);
        g_string_append_c(out, ')');
    }
}

void
imap_thread_tree_format(const ImapThreadTree *tree, GString *out, gboolean is_uid)
{
    for (guint i = 0; i < tree->roots->len; i++) {
        g_string_append_c(out, '(');
        format_chain(tree->roots->pdata[i], out, is_uid, 0);
        g_string_append_c(out, ')');
    }
}
