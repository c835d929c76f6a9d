// SPDX-License-Identifier: GPL-2.0-or-later
// calendar-form.js - the event dialog and the "which occurrences?"
// question.  Fields: title, calendar, all-day, start and end (date and
// time in the user's zone), location, description, repeat (daily,
// weekly, monthly, yearly; never ending, after N times or on a date),
// reminder, attendees (completed from the address book's datalist) with
// each one's free/busy for the day (the schedule outbox), and for an
// invitation from someone else the user's answer.  A modal dialog:
// focus stays inside, Escape closes, focus returns where it was; errors
// go to its role=alert line.

import { $, h, clear, parseAddresses } from './dom.js';
import { t, lang } from './i18n.js';
import { app } from './app.js';
import { zone } from './calendar.js';
import { freeBusy } from './caldav.js';
import { wall, fromWall, addDays, keyParts } from './ical.js';

let handlers = null;
let opener = null;
let attendees = [];
let current = null;
let fbTimer = null;

const L = (tag, key, attrs = {}, ...kids) => h(tag, { ...attrs, text: t(key), dataset: { ...(attrs.dataset || {}), i18n: key } }, ...kids);
const opt = (value, key) => h('option', { value, text: t(key), dataset: { i18n: key } });
const field = (id, key, input) => [L('label', key, { for: id }), input];
const pad = (n) => String(n).padStart(2, '0');

const ALARMS = [['', 'calendar.alarmNone'], ['PT0S', 'calendar.alarmStart'], ['-PT5M', 'calendar.alarm5m'], ['-PT15M', 'calendar.alarm15m'],
  ['-PT30M', 'calendar.alarm30m'], ['-PT1H', 'calendar.alarm1h'], ['-P1D', 'calendar.alarm1d']];

