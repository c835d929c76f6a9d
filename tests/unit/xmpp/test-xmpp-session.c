/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-xmpp-session.c - the XMPP module's session logic on the fake core
 * and the fake IM hub (fake-xmpp.h): features before and after SASL,
 * PLAIN and SCRAM exchanges (good, bad, malformed), binding and
 * conflicts, the roster, messages into the hub and pushes out of it,
 * carbons, offline delivery, archive queries with paging, and stream
 * errors.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-xmpp.h"

#define SASL "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"

static void
want(const char *got, const char *needle)
{
    if (strstr(got, needle) == NULL)
        g_error("got %s\nwanted %s", got, needle);
}

static void
unwanted(const char *got, const char *needle)
{
    if (strstr(got, needle) != NULL)
        g_error("got %s\ndid not want %s", got, needle);
}

static char *
b64(const char *text)
{
    return g_base64_encode((const guchar *)text, strlen(text));
}

static void
test_plain(void)
{
    fake_xmpp_reset();
    HermodConn *c = fake_xmpp_conn(FALSE);
    g_autofree char *hello = fake_xmpp_feed(c, FAKE_XMPP_HEADER);
    want(hello, "from='example.org'");
    want(hello, "<mechanism>SCRAM-SHA-256</mechanism>");
    g_autofree char *bad =
        fake_xmpp_feed(c, "<auth " SASL " mechanism='PLAIN'>AGFsaWNlAHgK</auth>");
    want(bad, "<not-authorized/>");
    g_autofree char *junk = fake_xmpp_feed(c, "<auth " SASL " mechanism='PLAIN'>!!!</auth>");
    want(junk, "<malformed-request/>");
    g_autofree char *mech = fake_xmpp_feed(c, "<auth " SASL " mechanism='X-NOPE'/>");
    want(mech, "<invalid-mechanism/>");
    /* "alice" without a domain is taken in the stream's domain */
    g_autofree char *ok = fake_xmpp_feed(c, "<auth " SASL " mechanism='PLAIN'>AGFsaWNlAHNlY3JldA=="
                                            "</auth>");
    want(ok, "<success");
    g_autofree char *again = fake_xmpp_feed(c, FAKE_XMPP_HEADER);
    want(again, "urn:ietf:params:xml:ns:xmpp-bind");
    unwanted(again, "<mechanisms");
    fake_conn_free(c);
}

