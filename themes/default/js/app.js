// SPDX-License-Identifier: GPL-2.0-or-later
// app.js - the mailbox once logged in: the JMAP session, the folder
// list (roles, unread counts, nesting, create/rename/delete, drop to
// move), push, and the wiring of the list, reader, compose and settings
// views.  Shared state lives in `app`.

import { $, $$, h, clear, showAlert, announce } from './dom.js';
import { t, formatNumber, setTimeZone } from './i18n.js';
import { Jmap } from './jmap.js';
import { prefs } from './prefs.js';
import { initList, loadList, moveEmails } from './list.js';
import { initReader } from './reader.js';
import { initCompose } from './compose.js';
import { initSettings } from './settings.js';
import { initContacts } from './contacts.js';
import { initCalendar } from './calendar.js';
import { initImDock } from './im-dock.js';
import { logout } from './main.js';
import { openDialog } from './dialog.js';

export const app = {
  jmap: null, account: '', csrf: '', mailboxes: [], byId: new Map(), current: null,
  identities: [], search: null, dragging: false, deferred: new Set(),
};

// While a row or a folder is being dragged, re-rendering (push, a
// finished action) would pull the drag source or the drop target out of
// the page and lose the drop: such renders wait for the drag to end.
export function whenNotDragging(fn) {
  if (!app.dragging) return false;
  app.deferred.add(fn);
  return true;
}

function dragEnded() {
  if (!app.dragging) return;
  app.dragging = false;
  const fns = [...app.deferred];
  app.deferred.clear();
  for (const fn of fns) fn();
}

const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];
const ROLE_ICON = { inbox: 'inbox', drafts: 'draft', sent: 'send', archive: 'archive', junk: 'junk', trash: 'trash' };

export function roleBox(role) { return app.mailboxes.find((m) => m.role === role) || null; }

export function folderName(m) {
  return m.role && ROLE_ORDER.includes(m.role) ? t(`folder.${m.role}`) : m.name;
}

function sortBoxes(list) {
  const rank = (m) => (m.role && ROLE_ORDER.includes(m.role) ? ROLE_ORDER.indexOf(m.role) : 100);
  return list.sort((a, b) => rank(a) - rank(b) || (a.sortOrder || 0) - (b.sortOrder || 0) || a.name.localeCompare(b.name));
}

export async function loadMailboxes() {
  const r = await app.jmap.call('Mailbox/get', { ids: null });
  app.mailboxes = sortBoxes(r.list);
  app.byId = new Map(app.mailboxes.map((m) => [m.id, m]));
  renderFolders();
  fillMoveSelect();
}

function folderItem(m, depth) {
  const count = m.unreadEmails || 0;
  const btn = h('button', {
    class: 'folder', type: 'button', 'aria-current': app.current === m.id ? 'true' : 'false',
    style: undefined, dataset: { id: m.id },
    'aria-label': count ? `${folderName(m)}, ${t('folders.unread', { n: count })}` : folderName(m),
  },
  h('span', { class: `ico ico-${ROLE_ICON[m.role] || 'folder'}`, 'aria-hidden': 'true' }),
  h('span', { class: 'name', text: folderName(m) }),
  count ? h('span', { class: 'count', 'aria-hidden': 'true', text: formatNumber(count) }) : null);
  btn.addEventListener('click', () => openFolder(m.id));
  btn.addEventListener('dragover', (e) => { e.preventDefault(); btn.classList.add('drop-target'); });
  btn.addEventListener('dragleave', () => btn.classList.remove('drop-target'));
  btn.addEventListener('drop', (e) => {
    e.preventDefault();
    btn.classList.remove('drop-target');
    const folder = app.byId.get(e.dataTransfer.getData('application/x-hermod-folder'));
    if (folder) {
      moveFolder(folder, m.id).then((err) => err && showAlert(err)).catch((err) => showAlert(t('folders.failed', { reason: err.message })));
      return;
    }
    const ids = JSON.parse(e.dataTransfer.getData('application/x-hermod-emails') || '[]');
    if (ids.length) moveEmails(ids, m.id);
  });
  if (!m.role) {
    btn.draggable = true;
    btn.addEventListener('dragstart', (e) => {
      e.dataTransfer.setData('application/x-hermod-folder', m.id);
      e.dataTransfer.effectAllowed = 'move';
    });
  }
  const li = h('li', {}, btn);
  if (depth) btn.classList.add(`depth-${Math.min(depth, 4)}`);
  btn.style.paddingLeft = `${10 + depth * 16}px`;
  if (!m.role) {
    li.append(h('button', {
      class: 'icon-btn folder-menu', type: 'button', 'aria-label': t('folders.menu', { name: m.name }),
      title: t('folders.menu', { name: m.name }), 'aria-haspopup': 'dialog', onclick: () => folderMenu(m),
    }, h('span', { class: 'ico ico-more', 'aria-hidden': 'true' })));
    li.classList.add('with-menu');
  }
  return li;
}

