// SPDX-License-Identifier: GPL-2.0-or-later
//
// launch.mjs - Debian's Chromium as every browser test and the webmail
// bench start it.  Besides the flags for running headless as root in a
// container, Chromium is kept off the network: its own background
// requests (component updates, accounts, safe browsing) would resolve
// names through the machine's DNS server, and tests talk only to
// loopback.  Every name but 127.0.0.1 and localhost fails to resolve
// inside Chromium, without a packet sent.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

// (transfer full) a Browser; the caller closes it.
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
