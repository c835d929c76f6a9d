// SPDX-License-Identifier: GPL-2.0-or-later
// login.js - the login form.  The address and password go to
// /webmail/api/login as HTTP Basic (the core checks them, counts
// failures for dynamic screening and makes a new session id); a failure
// is shown in the form's role=alert region and focus returns to the
// password field.

import { $ } from './dom.js';
import { t, setLanguage } from './i18n.js';

function basic(email, password) {
  const bytes = new TextEncoder().encode(`${email}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

function fail(message) {
  const err = $('#login-error');
  err.textContent = message;
  err.hidden = false;
  $('#login-password').value = '';
  $('#login-password').focus();
}

export function showLogin(onLoggedIn) {
  $('#app-view').hidden = true;
  $('#login-view').hidden = false;
  document.title = t('login.title');
  $('#login-email').focus();
  $('#login-language').addEventListener('change', async (e) => {
    localStorage.setItem('hermod.lang', e.target.value);
    await setLanguage(e.target.value);
    document.title = t('login.title');
  });
  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = $('#login-email').value.trim();
    const password = $('#login-password').value;
    if (!email || !password) { fail(t('login.missing')); return; }
    $('#login-submit').disabled = true;
    try {
      const otp = $('#login-otp').value.trim();
      const headers = { Authorization: basic(email, password), Accept: 'application/json' };
      if (otp) headers['X-Hermod-OTP'] = otp;
      const r = await fetch('/webmail/api/login', { method: 'POST', credentials: 'same-origin', headers });
      if (r.ok) {
        $('#login-error').hidden = true;
        $('#login-view').hidden = true;
        await onLoggedIn(await r.json());
        return;
      }
      const why = (await r.json().catch(() => ({}))).error;
      if (why === 'otp-required' || why === 'otp-invalid') {
        $('#login-otp-box').hidden = false;
        const err = $('#login-error');
        err.textContent = t(why === 'otp-required' ? 'login.otpNeeded' : 'login.otpWrong');
        err.hidden = false;
        $('#login-otp').value = '';
        $('#login-otp').focus();
        return;
      }
      fail(t(r.status === 429 ? 'login.blocked' : r.status === 401 ? 'login.wrong' : 'error.server'));
    } catch (err) {
      fail(t('error.network'));
    } finally {
      $('#login-submit').disabled = false;
    }
  });
}
