/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * probe.c - the public ABI as abidw sees it.
 *
 * abidw describes only the types reachable from a shared object's exported
 * symbols, so this object exports one function per public concept whose
 * parameters name every public struct, enum and typedef.  check-abi builds
 * it with debug info (once against plugin-api/, once against the frozen 1.0
 * headers) and compares it with the committed baseline.  A new public type
 * gets a parameter here in the same commit that adds it.  Members and
 * enumerators appended to types already named here need none: ABI 1.4's
 * addr_lookup, addr_check_owner (HermodApi) and HERMOD_ADDR_TEMPFAIL
 * (HermodAddrKind) come in through hermod_abi_probe_api.
 */
#include "autoconfig.h"

#include <hermod/hermod.h>

#define PROBE G_MODULE_EXPORT void

PROBE
hermod_abi_probe_module(HermodModuleDescriptor *descriptor, HermodModule *module,
                        HermodSetting *setting, HermodSettingType setting_type)
{
}

PROBE
hermod_abi_probe_protocol(HermodProtocol *protocol, HermodConn *conn)
{
}

PROBE
hermod_abi_probe_api(HermodApi *api, HermodLogLevel level, HermodAuthResult auth,
                     HermodAddrKind addr, HermodMessage *msg)
{
}

PROBE
hermod_abi_probe_flags(HermodNotify notify, HermodMsgFlags flags, HermodSubmitError submit)
{
}

PROBE
hermod_abi_probe_callbacks(HermodWorkFunc work, HermodDoneFunc done, HermodAuthFunc auth)
{
}

/* ABI 1.1: the mail store.  The frozen 1.0 headers have no mailstore.h. */
#if HERMOD_ABI_MINOR >= 1
PROBE
hermod_abi_probe_mail(HermodMailApi *mail, HermodMailStore *store, HermodMsgInfo *msg,
                      HermodMailboxInfo *mailbox, HermodMsgFlag flag, HermodFlagsOp op,
                      HermodMailError error, HermodWatchFunc watch)
{
}
#endif

/* ABI 1.4: the web server. */
#if HERMOD_ABI_MINOR >= 4
PROBE
hermod_abi_probe_web(HermodWebApi *web, HermodHttpRequest *req, HermodSse *sse,
                     HermodWebMount *mount, HermodWebAuthResult result, HermodWebReadFunc read,
                     HermodWebDoneFunc done, HermodWebAuthFunc auth, HermodListenerInfo *info)
{
}
#endif

/* ABI 1.8: the IM hub. */
#if HERMOD_ABI_MINOR >= 8
PROBE
hermod_abi_probe_im(HermodImApi *im, HermodImSession *session, HermodIm *msg,
                    HermodImPresenceInfo *info, HermodImSessionSpec *spec, HermodImSend *send,
                    HermodImQuery *query, HermodImPresence presence, HermodImClient client,
                    HermodImFlag flag, HermodImError error, HermodImFunc on_im,
                    HermodImPresenceFunc on_presence, HermodImTransientFunc on_transient)
{
}
#endif

/* ABI 1.9: calendars, address books and WebDAV collections. */
#if HERMOD_ABI_MINOR >= 9
PROBE
hermod_abi_probe_dav(HermodDavApi *dav, HermodDavCollection *collection, HermodDavObject *object,
                     HermodDavChange *change, HermodDavProp *prop, HermodDavNewCollection *spec,
                     HermodDavPut *put, HermodCalPeriod *period, HermodDavKind kind,
                     HermodDavError error)
{
}
#endif
