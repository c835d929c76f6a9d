/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * workpool.c - the pool of threads that runs blocking work.
 *
 * A thin layer over GThreadPool: a job runs its work function on a pool
 * thread and then posts its done function back to the loop that submitted
 * it, so that completion code runs where the connection lives.  It knows
 * nothing about connections; hermod_conn_work_run adds the connection
 * reference on top.
 */
#include "autoconfig.h"

#include "lib/workpool.h"
#include "lib/log.h"

typedef struct {
    HermodLoop *loop;
    HermodLoopFunc work;
    HermodLoopFunc done;
    gpointer data;
} Job;

static GThreadPool *pool;

static void
job_done(gpointer data)
{
    Job *job = data;

    if (job->done != NULL)
        job->done(job->data);
    g_free(job);
}

static void
job_run(gpointer data, gpointer user_data)
{
    Job *job = data;

    job->work(job->data);
    if (job->loop != NULL)
        hermod_loop_post(job->loop, job_done, job);
    else
        job_done(job);
}

gboolean
hermod_workpool_start(guint threads, GError **error)
{
    g_return_val_if_fail(pool == NULL, FALSE);
    /* Most pool work waits on the disk (fsync of message files, group
     * commits), not the CPU: with four per core (8 here) 20 SMTP sessions
     * queued for a thread while the others slept in fsync, and
     * smtp-bench gave 1230-1540 msg/s against 1970-2200 with 16-48. */
    if (threads == 0)
        threads = MAX(16, 8 * g_get_num_processors());
    pool = g_thread_pool_new(job_run, NULL, (gint)threads, FALSE, error);
    return pool != NULL;
}

void
hermod_workpool_stop(void)
{
    if (pool == NULL)
        return;
    /* Runs every queued job and waits for them; their done functions are
     * posted to loops that are still running (loops stop after the pool). */
    g_thread_pool_free(pool, FALSE, TRUE);
    pool = NULL;
}

void
hermod_workpool_push(HermodLoop *loop, HermodLoopFunc work, HermodLoopFunc done, gpointer data)
{
    Job *job = g_new(Job, 1);
    g_autoptr(GError) error = NULL;

    g_return_if_fail(pool != NULL);
    job->loop = loop;
    job->work = work;
    job->done = done;
    job->data = data;
    if (!g_thread_pool_push(pool, job, &error)) {
        /* Only thread creation can fail here; run the job inline rather
         * than lose its done function. */
        hermod_log(HERMOD_LOG_ERROR, NULL, "work pool: %s", error->message);
        job_run(job, NULL);
    }
}
