/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * totp.c - TOTP, QR codes and recovery codes for the webmail's second
 * factor (see totp.h).  liboath does the HMAC and the time steps;
 * libqrencode the QR matrix; this file only stores the last step used
 * (replay guard) and draws the matrix as SVG so the browser shows it as
 * an image without any script.
 */
#include "autoconfig.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <string.h>
#include <sys/random.h>

#include "totp.h"

#define STEP   30
#define DIGITS 6

static void
init_oath(void)
{
    static gsize once;

    if (g_once_init_enter(&once)) {
        oath_init();
        g_once_init_leave(&once, 1);
    }
}

static void
random_bytes(guint8 *buf, gsize n)
{
    if (getrandom(buf, n, 0) != (ssize_t)n)
        g_error("getrandom failed");
}

char *
wm_totp_new_secret(void)
{
    guint8 raw[20];
    char *b32 = NULL;
    size_t len = 0;

    init_oath();
    random_bytes(raw, sizeof raw);
    if (oath_base32_encode((const char *)raw, sizeof raw, &b32, &len) != OATH_OK)
        g_error("oath_base32_encode failed");
    memset(raw, 0, sizeof raw);
    return b32;
}

static char *
decode(const char *b32, size_t *out_len)
{
    char *raw = NULL;

    init_oath();
    if (oath_base32_decode(b32, strlen(b32), &raw, out_len) != OATH_OK)
        return NULL;
    return raw;
}

gboolean
wm_totp_check(const char *secret_b32, const char *code, gint64 now, guint64 *in_out_counter)
{
    size_t len = 0;
    char *raw = decode(secret_b32, &len);
    uint64_t counter = 0;
    int pos = 0;
    int r;

    if (raw == NULL || code == NULL || strlen(code) != DIGITS ||
        strspn(code, "0123456789") != DIGITS) {
        free(raw);
        return FALSE;
    }
    r = oath_totp_validate3(raw, len, (time_t)now, STEP, 0, 1, &pos, &counter, code);
    memset(raw, 0, len);
    free(raw);
    if (r < 0 || counter <= *in_out_counter)
        return FALSE;
    *in_out_counter = counter;
    return TRUE;
}

char *
wm_totp_code(const char *secret_b32, gint64 now)
{
    size_t len = 0;
    char *raw = decode(secret_b32, &len);
    char out[DIGITS + 1] = {0};

    if (raw == NULL)
        return NULL;
    oath_totp_generate(raw, len, (time_t)now, STEP, 0, DIGITS, out);
    free(raw);
    return g_strdup(out);
}

char *
wm_totp_uri(const char *issuer, const char *account, const char *secret_b32)
{
    g_autofree char *i = g_uri_escape_string(issuer, NULL, FALSE);
    g_autofree char *a = g_uri_escape_string(account, "@", FALSE);

    return g_strdup_printf("otpauth://totp/%s:%s?secret=%s&issuer=%s&digits=%d&period=%d", i, a,
                           secret_b32, i, DIGITS, STEP);
}

char *
wm_qr_svg(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    GString *svg;
    int w;

    if (qr == NULL)
        return NULL;
    w = qr->width;
    svg = g_string_new(NULL);
    g_string_append_printf(svg,
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                           "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                           "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                           w + 8, w + 8, w + 8, w + 8);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                g_string_append_printf(svg, "M%d %dh1v1h-1z", x + 4, y + 4);
    g_string_append(svg, "\"/></svg>");
    QRcode_free(qr);
    return g_string_free(svg, FALSE);
}

static char *
sha256(const char *code)
{
    g_autofree char *norm = g_ascii_strdown(code, -1);
    GString *s = g_string_new(NULL);

    for (const char *p = norm; *p != '\0'; p++)
        if (g_ascii_isalnum(*p))
            g_string_append_c(s, *p);
    char *out = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, -1);
    g_string_free(s, TRUE);
    return out;
}

GStrv
wm_recovery_new(guint n, char **out_stored)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    GStrvBuilder *codes = g_strv_builder_new();
    GString *stored = g_string_new(NULL);

    for (guint i = 0; i < n; i++) {
        guint8 raw[12];
        char code[15];
        random_bytes(raw, sizeof raw);
        for (int j = 0, k = 0; j < 12; j++) {
            code[k++] = alphabet[raw[j] % (sizeof alphabet - 1)];
            if (j == 3 || j == 7)
                code[k++] = '-';
        }
        code[14] = '\0';
        g_autofree char *h = sha256(code);
        g_string_append_printf(stored, "%s%s", i ? " " : "", h);
        g_strv_builder_add(codes, code);
    }
    *out_stored = g_string_free(stored, FALSE);
    GStrv out = g_strv_builder_end(codes);
    g_strv_builder_unref(codes);
    return out;
}

gboolean
wm_recovery_use(const char *stored, const char *code, char **out_rest)
{
    g_autofree char *h = sha256(code);
    g_auto(GStrv) all = g_strsplit(stored != NULL ? stored : "", " ", -1);
    GString *rest = g_string_new(NULL);
    gboolean found = FALSE;

    for (guint i = 0; all[i] != NULL; i++) {
        if (!found && *all[i] != '\0' && strcmp(all[i], h) == 0) {
            found = TRUE;
            continue;
        }
        if (*all[i] != '\0')
            g_string_append_printf(rest, "%s%s", rest->len ? " " : "", all[i]);
    }
    *out_rest = g_string_free(rest, FALSE);
    return found;
}