export function buildForm(h2) {
  handlers = h2;
  const form = h('form', { id: 'cal-form', class: 'cal-dialog', novalidate: true },
    h('header', { class: 'cal-dialog-head' }, h('h2', { id: 'ce-heading' }),
      h('button', { id: 'ce-close', type: 'button', class: 'icon-btn', 'aria-label': t('calendar.close'), title: t('calendar.close'), dataset: { i18nLabel: 'calendar.close' } }, h('span', { class: 'ico ico-close', 'aria-hidden': 'true' }))),
    h('div', { id: 'ce-error', class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'cal-fields' },
      ...field('ce-title', 'calendar.eventTitle', h('input', { id: 'ce-title', type: 'text', autocomplete: 'off', required: true })),
      ...field('ce-cal', 'calendar.calendar', h('select', { id: 'ce-cal' })),
      h('span', {}), h('label', { class: 'check' }, h('input', { id: 'ce-allday', type: 'checkbox' }), L('span', 'calendar.allDay')),
      L('span', 'calendar.starts', { class: 'lbl', id: 'ce-starts-l' }),
      h('div', { class: 'cal-when', role: 'group', 'aria-labelledby': 'ce-starts-l' },
        h('input', { id: 'ce-sdate', type: 'date', 'aria-label': t('calendar.startDate'), dataset: { i18nLabel: 'calendar.startDate' } }),
        h('input', { id: 'ce-stime', type: 'time', step: '300', 'aria-label': t('calendar.startTime'), dataset: { i18nLabel: 'calendar.startTime' } })),
      L('span', 'calendar.ends', { class: 'lbl', id: 'ce-ends-l' }),
      h('div', { class: 'cal-when', role: 'group', 'aria-labelledby': 'ce-ends-l' },
        h('input', { id: 'ce-edate', type: 'date', 'aria-label': t('calendar.endDate'), dataset: { i18nLabel: 'calendar.endDate' } }),
        h('input', { id: 'ce-etime', type: 'time', step: '300', 'aria-label': t('calendar.endTime'), dataset: { i18nLabel: 'calendar.endTime' } })),
      ...field('ce-where', 'calendar.location', h('input', { id: 'ce-where', type: 'text', autocomplete: 'off' })),
      ...field('ce-freq', 'calendar.repeat', h('select', { id: 'ce-freq' }, opt('', 'calendar.repeatNone'), opt('DAILY', 'calendar.daily'),
        opt('WEEKLY', 'calendar.weekly'), opt('MONTHLY', 'calendar.monthly'), opt('YEARLY', 'calendar.yearly'))),
      h('span', { class: 'ce-rule-only' }),
      h('div', { class: 'cal-when ce-rule-only' },
        h('select', { id: 'ce-endsel', 'aria-label': t('calendar.repeatEnds'), dataset: { i18nLabel: 'calendar.repeatEnds' } }, opt('never', 'calendar.never'), opt('count', 'calendar.afterCount'), opt('until', 'calendar.onDate')),
        h('input', { id: 'ce-count', type: 'number', min: '1', max: '999', value: '10', 'aria-label': t('calendar.count'), dataset: { i18nLabel: 'calendar.count' } }),
        h('input', { id: 'ce-until', type: 'date', 'aria-label': t('calendar.untilDate'), dataset: { i18nLabel: 'calendar.untilDate' } })),
      ...field('ce-alarm', 'calendar.reminder', h('select', { id: 'ce-alarm' }, ...ALARMS.map(([v, k]) => opt(v, k)))),
      ...field('ce-answer', 'calendar.yourAnswer', h('select', { id: 'ce-answer' }, opt('ACCEPTED', 'calendar.accept'), opt('TENTATIVE', 'calendar.tentative'), opt('DECLINED', 'calendar.decline'))),
      ...field('ce-att-input', 'calendar.attendees', h('div', { class: 'cal-att-add' },
        h('input', { id: 'ce-att-input', type: 'text', list: 'recipients', autocomplete: 'off', placeholder: t('calendar.attendeeHint'), dataset: { i18nPlaceholder: 'calendar.attendeeHint' } }),
        L('button', 'calendar.add', { id: 'ce-att-add', type: 'button', class: 'ghost' }))),
      h('span', {}), h('ul', { id: 'ce-att-list', class: 'cal-att-list', 'aria-label': t('calendar.attendees'), dataset: { i18nLabel: 'calendar.attendees' } }),
      h('span', {}), h('div', { id: 'ce-fb', class: 'cal-fb', hidden: true }),
      ...field('ce-desc', 'calendar.description', h('textarea', { id: 'ce-desc', rows: '3' }))),
    h('footer', { class: 'cal-dialog-foot' },
      L('button', 'action.delete', { id: 'ce-delete', type: 'button', class: 'ghost danger' }),
      h('span', { class: 'spacer' }),
      L('button', 'contacts.cancel', { id: 'ce-cancel', type: 'button', class: 'ghost' }),
      L('button', 'settings.save', { id: 'ce-save', type: 'submit', class: 'primary' })));
  const wrap = h('div', { id: 'cal-editor', class: 'cal-backdrop', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ce-heading', hidden: true }, form);
  document.body.append(wrap, buildScope());
  form.addEventListener('submit', (e) => { e.preventDefault(); const f = readForm(); if (f) handlers.onSave(f); });
  $('#ce-close').addEventListener('click', closeForm);
  $('#ce-cancel').addEventListener('click', closeForm);
  $('#ce-delete').addEventListener('click', () => handlers.onDelete());
  $('#ce-allday').addEventListener('change', syncVisibility);
  $('#ce-freq').addEventListener('change', syncVisibility);
  $('#ce-endsel').addEventListener('change', syncVisibility);
  $('#ce-att-add').addEventListener('click', addAttendee);
  $('#ce-att-input').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); addAttendee(); } });
  for (const id of ['#ce-sdate', '#ce-stime', '#ce-edate', '#ce-etime', '#ce-allday']) $(id).addEventListener('change', scheduleFreeBusy);
  $('#ce-sdate').addEventListener('change', keepLength);
  wrap.addEventListener('keydown', (e) => trap(e, wrap, closeForm));
}

