/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * notify.c - the sd_notify protocol, without libsystemd.
 *
 * systemd starts a Type=notify service with $NOTIFY_SOCKET naming a Unix
 * datagram socket (a path, or "@name" in the abstract namespace); the
 * service sends newline-separated assignments such as "READY=1" to it.
 * That protocol is documented as stable (sd_notify(3)) and is one
 * sendto(), so hermodd speaks it itself rather than link libsystemd for
 * it.  The variable stays set: READY, RELOADING and STOPPING are sent
 * over the daemon's whole life.  hermodd runs no child that could
 * inherit it by accident.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hermodd/notify.h"

/* addr from $NOTIFY_SOCKET; FALSE when unset or unusable. */
static gboolean
notify_address(struct sockaddr_un *addr, socklen_t *out_len)
{
    const char *path = g_getenv("NOTIFY_SOCKET");
    gsize len = path != NULL ? strlen(path) : 0;

    if (len < 2 || len >= sizeof(addr->sun_path) || (path[0] != '/' && path[0] != '@'))
        return FALSE;
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path, path, len);
    if (path[0] == '@')
        addr->sun_path[0] = '\0'; /* abstract namespace: no trailing NUL counts */
    *out_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    return TRUE;
}

gboolean
hermod_notify(const char *state)
{
    struct sockaddr_un addr;
    socklen_t addr_len;
    gsize len = strlen(state);
    ssize_t sent;
    int fd;

    if (!notify_address(&addr, &addr_len))
        return FALSE;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FALSE;
    do
        sent = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
    while (sent < 0 && errno == EINTR);
    close(fd);
    return sent == (ssize_t)len;
}

gboolean
hermod_notify_reloading(void)
{
    struct timespec ts;
    g_autofree char *state = NULL;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    state = g_strdup_printf("RELOADING=1\nMONOTONIC_USEC=%" G_GUINT64_FORMAT,
                            (guint64)ts.tv_sec * G_USEC_PER_SEC + (guint64)ts.tv_nsec / 1000);
    return hermod_notify(state);
}
