// SPDX-License-Identifier: GPL-2.0-or-later
// settings.js - the settings dialog: language, theme (desktop or phone
// layout), appearance (light, dark, system), messages per page, time
// zone, signature (the JMAP Identity's textSignature), out-of-office
// reply (JMAP VacationResponse).  Focus is trapped in the dialog while it
// is open and returns to the gear button when it closes.

import { $, h, showAlert, announce } from './dom.js';
import { t, setLanguage, fillLanguageSelect, lang, setTimeZone } from './i18n.js';
import { CAP_VACATION } from './jmap.js';
import { app, loadMailboxes, refreshHeading } from './app.js';
import { prefs, savePrefs, applyMode, currentTheme, setTheme } from './prefs.js';
import { loadList } from './list.js';
import { initSecurity, loadSecurity } from './security.js';

function zones() {
  const sel = $('#set-timezone');
  if (sel.options.length) return;
  sel.append(h('option', { value: '', text: t('settings.tzBrowser') }));
  const list = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  for (const z of list) sel.append(h('option', { value: z, text: z.replaceAll('_', ' ') }));
}

async function load() {
  const p = prefs();
  fillLanguageSelect($('#set-language'));
  $('#set-language').value = lang;
  $('#set-theme').value = currentTheme();
  $('#set-mode').value = p.mode;
  $('#set-pagesize').value = String(p.pageSize);
  zones();
  $('#set-timezone').value = p.timeZone || '';
  const id = app.identities[0];
  $('#set-signature').value = id?.textSignature ?? localStorage.getItem('hermod.signature') ?? '';
  $('#vacation-set').hidden = true;
  if (app.jmap.has(CAP_VACATION)) {
    const v = await app.jmap.call('VacationResponse/get', { ids: ['singleton'] }).catch(() => null);
    $('#vacation-set').hidden = !v;
    const r = v?.list?.[0] || {};
    $('#set-vacation-on').checked = !!r.isEnabled;
    $('#set-vacation-subject').value = r.subject || '';
    $('#set-vacation-text').value = r.textBody || '';
  }
}

async function saveServer(sig) {
  const problems = [];
  const id = app.identities[0];
  if (id && (id.textSignature ?? '') !== sig) {
    const r = await app.jmap.call('Identity/set', { update: { [id.id]: { textSignature: sig } } }).catch(() => null);
    if (r?.updated && id.id in r.updated) id.textSignature = sig;
  }
  if (app.jmap.has(CAP_VACATION) && !$('#vacation-set').hidden) {
    try {
      const r = await app.jmap.call('VacationResponse/set', { update: { singleton: { isEnabled: $('#set-vacation-on').checked, subject: $('#set-vacation-subject').value || null, textBody: $('#set-vacation-text').value || null } } });
      if (r.notUpdated?.singleton) problems.push(r.notUpdated.singleton.description || r.notUpdated.singleton.type);
    } catch (e) {
      problems.push(e.message);
    }
  }
  return problems;
}

// What this browser keeps applies at once; what the server keeps
// (signature, vacation) is saved after, and its failure is reported
// without undoing the rest.
async function save(ev) {
  ev.preventDefault();
  $('#settings-error').hidden = true;
  const newLang = $('#set-language').value;
  savePrefs({ mode: $('#set-mode').value, pageSize: Number($('#set-pagesize').value), timeZone: $('#set-timezone').value });
  localStorage.setItem('hermod.lang', newLang);
  applyMode();
  setTimeZone($('#set-timezone').value);
  const sig = $('#set-signature').value;
  localStorage.setItem('hermod.signature', sig);
  const theme = $('#set-theme').value;
  if (theme !== currentTheme()) { await saveServer(sig); setTheme(theme); location.reload(); return; }
  if (newLang !== lang) { await setLanguage(newLang); refreshHeading(); }
  for (const s of document.querySelectorAll('.lang-select')) s.value = newLang;
  const problems = await saveServer(sig);
  await loadMailboxes().catch(() => {});
  refreshHeading();
  await loadList(true).catch(() => {});
  if (problems.length) {
    $('#settings-error').textContent = t('settings.failed', { reason: problems.join('; ') });
    $('#settings-error').hidden = false;
  } else {
    $('#settings-saved').textContent = t('settings.saved');
    announce(t('settings.saved'));
  }
}

function close() {
  $('#settings').hidden = true;
  $('#open-settings').focus();
}

function trap(ev) {
  if (ev.key === 'Escape') { close(); return; }
  if (ev.key !== 'Tab') return;
  const f = [...$('#settings').querySelectorAll('button, input, select, textarea')].filter((x) => !x.disabled && x.offsetParent !== null);
  if (!f.length) return;
  if (ev.shiftKey && document.activeElement === f[0]) { ev.preventDefault(); f[f.length - 1].focus(); }
  else if (!ev.shiftKey && document.activeElement === f[f.length - 1]) { ev.preventDefault(); f[0].focus(); }
}

export function initSettings() {
  $('#open-settings').addEventListener('click', async () => {
    $('#settings-saved').textContent = '';
    $('#settings').hidden = false;
    await load().catch(() => showAlert(t('settings.loadFailed')));
    loadSecurity();
    $('#set-language').focus();
  });
  $('#settings-close').addEventListener('click', close);
  initSecurity();
  $('#settings-form').addEventListener('submit', save);
  $('#settings').addEventListener('keydown', trap);
  $('#settings').addEventListener('click', (ev) => { if (ev.target.id === 'settings') close(); });
}
