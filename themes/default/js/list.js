// SPDX-License-Identifier: GPL-2.0-or-later
// list.js - the message list: one page at a time (Email/query with a
// position, "load more"), newest first, conversations on or off
// (collapseThreads), unread/flagged/attachment marks, multi-select
// (checkbox, Shift/Ctrl-click, Space), keyboard (arrows, Enter, Delete),
// drag to a folder, the toolbar actions, and search with snippets
// (SearchSnippet/get).
//
// Paging, not virtual scrolling, for big folders (100,000 messages): the
// rows in the page are real DOM rows, so a screen reader's browse mode,
// find-in-page and text selection see them, and each row says where it
// is ("3 of 100,000": aria-posinset/aria-setsize from the query's
// total).  A page is one Email/query (standard position/limit) plus one
// Email/get for those ids only, so the cost does not grow with the
// folder.  The next page comes by "Load more", by scrolling near the end
// (an IntersectionObserver on the last rows) or by the keyboard
// (ArrowDown or PageDown past the last loaded row).

import { $, $$, h, clear, showAlert, announce, shortName } from './dom.js';
import { t, formatDate, formatNumber } from './i18n.js';
import { Jmap } from './jmap.js';
import { app, roleBox, loadMailboxes, whenNotDragging } from './app.js';
import { prefs, savePrefs } from './prefs.js';
import { openMessage } from './reader.js';
import { confirmDialog } from './dialog.js';

const PROPS = ['id', 'threadId', 'mailboxIds', 'keywords', 'from', 'to', 'subject', 'receivedAt', 'preview', 'hasAttachment', 'size'];
const list = { emails: [], total: 0, position: 0, selected: new Set(), anchor: null, snippets: new Map(), threads: new Map(), openId: null, loading: null, focusAfter: -1, seq: 0 };
let observer = null;

function filter() {
  if (app.search) return app.search;
  return { inMailbox: app.current };
}

