// SPDX-License-Identifier: GPL-2.0-or-later
// calendar-invite.js - the invitation card in the message reader.  A
// message with a text/calendar part (or an .ics attachment) gets a card
// above its body: what, when (in the user's zone), where, organizer,
// attendees with their answers, events of the user's it overlaps, and
// what the user's calendar holds for it.  METHOD:REQUEST offers Accept /
// Tentative / Decline: the event is put on the calendar (or the copy the
// server already placed is updated) with the user's PARTSTAT, and the
// server's implicit scheduling sends the REPLY to the organizer.
// METHOD:CANCEL offers to remove the copy; METHOD:REPLY shows the answer
// and whether the organizer's copy has it (the server applies replies).
// Anything else (PUBLISH, no METHOD) offers "Add to calendar".  The
// calendar data is fetched from the JMAP download URL and read as text.

import { $, h, showAlert, announce } from './dom.js';
import { t, lang } from './i18n.js';
import { app } from './app.js';
import { zone } from './calendar.js';
import { calendars, byUid, query, putObject, instance, deleteObject } from './caldav.js';
import { parse, write, prop, text, master, events, setProp } from './ical.js';
import { setPartstat } from './calendar-edit.js';

let shown = 0;
const MAX = 512 * 1024;
const L = (tag, key, attrs = {}) => h(tag, { ...attrs, text: t(key), dataset: { ...(attrs.dataset || {}), i18n: key } });

function calendarPart(e) {
  return (e.attachments || []).find((a) => /^(text|application)\/(calendar|ics)\b/i.test(a.type || '') || /\.ics$/i.test(a.name || '')) || null;
}

async function fetchPart(part) {
  if (part.size > MAX) return null;
  const r = await fetch(app.jmap.downloadUrl(part.blobId, part.name || 'invite.ics', 'text/calendar'), { credentials: 'same-origin' });
  return r.ok ? r.text() : null;
}

const when = (i) => (i.allDay
  ? new Intl.DateTimeFormat(lang, { timeZone: 'UTC', dateStyle: 'full' }).format(new Date(`${i.startDay}T12:00:00Z`))
  : new Intl.DateTimeFormat(lang, { timeZone: zone(), dateStyle: 'full', timeStyle: 'short' }).formatRange(i.start, i.end));

const who = (a) => (a.name ? `${a.name} <${a.email}>` : a.email);

function card(kind) {
  const old = $('#invite-card');
  if (old) old.remove();
  const el = h('section', { id: 'invite-card', class: `invite-card ${kind}`, 'aria-labelledby': 'invite-title' });
  $('#reader-body').before(el);
  return el;
}

async function conflicts(cals, inst) {
  if (inst.allDay) return [];
  const lists = await Promise.all(cals.map((c) => query(c, inst.start, inst.end, zone()).catch(() => [])));
  return lists.flat().filter((x) => x.uid !== inst.uid && x.status !== 'CANCELLED' && x.mine !== 'DECLINED');
}

function details(el, inst, method) {
  const dl = h('dl', { class: 'invite-facts' });
  const row = (key, value) => { if (value) dl.append(L('dt', key), h('dd', { text: value })); };
  row('calendar.when', when(inst));
  row('calendar.location', inst.location);
  if (inst.organizer) row('calendar.organizer', who(inst.attendees.find((a) => a.email === inst.organizer) || { email: inst.organizer }));
  const others = inst.attendees.filter((a) => a.email !== inst.organizer);
  if (others.length) {
    dl.append(L('dt', 'calendar.attendees'));
    const dd = h('dd', {}, h('ul', { class: 'invite-people' }, ...others.map((a) => h('li', { dataset: { email: a.email } }, h('span', { text: who(a) }),
      h('span', { class: `cal-ps ps-${a.partstat.toLowerCase()}`, text: t(`calendar.partstat.${a.partstat.toLowerCase()}`) })))));
    dl.append(dd);
  }
  if (method !== 'REPLY' && inst.description) row('calendar.description', inst.description.slice(0, 600));
  el.append(dl);
}

function head(el, key, inst) {
  el.append(h('div', { class: 'invite-head' }, h('span', { class: 'ico ico-calendar', 'aria-hidden': 'true' }),
    h('div', {}, L('p', key, { class: 'invite-kind' }), h('h3', { id: 'invite-title', text: inst.summary || t('calendar.noTitle') }))));
}

