/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * certgen.h - self-signed server certificates with GnuTLS's X.509 API.
 *
 * Used by "hermodctl cert create" and by the TLS store on first start.  The
 * certificate names the host in CN and in the Subject Alternative Names
 * (host first, then the alternative names), is valid for TLS server
 * authentication only, and is signed by its own key.  Files land in a
 * certificate folder as NAME.crt and NAME.key (0600).
 */
#ifndef HERMOD_CORE_CERTGEN_H
#define HERMOD_CORE_CERTGEN_H

#include <glib.h>

G_BEGIN_DECLS

#define HERMOD_CERTGEN_ERROR (hermod_certgen_error_quark())
GQuark hermod_certgen_error_quark(void);
typedef enum {
    HERMOD_CERTGEN_ERROR_INVALID, /* a bad parameter */
    HERMOD_CERTGEN_ERROR_EXISTS,  /* the files exist and force is FALSE */
    HERMOD_CERTGEN_ERROR_GNUTLS,  /* GnuTLS refused */
    HERMOD_CERTGEN_ERROR_IO,      /* writing the files failed */
} HermodCertgenError;

typedef enum {
    HERMOD_CERTGEN_KEY_RSA,
    HERMOD_CERTGEN_KEY_ECDSA,
} HermodCertgenKeyType;

#define HERMOD_CERTGEN_DEFAULT_DAYS 825

typedef struct {
    const char *host;             /* CN and first SAN; required */
    const char *org;              /* O; nullable */
    const char *country;          /* C, two letters; nullable */
    const char *const *alt_names; /* more SAN DNS names; nullable */
    HermodCertgenKeyType key_type;
    guint bits;       /* RSA >= 2048 (0: 3072); ECDSA 256 or 384 (0: 256) */
    const char *hash; /* "sha256" (NULL), "sha384", "sha512" */
    guint days;       /* validity; 0: HERMOD_CERTGEN_DEFAULT_DAYS */
} HermodCertgenParams;

/* Check params without generating anything: host and alt names are DNS
 * names (a leading "*." allowed), country two ASCII letters, key size and
 * hash known, RSA bits >= 2048.  Any thread. */
gboolean hermod_certgen_validate(const HermodCertgenParams *params, GError **error);

/* Generate a key and a self-signed certificate; both PEM, transfer full.
 * Any thread; RSA keys take a while (seconds for 4096 bits). */
gboolean hermod_certgen_generate(const HermodCertgenParams *params, char **out_cert_pem,
                                 char **out_key_pem, GError **error);

/* Generate and write dir/NAME.key (0600) then dir/NAME.crt (0644), each
 * atomically; dir is created (0700) if missing.  Refuses with
 * HERMOD_CERTGEN_ERROR_EXISTS if either file exists, unless force.  name is
 * a plain file base (no '/', no leading '.'). */
gboolean hermod_certgen_write(const HermodCertgenParams *params, const char *dir, const char *name,
                              gboolean force, GError **error);

G_END_DECLS

#endif
