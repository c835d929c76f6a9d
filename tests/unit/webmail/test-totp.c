/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-totp.c - the webmail's second factor: RFC 6238's SHA-1 test
 * vectors through liboath, a window of one step either way, a code
 * refused the second time (replay), malformed codes; the otpauth URI;
 * the QR code as SVG; recovery codes that each work once.
 */
#include "autoconfig.h"

#include <string.h>

#include "webmail/totp.h"

/* "12345678901234567890" in base32 (RFC 6238 appendix B). */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_rfc_vectors(void)
{
    static const struct {
        gint64 t;
        const char *code;
    } v[] = {
        {59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}};

    for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
        g_autofree char *c = wm_totp_code(RFC_SECRET, v[i].t);
        guint64 step = 0;
        g_assert_cmpstr(c, ==, v[i].code);
        g_assert_true(wm_totp_check(RFC_SECRET, v[i].code, v[i].t, &step));
        g_assert_cmpuint(step, ==, (guint64)v[i].t / 30);
    }
}

static void
test_window_and_replay(void)
{
    g_autofree char *secret = wm_totp_new_secret();
    gint64 now = 1800000000;
    g_autofree char *code = wm_totp_code(secret, now);
    g_autofree char *old = wm_totp_code(secret, now - 90);
    guint64 step = 0;

    g_assert_cmpuint(strlen(secret), ==, 32);
    g_assert_true(wm_totp_check(secret, code, now + 25, &step));
    g_assert_false(wm_totp_check(secret, code, now + 25, &step)); /* replay */
    step = 0;
    g_assert_false(wm_totp_check(secret, old, now, &step)); /* three steps old */
    g_assert_false(wm_totp_check(secret, "12345", now, &step));
    g_assert_false(wm_totp_check(secret, "12a456", now, &step));
    g_assert_false(wm_totp_check(secret, NULL, now, &step));
    g_assert_false(wm_totp_check("not base32!", "123456", now, &step));
}

static void
test_uri_and_qr(void)
{
    g_autofree char *uri = wm_totp_uri("mail.example.test", "demo@example.test", RFC_SECRET);
    g_autofree char *svg = wm_qr_svg(uri);

    g_assert_cmpstr(uri, ==,
                    "otpauth://totp/mail.example.test:demo@example.test?secret=" RFC_SECRET
                    "&issuer=mail.example.test&digits=6&period=30");
    g_assert_true(g_str_has_prefix(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    g_assert_nonnull(strstr(svg, "h1v1h-1z"));
    g_assert_null(strstr(svg, "<script"));
}

static void
test_recovery(void)
{
    g_autofree char *stored = NULL;
    g_auto(GStrv) codes = wm_recovery_new(10, &stored);
    g_autofree char *rest = NULL;
    g_autofree char *rest2 = NULL;
    g_autofree char *rest3 = NULL;
    g_autofree char *upper = NULL;

    g_assert_cmpuint(g_strv_length(codes), ==, 10);
    g_assert_cmpuint(strlen(codes[0]), ==, 14);
    g_assert_null(strstr(stored, codes[0]));
    g_assert_true(wm_recovery_use(stored, codes[3], &rest));
    g_assert_false(wm_recovery_use(rest, codes[3], &rest2)); /* used up */
    upper = g_ascii_strup(codes[4], -1);
    g_assert_true(wm_recovery_use(rest2, upper, &rest3)); /* case and dashes */
    g_assert_cmpuint(strlen(rest3), ==, 8 * 64 + 7);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/totp/rfc6238", test_rfc_vectors);
    g_test_add_func("/totp/window-replay", test_window_and_replay);
    g_test_add_func("/totp/uri-qr", test_uri_and_qr);
    g_test_add_func("/totp/recovery", test_recovery);
    return g_test_run();
}
