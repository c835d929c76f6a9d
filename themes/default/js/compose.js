// SPDX-License-Identifier: GPL-2.0-or-later
// compose.js - writing mail: new, reply, reply all, forward (inline or
// as attachment).  From is one of the account's JMAP Identities; To/Cc/
// Bcc complete from recent recipients; plain text or rich text (the rich
// editor's HTML is sanitised by the server like incoming mail before it
// is sent); attachments uploaded as JMAP blobs with progress, by the file
// chooser or by dropping files; the draft is saved to Drafts while
// typing.  Send creates the email and an EmailSubmission that moves it
// to Sent on success; while the server holds it (undoStatus "pending")
// an "Undo" sets undoStatus to "canceled" and reopens the draft.

import { $, $$, h, clear, showAlert, announce, addressText, parseAddresses, formatSize } from './dom.js';
import { t, formatDate, lang } from './i18n.js';
import { Jmap } from './jmap.js';
import { app, roleBox, loadMailboxes } from './app.js';
import { loadList } from './list.js';

const c = { draftId: null, inReplyTo: null, references: null, attachments: [], dirty: false, saving: null, timer: null, replyOf: null, keywordOnSend: null };

function recent() {
  try { return JSON.parse(localStorage.getItem('hermod.recent') || '[]'); } catch (e) { return []; }
}

function remember(addrs) {
  const all = [...new Set([...addrs.map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)), ...recent()])].slice(0, 200);
  localStorage.setItem('hermod.recent', JSON.stringify(all));
}

function fillRecipients() {
  const dl = $('#recipients');
  clear(dl);
  for (const a of recent()) dl.append(h('option', { value: a }));
}

function fillFrom() {
  const sel = $('#compose-from');
  clear(sel);
  const ids = app.identities.length ? app.identities : [{ id: '', email: app.account, name: '' }];
  for (const i of ids) sel.append(h('option', { value: i.id, text: i.name ? `${i.name} <${i.email}>` : i.email }));
}

function identity() {
  return app.identities.find((i) => i.id === $('#compose-from').value) || app.identities[0] || { email: app.account, name: '' };
}

function signature() {
  const s = identity().textSignature || localStorage.getItem('hermod.signature') || '';
  return s ? `\n\n-- \n${s}` : '';
}

function isRich() { return $('#compose-rich').checked; }

function setRich(on) {
  $('#compose-rich').checked = on;
  const ta = $('#compose-body');
  const rich = $('#compose-rich-body');
  if (on && ta.hidden === false) {
    rich.textContent = '';
    for (const line of ta.value.split('\n')) { rich.append(document.createTextNode(line)); rich.append(h('br')); }
  } else if (!on && rich.hidden === false) ta.value = rich.innerText;
  ta.hidden = on;
  rich.hidden = !on;
  for (const b of $$('.rich-only')) b.hidden = !on;
}

function open(title) {
  $('#compose-title').textContent = title;
  $('#compose').hidden = false;
  $('#compose-saved').textContent = '';
  fillFrom();
  fillRecipients();
  renderAttachments();
}

function reset() {
  Object.assign(c, { draftId: null, inReplyTo: null, references: null, attachments: [], dirty: false, replyOf: null, keywordOnSend: null });
  for (const id of ['compose-to', 'compose-cc', 'compose-bcc', 'compose-subject', 'compose-body']) $(`#${id}`).value = '';
  $('#compose-rich-body').textContent = '';
  setRich(false);
}

export function startCompose() {
  reset();
  $('#compose-body').value = signature();
  open(t('compose.new'));
  $('#compose-to').focus();
}

function quote(e) {
  const text = (e.textBody || []).map((p) => e.bodyValues?.[p.partId]?.value || '').join('\n') || e.preview || '';
  const who = addressText(e.from);
  return `\n\n${t('compose.wrote', { date: formatDate(e.sentAt || e.receivedAt, true), who })}\n${text.split('\n').map((l) => `> ${l}`).join('\n')}`;
}

function prefixed(prefix, subject) {
  const s = subject || '';
  return new RegExp(`^${prefix}:`, 'i').test(s) ? s : `${prefix}: ${s}`;
}