function buildScope() {
  const box = h('div', { id: 'cal-scope', class: 'cal-backdrop', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'cs-heading', 'aria-describedby': 'cs-text', hidden: true },
    h('div', { class: 'cal-dialog small' },
      h('h2', { id: 'cs-heading', class: 'cal-scope-head' }),
      L('p', 'calendar.scopeText', { id: 'cs-text', class: 'muted' }),
      h('div', { class: 'cal-scope-buttons' },
        L('button', 'calendar.scopeThis', { type: 'button', class: 'ghost', dataset: { scope: 'this' } }),
        L('button', 'calendar.scopeFollowing', { type: 'button', class: 'ghost', dataset: { scope: 'following' } }),
        L('button', 'calendar.scopeAll', { type: 'button', class: 'ghost', dataset: { scope: 'all' } }),
        L('button', 'contacts.cancel', { type: 'button', class: 'ghost', dataset: { scope: '' } }))));
  return box;
}

// "this" | "following" | "all", or null when cancelled.
export function chooseScope(what) {
  const box = $('#cal-scope');
  $('#cs-heading').textContent = t(`calendar.scope.${what}`);
  box.hidden = false;
  const back = document.activeElement;
  box.querySelector('button').focus();
  return new Promise((resolve) => {
    const end = (v) => { box.hidden = true; box.onclick = null; box.onkeydown = null; if (back?.isConnected) back.focus(); resolve(v || null); };
    box.onclick = (e) => { const b = e.target.closest('button[data-scope]'); if (b) end(b.dataset.scope); };
    box.onkeydown = (e) => trap(e, box, () => end(null));
  });
}

function trap(ev, root, close) {
  if (ev.key === 'Escape') { ev.preventDefault(); close(); return; }
  if (ev.key !== 'Tab') return;
  const f = [...root.querySelectorAll('button, input, select, textarea')].filter((x) => !x.disabled && x.offsetParent !== null);
  if (!f.length) return;
  if (ev.shiftKey && document.activeElement === f[0]) { ev.preventDefault(); f[f.length - 1].focus(); }
  else if (!ev.shiftKey && document.activeElement === f[f.length - 1]) { ev.preventDefault(); f[0].focus(); }
}

function syncVisibility() {
  const all = $('#ce-allday').checked;
  $('#ce-stime').hidden = $('#ce-etime').hidden = all;
  const rule = !!$('#ce-freq').value;
  for (const el of document.querySelectorAll('.ce-rule-only')) el.hidden = !rule;
  $('#ce-count').hidden = $('#ce-endsel').value !== 'count';
  $('#ce-until').hidden = $('#ce-endsel').value !== 'until';
}

const timeOf = (d) => { const w = wall(d, zone()); return { day: `${w.y}-${pad(w.m)}-${pad(w.d)}`, time: `${pad(w.hh)}:${pad(w.mm)}` }; };

function keepLength() {
  if (!current) return;
  const days = Math.round((Date.parse($('#ce-edate').value) - Date.parse(current.sday)) / 86400000);
  if (!Number.isNaN(days) && $('#ce-sdate').value) $('#ce-edate').value = addDays($('#ce-sdate').value, days);
  current.sday = $('#ce-sdate').value;
}

