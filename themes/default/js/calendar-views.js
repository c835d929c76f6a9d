// SPDX-License-Identifier: GPL-2.0-or-later
// calendar-views.js - drawing the calendar's views from the loaded
// instances: day and week (a time grid with an all-day row, overlapping
// events side by side, the current time marked), month (six weeks of
// day cells) and agenda (the next 30 days as a list).  Every event is a
// button: Enter opens it, Alt+arrows move it (15 minutes up/down, a day
// left/right: the keyboard's way to do what dragging does), and a
// pointer drags it to another time or day.  Text goes in as text only.

import { $, h, clear } from './dom.js';
import { t, lang } from './i18n.js';
import { cal, span, zone, today, go, instantOf, isPhone } from './calendar.js';
import { addDays, dayOf, wall, fromWall, keyParts } from './ical.js';
import { openEditor, moveEvent } from './calendar-edit.js';

const HOUR = 48; // px per hour in the time grid
let focusKey = null;

const timeFmt = () => new Intl.DateTimeFormat(lang, { timeZone: zone(), hour: 'numeric', minute: '2-digit' });
const fmtTime = (d) => timeFmt().format(d);
// "9 AM" on the hour, "9:30 AM" else: month cells are narrow.
const shortTime = (d) => (wall(d, zone()).mm ? fmtTime(d) : new Intl.DateTimeFormat(lang, { timeZone: zone(), hour: 'numeric' }).format(d));
const fmtDay = (key, o) => new Intl.DateTimeFormat(lang, { timeZone: 'UTC', ...o }).format(new Date(`${key}T12:00:00Z`));
export const evKey = (ev) => `${ev.href}|${ev.rid || ''}`;

export function timeText(ev) {
  if (ev.allDay) return t('calendar.allDay');
  return ev.end > ev.start ? timeFmt().formatRange(ev.start, ev.end) : fmtTime(ev.start);
}

// Day keys an instance covers (an all-day event's end day is exclusive).
function daysOf(ev) {
  const first = ev.allDay ? ev.startDay : dayOf(ev.start, zone());
  const last = ev.allDay ? addDays(ev.endDay || addDays(ev.startDay, 1), -1) : dayOf(new Date(ev.end.getTime() - 1), zone());
  const out = [];
  for (let d = first; d <= last && out.length < 62; d = addDays(d, 1)) out.push(d);
  return out.length ? out : [first];
}

function label(ev) {
  const when = ev.allDay ? `${fmtDay(ev.startDay, { dateStyle: 'full' })}, ${t('calendar.allDay')}`
    : new Intl.DateTimeFormat(lang, { timeZone: zone(), dateStyle: 'full', timeStyle: 'short' }).formatRange(ev.start, ev.end);
  const bits = [ev.summary || t('calendar.noTitle'), when, ev.location, ev.cal.name];
  if (ev.mine && ev.mine !== 'ACCEPTED') bits.push(t(`calendar.partstat.${ev.mine.toLowerCase()}`));
  if (ev.status === 'CANCELLED') bits.push(t('calendar.cancelled'));
  return bits.filter(Boolean).join(', ');
}

function evButton(ev, cls, showTime = true) {
  const idx = cal.events.indexOf(ev);
  const block = cls.includes('block');
  const time = showTime && !ev.allDay ? h('span', { class: 'cal-ev-time', text: cls.includes('chip') ? shortTime(ev.start) : fmtTime(ev.start) }) : null;
  const title = h('span', { class: 'cal-ev-title', text: ev.summary || t('calendar.noTitle') });
  const b = h('button', { type: 'button', class: `cal-ev ${cls}${ev.allDay ? ' allday' : ''}`, dataset: { idx: String(idx), key: evKey(ev) }, 'aria-label': label(ev), title: label(ev), 'aria-describedby': ev.isOrganizer ? 'cal-move-hint' : null },
    block ? [title, h('span', { class: 'cal-ev-meta', text: [fmtTime(ev.start), ev.location].filter(Boolean).join(' · ') })] : [time, title]);
  b.style.setProperty('--c', ev.cal.color);
  if (ev.status === 'CANCELLED') b.classList.add('cancelled');
  if (ev.mine === 'DECLINED') b.classList.add('declined');
  // Not yet answered, or "maybe": drawn hatched.  A tentative placement
  // the user has accepted since is solid.
  if (ev.mine === 'TENTATIVE' || ev.mine === 'NEEDS-ACTION' || (!ev.mine && ev.status === 'TENTATIVE')) b.classList.add('tentative');
  return b;
}

