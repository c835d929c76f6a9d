// SPDX-License-Identifier: GPL-2.0-or-later
// reader.js - the reading view: headers as text, attachments with name,
// type and size (downloaded from the JMAP download URL, which answers
// with Content-Disposition: attachment), and the body in a sandboxed
// iframe without scripts.  The body comes from /webmail/body/ID: the
// server reads the message, sanitises its HTML (or linkifies its plain
// text) and serves it under a CSP that forbids every script; remote
// images stay blocked until the user asks, per message or per sender.

import { $, h, clear, showAlert, addressText, formatSize, shortName } from './dom.js';
import { t, formatDate, lang } from './i18n.js';
import { app } from './app.js';
import { prefs, savePrefs, isDark } from './prefs.js';
import { act } from './list.js';
import { startReply } from './compose.js';

const FULL = ['id', 'blobId', 'size', 'threadId', 'mailboxIds', 'keywords', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt', 'receivedAt',
  'messageId', 'inReplyTo', 'references', 'attachments', 'hasAttachment', 'textBody', 'htmlBody', 'bodyValues', 'preview'];
let current = null;

function senderAllowed(e) {
  const from = e.from?.[0]?.email?.toLowerCase();
  return !!from && prefs().imagesFrom.includes(from);
}

function bodyUrl(e, images) {
  const q = new URLSearchParams({ images: images ? '1' : '0', dark: isDark() ? '1' : '0', lang });
  return `/webmail/body/${encodeURIComponent(e.id)}?${q}`;
}

function fitFrame() {
  const f = $('#reader-body');
  try {
    const doc = f.contentDocument;
    if (!doc) return;
    const meta = doc.querySelector('meta[name="hermod-blocked"]');
    const blocked = meta ? Number(meta.content) : 0;
    $('#images-bar').hidden = !(blocked > 0);
    f.style.height = `${Math.max(320, doc.documentElement.scrollHeight + 24)}px`;
  } catch (err) { /* not loaded yet */ }
}

function showBody(e, images) {
  const f = $('#reader-body');
  const url = bodyUrl(e, images);
  if (f.dataset.url === url) return; // already loading (openMessage started it)
  f.dataset.url = url;
  f.style.height = '320px';
  f.src = url;
}

function attachmentItem(a) {
  const name = a.name || t('reader.unnamed');
  const link = h('a', { href: app.jmap.downloadUrl(a.blobId, name, a.type), download: name, rel: 'noopener', text: name });
  return h('li', {}, h('span', { class: 'ico ico-attach', 'aria-hidden': 'true' }), link,
    h('span', { class: 'size', text: `${a.type || ''} · ${formatSize(a.size || 0, lang)}` }));
}

function render(e) {
  $('#reader-empty').hidden = true;
  $('#reader-message').hidden = false;
  $('#reader-subject').textContent = e.subject || t('list.noSubject');
  $('#reader-from').textContent = addressText(e.from);
  $('#reader-to').textContent = addressText(e.to);
  $('#reader-cc').textContent = addressText(e.cc);
  $('#reader-cc').hidden = $('#reader-cc-label').hidden = !(e.cc && e.cc.length);
  $('#reader-avatar').textContent = (shortName(e.from) || '?').trim().charAt(0).toUpperCase();
  const d = $('#reader-date');
  d.dateTime = e.receivedAt;
  d.textContent = formatDate(e.sentAt || e.receivedAt, true);
  const ul = $('#reader-attachments');
  clear(ul);
  for (const a of e.attachments || []) if (a.disposition !== 'inline' || !a.cid) ul.append(attachmentItem(a));
  $('#images-bar').hidden = true;
  showBody(e, senderAllowed(e));
}

// hint: the list's copy of the email (id, from), so that the body starts
// loading at once, beside the Email/get; marking it seen is a request of
// its own that nothing waits for.
export async function openMessage(id, hint) {
  try {
    if (hint) {
      $('#reader-body').dataset.url = '';
      showBody(hint, senderAllowed(hint));
    }
    const got = app.jmap.request([
      ['Email/get', { ids: [id], properties: FULL, fetchTextBodyValues: true, maxBodyValueBytes: 262144 }, 'g'],
    ]);
    if (!hint?.keywords?.$seen) app.jmap.call('Email/set', { update: { [id]: { 'keywords/$seen': true } } }).catch(() => {});
    const r = await got;
    const e = r.g[1].list?.[0];
    if (!e) { showAlert(t('reader.gone')); return; }
    current = e;
    render(e);
    $('#main').classList.add('reading');
    document.dispatchEvent(new CustomEvent('hermod:opened', { detail: e }));
  } catch (err) {
    showAlert(t('reader.failed'));
  }
}

export function currentEmail() { return current; }

function close() {
  current = null;
  $('#reader-body').dataset.url = '';
  $('#reader-message').hidden = true;
  $('#reader-empty').hidden = false;
  $('#main').classList.remove('reading');
}

export function initReader() {
  $('#reader-body').addEventListener('load', () => { fitFrame(); setTimeout(fitFrame, 300); });
  $('#images-show').addEventListener('click', () => current && showBody(current, true));
  $('#images-always').addEventListener('click', () => {
    const from = current?.from?.[0]?.email?.toLowerCase();
    if (!from) return;
    savePrefs({ imagesFrom: [...new Set([...prefs().imagesFrom, from])] });
    showBody(current, true);
  });
  $('#reader-back').addEventListener('click', () => {
    close();
    $('#message-list .row.current')?.focus();
  });
  for (const b of document.querySelectorAll('[data-reply]')) b.addEventListener('click', () => current && startReply(current, b.dataset.reply));
  for (const b of document.querySelectorAll('[data-reader-action]')) {
    b.addEventListener('click', async () => {
      if (!current) return;
      const id = current.id;
      await act(b.dataset.readerAction, [id]);
      if (b.dataset.readerAction === 'delete') close();
    });
  }
  document.addEventListener('hermod:closed', close);
}
