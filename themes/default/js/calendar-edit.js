// SPDX-License-Identifier: GPL-2.0-or-later
// calendar-edit.js - creating, changing, moving and deleting events.
// The dialog (built by calendar-form.js) edits title, times, all-day,
// location, description, recurrence, a reminder and attendees; what the
// user chose is written into the stored iCalendar object (GET, change,
// PUT If-Match), keeping every property it does not show.  A repeating
// event asks what to change: this occurrence (an override with its
// RECURRENCE-ID), this and the following (the old rule ends with UNTIL
// and a new event starts), or all (the master, shifted by as much as
// the occurrence moved).  Deleting asks the same (EXDATE, UNTIL, or the
// whole object).  An invitation someone else organised only takes the
// user's answer (PARTSTAT) and reminder; the server sends the REPLY.

import { $, showAlert, announce } from './dom.js';
import { t } from './i18n.js';
import { app } from './app.js';
import { cal, zone, reload } from './calendar.js';
import { getObject, putObject, deleteObject } from './caldav.js';
import {
  parse, write, prop, props, setProp, setText, master, events, readTime, timeLike, utcValue, dateValue,
  addDays, vtimezone, newCalendar, readRule, escapeText,
} from './ical.js';
import { buildForm, fillForm, readForm, showFormError, closeForm, chooseScope } from './calendar-form.js';

let editing = null; // {inst, obj: {text, etag}, vcal} or {create: true}

const now = () => utcValue(new Date());

function ridOf(inst) { return readTime({ value: inst.rid, params: {} }, zone()); }
const sameTime = (a, b) => a && b && Math.abs(a.date - b.date) < 1000;

function override(vcal, inst) {
  const want = ridOf(inst);
  return events(vcal).find((e) => prop(e, 'RECURRENCE-ID') && sameTime(readTime(prop(e, 'RECURRENCE-ID'), zone()), want)) || null;
}

const clone = (c) => JSON.parse(JSON.stringify(c));

export function setPartstat(vcal, who, partstat) {
  let found = false;
  for (const ev of events(vcal)) {
    for (const p of props(ev, 'ATTENDEE')) {
      if (p.value.replace(/^mailto:/i, '').toLowerCase() !== who.toLowerCase()) continue;
      p.params.PARTSTAT = partstat;
      delete p.params.RSVP;
      delete p.params['SCHEDULE-STATUS'];
      found = true;
    }
    setProp(ev, 'DTSTAMP', now());
  }
  return found;
}

function setTimes(ev, f) {
  const old = prop(ev, 'DTSTART');
  const keep = old && old.params.VALUE !== 'DATE' && !/^\d{8}$/.test(old.value) ? old : null;
  const s = timeLike(keep, f.start, f.allDay ? f.startDay : null, zone());
  const e = timeLike(keep, f.end, f.allDay ? f.endDay : null, zone());
  setProp(ev, 'DTSTART', s.value, s.params);
  setProp(ev, 'DTEND', e.value, e.params);
  setProp(ev, 'DURATION', null);
}

function setAlarm(ev, trigger, summary) {
  ev.comps = ev.comps.filter((c) => !(c.name === 'VALARM' && (prop(c, 'ACTION')?.value || '').toUpperCase() === 'DISPLAY'));
  if (trigger === '') return;
  ev.comps.push({ name: 'VALARM', comps: [], props: [
    { name: 'ACTION', params: {}, value: 'DISPLAY' }, { name: 'TRIGGER', params: {}, value: trigger },
    { name: 'DESCRIPTION', params: {}, value: escapeText(summary || t('calendar.noTitle')) }] });
}