// --- day and week -------------------------------------------------------

function segmentsOf(day, list) {
  const s0 = instantOf(day); const s1 = instantOf(addDays(day, 1));
  return list.filter((ev) => !ev.allDay && ev.end > s0 && ev.start < s1)
    .map((ev) => ({ ev, a: Math.max(ev.start, s0), b: Math.max(Math.min(ev.end, s1), Math.max(ev.start, s0) + 15 * 60000), s0, s1 }));
}

// Side by side: a cluster of overlapping segments shares the width.
function layout(segs) {
  segs.sort((x, y) => x.a - y.a || y.b - x.b);
  let cluster = []; let end = 0;
  const flush = () => { const n = Math.max(...cluster.map((s) => s.col + 1)); for (const s of cluster) s.cols = n; cluster = []; };
  for (const s of segs) {
    if (cluster.length && s.a >= end) flush();
    const used = new Set(cluster.filter((c) => c.b > s.a).map((c) => c.col));
    s.col = 0;
    while (used.has(s.col)) s.col++;
    cluster.push(s);
    end = Math.max(end, s.b);
  }
  if (cluster.length) flush();
  return segs;
}

function timeGrid(days) {
  const body = $('#cal-body');
  const now = new Date();
  const grid = h('div', { class: `cal-grid days-${days.length}` });
  grid.style.setProperty('--days', String(days.length));
  const head = h('div', { class: 'cal-grid-head' }, h('div', { class: 'cal-gutter' }));
  const allday = h('div', { class: 'cal-allday' }, h('div', { class: 'cal-gutter small muted', text: t('calendar.allDay') }));
  for (const d of days) {
    head.append(h('button', { type: 'button', class: `cal-dayhead${d === today() ? ' today' : ''}`, onclick: () => go('day', d), 'aria-label': fmtDay(d, { dateStyle: 'full' }) },
      h('span', { class: 'wd', text: fmtDay(d, { weekday: 'short' }) }), h('span', { class: 'dn', text: fmtDay(d, { day: 'numeric' }) })));
    const cell = h('div', { class: 'cal-allday-cell', dataset: { day: d } });
    for (const ev of cal.events.filter((e) => e.allDay && daysOf(e).includes(d))) cell.append(evButton(ev, 'chip'));
    allday.append(cell);
  }
  const scroll = h('div', { class: 'cal-scroll', tabindex: '-1' });
  const inner = h('div', { class: 'cal-hours' });
  inner.style.height = `${24 * HOUR}px`;
  const gutter = h('div', { class: 'cal-gutter cal-hour-labels', 'aria-hidden': 'true' });
  for (let i = 1; i < 24; i++) {
    const l = h('span', { text: new Intl.DateTimeFormat(lang, { timeZone: 'UTC', hour: 'numeric' }).format(Date.UTC(2026, 0, 5, i)) });
    l.style.top = `${i * HOUR}px`;
    gutter.append(l);
  }
  inner.append(gutter);
  for (const d of days) {
    const col = h('div', { class: `cal-col${d === today() ? ' today' : ''}`, dataset: { day: d } });
    for (const s of layout(segmentsOf(d, cal.events))) {
      const b = evButton(s.ev, 'block');
      b.style.top = `${((s.a - s.s0) / 3600000) * HOUR}px`;
      const px = Math.max(((s.b - s.a) / 3600000) * HOUR - 2, 18);
      b.style.height = `${px}px`;
      if (px < 34) b.classList.add('short');
      b.style.left = `${(s.col / s.cols) * 100}%`;
      b.style.width = `calc(${100 / s.cols}% - 4px)`;
      col.append(b);
    }
    if (d === today()) {
      const w = wall(now, zone());
      const line = h('div', { class: 'cal-now', 'aria-hidden': 'true' });
      line.style.top = `${(w.hh + w.mm / 60) * HOUR}px`;
      col.append(line);
    }
    inner.append(col);
  }
  scroll.append(inner);
  grid.append(head, allday, scroll);
  body.append(grid);
  const first = cal.events.find((e) => !e.allDay && days.includes(dayOf(e.start, zone())));
  const hour = first ? Math.min(wall(first.start, zone()).hh, 8) : 7;
  scroll.scrollTop = Math.max(0, hour * HOUR - 8);
}

