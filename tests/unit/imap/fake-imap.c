/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-imap.c - the IMAP module on the shared fake core: its spec (the
 * shared fake store and its watches) and the connection helpers of
 * fake-imap.h.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-imap.h"

/* The module's descriptor (its module.c, linked into these tests). */
extern const HermodModuleDescriptor hermod_module_descriptor;

static const FakeCoreSpec *
spec(void)
{
    static FakeCoreSpec s = {
        .protocol = "imap",
        .hostname = FAKE_HOSTNAME,
        .module = &hermod_module_descriptor,
        .run_event = fake_store_run_watches,
    };
    s.mail = fake_store_api();
    return &s;
}

void
fake_core_reset(void)
{
    fake_core_start(spec());
    fake_store_reset();
    fake_store_require_work(FAKE_STORE_BLOCKING_IN_WORK);
    fake_store_create(FAKE_ACCOUNT, "Sent", "\\Sent");
}

HermodConn *
fake_conn_new(gboolean tls)
{
    return fake_conn_open("imap", FALSE, tls);
}

HermodConn *
fake_login(void)
{
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *r = fake_cmd(c, "L1 LOGIN alice@example.org secret");
    g_assert_true(g_str_has_prefix(r, "L1 OK [CAPABILITY "));
    return c;
}
