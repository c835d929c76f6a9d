/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-sasl-plain.c - modules/common's SASL decoding and wiping: strict
 * base64, "=" as the empty initial response (and only there), the PLAIN
 * message of RFC 4616 (two NULs, no third, non-empty authcid and passwd,
 * UTF-8, field limits, an authzid only for oneself), and that wiping
 * zeroes what it is given.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/sasl-plain.h"
#include "common/wipe.h"

/* A string literal and its length, NULs included. */
#define RAW(s) s, sizeof(s) - 1

/* base64 of len raw bytes (len -1: strlen).  (transfer full) */
static char *
b64(const char *raw, gssize len)
{
    return g_base64_encode((const guchar *)raw, len < 0 ? strlen(raw) : (gsize)len);
}

static void
test_wipe(void)
{
    char buf[] = "secret";
    char *heap = g_strdup("password");

    proto_wipe(buf, sizeof(buf) - 1);
    for (gsize i = 0; i < sizeof(buf); i++)
        g_assert_cmpint(buf[i], ==, 0);
    proto_wipe_str(heap);
    g_assert_cmpint(heap[0], ==, 0);
    g_assert_cmpint(heap[7], ==, 0);
    g_free(heap);
    proto_wipe(NULL, 10);
    proto_wipe_str(NULL);
    proto_wipe_free(NULL, 10);
    proto_wipe_free(g_strdup("x"), 1);
}

static void
expect_decoded(const char *text, gboolean is_initial, const char *raw, gsize raw_len)
{
    g_autoptr(GError) error = NULL;
    gsize len = 99;
    guchar *out = proto_sasl_decode(text, is_initial, 64, &len, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, len, raw, raw_len);
    g_assert_cmpint(out[len], ==, '\0');
    proto_wipe_free(out, len);
}

static void
expect_refused(const char *text, gboolean is_initial, gsize max, gint code)
{
    g_autoptr(GError) error = NULL;
    gsize len = 0;

    g_assert_null(proto_sasl_decode(text, is_initial, max, &len, &error));
    g_assert_error(error, PROTO_SASL_ERROR, code);
}

static void
test_base64(void)
{
    expect_decoded("YWJj", TRUE, "abc", 3);
    expect_decoded("YWI=", FALSE, "ab", 2);
    expect_decoded("YQ==", TRUE, "a", 1);
    expect_decoded("AGEAYg==", TRUE, "\0a\0b", 4);
    expect_decoded("+/+/", FALSE, "\xfb\xff\xbf", 3);
    /* The empty response: "=" on the command line, an empty continuation. */
    expect_decoded("=", TRUE, "", 0);
    expect_decoded("", FALSE, "", 0);
    expect_refused("", TRUE, 64, PROTO_SASL_ERROR_BASE64);
    expect_refused("=", FALSE, 64, PROTO_SASL_ERROR_BASE64);
    /* Not RFC 4648 4: the alphabet, padding, length, white space. */
    const char *bad[] = {
        "not base64!", "YWJ", "YW=j", "Y===", "====",     "YQ==YQ==",        "YW Jj",
        "YWJj\r",      "YQ",  "YQ=",  "-_-_", "YWJj====", "\xc3\xa9\xc3\xa9"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        expect_refused(bad[i], TRUE, 64, PROTO_SASL_ERROR_BASE64);
        expect_refused(bad[i], FALSE, 64, PROTO_SASL_ERROR_BASE64);
    }
    /* The limit counts decoded bytes. */
    expect_decoded("YWJj", TRUE, "abc", 3);
    expect_refused("YWJj", TRUE, 2, PROTO_SASL_ERROR_TOO_LONG);
    expect_refused("YWI=", TRUE, 1, PROTO_SASL_ERROR_TOO_LONG);
}

/* Decode base64(raw) as PLAIN; TRUE and the fields, or FALSE with *code. */
static gboolean
plain(const char *raw, gssize len, ProtoSaslPlain *out, gint *code)
{
    g_autofree char *text = b64(raw, len);
    g_autoptr(GError) error = NULL;
    gboolean ok = proto_sasl_plain_decode(text, FALSE, out, &error);

    g_assert_true(ok == (error == NULL));
    if (!ok) {
        g_assert_cmpuint(error->domain, ==, PROTO_SASL_ERROR);
        *code = error->code;
        g_assert_null(out->buf);
        g_assert_null(out->authcid);
    }
    return ok;
}

static void
expect_plain(const char *raw, gssize len, const char *authzid, const char *authcid,
             const char *passwd)
{
    g_auto(ProtoSaslPlain) p = {0};
    gint code = -1;

    g_assert_true(plain(raw, len, &p, &code));
    g_assert_cmpstr(p.authzid, ==, authzid);
    g_assert_cmpstr(p.authcid, ==, authcid);
    g_assert_cmpstr(p.passwd, ==, passwd);
}

static void
expect_plain_refused(const char *raw, gssize len, gint want)
{
    g_auto(ProtoSaslPlain) p = {0};
    gint code = -1;

    g_assert_false(plain(raw, len, &p, &code));
    g_assert_cmpint(code, ==, want);
}