// --- month ---------------------------------------------------------------

function month() {
  const [s] = span();
  const { m } = keyParts(cal.anchor);
  const grid = h('div', { class: 'cal-month', role: 'region', 'aria-label': $('#cal-heading').textContent });
  const row0 = h('div', { class: 'cal-month-head', 'aria-hidden': 'true' });
  for (let i = 0; i < 7; i++) row0.append(h('div', { class: 'wd', text: fmtDay(addDays(s, i), { weekday: 'short' }) }));
  grid.append(row0);
  for (let w = 0; w < 6; w++) {
    const row = h('div', { class: 'cal-month-row' });
    for (let i = 0; i < 7; i++) {
      const d = addDays(s, w * 7 + i);
      const list = cal.events.filter((e) => daysOf(e).includes(d));
      const cell = h('div', { class: `cal-cell${keyParts(d).m !== m ? ' other' : ''}${d === today() ? ' today' : ''}`, dataset: { day: d } },
        h('button', { type: 'button', class: 'cal-daynum', text: fmtDay(d, { day: 'numeric' }), 'aria-label': fmtDay(d, { dateStyle: 'full' }), onclick: () => go('day', d) }));
      for (const ev of list.slice(0, 3)) cell.append(evButton(ev, 'chip'));
      if (list.length > 3) cell.append(h('button', { type: 'button', class: 'cal-more', text: t('calendar.more', { n: list.length - 3 }), onclick: () => go('day', d) }));
      row.append(cell);
    }
    grid.append(row);
  }
  $('#cal-body').append(grid);
}

// --- agenda ----------------------------------------------------------------

function agenda() {
  const [s, e] = span();
  const box = h('div', { class: 'cal-agenda' });
  let any = false;
  for (let d = s; d < e; d = addDays(d, 1)) {
    const list = cal.events.filter((ev) => (daysOf(ev)[0] === d) || (d === s && daysOf(ev)[0] < s));
    if (!list.length) continue;
    any = true;
    const ul = h('ul', { class: 'cal-agenda-list' });
    for (const ev of list) {
      const b = evButton(ev, 'row', false);
      b.prepend(h('span', { class: 'cal-agenda-time', text: timeText(ev) }), h('span', { class: 'cal-dot', 'aria-hidden': 'true' }));
      if (ev.location) b.append(h('span', { class: 'cal-ev-where', text: ev.location }));
      ul.append(h('li', {}, b));
    }
    box.append(h('section', { class: `cal-agenda-day${d === today() ? ' today' : ''}` },
      h('h3', { text: fmtDay(d, { weekday: 'long', day: 'numeric', month: 'long' }) }), ul));
  }
  if (!any) box.append(h('p', { class: 'list-empty', text: t('calendar.nothing') }));
  $('#cal-body').append(box);
}

export function renderView() {
  const body = $('#cal-body');
  clear(body);
  body.dataset.view = cal.view;
  const [s, e] = span();
  if (cal.view === 'day') timeGrid([s]);
  else if (cal.view === 'week') { const days = []; for (let d = s; d < e; d = addDays(d, 1)) days.push(d); timeGrid(days); }
  else if (cal.view === 'month') month();
  else agenda();
  if (focusKey) {
    const b = body.querySelector(`.cal-ev[data-key="${CSS.escape(focusKey)}"]`);
    if (b) b.focus();
    focusKey = null;
  }
}

// --- moving: pointer and keyboard --------------------------------------------