export async function loadList(reset, keepPosition = false) {
  const size = Number(prefs().pageSize) || 50;
  const collapse = !!prefs().threads;
  const limit = keepPosition ? Math.max(list.emails.length, size) : size;
  const position = reset || keepPosition ? 0 : list.emails.length;
  const calls = [
    ['Email/query', { filter: filter(), sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: collapse, position, limit, calculateTotal: true }, 'q'],
    ['Email/get', { '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: PROPS }, 'g'],
  ];
  if (collapse) calls.push(['Thread/get', { '#ids': { resultOf: 'g', name: 'Email/get', path: '/list/*/threadId' } }, 't']);
  if (app.search) calls.push(['SearchSnippet/get', { filter: app.search, '#emailIds': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 's']);
  // Answers can come back out of order (a push's reload and an action's):
  // only the newest request's answer is shown.
  const seq = ++list.seq;
  let res;
  try {
    res = await app.jmap.request(calls);
  } catch (e) {
    if (seq === list.seq) showAlert(t('list.failed'));
    return;
  }
  if (seq !== list.seq) return;
  const q = Jmap.check(res, 'q');
  const got = Jmap.check(res, 'g').list;
  const byId = new Map(got.map((e) => [e.id, e]));
  const page = q.ids.map((id) => byId.get(id)).filter(Boolean);
  if (collapse && res.t && res.t[0] !== 'error') for (const th of res.t[1].list) list.threads.set(th.id, th.emailIds.length);
  if (res.s && res.s[0] !== 'error') for (const s of res.s[1].list) list.snippets.set(s.emailId, s);
  if (reset || keepPosition) { list.emails = page; if (reset) list.selected.clear(); } else list.emails.push(...page);
  list.total = q.total ?? list.emails.length;
  render();
}

function marks(e) {
  const m = h('span', { class: 'marks' });
  if (e.keywords?.$flagged) m.append(h('span', { class: 'ico ico-flag flagged', role: 'img', 'aria-label': t('mark.flagged') }));
  if (e.hasAttachment) m.append(h('span', { class: 'ico ico-attach', role: 'img', 'aria-label': t('mark.attachment') }));
  if (e.keywords?.$answered) m.append(h('span', { class: 'ico ico-reply', role: 'img', 'aria-label': t('mark.answered') }));
  return m;
}

// A snippet's highlighted text: the server marks matches with <mark>;
// we rebuild it from text pieces instead of parsing it as HTML.
function snippetNode(html) {
  const out = h('span', { class: 'prev' });
  const parts = String(html).split(/(<mark>|<\/mark>)/);
  let inMark = false;
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const p of parts) {
    if (p === '<mark>') inMark = true;
    else if (p === '</mark>') inMark = false;
    else if (p) out.append(inMark ? h('mark', { text: decode(p) }) : document.createTextNode(decode(p)));
  }
  return out;
}

// Without SearchSnippet from the server, mark the searched words in the
// preview here (as text nodes, never HTML).
function localSnippet(text) {
  const words = (app.searchWords || []).filter((w) => w.length > 1);
  const out = h('span', { class: 'prev' });
  if (!words.length) { out.textContent = text; return out; }
  const re = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'gi');
  for (const [i, part] of String(text).split(re).entries()) {
    if (part) out.append(i % 2 ? h('mark', { text: part }) : document.createTextNode(part));
  }
  return out;
}

function row(e, i) {
  const unread = !e.keywords?.$seen;
  const inSent = app.current && (app.byId.get(app.current)?.role === 'sent' || app.byId.get(app.current)?.role === 'drafts');
  const who = inSent ? shortName(e.to) : shortName(e.from);
  const count = list.threads.get(e.threadId) || 1;
  const snip = list.snippets.get(e.id);
  const selected = list.selected.has(e.id);
  const label = [unread ? t('mark.unread') : '', who, e.subject || t('list.noSubject'), formatDate(e.receivedAt)].filter(Boolean).join(', ');
  const r = h('div', {
    class: `row${unread ? ' unread' : ''}${list.openId === e.id ? ' current' : ''}`, role: 'option', tabindex: '-1',
    'aria-selected': selected ? 'true' : 'false', 'aria-label': label, draggable: 'true', dataset: { id: e.id },
    'aria-posinset': String(i + 1), 'aria-setsize': String(Math.max(list.total, list.emails.length)),
  },
  h('input', { type: 'checkbox', class: 'sel', tabindex: '-1', 'aria-label': t('list.select', { subject: e.subject || t('list.noSubject') }), checked: selected }),
  h('span', { class: 'who', text: who || t('list.noSender') }),
  h('span', { class: 'when' }, h('time', { datetime: e.receivedAt, text: formatDate(e.receivedAt) })),
  h('span', { class: 'subj' }, e.subject || t('list.noSubject'), count > 1 ? h('span', { class: 'thread-count', text: formatNumber(count) }) : null, marks(e)),
  snip && (snip.preview || snip.subject) ? snippetNode(snip.preview || snip.subject)
    : app.search ? localSnippet(e.preview || '') : h('span', { class: 'prev', text: e.preview || '' }));
  return r;
}

function render() {
  if (whenNotDragging(render)) return;
  const box = $('#message-list');
  const focusedId = document.activeElement?.closest?.('.row')?.dataset.id;
  clear(box);
  if (!list.emails.length) box.append(h('div', { class: 'list-empty', text: app.search ? t('search.none') : t('list.empty') }));
  list.emails.forEach((e, i) => box.append(row(e, i)));
  watchEnd();
  $('#list-more').hidden = list.emails.length >= list.total;
  $('#list-count').textContent = t('list.count', { shown: formatNumber(list.emails.length), total: formatNumber(list.total) });
  $('#select-all').checked = list.emails.length > 0 && list.selected.size === list.emails.length;
  const again = focusedId && box.querySelector(`.row[data-id="${CSS.escape(focusedId)}"]`);
  const all = rows();
  if (again) { again.tabIndex = 0; again.focus(); } else if (list.focusAfter >= 0) {
    if (all.length) focusRow(all[Math.min(list.focusAfter, all.length - 1)]); else box.focus();
  } else if (all.length) all[0].tabIndex = 0;
  list.focusAfter = -1;
}

function rows() { return $$('#message-list .row'); }

function hasMore() { return list.emails.length < list.total; }

// The next page, once at a time; resolves when it is rendered.
function loadMore() {
  if (!hasMore()) return Promise.resolve();
  if (!list.loading) {
    announce(t('list.loadingMore'));
    list.loading = loadList(false).finally(() => { list.loading = null; });
  }
  return list.loading;
}

// Scrolling near the end of the loaded rows fetches the next page.
function watchEnd() {
  if (typeof IntersectionObserver === 'undefined') return;
  if (!observer) {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((x) => x.isIntersecting)) loadMore();
    }, { root: $('#message-list'), rootMargin: '0px 0px 400px 0px' });
  }
  observer.disconnect();
  const all = rows();
  if (hasMore() && all.length) observer.observe(all[Math.max(0, all.length - 5)]);
}

// Focus the row at index i, loading pages until it exists (or the end).
async function focusIndex(i) {
  let all = rows();
  if (i >= all.length && hasMore()) { await loadMore(); all = rows(); }
  if (all.length) focusRow(all[Math.max(0, Math.min(i, all.length - 1))]);
}