export function startReply(e, kind) {
  reset();
  const mine = new Set([app.account.toLowerCase(), ...app.identities.map((i) => i.email.toLowerCase())]);
  if (kind === 'attach') {
    // The original, whole, as a message/rfc822 attachment: its JMAP blob.
    $('#compose-subject').value = prefixed('Fwd', e.subject);
    $('#compose-body').value = signature();
    const name = `${(e.subject || t('list.noSubject')).replace(/[\\/:*?"<>|\x00-\x1f]+/g, ' ').trim().slice(0, 80) || 'message'}.eml`;
    c.attachments = [{ blobId: e.blobId, name, type: 'message/rfc822', size: e.size, done: true }];
    c.keywordOnSend = { id: e.id, keyword: '$forwarded' };
  } else if (kind === 'forward') {
    $('#compose-subject').value = prefixed('Fwd', e.subject);
    const fwd = `\n\n${t('compose.forwarded')}\n${t('field.from')}: ${addressText(e.from)}\n${t('field.subject')}: ${e.subject || ''}\n${t('field.to')}: ${addressText(e.to)}\n\n`;
    const text = (e.textBody || []).map((p) => e.bodyValues?.[p.partId]?.value || '').join('\n');
    $('#compose-body').value = signature() + fwd + text;
    c.attachments = (e.attachments || []).map((a) => ({ blobId: a.blobId, name: a.name, type: a.type, size: a.size, done: true }));
    c.keywordOnSend = { id: e.id, keyword: '$forwarded' };
  } else {
    const to = e.replyTo?.length ? e.replyTo : e.from;
    $('#compose-to').value = addressText(to);
    if (kind === 'all') {
      const seen = new Set((to || []).map((a) => a.email.toLowerCase()));
      const cc = [...(e.to || []), ...(e.cc || [])].filter((a) => !mine.has(a.email.toLowerCase()) && !seen.has(a.email.toLowerCase()));
      $('#compose-cc').value = addressText(cc);
    }
    $('#compose-subject').value = prefixed('Re', e.subject);
    $('#compose-body').value = signature() + quote(e);
    c.inReplyTo = e.messageId || null;
    c.references = [...(e.references || []), ...(e.messageId || [])];
    c.keywordOnSend = { id: e.id, keyword: '$answered' };
  }
  const own = app.identities.find((i) => [...(e.to || []), ...(e.cc || [])].some((a) => a.email.toLowerCase() === i.email.toLowerCase()));
  open(t(kind === 'attach' ? 'reader.forwardAttached' : kind === 'forward' ? 'reader.forward' : kind === 'all' ? 'reader.replyAll' : 'reader.reply'));
  if (own) $('#compose-from').value = own.id;
  const body = $('#compose-body');
  if (kind === 'forward' || kind === 'attach') $('#compose-to').focus();
  else { body.focus(); body.setSelectionRange(0, 0); }
}

function renderAttachments() {
  const ul = $('#compose-attachments');
  clear(ul);
  c.attachments.forEach((a, i) => {
    ul.append(h('li', {}, h('span', { class: 'ico ico-attach', 'aria-hidden': 'true' }), h('span', { text: a.name }),
      a.done ? h('span', { class: 'size', text: formatSize(a.size || 0, lang) }) : h('progress', { max: '1', value: String(a.progress || 0), 'aria-label': t('compose.uploading', { name: a.name }) }),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('compose.remove', { name: a.name }), title: t('compose.remove', { name: a.name }), onclick: () => { c.attachments.splice(i, 1); renderAttachments(); changed(); } }, h('span', { class: 'ico ico-close', 'aria-hidden': 'true' }))));
  });
}

async function addFiles(files) {
  for (const f of files) {
    const a = { name: f.name, type: f.type || 'application/octet-stream', size: f.size, progress: 0, done: false };
    c.attachments.push(a);
    renderAttachments();
    try {
      const r = await app.jmap.upload(f, (p) => { a.progress = p; const pr = $$('#compose-attachments progress'); pr.forEach((x) => { if (x.getAttribute('aria-label') === t('compose.uploading', { name: a.name })) x.value = p; }); });
      Object.assign(a, { blobId: r.blobId, type: r.type || a.type, size: r.size, done: true });
      announce(t('compose.uploaded', { name: a.name }));
    } catch (e) {
      c.attachments.splice(c.attachments.indexOf(a), 1);
      showAlert(t('compose.uploadFailed', { name: a.name }));
    }
    renderAttachments();
    changed();
  }
}