export function fillForm({ inst, defaults, rule, alarm, calendars }) {
  opener = document.activeElement;
  const sel = $('#ce-cal');
  clear(sel);
  for (const c of calendars) sel.append(h('option', { value: c.url, text: c.name }));
  if (inst) sel.value = inst.cal.url;
  sel.disabled = !!inst;
  const mine = !inst || inst.isOrganizer;
  $('#ce-heading').textContent = t(inst ? 'calendar.editEvent' : 'calendar.newEvent');
  $('#ce-error').hidden = true;
  $('#ce-title').value = inst?.summary || '';
  $('#ce-where').value = inst?.location || '';
  $('#ce-desc').value = inst?.description || '';
  let s; let e; let allDay;
  if (inst) {
    allDay = inst.allDay;
    s = allDay ? { day: inst.startDay, time: '09:00' } : timeOf(inst.start);
    e = allDay ? { day: addDays(inst.endDay || addDays(inst.startDay, 1), -1), time: '10:00' } : timeOf(inst.end);
  } else {
    allDay = !!defaults.allDay;
    const min = defaults.minutes ?? 9 * 60;
    s = { day: defaults.day, time: `${pad(Math.floor(min / 60))}:${pad(min % 60)}` };
    const endMin = Math.min(min + 60, 23 * 60 + 55);
    e = { day: defaults.day, time: `${pad(Math.floor(endMin / 60))}:${pad(endMin % 60)}` };
  }
  $('#ce-allday').checked = allDay;
  $('#ce-sdate').value = s.day; $('#ce-stime').value = s.time;
  $('#ce-edate').value = e.day; $('#ce-etime').value = e.time;
  current = { inst, sday: s.day, rule };
  $('#ce-freq').value = rule?.freq && ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(rule.freq) ? rule.freq : '';
  $('#ce-endsel').value = rule?.count ? 'count' : rule?.until ? 'until' : 'never';
  $('#ce-count').value = String(rule?.count || 10);
  $('#ce-until').value = rule?.until || '';
  $('#ce-alarm').value = ALARMS.some(([v]) => v === alarm) ? alarm : '';
  $('#ce-answer').value = ['ACCEPTED', 'TENTATIVE', 'DECLINED'].includes(inst?.mine) ? inst.mine : 'ACCEPTED';
  attendees = (inst?.attendees || []).filter((a) => a.email !== app.account.toLowerCase()).map((a) => ({ ...a }));
  for (const id of ['#ce-title', '#ce-where', '#ce-desc', '#ce-allday', '#ce-sdate', '#ce-stime', '#ce-edate', '#ce-etime', '#ce-freq', '#ce-endsel', '#ce-count', '#ce-until', '#ce-att-input']) $(id).disabled = !mine;
  $('#ce-att-add').disabled = !mine;
  $('#ce-answer').closest('form').classList.toggle('invited', !mine);
  $('#ce-answer').hidden = $('label[for="ce-answer"]').hidden = mine;
  $('#ce-delete').hidden = !inst;
  syncVisibility();
  renderAttendees();
  $('#cal-editor').hidden = false;
  (mine ? $('#ce-title') : $('#ce-answer')).focus();
}

export function closeForm() {
  $('#cal-editor').hidden = true;
  clearTimeout(fbTimer);
  if (opener?.isConnected) opener.focus();
}

export function showFormError(msg) {
  const el = $('#ce-error');
  el.textContent = msg;
  el.hidden = false;
}

function addAttendee() {
  const input = $('#ce-att-input');
  for (const a of parseAddresses(input.value)) {
    const email = a.email.toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) { showFormError(t('calendar.badAddress', { address: a.email })); return; }
    if (!attendees.some((x) => x.email === email)) attendees.push({ email, name: a.name || '', partstat: 'NEEDS-ACTION' });
  }
  input.value = '';
  $('#ce-error').hidden = true;
  renderAttendees();
  input.focus();
}

function renderAttendees() {
  const ul = $('#ce-att-list');
  clear(ul);
  const mine = !current?.inst || current.inst.isOrganizer;
  for (const a of attendees) {
    const who = a.name ? `${a.name} <${a.email}>` : a.email;
    ul.append(h('li', { class: 'cal-att' }, h('span', { class: 'who', text: who }),
      h('span', { class: `cal-ps ps-${a.partstat.toLowerCase()}`, text: t(`calendar.partstat.${a.partstat.toLowerCase()}`) }),
      mine ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('calendar.removeAttendee', { name: who }), title: t('calendar.removeAttendee', { name: who }),
        onclick: () => { attendees = attendees.filter((x) => x !== a); renderAttendees(); } }, h('span', { class: 'ico ico-close', 'aria-hidden': 'true' })) : null));
  }
  ul.hidden = !attendees.length;
  scheduleFreeBusy();
}

function scheduleFreeBusy() {
  clearTimeout(fbTimer);
  fbTimer = setTimeout(() => showFreeBusy().catch(() => {}), 300);
}

