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

export const app = {
  jmap: null, account: '', csrf: '', mailboxes: [], byId: new Map(), current: null,
  identities: [], search: null,
};

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
    const ids = JSON.parse(e.dataTransfer.getData('application/x-hermod-emails') || '[]');
    if (ids.length) moveEmails(ids, m.id);
  });
  const li = h('li', {}, btn);
  if (depth) btn.classList.add(`depth-${Math.min(depth, 4)}`);
  btn.style.paddingLeft = `${10 + depth * 16}px`;
  if (!m.role) {
    li.append(h('button', {
      class: 'icon-btn folder-menu', type: 'button', 'aria-label': t('folders.menu', { name: m.name }),
      title: t('folders.menu', { name: m.name }), onclick: () => folderMenu(m),
    }, '⋯'));
    li.classList.add('with-menu');
  }
  return li;
}

function renderFolders() {
  const ul = $('#folder-list');
  clear(ul);
  const walk = (parentId, depth) => {
    for (const m of app.mailboxes.filter((x) => (x.parentId || null) === parentId)) {
      ul.append(folderItem(m, depth));
      if (depth < 8) walk(m.id, depth + 1);
    }
  };
  walk(null, 0);
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

export async function openFolder(id) {
  document.dispatchEvent(new CustomEvent('hermod:folder'));
  app.current = id;
  app.search = null;
  $('#search-input').value = '';
  for (const b of $$('.folder')) b.setAttribute('aria-current', b.dataset.id === id ? 'true' : 'false');
  $('#sidebar').classList.remove('open');
  refreshHeading();
  await loadList(true);
}

async function folderMenu(m) {
  const action = prompt(t('folders.prompt', { name: m.name }), m.name);
  if (action === null) return;
  try {
    if (action === '') {
      if (!confirm(t('folders.confirmDelete', { name: m.name }))) return;
      const r = await app.jmap.call('Mailbox/set', { destroy: [m.id], onDestroyRemoveEmails: false });
      if (r.notDestroyed?.[m.id]) throw new Error(r.notDestroyed[m.id].description || r.notDestroyed[m.id].type);
      if (app.current === m.id) await openFolder(roleBox('inbox').id);
    } else if (action !== m.name) {
      const r = await app.jmap.call('Mailbox/set', { update: { [m.id]: { name: action } } });
      if (r.notUpdated?.[m.id]) throw new Error(r.notUpdated[m.id].description || r.notUpdated[m.id].type);
    }
    await loadMailboxes();
  } catch (e) {
    showAlert(t('folders.failed', { reason: e.message }));
  }
}

async function newFolder() {
  const name = prompt(t('folders.newPrompt'));
  if (!name) return;
  try {
    const r = await app.jmap.call('Mailbox/set', { create: { n: { name, parentId: null } } });
    if (r.notCreated?.n) throw new Error(r.notCreated.n.description || r.notCreated.n.type);
    await loadMailboxes();
    announce(t('folders.created', { name }));
  } catch (e) {
    showAlert(t('folders.failed', { reason: e.message }));
  }
}

function startPush() {
  let timer = null;
  app.jmap.listen((changed) => {
    const mine = changed[app.jmap.accountId];
    if (!mine || !(mine.Email || mine.Mailbox || mine.Thread)) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await loadMailboxes().catch(() => {});
      if (!app.search) await loadList(false, true).catch(() => {});
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
  await loadMailboxes();
  const ids = await app.jmap.call('Identity/get', { ids: null }).catch(() => ({ list: [] }));
  app.identities = ids.list;
  await openFolder((roleBox('inbox') || app.mailboxes[0]).id);
  startPush();
  $('#message-list').focus();
}