function setAttendees(ev, list) {
  const me = app.account.toLowerCase();
  const before = new Map(props(ev, 'ATTENDEE').map((p) => [p.value.replace(/^mailto:/i, '').toLowerCase(), p]));
  ev.props = ev.props.filter((p) => p.name !== 'ATTENDEE' && p.name !== 'ORGANIZER');
  if (!list.length) return;
  ev.props.push({ name: 'ORGANIZER', params: {}, value: `mailto:${me}` });
  ev.props.push(before.get(me) || { name: 'ATTENDEE', params: { ROLE: 'CHAIR', PARTSTAT: 'ACCEPTED' }, value: `mailto:${me}` });
  for (const a of list) {
    if (a.email === me) continue;
    const p = before.get(a.email) || { name: 'ATTENDEE', params: { ROLE: 'REQ-PARTICIPANT', PARTSTAT: 'NEEDS-ACTION', RSVP: 'TRUE' }, value: `mailto:${a.email}` };
    if (a.name) p.params.CN = a.name;
    ev.props.push(p);
  }
}

// The rule the form says.  While the frequency stays, the parts the
// form does not show (INTERVAL, BYDAY, WKST, ...) are kept as they were.
function ruleValue(f) {
  if (!f.freq) return null;
  let r = `FREQ=${f.freq}`;
  if (f.ruleRaw && f.ruleRaw.FREQ === f.freq) {
    for (const [k, v] of Object.entries(f.ruleRaw)) if (!['FREQ', 'COUNT', 'UNTIL'].includes(k)) r += `;${k}=${v}`;
  }
  if (f.ends === 'count' && f.count > 0) r += `;COUNT=${f.count}`;
  if (f.ends === 'until' && f.keepUntil) r += `;UNTIL=${f.keepUntil}`;
  else if (f.ends === 'until' && f.until) r += `;UNTIL=${f.allDay ? dateValue(f.until) : utcValue(readTime({ value: `${dateValue(f.until)}T235959`, params: { TZID: zone() } }, zone()).date)}`;
  return r;
}

// Everything the form says, into ev.  rule: also RRULE (a master).
function fill(ev, f, rule) {
  setText(ev, 'SUMMARY', f.summary);
  setText(ev, 'LOCATION', f.location);
  setText(ev, 'DESCRIPTION', f.description);
  setTimes(ev, f);
  if (rule) setProp(ev, 'RRULE', ruleValue(f));
  setAlarm(ev, f.alarm, f.summary);
  setAttendees(ev, f.attendees);
  const seq = prop(ev, 'SEQUENCE');
  setProp(ev, 'SEQUENCE', String(seq ? (+seq.value || 0) + 1 : 0));
  setProp(ev, 'DTSTAMP', now());
  setProp(ev, 'LAST-MODIFIED', now());
}

function ensureZone(vcal) {
  const tz = zone();
  if (tz === 'UTC' || vcal.comps.some((c) => c.name === 'VTIMEZONE' && prop(c, 'TZID')?.value === tz)) return;
  const uses = events(vcal).some((e) => e.props.some((p) => p.params.TZID === tz));
  if (uses) vcal.comps.unshift(vtimezone(tz));
}

async function put(href, vcal, etag) {
  ensureZone(vcal);
  const r = await putObject(href, write(vcal), etag);
  if (!r.ok) {
    const body = await r.text().catch(() => '');
    throw new Error(r.status === 412 ? t('calendar.changedElsewhere') : `${r.status} ${body.slice(0, 120)}`);
  }
}

async function create(f) {
  const uid = crypto.randomUUID();
  const vcal = newCalendar();
  const ev = { name: 'VEVENT', comps: [], props: [{ name: 'UID', params: {}, value: uid }, { name: 'CREATED', params: {}, value: now() }] };
  vcal.comps.push(ev);
  fill(ev, f, true);
  await put(`${f.cal.url}${uid}.ics`, vcal, null);
}

