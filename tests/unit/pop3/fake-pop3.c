/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-pop3.c - the POP3 module on the shared fake core
 * (tests/unit/fake-core.c) and the shared fake store
 * (tests/unit/fake-store.c): its spec and the connection helpers of
 * fake-pop3.h.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-pop3.h"

/* The module's descriptor (its module.c, linked into these tests). */
extern const HermodModuleDescriptor hermod_module_descriptor;

static const FakeCoreSpec *
spec(void)
{
    static FakeCoreSpec s = {
        .protocol = "pop3",
        .hostname = FAKE_HOSTNAME,
        .module = &hermod_module_descriptor,
    };
    s.mail = fake_store_api();
    return &s;
}

void
fake_core_reset(void)
{
    fake_core_start(spec());
    fake_store_reset();
    fake_store_require_work(FAKE_STORE_ALL_IN_WORK);
}

HermodConn *
fake_conn_new(gboolean implicit_tls)
{
    return fake_conn_open(implicit_tls ? "pop3s" : "pop3", implicit_tls, implicit_tls);
}

void
fake_login(HermodConn *c, const char *user, const char *password)
{
    g_free(fake_take(c));
    if (!fake_is_tls(c))
        EXPECT_EXACT(c, "STLS", "+OK Begin TLS negotiation\r\n");
    g_autofree char *u = g_strconcat("USER ", user, NULL);
    g_autofree char *p = g_strconcat("PASS ", password, NULL);
    EXPECT_EXACT(c, u, "+OK Send PASS\r\n");
    EXPECT(c, p, "+OK Logged in");
}
