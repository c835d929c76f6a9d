/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-api.c - the HermodImApi table (hermod/im.h): modules' window onto
 * the IM hub.
 *
 * Each member is wired, in the header's order, to the core/im/ function
 * that implements it; module-api.c hands the table out as HermodApi.im.
 */
#include "autoconfig.h"

#include "im/im-broadcast.h"
#include "im/im-json.h"
#include "im/im-session.h"
#include "im/im.h"
#include "plugin/im-api.h"

const HermodImApi hermod_im_api = {
    .struct_size = sizeof(HermodImApi),

    .deliver = hermod_im_deliver,

    .session_open = hermod_im_session_open,
    .session_close = hermod_im_session_close,
    .session_set_presence = hermod_im_session_set_presence,
    .session_resource = hermod_im_session_resource,
    .presence_list = hermod_im_presence_list,
    .presence_of = hermod_im_presence_of,
    .send_transient = hermod_im_send_transient,

    .history = hermod_im_history,
    .set_flags = hermod_im_set_flags,
    .unread = hermod_im_unread,

    .resolve = hermod_im_resolve,
    .accounts = hermod_im_accounts,

    .broadcast_take = hermod_im_broadcast_take,
    .setting_get = hermod_im_setting_get,
    .setting_set = hermod_im_setting_set,
    /* ABI 1.14 */
    .deliver_notice = hermod_im_deliver_notice,
    .im_json = hermod_im_json_im,
};
