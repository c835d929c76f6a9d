/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * loop.h - epoll event loops, one per loop thread.
 *
 * Each loop watches file descriptors and timers and runs functions posted
 * to it from other threads (an eventfd wakes it).  Connections are pinned
 * to one loop for their lifetime.  The main thread runs a GMainLoop for
 * signals and housekeeping; it is not one of these loops.
 */
#ifndef HERMOD_CORE_LOOP_H
#define HERMOD_CORE_LOOP_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct HermodLoop HermodLoop;
typedef void (*HermodLoopFunc)(gpointer data);
/* events: EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits as returned by epoll. */
typedef void (*HermodFdFunc)(int fd, guint32 events, gpointer data);

/* Start n loop threads (0: one per core). */
gboolean hermod_loops_start(guint n, GError **error);
/* Ask every loop to stop and join the threads. */
void hermod_loops_stop(void);
/* Pick a loop for a new connection (round robin). transfer none. */
HermodLoop *hermod_loops_next(void);
guint hermod_loops_count(void);
HermodLoop *hermod_loops_nth(guint i);

/* Any thread: run fn(data) on loop's thread soon. */
void hermod_loop_post(HermodLoop *loop, HermodLoopFunc fn, gpointer data);
/* The loop's own thread only. */
gboolean hermod_loop_add_fd(HermodLoop *loop, int fd, guint32 events, HermodFdFunc fn,
                            gpointer data, GError **error);
void hermod_loop_mod_fd(HermodLoop *loop, int fd, guint32 events);
void hermod_loop_del_fd(HermodLoop *loop, int fd);
/* One-shot timer in milliseconds; returns an id > 0. */
guint hermod_loop_timer_add(HermodLoop *loop, guint ms, HermodLoopFunc fn, gpointer data);
void hermod_loop_timer_cancel(HermodLoop *loop, guint id);
/* The loop of the calling thread, or NULL off the loops. */
HermodLoop *hermod_loop_current(void);

G_END_DECLS

#endif