function status(el) {
  const s = h('p', { class: 'invite-status', role: 'status' });
  el.append(s);
  return s;
}

// Accept / Tentative / Decline: update the copy the server placed, or
// put the invitation on the default calendar.
async function respond(vcal, inst, cals, partstat) {
  const mine = await byUid(cals, inst.uid);
  if (mine) {
    const v = parse(mine.text);
    setPartstat(v, app.account, partstat);
    const r = await putObject(mine.href, write(v), mine.etag);
    if (!r.ok) throw new Error(String(r.status));
    return;
  }
  const copy = JSON.parse(JSON.stringify(vcal));
  copy.props = copy.props.filter((p) => p.name !== 'METHOD');
  if (!setPartstat(copy, app.account, partstat)) throw new Error(t('calendar.notInvited'));
  const cal = cals[0];
  const r = await putObject(`${cal.url}${crypto.randomUUID()}.ics`, write(copy), null);
  if (!r.ok) throw new Error(String(r.status));
}

async function requestCard(el, vcal, inst, cals) {
  const me = app.account.toLowerCase();
  const s = status(el);
  const mine = await byUid(cals, inst.uid);
  const ps = mine ? instance(master(parse(mine.text)), { cal: mine.cal }, zone())?.mine : null;
  const over = await conflicts(cals, inst);
  if (over.length) {
    el.append(h('p', { class: 'invite-conflict' }, h('strong', { text: t('calendar.conflicts') }), ' ',
      over.map((c) => `${c.summary || t('calendar.noTitle')} (${new Intl.DateTimeFormat(lang, { timeZone: zone(), timeStyle: 'short' }).formatRange(c.start, c.end)})`).join(', ')));
  } else if (!inst.allDay) el.append(L('p', 'calendar.noConflicts', { class: 'invite-free' }));
  if (!inst.attendees.some((a) => a.email === me)) { s.textContent = t('calendar.notInvited'); return; }
  const bar = h('div', { class: 'invite-actions', role: 'group', 'aria-label': t('calendar.respond'), dataset: { i18nLabel: 'calendar.respond' } });
  // The answer as the user's calendar has it: the text, the pressed
  // button, and the user's own line among the attendees.
  const show = (p) => {
    const answered = p && p !== 'NEEDS-ACTION';
    s.textContent = answered ? t('calendar.yourAnswerIs', { answer: t(`calendar.partstat.${p.toLowerCase()}`) }) : t('calendar.notAnswered');
    for (const x of bar.querySelectorAll('button')) {
      x.setAttribute('aria-pressed', String(x.dataset.partstat === p));
      x.className = !answered && x.dataset.partstat === 'ACCEPTED' ? 'primary' : 'ghost';
    }
    const badge = el.querySelector(`.invite-people li[data-email="${CSS.escape(me)}"] .cal-ps`);
    if (badge && p) { badge.className = `cal-ps ps-${p.toLowerCase()}`; badge.textContent = t(`calendar.partstat.${p.toLowerCase()}`); }
  };
  for (const [p, key] of [['ACCEPTED', 'calendar.accept'], ['TENTATIVE', 'calendar.tentative'], ['DECLINED', 'calendar.decline']]) {
    const b = L('button', key, { type: 'button', class: 'ghost', dataset: { partstat: p, i18n: key } });
    b.addEventListener('click', async () => {
      for (const x of bar.querySelectorAll('button')) x.disabled = true;
      try {
        await respond(vcal, inst, cals, p);
        show(p);
        announce(t('calendar.answered'));
        document.dispatchEvent(new CustomEvent('hermod:calendar-changed'));
      } catch (e) {
        showAlert(t('calendar.saveFailed', { reason: e.message }));
      }
      for (const x of bar.querySelectorAll('button')) x.disabled = false;
    });
    bar.append(b);
  }
  el.append(bar);
  show(ps);
}

