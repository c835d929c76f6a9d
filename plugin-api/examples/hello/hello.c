/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hello.c - an example Hermod module: the protocol "hello".
 *
 * A client that connects is greeted with "+OK HOSTNAME GREETING"; every line
 * it sends comes back in upper case; "QUIT" (any case) answers "+OK bye"
 * and closes; after max_lines lines (0: no limit) the module says
 * "-ERR too many lines" and closes.  It shows the whole surface a module
 * has: one exported descriptor, a settings table, init and shutdown, a
 * protocol's event callbacks, per-connection state, and calls into the core
 * only through the HermodApi table.  It builds out of the Hermod tree with
 * the Makefile beside it and `pkg-config hermod`.
 *
 * Enable it in hermod.conf:
 *     [core]
 *     modules = hello
 *     [hello]
 *     greeting = hi there
 *     [listener hello]
 *     protocol = hello
 *     port = 7777
 */
#include <string.h>

#include <hermod/hermod.h>

/* Per-connection state, freed in on_close. */
typedef struct {
    guint lines;         /* whole lines echoed so far */
    gboolean in_partial; /* the last piece was the start of a long line */
} HelloSession;

/* Both live from init until shutdown returns (hermod/module.h). */
static const HermodApi *api;
static HermodModule *self_module;

static void
hello_on_connect(HermodConn *conn)
{
    api->conn_set_data(conn, g_new0(HelloSession, 1));
    api->conn_printf(conn, "+OK %s %s\r\n", api->hostname(),
                     api->setting_string(self_module, "greeting"));
}

/* Length of line without its "\r\n" or "\n". */
static gsize
content_length(const char *line, gsize len)
{
    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    return len;
}

static void
echo_upper(HermodConn *conn, const char *line, gsize len)
{
    g_autofree char *upper = g_malloc(len + 1);

    /* Byte by byte: a line may contain NUL bytes. */
    for (gsize i = 0; i < len; i++)
        upper[i] = g_ascii_toupper(line[i]);
    api->conn_write(conn, upper, len);
}

static void
hello_on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    HelloSession *s = api->conn_get_data(conn);
    gsize n = is_partial ? len : content_length(line, len);
    gint64 max_lines = api->setting_int(self_module, "max_lines");

    if (!s->in_partial && !is_partial && n == 4 && g_ascii_strncasecmp(line, "QUIT", 4) == 0) {
        api->conn_printf(conn, "+OK bye after %u lines\r\n", s->lines);
        api->conn_close(conn);
        return;
    }
    echo_upper(conn, line, n);
    s->in_partial = is_partial;
    if (is_partial)
        return;
    api->conn_write(conn, "\r\n", 2);
    s->lines++;
    if (max_lines > 0 && s->lines >= (guint64)max_lines) {
        api->conn_printf(conn, "-ERR too many lines\r\n");
        api->conn_close(conn);
    }
}

static void
hello_on_timeout(HermodConn *conn)
{
    api->conn_printf(conn, "-ERR idle for too long\r\n");
}

static void
hello_on_close(HermodConn *conn)
{
    g_free(api->conn_get_data(conn));
    api->conn_set_data(conn, NULL);
}

static const HermodProtocol hello_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = hello_on_connect,
    .on_line = hello_on_line,
    .on_timeout = hello_on_timeout,
    .on_close = hello_on_close,
};

static const HermodSetting hello_settings[] = {
    {"greeting", HERMOD_SETTING_STRING, "hello, say something (QUIT to leave)", 0, 0, NULL,
     "text after the host name in the greeting"},
    {"max_lines", HERMOD_SETTING_INT, "0", 0, 1000000, NULL,
     "close the connection after this many lines; 0: no limit"},
    {NULL},
};

static gboolean
hello_init(const HermodApi *core, HermodModule *self, GError **error)
{
    api = core;
    self_module = self;
    api->log(HERMOD_LOG_INFO, NULL, "hello: module %s, greeting \"%s\"", "1.0",
             api->setting_string(self, "greeting"));
    return api->register_protocol(self, "hello", &hello_protocol, error);
}

static void
hello_shutdown(HermodModule *self)
{
    api->log(HERMOD_LOG_INFO, NULL, "hello: shut down");
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,       .name = "hello",    .version = "1.0",
    .settings = hello_settings, .init = hello_init, .shutdown = hello_shutdown,
};
