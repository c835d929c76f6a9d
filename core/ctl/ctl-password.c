/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-password.c - read a password for a hermodctl command.
 *
 * One line from stdin, without echo when stdin is a terminal, so that
 * "hermodctl user add" works both typed and piped.  In the library (not in
 * ctl.c) so that every ctl-NOUN.c row can use it and still link into the
 * unit tests.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* Without echo when stdin is a terminal. */
char *
hermod_ctl_read_password(GError **error)
{
    struct termios old, quiet;
    gboolean is_tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (is_tty) {
        fprintf(stderr, "Password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    n = getline(&line, &cap, stdin);
    if (is_tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (n < 0) {
        free(line);
        g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no password on stdin");
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *out = g_strdup(line);
    memset(line, 0, (size_t)n);
    free(line);
    return out;
}
