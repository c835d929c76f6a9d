/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * metrics.h - what the metrics module's files share.
 */
#ifndef HERMOD_METRICS_H
#define HERMOD_METRICS_H

#include <hermod/hermod.h>

extern const HermodApi *metrics_api;
extern HermodModule *metrics_module;

/* The mount's handler (web thread). */
void metrics_on_request(HermodHttpRequest *req, gpointer data);

#endif
