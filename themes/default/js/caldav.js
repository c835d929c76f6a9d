// SPDX-License-Identifier: GPL-2.0-or-later
// caldav.js - the calendar's server: CalDAV (RFC 4791) and scheduling
// (RFC 6638) at /dav/ with the web session and its CSRF header, as the
// contacts page reaches CardDAV.  The account's calendars (PROPFIND on
// its calendar home), the instances in a span (calendar-query with
// expand: the server expands recurrences with libical), one object by
// href or by UID, PUT with If-Match / If-None-Match, DELETE, and
// free/busy of attendees (VFREEBUSY POST to the schedule outbox).
// Invitations and replies are not sent from here: a PUT by the organizer
// or an attendee's PARTSTAT change makes the server schedule (implicit
// scheduling), exactly as for any CalDAV client.

import { app } from './app.js';
import { t } from './i18n.js';
import { parse, events, prop, text, readTime, utcValue } from './ical.js';

const NS = { D: 'DAV:', C: 'urn:ietf:params:xml:ns:caldav', A: 'http://apple.com/ns/ical/' };
const PALETTE = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04'];

export async function dav(method, url, body, headers = {}) {
  return fetch(url, {
    method, credentials: 'same-origin', body,
    headers: { 'X-CSRF-Token': app.csrf, ...(body ? { 'Content-Type': headers.type || 'application/xml; charset=utf-8' } : {}), ...headers },
  });
}

const xml = (s) => new DOMParser().parseFromString(s, 'application/xml');
const first = (el, ns, name) => el.getElementsByTagNameNS(ns, name)[0] || null;
const textOf = (el, ns, name) => first(el, ns, name)?.textContent ?? null;
const path = (href) => new URL(href, location.href).pathname;

export const home = () => `/dav/cal/${encodeURIComponent(app.account)}/`;

export async function calendars() {
  const body = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/">'
    + '<D:prop><D:resourcetype/><D:displayname/><A:calendar-color/><C:supported-calendar-component-set/></D:prop></D:propfind>';
  const r = await dav('PROPFIND', home(), body, { Depth: '1' });
  if (r.status !== 207) return null;
  const out = [];
  for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.D, 'response')) {
    const type = first(resp, NS.D, 'resourcetype');
    if (!type || !first(type, NS.C, 'calendar')) continue;
    const comps = [...resp.getElementsByTagNameNS(NS.C, 'comp')].map((c) => c.getAttribute('name'));
    if (comps.length && !comps.includes('VEVENT')) continue;
    const url = path(textOf(resp, NS.D, 'href'));
    const color = (textOf(resp, NS.A, 'calendar-color') || '').trim().slice(0, 7);
    const seg = decodeURIComponent(url.split('/').filter(Boolean).pop());
    const shown = textOf(resp, NS.D, 'displayname') || seg;
    // The calendar the server made, under its plain name, in the user's language.
    const name = shown === 'calendar' && seg === 'calendar' ? t('calendar.calendar') : shown;
    out.push({ url, name, color: /^#[0-9a-fA-F]{6}$/.test(color) ? color : PALETTE[out.length % PALETTE.length] });
  }
  return out;
}

function attendeesOf(ev) {
  return ev.props.filter((p) => p.name === 'ATTENDEE').map((p) => ({
    email: p.value.replace(/^mailto:/i, '').toLowerCase(), name: p.params.CN || '', partstat: (p.params.PARTSTAT || 'NEEDS-ACTION').toUpperCase(),
  }));
}

// One instance (a VEVENT as the server expanded it) for the views.
export function instance(ev, extra, tz) {
  const s = readTime(prop(ev, 'DTSTART'), tz);
  if (!s) return null;
  let e = readTime(prop(ev, 'DTEND'), tz);
  if (!e) {
    const dur = prop(ev, 'DURATION')?.value.match(/^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?/);
    const ms = dur ? (((+dur[1] || 0) * 7 + (+dur[2] || 0)) * 86400 + (+dur[3] || 0) * 3600 + (+dur[4] || 0) * 60) * 1000 : (s.allDay ? 86400000 : 0);
    e = { date: new Date(s.date.getTime() + ms), allDay: s.allDay, day: null };
  }
  const me = app.account.toLowerCase();
  const attendees = attendeesOf(ev);
  const org = prop(ev, 'ORGANIZER')?.value.replace(/^mailto:/i, '').toLowerCase() || '';
  const alarm = ev.comps.find((c) => c.name === 'VALARM');
  return {
    ...extra, uid: text(ev, 'UID'), rid: prop(ev, 'RECURRENCE-ID')?.value || null,
    summary: text(ev, 'SUMMARY'), location: text(ev, 'LOCATION'), description: text(ev, 'DESCRIPTION'),
    start: s.date, end: e.date, allDay: s.allDay, startDay: s.day, endDay: s.allDay ? (e.day || null) : null,
    status: (prop(ev, 'STATUS')?.value || '').toUpperCase(), organizer: org, attendees,
    mine: attendees.find((a) => a.email === me)?.partstat || null, isOrganizer: !org || org === me,
    alarm: alarm ? prop(alarm, 'TRIGGER')?.value || null : null,
  };
}

// The instances of cal between two instants (calendar-query, expand).
export async function query(cal, start, end, tz) {
  const s = utcValue(start); const e = utcValue(end);
  const body = '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    + `<D:prop><D:getetag/><C:calendar-data><C:expand start="${s}" end="${e}"/></C:calendar-data></D:prop>`
    + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${s}" end="${e}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
  const r = await dav('REPORT', cal.url, body, { Depth: '1' });
  if (r.status !== 207) throw new Error(`REPORT ${r.status}`);
  const out = [];
  for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.D, 'response')) {
    const data = textOf(resp, NS.C, 'calendar-data');
    if (!data) continue;
    const extra = { href: path(textOf(resp, NS.D, 'href')), etag: textOf(resp, NS.D, 'getetag'), cal };
    for (const ev of events(parse(data))) {
      const i = instance(ev, extra, tz);
      if (i && i.end > start && i.start < end) out.push(i);
    }
  }
  return out;
}