function target(x, y, ev, grabMin) {
  const el = document.elementFromPoint(x, y)?.closest('[data-day]');
  if (!el) return null;
  const d = el.dataset.day;
  if (el.classList.contains('cal-col') && !ev.allDay) {
    const r = el.getBoundingClientRect();
    const min = Math.round((((y - r.top) / r.height) * 1440 - grabMin) / 15) * 15;
    const { y: yy, m, d: dd } = keyParts(d);
    return { start: fromWall(yy, m, dd, 0, Math.max(0, Math.min(min, 1425)), 0, zone()) };
  }
  if (ev.allDay) return { day: d };
  const w = wall(ev.start, zone());
  const { y: yy, m, d: dd } = keyParts(d);
  return { start: fromWall(yy, m, dd, w.hh, w.mm, 0, zone()) };
}

function onPointerDown(e) {
  const b = e.target.closest('.cal-ev');
  if (!b || e.button !== 0) return;
  const ev = cal.events[+b.dataset.idx];
  if (!ev) return;
  const col = b.closest('.cal-col');
  let grabMin = 0;
  if (col) {
    const r = col.getBoundingClientRect();
    grabMin = ((e.clientY - r.top) / r.height) * 1440 - ((Math.max(ev.start, instantOf(col.dataset.day)) - instantOf(col.dataset.day)) / 60000);
  }
  const drag = { x0: e.clientX, y0: e.clientY, moved: false };
  const move = (m) => {
    const dx = m.clientX - drag.x0; const dy = m.clientY - drag.y0;
    if (!drag.moved && Math.hypot(dx, dy) < 6) return;
    drag.moved = true;
    b.classList.add('dragging');
    b.style.transform = `translate(${dx}px, ${dy}px)`;
  };
  const up = async (u) => {
    b.removeEventListener('pointermove', move);
    b.removeEventListener('pointerup', up);
    b.removeEventListener('pointercancel', up);
    if (!drag.moved) return;
    b.dataset.dropped = '1';
    const to = target(u.clientX, u.clientY, ev, grabMin);
    b.classList.remove('dragging');
    b.style.transform = '';
    if (to) { focusKey = evKey(ev); await moveEvent(ev, to); }
  };
  b.setPointerCapture(e.pointerId);
  b.addEventListener('pointermove', move);
  b.addEventListener('pointerup', up);
  b.addEventListener('pointercancel', up);
}

function onKey(e) {
  const b = e.target.closest('.cal-ev');
  if (!b || !e.altKey || !e.key.startsWith('Arrow')) return;
  const ev = cal.events[+b.dataset.idx];
  if (!ev) return;
  e.preventDefault();
  const days = { ArrowLeft: -1, ArrowRight: 1 }[e.key] || 0;
  const mins = { ArrowUp: -15, ArrowDown: 15 }[e.key] || 0;
  focusKey = evKey(ev);
  if (ev.allDay) { if (days) moveEvent(ev, { day: addDays(ev.startDay, days) }); return; }
  if (mins) { moveEvent(ev, { start: new Date(ev.start.getTime() + mins * 60000) }); return; }
  const w = wall(ev.start, zone());
  const { y, m, d } = keyParts(addDays(dayOf(ev.start, zone()), days));
  moveEvent(ev, { start: fromWall(y, m, d, w.hh, w.mm, 0, zone()) });
}

function onClick(e) {
  const b = e.target.closest('.cal-ev');
  if (b) {
    if (b.dataset.dropped) { delete b.dataset.dropped; return; }
    const ev = cal.events[+b.dataset.idx];
    if (ev) openEditor(ev);
    return;
  }
  if (e.target.closest('button')) return;
  const slot = e.target.closest('[data-day]');
  if (!slot) return;
  // On a phone a month cell is too small to aim at: it opens its day.
  if (slot.classList.contains('cal-cell') && isPhone()) { go('day', slot.dataset.day); return; }
  if (slot.classList.contains('cal-col')) {
    const r = slot.getBoundingClientRect();
    const min = Math.floor((((e.clientY - r.top) / r.height) * 1440) / 30) * 30;
    openEditor(null, { day: slot.dataset.day, minutes: min });
  } else openEditor(null, { day: slot.dataset.day, allDay: slot.classList.contains('cal-allday-cell') });
}

export function initViews() {
  const body = $('#cal-body');
  body.addEventListener('pointerdown', onPointerDown);
  body.addEventListener('keydown', onKey);
  body.addEventListener('click', onClick);
}
