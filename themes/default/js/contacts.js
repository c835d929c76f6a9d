// SPDX-License-Identifier: GPL-2.0-or-later
// contacts.js - the address book page, over CardDAV (RFC 6352) at /dav/
// with the web session and its CSRF header: the same contacts that
// Thunderbird, Apple Contacts or DAVx5 see.  The account's address books
// (PROPFIND on its addressbook-home-set), their cards (addressbook-query
// with address-data), create (PUT If-None-Match: *), edit (PUT If-Match
// the ETag), delete (DELETE If-Match), search, groups (CATEGORIES).
// Without the dav module the page says contacts are not available.

import { $, h, clear, showAlert, announce } from './dom.js';
import { t } from './i18n.js';
import { app } from './app.js';
import { parseVCard, writeVCard } from './vcard.js';
import { confirmDialog } from './dialog.js';

const NS = { D: 'DAV:', C: 'urn:ietf:params:xml:ns:carddav' };
const book = { url: null, cards: [], group: '', editing: null };

async function dav(method, url, body, headers = {}) {
  const r = await fetch(url, {
    method, credentials: 'same-origin', body,
    headers: { 'X-CSRF-Token': app.csrf, ...(body ? { 'Content-Type': headers.type || 'application/xml; charset=utf-8' } : {}), ...headers },
  });
  return r;
}

function xml(text) { return new DOMParser().parseFromString(text, 'application/xml'); }

function textOf(el, ns, name) { return el.getElementsByTagNameNS(ns, name)[0]?.textContent ?? null; }

async function findBook() {
  const home = `/dav/card/${encodeURIComponent(app.account)}/`;
  const r = await dav('PROPFIND', home, '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:displayname/></D:prop></D:propfind>', { Depth: '1' });
  if (r.status !== 207) return null;
  for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.D, 'response')) {
    const isBook = resp.getElementsByTagNameNS(NS.C, 'addressbook').length > 0;
    if (isBook) return new URL(textOf(resp, NS.D, 'href'), location.href).pathname;
  }
  return null;
}

async function loadCards() {
  const body = '<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop></C:addressbook-query>';
  const r = await dav('REPORT', book.url, body, { Depth: '1' });
  if (r.status !== 207) throw new Error(`REPORT ${r.status}`);
  book.cards = [];
  for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.D, 'response')) {
    const data = textOf(resp, NS.C, 'address-data');
    if (!data) continue;
    book.cards.push({ href: new URL(textOf(resp, NS.D, 'href'), location.href).pathname, etag: textOf(resp, NS.D, 'getetag'), ...parseVCard(data) });
  }
  book.cards.sort((a, b) => (a.fn || a.emails[0] || '').localeCompare(b.fn || b.emails[0] || ''));
}

function renderGroups() {
  const sel = $('#contacts-group');
  const groups = [...new Set(book.cards.flatMap((c) => c.groups))].sort();
  clear(sel);
  sel.append(h('option', { value: '', text: t('contacts.allGroups') }));
  for (const g of groups) sel.append(h('option', { value: g, text: g }));
  sel.value = groups.includes(book.group) ? book.group : '';
}

function renderList() {
  const q = $('#contacts-search').value.trim().toLowerCase();
  const ul = $('#contacts-list');
  clear(ul);
  const shown = book.cards.filter((c) => (!book.group || c.groups.includes(book.group)) &&
    (!q || [c.fn, c.org, ...c.emails, ...c.tels].join(' ').toLowerCase().includes(q)));
  for (const c of shown) {
    ul.append(h('li', {}, h('button', { type: 'button', class: 'contact', onclick: () => edit(c) },
      h('span', { class: 'avatar small', 'aria-hidden': 'true', text: (c.fn || c.emails[0] || '?').charAt(0).toUpperCase() }),
      h('span', { class: 'contact-text' }, h('span', { class: 'who', text: c.fn || c.emails[0] || t('contacts.noName') }),
        h('span', { class: 'muted small', text: c.emails[0] || c.tels[0] || '' })))));
  }
  if (!shown.length) ul.append(h('li', { class: 'list-empty', text: t('contacts.none') }));
}

