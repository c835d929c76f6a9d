// SPDX-License-Identifier: GPL-2.0-or-later
// calendar.js - the calendar page: the account's calendars (with their
// calendar-color, each shown or hidden), the toolbar (today, previous,
// next, day / week / month / agenda), and loading the instances of the
// shown span from CalDAV (caldav.js).  The views are drawn by
// calendar-views.js, events are edited in calendar-edit.js.  Times are
// shown in the time zone of the user's settings (else the browser's).
// The page is built here, not in index.html, so both themes get it from
// one place; on a phone it opens on the agenda.

import { $, h, clear, showAlert, announce } from './dom.js';
import { t, lang, timeZone } from './i18n.js';
import { app } from './app.js';
import { prefs, savePrefs, currentTheme } from './prefs.js';
import { calendars, query } from './caldav.js';
import { dayOf, addDays, weekday, keyParts, fromWall } from './ical.js';
import { renderView, initViews } from './calendar-views.js';
import { initEditor, openEditor } from './calendar-edit.js';
import { closeContacts } from './contacts.js';

export const cal = { open: false, view: 'week', anchor: null, calendars: [], events: [], range: null, loading: 0 };
const VIEWS = ['day', 'week', 'month', 'agenda'];

export function zone() { return timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; }
export const today = () => dayOf(new Date(), zone());
export function isPhone() { return currentTheme() === 'mobile' || matchMedia('(max-width: 700px)').matches; }

// First day of the week for the language (Intl weekInfo, else Monday).
export function weekStart() {
  try {
    const info = new Intl.Locale(lang).weekInfo || new Intl.Locale(lang).getWeekInfo?.();
    if (info?.firstDay) return info.firstDay % 7;
  } catch (e) { /* older browsers */ }
  return lang === 'en' ? 0 : 1;
}

export function startOfWeek(key) { return addDays(key, -((weekday(key) - weekStart() + 7) % 7)); }