// This and the following: the old rule ends before the occurrence; a
// new event (new UID) carries the rest.  Returns the new object or null
// when the occurrence is the first (then it is an "all" edit).
function split(vcal, inst) {
  const m = master(vcal);
  const rid = ridOf(inst);
  const first = readTime(prop(m, 'DTSTART'), zone());
  if (!m || !prop(m, 'RRULE') || rid.date <= first.date) return null;
  const nm = clone(m); // the new series keeps the rule as it was
  const rule = readRule(prop(m, 'RRULE').value).raw;
  delete rule.COUNT;
  rule.UNTIL = first.allDay ? dateValue(addDays(rid.day, -1)) : utcValue(new Date(rid.date.getTime() - 1000));
  prop(m, 'RRULE').value = Object.entries(rule).map(([k, v]) => `${k}=${v}`).join(';');
  vcal.comps = vcal.comps.filter((c) => !(c.name === 'VEVENT' && prop(c, 'RECURRENCE-ID') && readTime(prop(c, 'RECURRENCE-ID'), zone()).date >= rid.date));
  const next = clone(vcal);
  next.comps = next.comps.filter((c) => c.name !== 'VEVENT');
  setProp(nm, 'UID', crypto.randomUUID());
  setProp(nm, 'EXDATE', null);
  next.comps.push(nm);
  return next;
}

// The master of an "all" edit: moved by as much as the occurrence was.
function shiftMaster(m, inst, f) {
  const s = readTime(prop(m, 'DTSTART'), zone());
  if (f.allDay) {
    const days = Math.round((Date.parse(f.startDay) - Date.parse(inst.startDay || f.startDay)) / 86400000);
    const len = Math.round((Date.parse(f.endDay) - Date.parse(f.startDay)) / 86400000);
    const sd = addDays(s.day || f.startDay, days);
    return { ...f, startDay: sd, endDay: addDays(sd, len) };
  }
  const start = new Date(s.date.getTime() + (f.start - inst.start));
  return { ...f, start, end: new Date(start.getTime() + (f.end - f.start)) };
}

// When the whole series moves, its overrides keep pointing at their
// occurrences: their RECURRENCE-IDs move by as much (timed events).
function shiftOverrides(vcal, m, inst, f) {
  const delta = f.allDay || inst.allDay ? 0 : f.start - inst.start;
  if (!delta) return;
  for (const o of events(vcal)) {
    const p = prop(o, 'RECURRENCE-ID');
    const r = p ? readTime(p, zone()) : null;
    if (!r || r.allDay) continue;
    const v = timeLike(prop(m, 'DTSTART'), new Date(r.date.getTime() + delta), null, zone());
    p.value = v.value;
    p.params = v.params;
  }
}

async function change(inst, f, scope, timesOnly) {
  const obj = await getObject(inst.href);
  const vcal = parse(obj.text);
  const m = master(vcal);
  const apply = (ev, ff, rule) => (timesOnly ? (setTimes(ev, ff), setProp(ev, 'DTSTAMP', now())) : fill(ev, ff, rule));
  if (!inst.rid || scope === 'all') {
    if (inst.rid) shiftOverrides(vcal, m, inst, f);
    apply(m, inst.rid ? shiftMaster(m, inst, f) : f, true);
  } else if (scope === 'this') {
    let o = override(vcal, inst);
    if (!o) {
      o = clone(m);
      o.props = o.props.filter((p) => !['RRULE', 'RDATE', 'EXDATE'].includes(p.name));
      const r = ridOf(inst);
      const v = timeLike(prop(m, 'DTSTART'), r.date, r.allDay ? r.day : null, zone());
      o.props.push({ name: 'RECURRENCE-ID', params: v.params, value: v.value });
      vcal.comps.push(o);
    }
    apply(o, f, false);
  } else {
    const next = split(vcal, inst);
    if (!next) { apply(m, shiftMaster(m, inst, f), true); } else {
      apply(master(next), f, !timesOnly);
      await put(`${inst.cal.url}${master(next).props.find((p) => p.name === 'UID').value}.ics`, next, null);
    }
  }
  await put(inst.href, vcal, obj.etag);
}