// One row per person: their busy time on the event's day, the event's
// own span marked.
async function showFreeBusy() {
  const box = $('#ce-fb');
  const mine = !current?.inst || current.inst.isOrganizer;
  if (!attendees.length || !mine || !$('#ce-sdate').value) { box.hidden = true; return; }
  const { y, m, d } = keyParts($('#ce-sdate').value);
  const s0 = fromWall(y, m, d, 0, 0, 0, zone());
  const s1 = fromWall(...Object.values(keyParts(addDays($('#ce-sdate').value, 1))), 0, 0, 0, zone());
  const people = [app.account.toLowerCase(), ...attendees.map((a) => a.email)];
  const fb = await freeBusy(people, s0, s1);
  const f = readForm(true);
  clear(box);
  const pct = (tm) => `${Math.max(0, Math.min(100, ((tm - s0) / (s1 - s0)) * 100))}%`;
  box.append(L('div', 'calendar.freeBusy', { class: 'cal-fb-title' }));
  const scale = h('div', { class: 'cal-fb-row scale', 'aria-hidden': 'true' }, h('span', { class: 'who' }), h('div', { class: 'bar' }));
  for (const hr of [6, 12, 18]) { const l = h('span', { class: 'tick', text: `${hr}:00` }); l.style.left = `${(hr / 24) * 100}%`; scale.lastChild.append(l); }
  box.append(scale);
  for (const p of people) {
    const periods = fb.get(p);
    const bar = h('div', { class: 'bar' });
    const words = [];
    if (periods === null || periods === undefined) bar.classList.add('unknown');
    for (const b of periods || []) {
      const el = h('span', { class: 'busy' });
      el.style.left = pct(b.start); el.style.width = `calc(${pct(b.end)} - ${pct(b.start)})`;
      bar.append(el);
      words.push(new Intl.DateTimeFormat(lang, { timeZone: zone(), hour: '2-digit', minute: '2-digit' }).formatRange(b.start, b.end));
    }
    if (f && !f.allDay) { const ev = h('span', { class: 'event' }); ev.style.left = pct(f.start); ev.style.width = `calc(${pct(f.end)} - ${pct(f.start)})`; bar.append(ev); }
    const desc = periods == null ? t('calendar.fbUnknown') : words.length ? t('calendar.fbBusy', { times: words.join(', ') }) : t('calendar.fbFree');
    box.append(h('div', { class: 'cal-fb-row', role: 'img', 'aria-label': `${p}: ${desc}` }, h('span', { class: 'who', text: p }), bar));
  }
  box.hidden = false;
}

// The form's values, or null (with the error shown).  quiet: no error.
export function readForm(quiet = false) {
  const err = (k) => { if (!quiet) showFormError(t(k)); return null; };
  const allDay = $('#ce-allday').checked;
  const sd = $('#ce-sdate').value; const ed = $('#ce-edate').value || sd;
  if (!sd) return err('calendar.needStart');
  const f = {
    summary: $('#ce-title').value.trim(), location: $('#ce-where').value.trim(), description: $('#ce-desc').value,
    allDay, freq: $('#ce-freq').value, ends: $('#ce-endsel').value, count: +$('#ce-count').value || 0, until: $('#ce-until').value,
    alarm: $('#ce-alarm').value, attendees: attendees.slice(), partstat: $('#ce-answer').value,
    // the rule's own UNTIL, kept exactly while its day is not changed
    ruleRaw: current?.rule?.raw || null,
    keepUntil: current?.rule?.until && current.rule.until === $('#ce-until').value ? current.rule.raw.UNTIL : null,
    cal: (current?.inst?.cal) || { url: $('#ce-cal').value },
  };
  if (!f.summary && !quiet && !$('#ce-title').disabled) return err('calendar.needTitle');
  if (allDay) {
    if (ed < sd) return err('calendar.endBeforeStart');
    return { ...f, startDay: sd, endDay: addDays(ed, 1), start: fromWall(...Object.values(keyParts(sd)), 0, 0, 0, zone()) };
  }
  const [sh, sm] = ($('#ce-stime').value || '09:00').split(':').map(Number);
  const [eh, em] = ($('#ce-etime').value || '10:00').split(':').map(Number);
  const start = fromWall(...Object.values(keyParts(sd)), sh, sm, 0, zone());
  const end = fromWall(...Object.values(keyParts(ed)), eh, em, 0, zone());
  if (end < start) return err('calendar.endBeforeStart');
  return { ...f, start, end };
}


