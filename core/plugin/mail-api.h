/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mail-api.h - the core's HermodMailApi table (mail-api.c), which
 * module-api.c hands to modules as HermodApi.mail.
 */
#ifndef HERMOD_CORE_MAIL_API_H
#define HERMOD_CORE_MAIL_API_H

#include <hermod/mailstore.h>

G_BEGIN_DECLS

/* Filled at compile time; any thread may read it. */
extern const HermodMailApi hermod_mail_api;

G_END_DECLS

#endif