export async function getObject(href) {
  const r = await dav('GET', href);
  if (!r.ok) throw new Error(`GET ${r.status}`);
  return { text: await r.text(), etag: r.headers.get('ETag') };
}

// PUT: etag to replace that version, null to create (fails if present).
export async function putObject(href, body, etag) {
  return dav('PUT', href, body, { type: 'text/calendar; charset=utf-8', ...(etag ? { 'If-Match': etag } : { 'If-None-Match': '*' }) });
}

export async function deleteObject(href, etag) {
  return dav('DELETE', href, undefined, etag ? { 'If-Match': etag } : {});
}

// The account's object with this UID in any of cals: {href, etag, text,
// cal} or null.  (CalDAV's text-match is a substring test: the UID is
// then compared exactly.)
export async function byUid(cals, uid) {
  const esc = uid.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    + '<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
    + `<C:prop-filter name="UID"><C:text-match collation="i;octet">${esc}</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
  for (const cal of cals) {
    const r = await dav('REPORT', cal.url, body, { Depth: '1' });
    if (r.status !== 207) continue;
    for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.D, 'response')) {
      const data = textOf(resp, NS.C, 'calendar-data');
      if (data && events(parse(data)).some((e) => text(e, 'UID') === uid)) {
        return { href: path(textOf(resp, NS.D, 'href')), etag: textOf(resp, NS.D, 'getetag'), text: data, cal };
      }
    }
  }
  return null;
}

// Busy periods of each address between start and end: Map address ->
// [{start, end}] (null for one the server cannot answer for).
export async function freeBusy(addresses, start, end) {
  const me = app.account;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Hermod//Webmail Calendar//EN', 'METHOD:REQUEST', 'BEGIN:VFREEBUSY',
    `UID:${crypto.randomUUID()}`, `DTSTAMP:${utcValue(new Date())}`, `DTSTART:${utcValue(start)}`, `DTEND:${utcValue(end)}`,
    `ORGANIZER:mailto:${me}`, ...addresses.map((a) => `ATTENDEE:mailto:${a}`), 'END:VFREEBUSY', 'END:VCALENDAR', ''];
  const r = await dav('POST', `${home()}outbox/`, lines.join('\r\n'), { type: 'text/calendar; charset=utf-8' });
  const out = new Map();
  if (r.status !== 200) return out;
  for (const resp of xml(await r.text()).getElementsByTagNameNS(NS.C, 'response')) {
    const who = (textOf(resp, NS.D, 'href') || '').replace(/^mailto:/i, '').toLowerCase();
    const status = textOf(resp, NS.C, 'request-status') || '';
    if (!status.startsWith('2.')) { out.set(who, null); continue; }
    const periods = [];
    const fb = parse(textOf(resp, NS.C, 'calendar-data') || '');
    for (const c of fb?.comps || []) {
      for (const p of c.props.filter((x) => x.name === 'FREEBUSY' && (x.params.FBTYPE || 'BUSY').startsWith('BUSY'))) {
        for (const span of p.value.split(',')) {
          const [a, b] = span.split('/');
          const s = readTime({ value: a, params: {} }, 'UTC');
          if (!s || !b) continue;
          const e = readTime({ value: b, params: {} }, 'UTC');
          const d = b.match(/^PT?(?:(\d+)H)?(?:(\d+)M)?/);
          const endAt = e ? e.date : new Date(s.date.getTime() + ((+d?.[1] || 0) * 60 + (+d?.[2] || 0)) * 60000);
          periods.push({ start: s.date, end: endAt });
        }
      }
    }
    out.set(who, periods);
  }
  return out;
}