function setSelected(id, on) {
  if (on) list.selected.add(id); else list.selected.delete(id);
  const r = $(`#message-list .row[data-id="${CSS.escape(id)}"]`);
  if (r) { r.setAttribute('aria-selected', on ? 'true' : 'false'); r.querySelector('.sel').checked = on; }
  $('#select-all').checked = list.emails.length > 0 && list.selected.size === list.emails.length;
}

function focusRow(r) {
  for (const x of rows()) x.tabIndex = -1;
  r.tabIndex = 0;
  r.focus();
}

async function open(id) {
  list.openId = id;
  for (const x of rows()) x.classList.toggle('current', x.dataset.id === id);
  const e = list.emails.find((x) => x.id === id);
  const hint = e ? { ...e } : null;
  if (e && !e.keywords?.$seen) {
    e.keywords = { ...e.keywords, $seen: true };
    $(`#message-list .row[data-id="${CSS.escape(id)}"]`)?.classList.remove('unread');
  }
  await openMessage(id, hint);
}

function onClick(ev) {
  const r = ev.target.closest('.row');
  if (!r) return;
  const id = r.dataset.id;
  if (ev.target.classList.contains('sel')) { setSelected(id, ev.target.checked); list.anchor = id; return; }
  if (ev.shiftKey && list.anchor) {
    const ids = list.emails.map((e) => e.id);
    const [a, b] = [ids.indexOf(list.anchor), ids.indexOf(id)].sort((x, y) => x - y);
    for (let i = a; i <= b; i++) setSelected(ids[i], true);
    return;
  }
  if (ev.ctrlKey || ev.metaKey) { setSelected(id, !list.selected.has(id)); list.anchor = id; return; }
  list.anchor = id;
  focusRow(r);
  open(id);
}

function onKey(ev) {
  const r = ev.target.closest?.('.row');
  const all = rows();
  if (!all.length) return;
  const i = r ? all.indexOf(r) : -1;
  if (ev.key === 'ArrowDown' || ev.key === 'j') { ev.preventDefault(); focusIndex(i + 1); }
  else if (ev.key === 'ArrowUp' || ev.key === 'k') { ev.preventDefault(); focusRow(all[Math.max(i - 1, 0)]); }
  else if (ev.key === 'PageDown') { ev.preventDefault(); focusIndex(i + 10); }
  else if (ev.key === 'PageUp') { ev.preventDefault(); focusRow(all[Math.max(i - 10, 0)]); }
  else if (ev.key === 'Home') { ev.preventDefault(); focusRow(all[0]); }
  else if (ev.key === 'End') { ev.preventDefault(); focusIndex(all.length - 1); }
  else if (r && ev.key === 'Enter') { ev.preventDefault(); open(r.dataset.id); }
  else if (r && ev.key === ' ') { ev.preventDefault(); setSelected(r.dataset.id, !list.selected.has(r.dataset.id)); }
  else if (r && ev.key === 'Delete') { ev.preventDefault(); act('delete', targets(r.dataset.id)); }
}

function targets(fallbackId) {
  if (list.selected.size) return [...list.selected];
  if (fallbackId) return [fallbackId];
  return list.openId ? [list.openId] : [];
}

export async function moveEmails(ids, mailboxId) {
  const update = {};
  for (const id of ids) update[id] = { mailboxIds: { [mailboxId]: true } };
  const r = await app.jmap.call('Email/set', { update });
  const bad = Object.keys(r.notUpdated || {});
  if (bad.length) showAlert(t('action.failed'));
  announce(t('action.moved', { n: ids.length - bad.length, folder: app.byId.get(mailboxId)?.name || '' }));
  afterChange(ids);
}

function afterChange(ids) {
  // Focus goes to the row that takes the place of the first one gone
  // (when focus was in the list or on a control that acted on it).
  const inList = document.activeElement?.closest?.('#message-list, .list-toolbar, .reader-toolbar') || document.activeElement === document.body;
  list.focusAfter = inList ? list.emails.findIndex((e) => ids.includes(e.id)) : -1;
  for (const id of ids) list.selected.delete(id);
  if (ids.includes(list.openId)) { list.openId = null; document.dispatchEvent(new CustomEvent('hermod:closed')); }
  loadMailboxes().catch(() => {});
  loadList(false, true).catch(() => {});
}

async function setKeyword(ids, keyword, on) {
  const update = {};
  for (const id of ids) update[id] = { [`keywords/${keyword}`]: on ? true : null };
  const r = await app.jmap.call('Email/set', { update });
  if (Object.keys(r.notUpdated || {}).length) showAlert(t('action.failed'));
  for (const e of list.emails) if (ids.includes(e.id)) e.keywords = { ...e.keywords, [keyword]: on || undefined };
  loadMailboxes().catch(() => {});
  loadList(false, true).catch(() => {});
}

