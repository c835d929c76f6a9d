/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/hermod.h - everything a Hermod module includes.
 */
#ifndef HERMOD_HERMOD_H
#define HERMOD_HERMOD_H

#include <hermod/version.h>
#include <hermod/setting.h>
#include <hermod/protocol.h>
#include <hermod/module.h>
#include <hermod/mailstore.h>
#include <hermod/web.h>
#include <hermod/im.h>
#include <hermod/dav.h>
#include <hermod/api.h>

#endif