function edit(c) {
  book.editing = c;
  $('#contact-form').hidden = false;
  $('#contact-fn').value = c?.fn || '';
  $('#contact-email').value = (c?.emails || []).join(', ');
  $('#contact-tel').value = (c?.tels || []).join(', ');
  $('#contact-org').value = c?.org || '';
  $('#contact-groups').value = (c?.groups || []).join(', ');
  $('#contact-note').value = c?.note || '';
  $('#contact-delete').hidden = !c;
  $('#contact-fn').focus();
}

const split = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);

async function save(ev) {
  ev.preventDefault();
  const old = book.editing;
  const card = { ...(old || { uid: crypto.randomUUID(), extra: [] }), fn: $('#contact-fn').value.trim(), emails: split($('#contact-email').value),
    tels: split($('#contact-tel').value), org: $('#contact-org').value.trim(), groups: split($('#contact-groups').value), note: $('#contact-note').value };
  if (!card.fn && !card.emails.length) { showAlert(t('contacts.needName')); return; }
  const href = old?.href || `${book.url}${card.uid}.vcf`;
  const r = await dav('PUT', href, writeVCard(card), { type: 'text/vcard; charset=utf-8', ...(old?.etag ? { 'If-Match': old.etag } : { 'If-None-Match': '*' }) });
  if (!r.ok) { showAlert(t('contacts.failed', { status: r.status })); return; }
  announce(t('contacts.saved'));
  $('#contact-form').hidden = true;
  await refresh();
}

async function remove() {
  const c = book.editing;
  if (!c) return;
  const name = c.fn || c.emails[0] || '';
  if (!await confirmDialog({ title: t('action.delete'), text: t('contacts.confirmDelete', { name }), okLabel: t('action.delete') })) return;
  const r = await dav('DELETE', c.href, undefined, c.etag ? { 'If-Match': c.etag } : {});
  if (!r.ok) { showAlert(t('contacts.failed', { status: r.status })); return; }
  $('#contact-form').hidden = true;
  await refresh();
}

async function refresh() {
  await loadCards();
  renderGroups();
  renderList();
  fillCompletion();
}

// Compose completes addresses from the address book too.
function fillCompletion() {
  const dl = $('#recipients');
  const have = new Set([...dl.options].map((o) => o.value));
  for (const c of book.cards) for (const e of c.emails) {
    const v = c.fn ? `${c.fn} <${e}>` : e;
    if (!have.has(v)) dl.append(h('option', { value: v }));
  }
}

export async function openContacts() {
  for (const b of document.querySelectorAll('#folder-list .folder')) b.setAttribute('aria-current', 'false');
  $('#contacts-open').setAttribute('aria-current', 'page');
  $('#main').hidden = true;
  $('#contacts-view').hidden = false;
  $('#sidebar').classList.remove('open');
  $('#contacts-heading').focus();
  try {
    book.url = book.url || await findBook();
    $('#contacts-missing').hidden = !!book.url;
    $('#contacts-body').hidden = !book.url;
    if (book.url) await refresh();
  } catch (e) {
    showAlert(t('contacts.loadFailed'));
  }
}

export function closeContacts() {
  $('#contacts-open').removeAttribute('aria-current');
  $('#contacts-view').hidden = true;
  $('#main').hidden = false;
}

export function initContacts() {
  $('#contacts-open').addEventListener('click', openContacts);
  $('#contacts-search').addEventListener('input', renderList);
  $('#contacts-group').addEventListener('change', (e) => { book.group = e.target.value; renderList(); });
  $('#contacts-new').addEventListener('click', () => edit(null));
  $('#contact-form').addEventListener('submit', save);
  $('#contact-cancel').addEventListener('click', () => { $('#contact-form').hidden = true; });
  $('#contact-delete').addEventListener('click', remove);
  document.addEventListener('hermod:folder', closeContacts);
  findBook().then((u) => { book.url = u; if (u) loadCards().then(fillCompletion).catch(() => {}); }).catch(() => {});
}
