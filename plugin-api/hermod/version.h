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
 *   1.4  HermodApi.addr_lookup, addr_check_owner and HERMOD_ADDR_TEMPFAIL:
 *        directory lookups that report a failure instead of "unknown".
 *   1.5  HermodProtocol.busy_reply: what a client refused at accept
 *        (connection caps) is told before the core closes.
 *   1.6  HermodApi.web: the web server's table (hermod/web.h): mounts,
 *        requests, responses, SSE, HTTP Basic, web sessions.
 *   1.7  HermodMailApi emails, threads, states, changes, change_log,
 *        account watches, blob_put, blob_get, vacation_get/set/clear,
 *        HermodMailboxInfo.id and thread counts, and
 *        HermodApi.account_addresses: what JMAP needs (stable email and
 *        thread ids, the change log, uploads, VacationResponse, identities).
 *   1.8  HermodApi.im: the IM hub's table (hermod/im.h): deliver, live
 *        sessions and presence, history, broadcasts, IM settings.
 *   1.9  HermodApi.dav: calendars, address books and WebDAV collections in
 *        the store, and recurrence/time-range/free-busy (hermod/dav.h).
 *   1.10 HermodWebApi.session_id, sessions_list, session_end,
 *        account_value_get/set, password_change: a user's own sessions,
 *        second factor and password (webmail settings).
 *   1.11 HermodApi.conn_read_stream, scram_salt, scram_verify: input as a
 *        stream (XMPP), SCRAM-SHA-1/-256 against the directory's keys.
 *   1.12 HermodMailApi.emails_page (a page of a mailbox's newest emails
 *        or threads from the index), record_put, records, record_delete,
 *        record_due_accounts (a module's own objects in the account
 *        store: JMAP identities, pending submissions).
 *   1.13 HermodApi.delivery_watch_add/remove, addr_account: modules see
 *        local deliveries (iMIP applied on arrival) and map an alias to
 *        its account (calendar user addresses); HermodDavApi
 *        props_objects, cal_limit, cal_instances.
 *   1.14 HermodDavApi.cal_alarms, cal_alarm_free, reminder_get/set/prune,
 *        HermodImApi.deliver_notice, im_json: calendar reminders (dav
 *        module) and one JSON shape for IMs.
 *   1.15 HermodDavApi.objects_brief: a collection's objects with only
 *        what a PROPFIND Depth 1 lists (name, ETag, type, size).
 */
#ifndef HERMOD_VERSION_H
#define HERMOD_VERSION_H

#define HERMOD_ABI_MAJOR 1
#define HERMOD_ABI_MINOR 15

/* Marks a public name kept only so that older modules still compile; the
 * compiler names the replacement.  Renaming a macro or an enumerator does
 * not change the ABI, so deprecated names keep working in every 1.x.
 * Define HERMOD_DISABLE_DEPRECATION_WARNINGS before including any Hermod
 * header to build such code without the warnings.  Expands to a GLib
 * attribute: include <glib.h> first (every Hermod header does). */
#ifdef HERMOD_DISABLE_DEPRECATION_WARNINGS
#define HERMOD_DEPRECATED_FOR(f)
#else
#define HERMOD_DEPRECATED_FOR(f) G_GNUC_DEPRECATED_FOR(f)
#endif

#endif