function renderFolders() {
  if (whenNotDragging(renderFolders)) return;
  const ul = $('#folder-list');
  // Keep focus on the same folder (or its menu button) across the render.
  const had = ul.contains(document.activeElement) ? document.activeElement : null;
  const hadId = had?.closest('li')?.querySelector('.folder')?.dataset.id;
  const hadMenu = had?.classList.contains('folder-menu');
  clear(ul);
  const walk = (parentId, depth) => {
    for (const m of app.mailboxes.filter((x) => (x.parentId || null) === parentId)) {
      ul.append(folderItem(m, depth));
      if (depth < 8) walk(m.id, depth + 1);
    }
  };
  walk(null, 0);
  if (had) {
    const b = folderButton(hadId) || folderButton(app.current);
    const target = hadMenu && b ? b.closest('li').querySelector('.folder-menu') || b : b;
    if (target) target.focus();
  }
}

function fillMoveSelect() {
  const sel = $('#move-select');
  while (sel.options.length > 1) sel.remove(1);
  for (const m of app.mailboxes) sel.append(h('option', { value: m.id, text: folderName(m) }));
}

// The list's heading and the page title in the current language.
export function refreshHeading() {
  const m = app.byId.get(app.current);
  if (!app.search) $('#list-heading').textContent = m ? folderName(m) : '';
  document.title = `${m ? folderName(m) : ''} – ${app.account}`;
}

function markFolder(id) {
  for (const b of $$('.folder')) b.setAttribute('aria-current', b.dataset.id === id ? 'true' : 'false');
  refreshHeading();
}

export async function openFolder(id) {
  document.dispatchEvent(new CustomEvent('hermod:folder'));
  app.current = id;
  app.search = null;
  $('#search-input').value = '';
  $('#sidebar').classList.remove('open');
  markFolder(id);
  await loadList(true);
}

