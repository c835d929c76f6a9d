/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * privdrop.c - decide whom to run as, and become that user.
 *
 * Root is needed only to bind ports below 1024 and to read certificate
 * files that only root may read; both happen before this runs.  Files the
 * daemon created as root until then (the directory database, the
 * self-signed certificate, the queue folder) are handed to the service
 * user, so that it can write them afterwards and after a restart.  Deeper
 * trees (mail/DOMAIN/LOCAL) are only ever created by the service user.
 *
 * Not here: binding sockets (listener.c), reading config (config.c).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermodd/privdrop.h"

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-privdrop-error-quark, hermod_privdrop_error)
/* clang-format on */

/* "WHAT ARG: strerror(errno)" */
static gboolean
fail(GError **error, const char *what, const char *arg)
{
    int err = errno;

    g_set_error(error, HERMOD_PRIVDROP_ERROR, 0, "%s %s: %s", what, arg, g_strerror(err));
    return FALSE;
}

static gboolean
find_user(const char *name, HermodPrivdrop *out, GError **error)
{
    struct passwd *pw;

    errno = 0;
    pw = getpwnam(name);
    if (pw == NULL) {
        g_set_error(error, HERMOD_PRIVDROP_ERROR, 0, "[core] user: no user named \"%s\"", name);
        return FALSE;
    }
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->user = g_strdup(name);
    return TRUE;
}

static gboolean
find_group(const char *name, HermodPrivdrop *out, GError **error)
{
    struct group *gr = getgrnam(name);

    if (gr == NULL) {
        g_set_error(error, HERMOD_PRIVDROP_ERROR, 0, "[core] group: no group named \"%s\"", name);
        return FALSE;
    }
    out->gid = gr->gr_gid;
    return TRUE;
}

gboolean
hermod_privdrop_prepare(HermodConfig *cfg, HermodPrivdrop *out, GError **error)
{
    const char *user = hermod_config_string(cfg, "core", "user");
    const char *group = hermod_config_string(cfg, "core", "group");

    memset(out, 0, sizeof(*out));
    if (geteuid() != 0 && getuid() != 0)
        return TRUE;
    if (g_strcmp0(user, "root") == 0)
        return TRUE; /* told to stay root; main.c warns */
    if (user == NULL || *user == '\0') {
        if (getpwnam("hermod") == NULL) {
            g_set_error_literal(error, HERMOD_PRIVDROP_ERROR, 0,
                                "started as root, [core] user is empty and there is no user "
                                "\"hermod\": set user = NAME (or user = root to stay root, "
                                "not recommended)");
            return FALSE;
        }
        user = "hermod";
    }
    if (!find_user(user, out, error) ||
        (group != NULL && *group != '\0' && !find_group(group, out, error))) {
        hermod_privdrop_clear(out);
        return FALSE;
    }
    if (out->uid == 0 || out->gid == 0) {
        g_set_error(error, HERMOD_PRIVDROP_ERROR, 0,
                    "[core] user/group: %s has uid or gid 0; use user = root to stay root",
                    out->user);
        hermod_privdrop_clear(out);
        return FALSE;
    }
    out->is_needed = TRUE;
    return TRUE;
}

void
hermod_privdrop_clear(HermodPrivdrop *p)
{
    g_clear_pointer(&p->user, g_free);
    p->is_needed = FALSE;
}

/* Give path to the user if root owns it; never follows symlinks. */
static gboolean
hand_over(int dirfd, const char *name, const HermodPrivdrop *p, GError **error)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? TRUE : fail(error, "cannot stat", name);
    if (st.st_uid != 0 || S_ISLNK(st.st_mode))
        return TRUE;
    if (fchownat(dirfd, name, p->uid, p->gid, AT_SYMLINK_NOFOLLOW) != 0)
        return fail(error, "cannot give the service user", name);
    return TRUE;
}

/* data_dir's entries, and for folders their entries too. */
static gboolean
hand_over_tree(const char *dir, guint depth, const HermodPrivdrop *p, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const char *name;
    gboolean ok = TRUE;

    if (d == NULL || dirfd < 0) {
        if (dirfd >= 0)
            close(dirfd);
        return fail(error, "cannot open", dir);
    }
    while (ok && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        ok = hand_over(dirfd, name, p, error);
        if (ok && depth > 0 && g_file_test(path, G_FILE_TEST_IS_DIR) &&
            !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            ok = hand_over_tree(path, depth - 1, p, error);
    }
    close(dirfd);
    return ok;
}

static gboolean
become_user(const HermodPrivdrop *p, GError **error)
{
    if (setgroups(1, &p->gid) != 0)
        return fail(error, "setgroups for", p->user);
    if (setresgid(p->gid, p->gid, p->gid) != 0)
        return fail(error, "setresgid for", p->user);
    if (setresuid(p->uid, p->uid, p->uid) != 0)
        return fail(error, "setresuid for", p->user);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail(error, "PR_SET_NO_NEW_PRIVS as", p->user);
    if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
        g_set_error(error, HERMOD_PRIVDROP_ERROR, 0, "could regain root after becoming %s",
                    p->user);
        return FALSE;
    }
    return TRUE;
}

gboolean
hermod_privdrop_apply(const HermodPrivdrop *p, const char *data_dir, GError **error)
{
    if (!p->is_needed)
        return TRUE;
    if (!hand_over(AT_FDCWD, data_dir, p, error) || !hand_over_tree(data_dir, 1, p, error))
        return FALSE;
    return become_user(p, error);
}
