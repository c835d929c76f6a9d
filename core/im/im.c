/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im.c - the IM hub's state: where its files live, and its shutdown.
 *
 * The hub has little state of its own: histories are in the accounts'
 * stores, live sessions in im-session.c.  This file holds data_dir/im
 * (broadcasts) and ends everything at daemon exit.
 */
#include "autoconfig.h"

#include "im/im-session.h"
#include "im/im.h"

static GMutex lock;
static char *im_dir;

void
hermod_im_set_data_dir(const char *data_dir)
{
    g_mutex_lock(&lock);
    g_free(im_dir);
    im_dir = data_dir != NULL ? g_build_filename(data_dir, "im", NULL) : NULL;
    g_mutex_unlock(&lock);
}

const char *
hermod_im_dir(void)
{
    const char *dir;

    /* Set once at start-up, before any thread reads it. */
    g_mutex_lock(&lock);
    dir = im_dir;
    g_mutex_unlock(&lock);
    return dir;
}

void
hermod_im_shutdown(void)
{
    hermod_im_notify_stop();
    hermod_im_sessions_shutdown();
}
