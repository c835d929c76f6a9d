/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vacation.h - the out-of-office auto-reply of the delivery path.
 */
#ifndef HERMOD_CORE_MAILFLOW_VACATION_H
#define HERMOD_CORE_MAILFLOW_VACATION_H

#include <glib.h>

G_BEGIN_DECLS

/* After data was delivered to account from envelope sender: send the
 * account's vacation reply if it is on and due (RFC 3834).  Failures are
 * logged; the delivery stands.  Blocking (it submits the reply). */
void hermod_vacation_after_delivery(const char *session, const char *account, const char *sender,
                                    GBytes *data);

G_END_DECLS

#endif
