/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/version.h - the plugin ABI version and its history.
 *
 * A module is built against HERMOD_ABI_MAJOR.HERMOD_ABI_MINOR and records
 * both in its descriptor.  The core loads a module whose major equals its own
 * and whose minor is less than or equal to its own.
 *
 * Rules: removing, reordering, retyping or changing the meaning of anything
 * public bumps the major and resets the minor; appending a member at the end
 * of a public struct bumps the minor.  Every bump gets a line below and in
 * the ChangeLog.
 *
 * History:
 *   1.0  first stable ABI: descriptor, settings tables, protocol callbacks,
 *        connection, work pool, auth, directory, message submission.
 *   1.1  HermodApi.mail: the mail store table (hermod/mailstore.h).
 *   1.2  HermodApi.conn_may_start_tls, conn_start_deflate, conn_is_deflate:
 *        STARTTLS only where the listener has it; COMPRESS=DEFLATE.
 *   1.3  HermodMailApi.read_message: a message's bytes, read into memory
 *        when small instead of mapped.
 *   1.4  HermodApi.web: the web server's table (hermod/web.h): mounts,
 *        requests, responses, SSE, HTTP Basic, web sessions.
 */
#ifndef HERMOD_VERSION_H
#define HERMOD_VERSION_H

#define HERMOD_ABI_MAJOR 1
#define HERMOD_ABI_MINOR 4

#endif