static void
test_plain_accepts(void)
{
    expect_plain(RAW("\0alice@example.org\0secret"), "", "alice@example.org", "secret");
    expect_plain(RAW("alice@example.org\0alice@example.org\0secret"), "alice@example.org",
                 "alice@example.org", "secret");
    /* The same login in another case is the same identity. */
    expect_plain(RAW("Alice@Example.ORG\0alice@example.org\0s"), "Alice@Example.ORG",
                 "alice@example.org", "s");
    expect_plain(RAW("J\xc3\x96RG@example.org\0j\xc3\xb6rg@example.org\0p"),
                 "J\xc3\x96RG@example.org", "j\xc3\xb6rg@example.org", "p");
    /* UTF-8 and spaces in passwords; control characters are SAFE too. */
    expect_plain(RAW("\0jo\0p\xc3\xa4ss w\xc3\xb6rd\t"), "", "jo", "p\xc3\xa4ss w\xc3\xb6rd\t");
}

static void
test_plain_refuses(void)
{
    expect_plain_refused(RAW("abc"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW(""), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0alice"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0alice\0sec\0ret"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0alice\0secret\0"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0\0secret"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0alice\0"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0\0"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0al\xffice\0secret"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("\0alice\0se\xc3"), PROTO_SASL_ERROR_MALFORMED);
    expect_plain_refused(RAW("b\xc3\0alice\0secret"), PROTO_SASL_ERROR_MALFORMED);
    /* No proxy authorization: bob may not act for alice, nor the reverse. */
    expect_plain_refused(RAW("bob@example.org\0alice@example.org\0secret"),
                         PROTO_SASL_ERROR_AUTHZID);
    expect_plain_refused(RAW("alice@example.org\0alice@example.org.evil\0x"),
                         PROTO_SASL_ERROR_AUTHZID);
}

static void
test_plain_empty_initial(void)
{
    g_auto(ProtoSaslPlain) p = {0};
    g_autoptr(GError) error = NULL;

    /* "AUTH PLAIN =": an empty message is no PLAIN message. */
    g_assert_false(proto_sasl_plain_decode("=", TRUE, &p, &error));
    g_assert_error(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_MALFORMED);
    g_clear_error(&error);
    g_assert_false(proto_sasl_plain_decode("", FALSE, &p, &error));
    g_assert_error(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_MALFORMED);
    g_clear_error(&error);
    g_assert_false(proto_sasl_plain_decode("=", FALSE, &p, &error));
    g_assert_error(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_BASE64);
    g_clear_error(&error);
    g_assert_true(proto_sasl_plain_decode("AGEAYg==", TRUE, &p, &error));
    g_assert_cmpstr(p.authcid, ==, "a");
    g_assert_cmpstr(p.passwd, ==, "b");
}

/* "\0" + a*login + "\0" + b*pass, base64. */
static char *
sized(gsize login, gsize pass, gsize *out_raw_len)
{
    gsize n = login + pass + 2;
    g_autofree char *raw = g_malloc(n);

    raw[0] = '\0';
    memset(raw + 1, 'a', login);
    raw[login + 1] = '\0';
    memset(raw + login + 2, 'b', pass);
    *out_raw_len = n;
    return b64(raw, n);
}

static void
test_plain_limits(void)
{
    const gsize max = PROTO_SASL_PLAIN_FIELD_MAX;
    const gsize sizes[][3] = {{255, 255, TRUE},
                              {max, max, TRUE},
                              {max + 1, 1, FALSE},
                              {1, max + 1, FALSE},
                              {3 * max, 3 * max, FALSE}};

    for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
        gsize raw_len = 0;
        g_autofree char *text = sized(sizes[i][0], sizes[i][1], &raw_len);
        g_auto(ProtoSaslPlain) p = {0};
        g_autoptr(GError) error = NULL;
        gboolean ok = proto_sasl_plain_decode(text, TRUE, &p, &error);
        g_assert_cmpint(ok, ==, (gboolean)sizes[i][2]);
        if (ok) {
            g_assert_cmpuint(strlen(p.authcid), ==, sizes[i][0]);
            g_assert_cmpuint(strlen(p.passwd), ==, sizes[i][1]);
        } else {
            g_assert_error(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_TOO_LONG);
        }
    }
}

static void
test_plain_clear(void)
{
    ProtoSaslPlain p = {0};
    g_autoptr(GError) error = NULL;

    g_assert_true(proto_sasl_plain_decode("AGFsaWNlAHNlY3JldA==", TRUE, &p, &error));
    /* The fields live in the one buffer that clear wipes. */
    g_assert_true(p.authzid == p.buf);
    g_assert_true(p.passwd > p.buf && p.passwd < p.buf + p.len);
    g_assert_cmpuint(p.len, ==, 13);
    proto_sasl_plain_clear(&p);
    g_assert_null(p.buf);
    g_assert_null(p.passwd);
    g_assert_cmpuint(p.len, ==, 0);
    proto_sasl_plain_clear(&p); /* again: harmless */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/proto/wipe", test_wipe);
    g_test_add_func("/proto/sasl/base64", test_base64);
    g_test_add_func("/proto/sasl/plain-accepts", test_plain_accepts);
    g_test_add_func("/proto/sasl/plain-refuses", test_plain_refuses);
    g_test_add_func("/proto/sasl/plain-empty-initial", test_plain_empty_initial);
    g_test_add_func("/proto/sasl/plain-limits", test_plain_limits);
    g_test_add_func("/proto/sasl/plain-clear", test_plain_clear);
    return g_test_run();
}
