/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imsem.h - what the imsem module's files share: the core's table, the
 * settings in force, and the two halves of the work: drop.c watches the
 * drop folder and claims files, process.c reads, delivers or sets aside
 * what was claimed.
 */
#ifndef HERMOD_IMSEM_H
#define HERMOD_IMSEM_H

#include <hermod/hermod.h>

G_BEGIN_DECLS

extern const HermodApi *imsem_api;
extern HermodModule *imsem_module;

typedef struct {
    char *drop_dir;        /* absolute */
    char *processing_dir;  /* drop_dir/processing: claimed files */
    char *bad_dir;         /* drop_dir/bad: refused files and their .reason */
    gsize max_size;        /* bytes of a SEM file */
    gint64 bad_name_delay; /* seconds before a wrongly named file is set aside */
} ImsemFolders;

extern ImsemFolders imsem_folders;

/* --- drop.c (main thread) --- */
/* Create the folders (drop_dir group-writable by group, if named), claim
 * what is left over, watch.  FALSE with error if the folder cannot be
 * made. */
gboolean imsem_drop_start(const char *group, guint scan_interval, GError **error);
void imsem_drop_stop(void);
/* Scan drop_dir (and processing/ for retries) now. */
void imsem_drop_scan(void);

/* --- process.c --- */
/* Start n worker threads. */
void imsem_process_start(guint n);
/* Let queued work go unprocessed (it stays in processing/) and wait for
 * the workers. */
void imsem_process_stop(void);
/* Queue the claimed file processing_dir/claimed (copied) unless it is
 * queued or running already.  Main thread. */
void imsem_process_queue(const char *claimed);
/* Move drop_dir/name or processing_dir/name (from_dir) to bad/ with a
 * .reason file beside it, and log it.  original: the name the writer
 * gave.  Any thread. */
void imsem_set_aside(const char *from_dir, const char *name, const char *original,
                     const char *reason);

G_END_DECLS

#endif