async function cancelCard(el, inst, cals) {
  const s = status(el);
  const mine = await byUid(cals, inst.uid);
  if (!mine) { s.textContent = t('calendar.notOnCalendar'); return; }
  const b = L('button', 'calendar.removeFromCalendar', { type: 'button', class: 'primary' });
  b.addEventListener('click', async () => {
    const r = await deleteObject(mine.href, mine.etag);
    if (!r.ok && r.status !== 404) { showAlert(t('calendar.saveFailed', { reason: String(r.status) })); return; }
    b.remove();
    s.textContent = t('calendar.removed');
    document.dispatchEvent(new CustomEvent('hermod:calendar-changed'));
  });
  el.append(h('div', { class: 'invite-actions' }, b));
  s.textContent = t('calendar.cancelledByOrganizer');
}

async function replyCard(el, inst, cals) {
  const s = status(el);
  const from = inst.attendees[0];
  if (!from) return;
  s.textContent = t('calendar.replied', { name: who(from), answer: t(`calendar.partstat.${from.partstat.toLowerCase()}`) });
  const mine = await byUid(cals, inst.uid);
  const there = mine ? instance(master(parse(mine.text)), { cal: mine.cal }, zone())?.attendees.find((a) => a.email === from.email) : null;
  el.append(h('p', { class: 'muted', text: there && there.partstat === from.partstat ? t('calendar.replyApplied') : t('calendar.replyNotApplied') }));
}

async function addCard(el, vcal, cals) {
  const s = status(el);
  const sel = h('select', { id: 'invite-cal', 'aria-label': t('calendar.calendar'), dataset: { i18nLabel: 'calendar.calendar' } }, ...cals.map((c) => h('option', { value: c.url, text: c.name })));
  const b = L('button', 'calendar.addToCalendar', { type: 'button', class: 'primary', id: 'invite-add' });
  b.addEventListener('click', async () => {
    const uids = [...new Set(events(vcal).map((e) => text(e, 'UID')).filter(Boolean))];
    let added = 0; let had = 0;
    for (const uid of uids) {
      if (await byUid(cals, uid)) { had++; continue; }
      const one = JSON.parse(JSON.stringify(vcal));
      one.props = one.props.filter((p) => p.name !== 'METHOD');
      one.comps = one.comps.filter((c) => c.name !== 'VEVENT' || text(c, 'UID') === uid);
      for (const c of one.comps) if (c.name === 'VEVENT' && !prop(c, 'DTSTAMP')) setProp(c, 'DTSTAMP', new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''));
      const r = await putObject(`${sel.value}${crypto.randomUUID()}.ics`, write(one), null);
      if (r.ok) added++; else { showAlert(t('calendar.saveFailed', { reason: String(r.status) })); return; }
    }
    s.textContent = added ? t('calendar.addedN', { n: added }) : had ? t('calendar.alreadyThere') : t('calendar.nothingToAdd');
    if (added) document.dispatchEvent(new CustomEvent('hermod:calendar-changed'));
  });
  el.append(h('div', { class: 'invite-actions' }, sel, b));
}

async function show(e) {
  const n = ++shown;
  const old = $('#invite-card');
  if (old) old.remove();
  const part = calendarPart(e);
  if (!part) return;
  const data = await fetchPart(part).catch(() => null);
  const vcal = data ? parse(data) : null;
  const m = vcal ? master(vcal) : null;
  if (!m || n !== shown) return;
  const cals = await calendars().catch(() => null) || [];
  if (n !== shown) return;
  const method = (prop(vcal, 'METHOD')?.value || '').toUpperCase();
  const inst = instance(m, {}, zone());
  if (!inst) return;
  const kind = { REQUEST: 'request', CANCEL: 'cancel', REPLY: 'reply' }[method] || 'add';
  const el = card(kind);
  head(el, `calendar.card.${kind}`, inst);
  if (events(vcal).length > 1 || prop(m, 'RRULE')) el.append(L('p', 'calendar.repeats', { class: 'muted small' }));
  details(el, inst, method);
  if (!cals.length) { el.append(L('p', 'calendar.missing', { class: 'muted' })); return; }
  if (kind === 'request') await requestCard(el, vcal, inst, cals);
  else if (kind === 'cancel') await cancelCard(el, inst, cals);
  else if (kind === 'reply') await replyCard(el, inst, cals);
  else await addCard(el, vcal, cals);
}

export function initInvite() {
  document.addEventListener('hermod:opened', (ev) => { show(ev.detail).catch(() => {}); });
  document.addEventListener('hermod:closed', () => { shown++; $('#invite-card')?.remove(); });
}