async function richHtml() {
  const html = $('#compose-rich-body').innerHTML;
  const r = await fetch('/webmail/api/sanitize', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-CSRF-Token': app.csrf }, body: html });
  if (!r.ok) throw new Error('sanitize');
  return r.text();
}

async function emailObject(asDraft) {
  const id = identity();
  const from = [{ name: id.name || null, email: id.email }];
  const e = {
    mailboxIds: { [roleBox('drafts').id]: true }, keywords: { $draft: true, $seen: true }, from,
    to: parseAddresses($('#compose-to').value), cc: parseAddresses($('#compose-cc').value), bcc: parseAddresses($('#compose-bcc').value),
    subject: $('#compose-subject').value, sentAt: new Date().toISOString(),
  };
  if (c.inReplyTo) e.inReplyTo = c.inReplyTo;
  if (c.references && c.references.length) e.references = c.references;
  const text = isRich() ? $('#compose-rich-body').innerText : $('#compose-body').value;
  e.bodyValues = { text: { value: text } };
  e.textBody = [{ partId: 'text', type: 'text/plain' }];
  if (isRich()) {
    e.bodyValues.html = { value: await richHtml() };
    e.htmlBody = [{ partId: 'html', type: 'text/html' }];
  }
  const ready = c.attachments.filter((a) => a.done && a.blobId);
  if (ready.length) e.attachments = ready.map((a) => ({ blobId: a.blobId, type: a.type, name: a.name, disposition: 'attachment' }));
  for (const k of ['to', 'cc', 'bcc']) if (!e[k].length) delete e[k];
  return e;
}

async function saveDraft() {
  if (!roleBox('drafts')) return;
  const e = await emailObject(true);
  const args = { create: { d: e } };
  if (c.draftId) args.destroy = [c.draftId];
  const r = await app.jmap.call('Email/set', args);
  if (r.created?.d) {
    c.draftId = r.created.d.id;
    c.dirty = false;
    $('#compose-saved').textContent = t('compose.saved', { time: formatDate(new Date().toISOString()) });
  }
}

function changed() {
  c.dirty = true;
  clearTimeout(c.timer);
  c.timer = setTimeout(() => { c.saving = saveDraft().catch(() => {}); }, 3000);
}

function toast(text, undo) {
  $('#toast-text').textContent = text;
  $('#toast').hidden = false;
  const b = $('#toast-undo');
  b.hidden = !undo;
  b.onclick = undo;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { $('#toast').hidden = true; }, undo ? 10000 : 5000);
}

async function send(ev) {
  ev.preventDefault();
  clearTimeout(c.timer);
  const to = [...parseAddresses($('#compose-to').value), ...parseAddresses($('#compose-cc').value), ...parseAddresses($('#compose-bcc').value)];
  if (!to.length) { showAlert(t('compose.noRecipient')); $('#compose-to').focus(); return; }
  if (c.attachments.some((a) => !a.done)) { showAlert(t('compose.stillUploading')); return; }
  const sent = roleBox('sent');
  const drafts = roleBox('drafts');
  $('#compose-send').disabled = true;
  try {
    await c.saving;
    const e = await emailObject(false);
    const onSuccess = { 'keywords/$draft': null };
    if (sent) { onSuccess[`mailboxIds/${drafts.id}`] = null; onSuccess[`mailboxIds/${sent.id}`] = true; }
    const calls = [
      ['Email/set', { create: { m: e }, destroy: c.draftId ? [c.draftId] : undefined }, 'e'],
      ['EmailSubmission/set', { create: { s: { identityId: identity().id, emailId: '#m' } }, onSuccessUpdateEmail: { '#s': onSuccess } }, 's'],
    ];
    if (c.keywordOnSend) calls.push(['Email/set', { update: { [c.keywordOnSend.id]: { [`keywords/${c.keywordOnSend.keyword}`]: true } } }, 'k']);
    const r = await app.jmap.request(calls);
    const created = Jmap.check(r, 'e');
    const sub = Jmap.check(r, 's');
    if (!created.created?.m) throw new Error(created.notCreated?.m?.description || 'email');
    if (!sub.created?.s) throw new Error(sub.notCreated?.s?.description || sub.notCreated?.s?.type || 'submission');
    remember(to);
    const snapshot = { ...c, to: $('#compose-to').value, cc: $('#compose-cc').value, bcc: $('#compose-bcc').value, subject: $('#compose-subject').value, body: $('#compose-body').value, emailId: created.created.m.id };
    $('#compose').hidden = true;
    const subId = sub.created.s.id;
    const canUndo = (sub.created.s.undoStatus || 'pending') === 'pending';
    toast(t('compose.sent'), canUndo ? () => undo(subId, snapshot) : null);
    c.draftId = null;
    loadMailboxes().catch(() => {});
    loadList(false, true).catch(() => {});
  } catch (err) {
    showAlert(t('compose.failed', { reason: err.message }));
  } finally {
    $('#compose-send').disabled = false;
  }
}

