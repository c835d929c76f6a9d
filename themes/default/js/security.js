// SPDX-License-Identifier: GPL-2.0-or-later
// security.js - the security part of the settings: password change,
// two-step sign-in (TOTP: the QR code comes from the server as SVG and is
// shown as an image; the recovery codes are shown once), and the
// account's sessions with "sign out everywhere else".  These calls go to
// /webmail/api/ (the core's account functions), not to JMAP, which has
// no such objects.

import { $, h, clear, announce } from './dom.js';
import { t, formatDate } from './i18n.js';
import { app } from './app.js';

async function call(method, what, body) {
  const r = await fetch(`/webmail/api/${what}`, {
    method, credentials: 'same-origin',
    headers: { 'X-CSRF-Token': app.csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(data.error || `HTTP ${r.status}`), { code: data.error });
  return data;
}

function problem(e) {
  const el = $('#security-error');
  const key = { 'wrong-password': 'security.wrongPassword', 'too-short': 'security.tooShort', 'wrong-code': 'security.wrongCode', blocked: 'login.blocked' }[e.code];
  el.textContent = key ? t(key) : t('settings.failed', { reason: e.message });
  el.hidden = false;
}

function sessionItem(s) {
  const li = h('li', {},
    h('span', { class: 'where' }, s.peer || '?', ' · ', t('security.lastUsed', { when: formatDate(new Date(s.lastUsed * 1000).toISOString()) })),
    s.current ? h('span', { class: 'this', text: t('security.thisDevice') }) : null);
  if (!s.current) {
    li.append(h('button', { type: 'button', class: 'ghost', 'aria-label': t('security.endSession', { where: s.peer || '?' }),
      onclick: async () => { await call('POST', 'sessions/end', { id: s.id }).catch(problem); await loadSecurity(); } }, t('security.end')));
  }
  return li;
}

function showTotp(info) {
  $('#totp-state').textContent = info.totp ? t('security.totpOn', { n: info.recoveryLeft }) : t('security.totpOff');
  $('#totp-start').hidden = info.totp;
  $('#totp-disable').hidden = !info.totp;
  $('#totp-code').hidden = !info.totp;
  $('#totp-enable').hidden = true;
  $('#totp-setup').hidden = true;
}

export async function loadSecurity() {
  $('#security-error').hidden = true;
  $('#pw-user').value = app.account;
  try {
    const info = await call('GET', 'account');
    showTotp(info);
    const ul = $('#session-list');
    clear(ul);
    for (const s of info.sessions) ul.append(sessionItem(s));
    $('#security').hidden = false;
  } catch (e) {
    $('#security').hidden = true;
  }
}

async function changePassword(ev) {
  ev.preventDefault();
  $('#security-error').hidden = true;
  if ($('#pw-new').value !== $('#pw-new2').value) { problem({ code: 'x', message: t('security.mismatch') }); return; }
  try {
    await call('POST', 'password', { old: $('#pw-old').value, new: $('#pw-new').value });
    for (const id of ['pw-old', 'pw-new', 'pw-new2']) $(`#${id}`).value = '';
    $('#pw-status').textContent = t('security.passwordChanged');
    announce(t('security.passwordChanged'));
  } catch (e) { problem(e); }
}

async function startTotp() {
  try {
    const s = await call('POST', 'totp/setup');
    $('#totp-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.qrSvg)}`;
    $('#totp-qr').alt = t('security.qrAlt');
    $('#totp-secret').textContent = s.secret.replace(/(.{4})/g, '$1 ').trim();
    $('#totp-setup').hidden = false;
    $('#totp-code').hidden = false;
    $('#totp-enable').hidden = false;
    $('#totp-start').hidden = true;
    $('#totp-code').focus();
  } catch (e) { problem(e); }
}

async function enableTotp() {
  try {
    const r = await call('POST', 'totp/enable', { code: $('#totp-code').value.trim() });
    $('#totp-code').value = '';
    const ol = $('#totp-codes');
    clear(ol);
    for (const c of r.recoveryCodes) ol.append(h('li', { text: c }));
    ol.hidden = false;
    await loadSecurity();
    $('#totp-state').textContent = t('security.keepCodes');
    announce(t('security.keepCodes'));
  } catch (e) { problem(e); }
}

async function disableTotp() {
  try {
    await call('POST', 'totp/disable', { code: $('#totp-code').value.trim() });
    $('#totp-code').value = '';
    $('#totp-codes').hidden = true;
    await loadSecurity();
  } catch (e) { problem(e); }
}

export function initSecurity() {
  $('#password-form').addEventListener('submit', changePassword);
  $('#totp-start').addEventListener('click', startTotp);
  $('#totp-enable').addEventListener('click', enableTotp);
  $('#totp-disable').addEventListener('click', disableTotp);
  $('#sessions-end-others').addEventListener('click', async () => {
    try {
      const r = await call('POST', 'sessions/end', { others: true });
      announce(t('security.ended', { n: r.ended }));
      await loadSecurity();
    } catch (e) { problem(e); }
  });
}