export async function act(action, ids) {
  if (!ids.length) { announce(t('action.nothing')); return; }
  const here = app.byId.get(app.current);
  try {
    if (action === 'read' || action === 'unread') await setKeyword(ids, '$seen', action === 'read');
    else if (action === 'flag') {
      const allFlagged = ids.every((id) => list.emails.find((e) => e.id === id)?.keywords?.$flagged);
      await setKeyword(ids, '$flagged', !allFlagged);
    } else if (action === 'archive') await moveTo(ids, 'archive');
    else if (action === 'junk') await (here?.role === 'junk' ? moveTo(ids, 'inbox') : moveTo(ids, 'junk'));
    else if (action === 'delete') {
      if (here?.role === 'trash' || !roleBox('trash')) {
        if (!await confirmDialog({ title: t('action.delete'), text: t('action.confirmDestroy', { n: ids.length }), okLabel: t('action.delete') })) return;
        const r = await app.jmap.call('Email/set', { destroy: ids });
        if (Object.keys(r.notDestroyed || {}).length) showAlert(t('action.failed'));
        announce(t('action.destroyed', { n: ids.length }));
        afterChange(ids);
      } else await moveTo(ids, 'trash');
    }
  } catch (e) {
    showAlert(t('action.failed'));
  }
}

async function moveTo(ids, role) {
  const box = roleBox(role);
  if (!box) { showAlert(t('action.noFolder', { folder: t(`folder.${role}`) })); return; }
  await moveEmails(ids, box.id);
}

function searchFilter() {
  const text = $('#search-input').value.trim();
  const from = $('#search-from').value.trim();
  const after = $('#search-after').value;
  const before = $('#search-before').value;
  const conds = [];
  if (text) conds.push({ text });
  if (from) conds.push({ from });
  if (after) conds.push({ after: new Date(`${after}T00:00:00`).toISOString() });
  if (before) conds.push({ before: new Date(`${before}T23:59:59`).toISOString() });
  if ($('#search-attachment').checked) conds.push({ hasAttachment: true });
  if ($('#search-here').checked && app.current) conds.push({ inMailbox: app.current });
  if (!conds.length) return null;
  return conds.length === 1 ? conds[0] : { operator: 'AND', conditions: conds };
}

async function search(ev) {
  ev.preventDefault();
  $('#search-advanced').hidden = true;
  $('#search-advanced-toggle').setAttribute('aria-expanded', 'false');
  const f = searchFilter();
  if (!f) return;
  app.search = f;
  app.searchWords = [$('#search-input').value, $('#search-from').value].join(' ').split(/\s+/).filter(Boolean);
  list.snippets.clear();
  $('#list-heading').textContent = t('search.results');
  await loadList(true);
  announce(t('search.found', { n: formatNumber(list.total) }));
}

export function initList() {
  const box = $('#message-list');
  box.addEventListener('click', onClick);
  box.addEventListener('keydown', onKey);
  box.addEventListener('focus', () => { const first = rows()[0]; if (first && document.activeElement === box) focusRow(first); });
  box.addEventListener('dragstart', (ev) => {
    const r = ev.target.closest('.row');
    if (!r) return;
    const ids = list.selected.has(r.dataset.id) ? [...list.selected] : [r.dataset.id];
    ev.dataTransfer.setData('application/x-hermod-emails', JSON.stringify(ids));
    ev.dataTransfer.effectAllowed = 'move';
  });
  $('#list-more').addEventListener('click', () => loadMore());
  $('#select-all').addEventListener('change', (ev) => { for (const e of list.emails) setSelected(e.id, ev.target.checked); });
  for (const b of $$('.list-toolbar [data-action]')) b.addEventListener('click', () => act(b.dataset.action, targets()));
  $('#move-select').addEventListener('change', async (ev) => {
    const to = ev.target.value;
    ev.target.value = '';
    if (to) await moveEmails(targets(), to).catch(() => showAlert(t('action.failed')));
  });
  const th = $('#threads-toggle');
  th.checked = !!prefs().threads;
  th.addEventListener('change', () => { savePrefs({ threads: th.checked }); loadList(true); });
  $('#search-form').addEventListener('submit', search);
  $('#search-advanced-toggle').addEventListener('click', () => {
    const adv = $('#search-advanced');
    adv.hidden = !adv.hidden;
    $('#search-advanced-toggle').setAttribute('aria-expanded', String(!adv.hidden));
    if (!adv.hidden) $('#search-from').focus();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('#search-advanced').hidden) { $('#search-advanced').hidden = true; $('#search-input').focus(); }
  });
}

export function listEmail(id) { return list.emails.find((e) => e.id === id) || null; }