// The folders m may be put into: the top level and every folder but m
// and those below it, indented by depth.
function parentOptions(m) {
  const out = [{ value: '', text: t('folders.topLevel') }];
  const walk = (parentId, depth) => {
    for (const x of app.mailboxes.filter((y) => (y.parentId || null) === parentId)) {
      if (m && x.id === m.id) continue;
      out.push({ value: x.id, text: `${'\u00a0\u00a0'.repeat(depth)}${folderName(x)}` });
      if (depth < 8) walk(x.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

function setError(r, key, id) {
  const e = r[key]?.[id];
  if (!e) return null;
  if (e.type === 'mailboxHasEmail') return t('folders.notEmpty');
  if (e.type === 'mailboxHasChild') return t('folders.hasChildren');
  return t('folders.failed', { reason: e.description || e.type });
}

function folderButton(id) { return id && $(`#folder-list .folder[data-id="${CSS.escape(id)}"]`); }

// Move folder m below parentId (null: top level).
export async function moveFolder(m, parentId) {
  if (parentId === m.id || (m.parentId || null) === (parentId || null)) return null;
  const r = await app.jmap.call('Mailbox/set', { update: { [m.id]: { parentId: parentId || null } } });
  const err = setError(r, 'notUpdated', m.id);
  if (err) return err;
  await loadMailboxes();
  announce(t('folders.moved', { name: m.name, folder: parentId ? folderName(app.byId.get(parentId)) : t('folders.topLevel') }));
  return null;
}

async function deleteFolder(m) {
  await openDialog({
    title: t('folders.deleteTitle', { name: m.name }), text: t('folders.confirmDelete', { name: m.name }),
    okLabel: t('folders.delete'), danger: true,
    returnTo: () => folderButton(app.current) || $('#folder-new'),
    onSubmit: async () => {
      try {
        const r = await app.jmap.call('Mailbox/set', { destroy: [m.id], onDestroyRemoveEmails: false });
        const err = setError(r, 'notDestroyed', m.id);
        if (err) return err;
      } catch (e) { return t('folders.failed', { reason: e.message }); }
      if (app.current === m.id) await openFolder(roleBox('inbox').id);
      await loadMailboxes();
      announce(t('folders.deleted', { name: m.name }));
      return null;
    },
  });
}

async function folderMenu(m) {
  const r = await openDialog({
    title: t('folders.editTitle', { name: m.name }), okLabel: t('settings.save'),
    fields: [{ name: 'name', label: t('folders.name'), value: m.name },
      { name: 'parent', type: 'select', label: t('folders.parent'), options: parentOptions(m), value: m.parentId || '' }],
    extra: [{ label: t('folders.delete'), danger: true, action: 'delete', onClick: async () => null }],
    onSubmit: async (v) => {
      try {
        const update = {};
        if (v.name !== m.name) update.name = v.name;
        if ((v.parent || null) !== (m.parentId || null)) update.parentId = v.parent || null;
        if (!Object.keys(update).length) return null;
        const res = await app.jmap.call('Mailbox/set', { update: { [m.id]: update } });
        const err = setError(res, 'notUpdated', m.id);
        if (err) return err;
        await loadMailboxes();
        announce(t('folders.saved', { name: v.name }));
        return null;
      } catch (e) { return t('folders.failed', { reason: e.message }); }
    },
  });
  if (r?.action === 'delete') await deleteFolder(m);
}

async function newFolder() {
  const here = app.byId.get(app.current);
  await openDialog({
    title: t('folders.new'), okLabel: t('folders.create'),
    fields: [{ name: 'name', label: t('folders.name'), value: '' },
      { name: 'parent', type: 'select', label: t('folders.parent'), options: parentOptions(null), value: here && !here.role ? here.id : '' }],
    onSubmit: async (v) => {
      try {
        const r = await app.jmap.call('Mailbox/set', { create: { n: { name: v.name, parentId: v.parent || null } } });
        const err = setError(r, 'notCreated', 'n');
        if (err) return err;
        await loadMailboxes();
        announce(t('folders.created', { name: v.name }));
        return null;
      } catch (e) { return t('folders.failed', { reason: e.message }); }
    },
  });
}

function startPush() {
  let timer = null;
  app.jmap.listen((changed) => {
    const mine = changed[app.jmap.accountId];
    if (!mine || !(mine.Email || mine.Mailbox || mine.Thread)) return;
    clearTimeout(timer);
    // The list first and the folder counts beside it: new mail shows
    // without waiting for Mailbox/get (slow on a big account).
    timer = setTimeout(() => {
      if (!app.search) loadList(false, true).catch(() => {});
      loadMailboxes().catch(() => {});
    }, 150);
  });
}

export async function startApp(session) {
  app.account = session.account;
  app.csrf = session.csrf;
  app.jmap = new Jmap(session.csrf);
  app.jmap.onSessionEnd = () => location.replace('/');
  setTimeZone(prefs().timeZone);
  try {
    await app.jmap.connect();
  } catch (e) {
    showAlert(t('error.jmap'));
    throw e;
  }
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  $('#account-name').textContent = app.account;
  $('#logout').addEventListener('click', () => logout(app.csrf));
  $('#folder-new').addEventListener('click', newFolder);
  document.addEventListener('dragstart', () => { app.dragging = true; });
  document.addEventListener('dragend', () => setTimeout(dragEnded, 0));
  document.addEventListener('drop', () => setTimeout(dragEnded, 0));
  $('#nav-toggle').addEventListener('click', () => {
    const open = $('#sidebar').classList.toggle('open');
    $('#nav-toggle').setAttribute('aria-expanded', String(open));
  });
  initList();
  initReader();
  initCompose();
  initSettings();
  initContacts();
  initCalendar();
  initImDock(app).catch(() => {});
  // The inbox's id from the last visit lets its first page load beside
  // Mailbox/get (which counts every folder: the slow call of a big
  // account) instead of after it.
  const key = `hermod.inbox:${app.account}`;
  const remembered = localStorage.getItem(key);
  let early = null;
  if (remembered) {
    app.current = remembered;
    early = loadList(true).then(() => true, () => false);
  }
  const identities = app.jmap.call('Identity/get', { ids: null }).catch(() => ({ list: [] }));
  await loadMailboxes();
  app.identities = (await identities).list;
  const inbox = (roleBox('inbox') || app.mailboxes[0]).id;
  localStorage.setItem(key, inbox);
  if (early && inbox === remembered && await early) markFolder(inbox);
  else await openFolder(inbox);
  startPush();
  $('#message-list').focus();
}
