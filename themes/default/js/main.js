// SPDX-License-Identifier: GPL-2.0-or-later
// main.js - start-up: translations, then the session.  A browser with a
// live web session goes straight to the mailbox; others see the login
// form.  Logging out ends the session on the server, then reloads.

import { $, showAlert } from './dom.js';
import { pickLanguage, setLanguage, fillLanguageSelect, t } from './i18n.js';
import { showLogin } from './login.js';
import { startApp } from './app.js';
import { applyMode } from './prefs.js';

async function session() {
  const r = await fetch('/webmail/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (r.status === 401) return null;
  if (!r.ok) throw new Error(`session: HTTP ${r.status}`);
  return r.json();
}

export async function logout(csrf) {
  try {
    await fetch('/webmail/api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } });
  } finally {
    location.replace('/');
  }
}

async function boot() {
  applyMode();
  await setLanguage(pickLanguage());
  for (const s of document.querySelectorAll('.lang-select')) fillLanguageSelect(s);
  let s = null;
  try {
    s = await session();
  } catch (e) {
    showAlert(t('error.server'));
  }
  if (s) await startApp(s);
  else showLogin(async (fresh) => startApp(fresh));
}

boot();