async function undo(subId, snap) {
  $('#toast').hidden = true;
  try {
    const r = await app.jmap.call('EmailSubmission/set', { update: { [subId]: { undoStatus: 'canceled' } } });
    if (!r.updated || !(subId in r.updated)) throw new Error(r.notUpdated?.[subId]?.description || 'too late');
    reset();
    Object.assign(c, { draftId: snap.emailId, inReplyTo: snap.inReplyTo, references: snap.references, attachments: snap.attachments, keywordOnSend: snap.keywordOnSend });
    $('#compose-to').value = snap.to; $('#compose-cc').value = snap.cc; $('#compose-bcc').value = snap.bcc;
    $('#compose-subject').value = snap.subject; $('#compose-body').value = snap.body;
    open(t('compose.new'));
    await saveDraft().catch(() => {});
    announce(t('compose.undone'));
  } catch (e) {
    showAlert(t('compose.undoFailed'));
  }
}

async function closeCompose(discard) {
  clearTimeout(c.timer);
  if (discard && c.draftId) await app.jmap.call('Email/set', { destroy: [c.draftId] }).catch(() => {});
  else if (!discard && c.dirty) await saveDraft().catch(() => {});
  $('#compose').hidden = true;
  $('#compose-btn').focus();
  loadMailboxes().catch(() => {});
}

// Opening a draft from Drafts continues it.
export function editDraft(e) {
  reset();
  c.draftId = e.id;
  $('#compose-to').value = addressText(e.to);
  $('#compose-cc').value = addressText(e.cc);
  $('#compose-bcc').value = addressText(e.bcc);
  $('#compose-subject').value = e.subject || '';
  $('#compose-body').value = (e.textBody || []).map((p) => e.bodyValues?.[p.partId]?.value || '').join('\n');
  c.inReplyTo = e.inReplyTo; c.references = e.references;
  c.attachments = (e.attachments || []).map((a) => ({ blobId: a.blobId, name: a.name, type: a.type, size: a.size, done: true }));
  open(t('compose.draft'));
  $('#compose-body').focus();
}

export function initCompose() {
  $('#compose-btn').addEventListener('click', startCompose);
  $('#compose-form').addEventListener('submit', send);
  $('#compose-form').addEventListener('input', changed);
  $('#compose-close').addEventListener('click', () => closeCompose(false));
  $('#compose-discard').addEventListener('click', () => closeCompose(true));
  $('#compose-rich').addEventListener('change', (ev) => setRich(ev.target.checked));
  for (const b of $$('[data-cmd]')) b.addEventListener('click', () => { document.execCommand(b.dataset.cmd); $('#compose-rich-body').focus(); });
  for (const b of $$('.rich-only')) b.hidden = true;
  $('#compose-file').addEventListener('change', (ev) => { addFiles([...ev.target.files]); ev.target.value = ''; });
  const box = $('#compose');
  box.addEventListener('dragover', (ev) => { if (ev.dataTransfer.types.includes('Files')) { ev.preventDefault(); box.classList.add('drag'); } });
  box.addEventListener('dragleave', () => box.classList.remove('drag'));
  box.addEventListener('drop', (ev) => { if (ev.dataTransfer.files.length) { ev.preventDefault(); box.classList.remove('drag'); addFiles([...ev.dataTransfer.files]); } });
  box.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeCompose(false); });
  document.addEventListener('hermod:opened', (ev) => {
    const e = ev.detail;
    if (e.keywords?.$draft && roleBox('drafts') && e.mailboxIds[roleBox('drafts').id]) editDraft(e);
  });
}
