/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * totp.h - the webmail's second factor: TOTP (RFC 6238, liboath) with a
 * replay guard, its otpauth:// URI as a QR code (libqrencode, drawn as
 * SVG) and one-time recovery codes.  Pure apart from the random bytes;
 * any thread.
 */
#ifndef WM_TOTP_H
#define WM_TOTP_H

#include <glib.h>

G_BEGIN_DECLS

/* A new secret: 20 random bytes in base32.  (transfer full) */
char *wm_totp_new_secret(void);
/* Is code (6 digits) valid for secret at now, within one step either
 * way, and newer than the step last used (*in_out_counter, 0: none)?
 * On TRUE *in_out_counter is the step it matched: store it, so the same
 * code is refused next time. */
gboolean wm_totp_check(const char *secret_b32, const char *code, gint64 now,
                       guint64 *in_out_counter);
/* The code for secret at now (tests).  (transfer full) */
char *wm_totp_code(const char *secret_b32, gint64 now);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...  (transfer full) */
char *wm_totp_uri(const char *issuer, const char *account, const char *secret_b32);
/* text as a QR code in SVG (black modules on white, a quiet zone).
 * (transfer full), NULL if it does not fit a QR code. */
char *wm_qr_svg(const char *text);
/* n new recovery codes ("xxxx-xxxx-xxxx", lower-case letters and
 * digits); *out_stored their SHA-256s, space separated, to keep.
 * (transfer full) */
GStrv wm_recovery_new(guint n, char **out_stored);
/* Does code match one of stored?  Then *out_rest is stored without it
 * (each code works once).  (transfer full) */
gboolean wm_recovery_use(const char *stored, const char *code, char **out_rest);

G_END_DECLS

#endif