static void
test_too_many_failures(void)
{
    fake_xmpp_reset();
    fake_set_setting("max_auth_failures", "2");
    HermodConn *c = fake_xmpp_conn(TRUE);
    g_free(fake_xmpp_feed(c, FAKE_XMPP_HEADER));
    g_free(fake_xmpp_feed(c, "<auth " SASL " mechanism='PLAIN'>AGFsaWNlAHgK</auth>"));
    g_autofree char *out =
        fake_xmpp_feed(c, "<auth " SASL " mechanism='PLAIN'>AGFsaWNlAHgK</auth>");
    want(out, "<policy-violation");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_scram(void)
{
    fake_xmpp_reset();
    HermodConn *c = fake_xmpp_conn(FALSE);
    g_free(fake_xmpp_feed(c, FAKE_XMPP_HEADER));
    g_autofree char *first = b64("n,,n=alice,r=cnonce");
    g_autofree char *auth =
        g_strdup_printf("<auth " SASL " mechanism='SCRAM-SHA-256'>%s</auth>", first);
    g_autofree char *challenge = fake_xmpp_feed(c, auth);
    want(challenge, "<challenge");
    const char *b = strstr(challenge, "'>") + 2;
    g_autofree char *enc = g_strndup(b, strcspn(b, "<"));
    gsize len = 0;
    g_autofree char *server_first = (char *)g_base64_decode(enc, &len);
    g_assert_true(g_str_has_prefix(server_first, "r=cnonce"));
    want(server_first, ",s=c2FsdA==,i=4096");
    /* a final message with the wrong nonce is malformed */
    g_autofree char *wrong = b64("c=biws,r=other,p=QUFB");
    g_autofree char *resp1 = g_strdup_printf("<response " SASL ">%s</response>", wrong);
    g_autofree char *out1 = fake_xmpp_feed(c, resp1);
    want(out1, "<malformed-request/>");
    /* the exchange is over: a new one may start */
    g_autofree char *again = fake_xmpp_feed(c, auth);
    want(again, "<challenge");
    /* channel binding is not offered */
    g_autofree char *cb = b64("p=tls-unique,,n=alice,r=x");
    g_autofree char *auth_cb =
        g_strdup_printf("<auth " SASL " mechanism='SCRAM-SHA-1'>%s</auth>", cb);
    g_free(fake_xmpp_feed(c, "<abort " SASL "/>"));
    g_autofree char *refused = fake_xmpp_feed(c, auth_cb);
    want(refused, "<encryption-required/>");
    fake_conn_free(c);
}

static void
test_scram_success(void)
{
    fake_xmpp_reset();
    HermodConn *c = fake_xmpp_conn(FALSE);
    g_free(fake_xmpp_feed(c, FAKE_XMPP_HEADER));
    g_autofree char *first = b64("n,,n=alice,r=abc");
    g_autofree char *auth =
        g_strdup_printf("<auth " SASL " mechanism='SCRAM-SHA-1'>%s</auth>", first);
    g_autofree char *challenge = fake_xmpp_feed(c, auth);
    const char *b = strstr(challenge, "'>") + 2;
    g_autofree char *enc = g_strndup(b, strcspn(b, "<"));
    gsize len = 0;
    g_autofree char *server_first = (char *)g_base64_decode(enc, &len);
    g_autofree char *nonce = g_strndup(server_first + 2, strcspn(server_first + 2, ","));
    g_autofree char *proof = b64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_autofree char *final = g_strdup_printf("c=biws,r=%s,p=%s", nonce, proof);
    g_autofree char *final64 = b64(final);
    g_autofree char *resp = g_strdup_printf("<response " SASL ">%s</response>", final64);
    g_autofree char *out = fake_xmpp_feed(c, resp);
    g_autofree char *v = b64("v=c2lnbmF0dXJl");
    want(out, v);
    fake_conn_free(c);
}

static void
test_messages(void)
{
    fake_xmpp_reset();
    HermodConn *a = fake_xmpp_conn(FALSE), *b = fake_xmpp_conn(FALSE);
    fake_xmpp_login(a, "alice@example.org", "secret", "one", TRUE);
    fake_xmpp_login(b, "bob@example.org", "secret2", "pc", TRUE);
    g_autofree char *sent = fake_xmpp_feed(
        a, "<message to='bob@example.org' type='chat' id='m1'><body>hi &amp; bye</body></message>");
    g_assert_cmpstr(sent, ==, "");
    g_autofree char *got = fake_take(b);
    want(got, "from='alice@example.org' to='bob@example.org/pc' type='chat' id='m1'>"
              "<body>hi &amp; bye</body>");
    g_autofree char *hist = fake_xmpp_history();
    want(hist, "bob@example.org:in:alice@example.org>bob@example.org:hi & bye");
    want(hist, "alice@example.org:out:alice@example.org>bob@example.org:hi & bye");
    g_autofree char *err =
        fake_xmpp_feed(a, "<message to='nobody@example.org' id='m2'><body>x</body></message>");
    want(err, "type='error' id='m2'");
    want(err, "<service-unavailable");
    g_autofree char *remote = fake_xmpp_feed(
        a, "<message to='someone@elsewhere.example' id='m3'><body>x</body></message>");
    want(remote, "<error type='cancel'><remote-server-not-found");
    g_autofree char *malformed =
        fake_xmpp_feed(a, "<message to='@x/' id='m4'><body>x</body></message>");
    want(malformed, "<error type='modify'><jid-malformed");
    fake_conn_free(a);
    fake_conn_free(b);
}

static void
test_carbons_and_offline(void)
{
    fake_xmpp_reset();
    fake_xmpp_deliver("ops@monitor.example.net", "alice@example.org", "while away");
    HermodConn *a1 = fake_xmpp_conn(FALSE), *a2 = fake_xmpp_conn(FALSE);
    HermodConn *b = fake_xmpp_conn(FALSE);
    fake_xmpp_login(a1, "alice@example.org", "secret", "one", FALSE);
    g_autofree char *first = fake_xmpp_feed(a1, "<presence/>");
    want(first, "<body>while away</body><stanza-id");
    want(first, "<delay xmlns='urn:xmpp:delay'");
    fake_xmpp_login(a2, "alice@example.org", "secret", "two", TRUE);
    g_autofree char *none = fake_take(a2);
    unwanted(none, "while away"); /* delivered once */
    g_autofree char *on =
        fake_xmpp_feed(a2, "<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    want(on, "type='result' id='c'");
    fake_xmpp_login(b, "bob@example.org", "secret2", "pc", TRUE);
    g_free(fake_take(a1));
    g_free(fake_take(a2));
    g_free(fake_xmpp_feed(b, "<message to='alice@example.org/one'><body>to one</body></message>"));
    g_autofree char *one = fake_take(a1), *two = fake_take(a2);
    want(one, "<body>to one</body>");
    want(two, "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>");
    g_free(fake_xmpp_feed(a1, "<message to='bob@example.org'><body>from one</body></message>"));
    g_autofree char *sent = fake_take(a2);
    want(sent, "<sent xmlns='urn:xmpp:carbons:2'>");
    want(sent, "<body>from one</body>");
    fake_conn_free(a1);
    fake_conn_free(a2);
    fake_conn_free(b);
}

static void
test_archive_and_roster(void)
{
    fake_xmpp_reset();
    HermodConn *a = fake_xmpp_conn(FALSE);
    fake_xmpp_login(a, "alice@example.org", "secret", "r", TRUE);
    for (int i = 0; i < 5; i++) {
        g_autofree char *m =
            g_strdup_printf("<message to='bob@example.org'><body>n%d</body></message>", i);
        g_free(fake_xmpp_feed(a, m));
    }
    g_autofree char *roster =
        fake_xmpp_feed(a, "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
    want(roster, "<item jid='bob@example.org' name='bob' subscription='both'/>");
    unwanted(roster, "jid='alice@example.org'");
    g_autofree char *page = fake_xmpp_feed(
        a, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f'><set "
           "xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set></query></iq>");
    want(page, "<body>n3</body>");
    want(page, "<body>n4</body>");
    unwanted(page, "<body>n2</body>");
    want(page, "<fin xmlns='urn:xmpp:mam:2' complete='false'>");
    g_autofree char *with = fake_xmpp_feed(
        a, "<iq type='set' id='w'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' "
           "type='submit'><field var='with'><value>carol@example.org</value></field></x>"
           "</query></iq>");
    want(with, "complete='true'");
    unwanted(with, "<result");
    g_autofree char *bad = fake_xmpp_feed(
        a, "<iq type='set' id='x'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data'>"
           "<field var='start'><value>yesterday</value></field></x></query></iq>");
    want(bad, "<bad-request");
    g_autofree char *prefs =
        fake_xmpp_feed(a, "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
    want(prefs, "<prefs xmlns='urn:xmpp:mam:2' default='always'/>");
    fake_conn_free(a);
}

static void
test_stream_errors(void)
{
    fake_xmpp_reset();
    HermodConn *c = fake_xmpp_conn(FALSE);
    g_autofree char *unknown = fake_xmpp_feed(
        c, "<?xml version='1.0'?><stream:stream to='nowhere.test' xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
    want(unknown, "<host-unknown");
    fake_conn_free(c);
    c = fake_xmpp_conn(FALSE);
    fake_xmpp_login(c, "alice@example.org", "secret", "r", TRUE);
    g_autofree char *bad = fake_xmpp_feed(c, "<message><body>x</bodyy>");
    want(bad, "<not-well-formed");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xmpp/session/plain", test_plain);
    g_test_add_func("/xmpp/session/too-many-failures", test_too_many_failures);
    g_test_add_func("/xmpp/session/scram-malformed", test_scram);
    g_test_add_func("/xmpp/session/scram-success", test_scram_success);
    g_test_add_func("/xmpp/session/messages", test_messages);
    g_test_add_func("/xmpp/session/carbons-offline", test_carbons_and_offline);
    g_test_add_func("/xmpp/session/archive-roster", test_archive_and_roster);
    g_test_add_func("/xmpp/session/stream-errors", test_stream_errors);
    return g_test_run();
}