// The days the current view shows: [first, end) as day keys.
export function span() {
  const a = cal.anchor;
  if (cal.view === 'day') return [a, addDays(a, 1)];
  if (cal.view === 'week') { const s = startOfWeek(a); return [s, addDays(s, 7)]; }
  if (cal.view === 'month') {
    const { y, m } = keyParts(a);
    const s = startOfWeek(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`);
    return [s, addDays(s, 42)];
  }
  return [a, addDays(a, 30)];
}

export const instantOf = (key) => { const { y, m, d } = keyParts(key); return fromWall(y, m, d, 0, 0, 0, zone()); };

export function shownCalendars() {
  const hidden = new Set(prefs().calHidden || []);
  return cal.calendars.filter((c) => !hidden.has(c.url));
}

function heading() {
  const [s, e] = span();
  const fmt = (key, o) => new Intl.DateTimeFormat(lang, { timeZone: 'UTC', ...o }).format(new Date(`${key}T12:00:00Z`));
  if (cal.view === 'day') return fmt(s, { dateStyle: isPhone() ? 'medium' : 'full' });
  if (cal.view === 'month') return fmt(cal.anchor, { month: 'long', year: 'numeric' });
  const last = addDays(e, -1);
  return `${fmt(s, { day: 'numeric', month: 'short' })} – ${fmt(last, { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

export async function reload() {
  if (!cal.open) return;
  const [s, e] = span();
  const start = instantOf(s); const end = instantOf(e);
  const n = ++cal.loading;
  $('#cal-heading').textContent = heading();
  $('#cal-body').setAttribute('aria-busy', 'true');
  try {
    const lists = await Promise.all(shownCalendars().map((c) => query(c, start, end, zone())));
    if (n !== cal.loading) return;
    cal.events = lists.flat().sort((a, b) => a.start - b.start || b.end - a.end);
  } catch (err) {
    showAlert(t('calendar.loadFailed'));
    cal.events = [];
  }
  $('#cal-body').removeAttribute('aria-busy');
  renderView();
}

export function go(view, anchor) {
  if (view) cal.view = view;
  if (anchor) cal.anchor = anchor;
  for (const b of document.querySelectorAll('#cal-views button')) b.setAttribute('aria-pressed', String(b.dataset.view === cal.view));
  savePrefs({ calView: cal.view });
  reload();
}

function step(dir) {
  const a = cal.anchor;
  if (cal.view === 'day') go(null, addDays(a, dir));
  else if (cal.view === 'week') go(null, addDays(a, 7 * dir));
  else if (cal.view === 'agenda') go(null, addDays(a, 30 * dir));
  else {
    const { y, m } = keyParts(a);
    const d = new Date(Date.UTC(y, m - 1 + dir, 1));
    go(null, `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-01`);
  }
}

function renderList() {
  const ul = $('#cal-list');
  clear(ul);
  const hidden = new Set(prefs().calHidden || []);
  for (const c of cal.calendars) {
    const box = h('input', { type: 'checkbox', id: `cal-show-${cal.calendars.indexOf(c)}` });
    box.checked = !hidden.has(c.url);
    box.addEventListener('change', () => {
      const set = new Set(prefs().calHidden || []);
      if (box.checked) set.delete(c.url); else set.add(c.url);
      savePrefs({ calHidden: [...set] });
      reload();
    });
    const sw = h('span', { class: 'cal-swatch', 'aria-hidden': 'true' });
    sw.style.setProperty('--c', c.color);
    ul.append(h('li', {}, h('label', { class: 'check', for: box.id }, box, sw, h('span', { text: c.name }))));
  }
}

const L = (tag, key, attrs = {}, ...kids) => h(tag, { ...attrs, text: t(key), dataset: { ...(attrs.dataset || {}), i18n: key } }, ...kids);
const iconBtn = (id, key, glyph) => h('button', { id, type: 'button', class: 'icon-btn', 'aria-label': t(key), title: t(key), dataset: { i18nLabel: key } }, h('span', { 'aria-hidden': 'true', text: glyph }));

function build() {
  const views = h('div', { id: 'cal-views', class: 'cal-views', role: 'group', 'aria-label': t('calendar.views'), dataset: { i18nLabel: 'calendar.views' } },
    ...VIEWS.map((v) => L('button', `calendar.${v}`, { type: 'button', dataset: { view: v, i18n: `calendar.${v}` }, onclick: () => go(v) })));
  const view = h('section', { id: 'calendar-view', class: 'cal-view', 'aria-labelledby': 'cal-heading', hidden: true },
    h('div', { id: 'cal-side', class: 'cal-side' },
      L('button', 'calendar.newEvent', { id: 'cal-new', type: 'button', class: 'primary compose-btn' }),
      L('h3', 'calendar.calendars', { id: 'cal-list-title', class: 'cal-side-title' }),
      h('ul', { id: 'cal-list', class: 'cal-list', 'aria-labelledby': 'cal-list-title' })),
    h('div', { class: 'cal-main' },
      h('div', { class: 'cal-toolbar', role: 'toolbar', 'aria-label': t('calendar.title'), dataset: { i18nLabel: 'calendar.title' } },
        L('button', 'calendar.today', { id: 'cal-today', type: 'button', class: 'ghost' }),
        iconBtn('cal-prev', 'calendar.previous', '‹'), iconBtn('cal-next', 'calendar.next', '›'),
        h('h2', { id: 'cal-heading', class: 'cal-heading', tabindex: '-1' }),
        views,
        h('button', { id: 'cal-side-toggle', type: 'button', class: 'icon-btn cal-side-toggle', 'aria-controls': 'cal-side', 'aria-expanded': 'false', 'aria-label': t('calendar.calendars'), title: t('calendar.calendars'), dataset: { i18nLabel: 'calendar.calendars' } },
          h('span', { class: 'ico ico-calendar', 'aria-hidden': 'true' }))),
      h('p', { id: 'cal-missing', class: 'muted cal-missing', hidden: true, text: t('calendar.missing'), dataset: { i18n: 'calendar.missing' } }),
      h('div', { id: 'cal-body', class: 'cal-body' }),
      h('p', { id: 'cal-move-hint', class: 'visually-hidden', text: t('calendar.moveHint'), dataset: { i18n: 'calendar.moveHint' } })));
  $('#app-view').append(view);
  const link = h('button', { id: 'calendar-open', class: 'folder contacts-link cal-link', type: 'button' },
    h('span', { class: 'ico ico-calendar', 'aria-hidden': 'true' }), L('span', 'calendar.title', { class: 'name' }));
  $('#contacts-open').after(link);
  link.addEventListener('click', openCalendar);
  $('#cal-today').addEventListener('click', () => go(null, today()));
  $('#cal-prev').addEventListener('click', () => step(-1));
  $('#cal-next').addEventListener('click', () => step(1));
  $('#cal-new').addEventListener('click', () => openEditor(null, { day: cal.view === 'month' || cal.view === 'agenda' ? today() : cal.anchor }));
  $('#cal-side-toggle').addEventListener('click', () => {
    const open = $('#cal-side').classList.toggle('open');
    $('#cal-side-toggle').setAttribute('aria-expanded', String(open));
  });
}

export async function openCalendar() {
  closeContacts();
  $('#main').hidden = true;
  $('#contacts-view').hidden = true;
  $('#calendar-view').hidden = false;
  $('#sidebar').classList.remove('open');
  for (const b of document.querySelectorAll('.folder')) b.setAttribute('aria-current', 'false');
  $('#calendar-open').setAttribute('aria-current', 'true');
  document.title = `${t('calendar.title')} – ${app.account}`;
  cal.open = true;
  cal.anchor = cal.anchor || today();
  if (!cal.chosen) {
    // A phone opens on the agenda (or the day), a desktop on the last view.
    const saved = prefs().calView;
    if (isPhone()) cal.view = saved === 'day' ? 'day' : 'agenda';
    else cal.view = VIEWS.includes(saved) ? saved : 'week';
    cal.chosen = true;
  }
  $('#cal-heading').focus();
  try {
    cal.calendars = await calendars() || [];
  } catch (e) {
    cal.calendars = [];
  }
  $('#cal-missing').hidden = cal.calendars.length > 0;
  renderList();
  go();
}

// showMail: the mail view comes back (a folder was opened); else
// another page (contacts) takes the place.
export function closeCalendar(showMail = true) {
  if (!cal.open) return;
  cal.open = false;
  $('#calendar-view').hidden = true;
  $('#calendar-open').setAttribute('aria-current', 'false');
  if (showMail) $('#main').hidden = false;
}

export function calendarsForEdit() { return cal.calendars; }
export function said(msg) { announce(msg); }

export function initCalendar() {
  const css = h('link', { rel: 'stylesheet', href: '/themes/default/css/calendar.css' });
  document.head.append(css);
  build();
  initViews();
  initEditor();
  document.addEventListener('hermod:folder', () => closeCalendar(true));
  $('#contacts-open').addEventListener('click', () => closeCalendar(false));
  document.addEventListener('hermod:calendar-changed', () => reload());
  // A new language in the settings: headings, labels and dates again.
  new MutationObserver(() => { if (cal.open) reload(); }).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  import('./calendar-invite.js').then((m) => m.initInvite()).catch(() => {});
}
