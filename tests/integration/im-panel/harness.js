// SPDX-License-Identifier: GPL-2.0-or-later
// harness.js - test-im-panel.py's page: the login (the webprobe test
// module's /t/login with HTTP Basic, as the webmail's login form would
// make a web session), then the IM panel with the session's CSRF token.
// The user and password come in the fragment: #user:password.

import { ImPanel } from './im.js';

async function boot() {
  const [user, password] = decodeURIComponent(location.hash.slice(1)).split(':');
  const r = await fetch('/t/login', { method: 'POST', credentials: 'same-origin',
    headers: { Authorization: `Basic ${btoa(`${user}:${password}`)}` } });
  const csrf = (await r.text()).split(' ')[2].trim();
  window.imPanel = new ImPanel(document.querySelector('#im'), { csrf }).start();
  document.body.dataset.ready = '1';
}

boot();