async function answer(inst, partstat, alarm) {
  const obj = await getObject(inst.href);
  const vcal = parse(obj.text);
  setPartstat(vcal, app.account, partstat);
  if (alarm !== undefined) for (const ev of events(vcal)) setAlarm(ev, alarm, prop(ev, 'SUMMARY')?.value);
  await put(inst.href, vcal, obj.etag);
}

async function remove(inst) {
  let scope = 'all';
  if (inst.rid) { scope = await chooseScope('delete'); if (!scope) return false; }
  else if (!confirm(t('calendar.confirmDelete', { title: inst.summary || t('calendar.noTitle') }))) return false;
  if (scope === 'all') {
    const r = await deleteObject(inst.href, null);
    if (!r.ok && r.status !== 404) throw new Error(String(r.status));
    return true;
  }
  const obj = await getObject(inst.href);
  const vcal = parse(obj.text);
  if (scope === 'following') {
    if (!split(vcal, inst)) { await deleteObject(inst.href, obj.etag); return true; }
  } else {
    const m = master(vcal);
    const r = ridOf(inst);
    const v = timeLike(prop(m, 'DTSTART'), r.date, r.allDay ? r.day : null, zone());
    m.props.push({ name: 'EXDATE', params: v.params, value: v.value });
    const o = override(vcal, inst);
    if (o) vcal.comps = vcal.comps.filter((c) => c !== o);
  }
  await put(inst.href, vcal, obj.etag);
  return true;
}

async function done(msg) {
  closeForm();
  announce(msg);
  await reload();
  document.dispatchEvent(new CustomEvent('hermod:calendar-saved'));
}

async function onSave(f) {
  try {
    if (!editing.inst) { await create(f); await done(t('calendar.created')); return; }
    const inst = editing.inst;
    if (!inst.isOrganizer) { await answer(inst, f.partstat, f.alarm); await done(t('calendar.answered')); return; }
    let scope = 'all';
    if (inst.rid) { scope = await chooseScope('edit'); if (!scope) return; }
    await change(inst, f, scope, false);
    await done(t('calendar.saved'));
  } catch (e) {
    showFormError(t('calendar.saveFailed', { reason: e.message }));
  }
}

async function onDelete() {
  try {
    if (await remove(editing.inst)) await done(t('calendar.deleted'));
  } catch (e) {
    showFormError(t('calendar.saveFailed', { reason: e.message }));
  }
}

export async function moveEvent(inst, to) {
  if (!inst.isOrganizer) { showAlert(t('calendar.notOrganizer')); return; }
  const f = inst.allDay
    ? { allDay: true, startDay: to.day, endDay: addDays(to.day, Math.max(1, Math.round((Date.parse(inst.endDay || addDays(inst.startDay, 1)) - Date.parse(inst.startDay)) / 86400000))) }
    : { allDay: false, start: to.start, end: new Date(to.start.getTime() + (inst.end - inst.start)) };
  if (!inst.allDay && to.start - inst.start === 0) return;
  let scope = 'all';
  if (inst.rid) { scope = await chooseScope('move'); if (!scope) { await reload(); return; } }
  try {
    await change(inst, f, scope, true);
    announce(t('calendar.moved', { title: inst.summary || t('calendar.noTitle') }));
  } catch (e) {
    showAlert(t('calendar.saveFailed', { reason: e.message }));
  }
  await reload();
}

// inst: an instance to edit, or null to create with defaults {day,
// minutes, allDay}.
export async function openEditor(inst, defaults = {}) {
  editing = { inst };
  let rule = null; let alarm = '';
  if (inst) {
    try {
      const obj = await getObject(inst.href);
      const m = master(parse(obj.text));
      rule = inst.rid || prop(m, 'RRULE') ? readRule(prop(m, 'RRULE')?.value) : null;
    } catch (e) { /* shown with what the view has */ }
    alarm = inst.alarm ?? '';
  }
  fillForm({ inst, defaults, rule, alarm, calendars: cal.calendars });
}

export function initEditor() {
  buildForm({ onSave, onDelete });
}
