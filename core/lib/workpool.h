/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * workpool.h - the pool of threads that runs blocking work.
 *
 * fsync, SQLite writes, password hashing and DNS run here so that no loop
 * thread ever blocks.  A job's completion is posted back to the loop that
 * submitted it.
 */
#ifndef HERMOD_CORE_WORKPOOL_H
#define HERMOD_CORE_WORKPOOL_H

#include <glib.h>
#include "lib/loop.h"

G_BEGIN_DECLS

gboolean hermod_workpool_start(guint threads, GError **error); /* 0: 8 x cores, >= 16 */
void hermod_workpool_stop(void);                               /* waits for running jobs */
/* Any thread: run work(data) on the pool, then done(data) on loop (or on the
 * pool thread itself when loop is NULL). */
void hermod_workpool_push(HermodLoop *loop, HermodLoopFunc work, HermodLoopFunc done,
                          gpointer data);

G_END_DECLS

#endif
