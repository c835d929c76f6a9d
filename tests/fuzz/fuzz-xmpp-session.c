/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-xmpp-session.c - fuzz target: arbitrary bytes as an XMPP client's
 * input to the real module's sessions on the fake core and fake IM hub
 * (tests/unit/xmpp/fake-xmpp.c).
 *
 * Three sessions per input: a fresh stream before authentication (SASL
 * PLAIN and SCRAM parsing, features, STARTTLS refusal), one logged in,
 * bound and available beside a second user (iq, roster, archive forms
 * and paging, messages into the hub and pushes to the other session,
 * carbons, presence, chat states), and one with tiny limits.  The input
 * is fed in two writes so that stanzas straddle them.  Stream errors and
 * stanza errors are expected; crashes, hangs, leaks and undefined
 * behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-xmpp.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
feed(HermodConn *c, const guint8 *data, size_t size)
{
    fake_feed(c, (const char *)data, (gssize)(size / 2));
    fake_feed(c, (const char *)data + size / 2, (gssize)(size - size / 2));
    g_free(fake_take(c));
}

static void
fresh(const guint8 *data, size_t size)
{
    fake_xmpp_reset();
    HermodConn *c = fake_xmpp_conn(FALSE);
    feed(c, data, size);
    fake_conn_free(c);
}

static void
logged_in(const guint8 *data, size_t size, gboolean is_tiny)
{
    fake_xmpp_reset();
    if (is_tiny) {
        fake_set_setting("max_stanza", "4096");
        fake_set_setting("max_depth", "4");
        fake_set_setting("mam_max", "1");
    }
    HermodConn *a = fake_xmpp_conn(FALSE), *b = fake_xmpp_conn(TRUE);
    fake_xmpp_login(b, "bob@example.org", "secret2", "pc", TRUE);
    fake_xmpp_login(a, "alice@example.org", "secret", "fuzz", TRUE);
    fake_xmpp_deliver("bob@example.org", "alice@example.org", "seed");
    feed(a, data, size);
    g_free(fake_take(b));
    fake_conn_free(a);
    fake_conn_free(b);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    fresh(data, size);
    logged_in(data, size, FALSE);
    logged_in(data, size, TRUE);
    return 0;
}
