// SPDX-License-Identifier: GPL-2.0-or-later
// ical.js - the iCalendar (RFC 5545) the calendar needs, and no more:
// text to a tree of components and back (unfolding, parameters with
// quotes, TEXT escapes), date values to instants in a time zone, and a
// VTIMEZONE for the user's zone built from Intl.  Recurrences are not
// expanded here: the server does that (CalDAV expand, libical), so the
// browser only reads single instances.  Properties the calendar does not
// know are kept and written back as they came (only the folding may
// change), so an edit here loses nothing another client stored.

export function parse(text) {
  const lines = String(text).replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const root = { name: 'ROOT', props: [], comps: [] };
  const stack = [root];
  for (const line of lines) {
    if (!line.trim()) continue;
    const p = parseLine(line);
    if (!p) continue;
    const top = stack[stack.length - 1];
    if (p.name === 'BEGIN') {
      const c = { name: p.value.toUpperCase(), props: [], comps: [] };
      top.comps.push(c);
      if (stack.length < 16) stack.push(c);
    } else if (p.name === 'END') {
      if (stack.length > 1) stack.pop();
    } else {
      top.props.push(p);
    }
  }
  return root.comps.find((c) => c.name === 'VCALENDAR') || null;
}

function parseLine(line) {
  let i = 0;
  const name = line.match(/^[A-Za-z0-9-]+/);
  if (!name) return null;
  i = name[0].length;
  const params = {};
  while (line[i] === ';') {
    const m = line.slice(i + 1).match(/^([A-Za-z0-9-]+)=/);
    if (!m) return null;
    i += 1 + m[0].length;
    const vals = [];
    for (;;) {
      if (line[i] === '"') {
        const close = line.indexOf('"', i + 1);
        if (close < 0) return null;
        vals.push(line.slice(i + 1, close));
        i = close + 1;
      } else {
        const m2 = line.slice(i).match(/^[^;:,]*/);
        vals.push(m2[0]);
        i += m2[0].length;
      }
      if (line[i] !== ',') break;
      i++;
    }
    params[m[1].toUpperCase()] = vals.join(',');
  }
  if (line[i] !== ':') return null;
  return { name: name[0].toUpperCase(), params, value: line.slice(i + 1) };
}

function fold(line) {
  const enc = new TextEncoder();
  const out = [];
  let rest = line;
  while (enc.encode(rest).length > 75) {
    let cut = Math.min(rest.length, 74);
    while (cut > 1 && enc.encode(rest.slice(0, cut)).length > 74) cut--;
    if (/[\uDC00-\uDFFF]/.test(rest[cut] || '')) cut--;
    out.push(rest.slice(0, cut));
    rest = ` ${rest.slice(cut)}`;
  }
  out.push(rest);
  return out.join('\r\n');
}

function paramValue(v) { return /[;:,"]/.test(v) ? `"${v.replace(/"/g, '')}"` : v; }

export function write(comp) {
  const lines = [];
  const walk = (c) => {
    lines.push(`BEGIN:${c.name}`);
    for (const p of c.props) {
      const params = Object.entries(p.params).map(([k, v]) => `;${k}=${paramValue(v)}`).join('');
      lines.push(fold(`${p.name}${params}:${p.value}`));
    }
    for (const s of c.comps) walk(s);
    lines.push(`END:${c.name}`);
  };
  walk(comp);
  return `${lines.join('\r\n')}\r\n`;
}

export function unescapeText(v) {
  return String(v ?? '').replace(/\\([\\,;nN])/g, (m, c) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function escapeText(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

export const prop = (c, name) => c.props.find((p) => p.name === name) || null;
export const props = (c, name) => c.props.filter((p) => p.name === name);
export const text = (c, name) => unescapeText(prop(c, name)?.value ?? '');

export function setProp(c, name, value, params = {}) {
  const old = prop(c, name);
  if (value === null || value === undefined || value === '') {
    c.props = c.props.filter((p) => p.name !== name);
    return;
  }
  if (old) { old.value = value; old.params = params; } else c.props.push({ name, params, value });
}

export function setText(c, name, value) { setProp(c, name, value ? escapeText(value) : null); }

export function events(vcal) { return vcal ? vcal.comps.filter((c) => c.name === 'VEVENT') : []; }

// The master (no RECURRENCE-ID), else the first event.
export function master(vcal) {
  const ev = events(vcal);
  return ev.find((e) => !prop(e, 'RECURRENCE-ID')) || ev[0] || null;
}

// --- time zones: Intl does the work ---------------------------------

const fmtCache = new Map();
function formatter(tz) {
  if (!fmtCache.has(tz)) {
    fmtCache.set(tz, new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    }));
  }
  return fmtCache.get(tz);
}

export function knownZone(tz) {
  try { formatter(tz); return true; } catch (e) { return false; }
}

const WD = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// Wall-clock fields of an instant in tz: {y, m (1-12), d, hh, mm, ss, wd}.
export function wall(date, tz) {
  const o = {};
  for (const part of formatter(tz).formatToParts(date)) o[part.type] = part.value;
  return { y: +o.year, m: +o.month, d: +o.day, hh: +o.hour % 24, mm: +o.minute, ss: +o.second, wd: WD[o.weekday] };
}

export function offsetAt(date, tz) {
  const w = wall(date, tz);
  return Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss) - Math.floor(date.getTime() / 1000) * 1000;
}

// The instant when the wall clock in tz shows the given time (the later
// reading in a repeated hour, the time after a skipped one).
export function fromWall(y, m, d, hh = 0, mm = 0, ss = 0, tz) {
  const guess = Date.UTC(y, m - 1, d, hh, mm, ss);
  let t = guess - offsetAt(new Date(guess), tz);
  t = guess - offsetAt(new Date(t), tz);
  return new Date(t);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
export const dayKey = (y, m, d) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
export function keyParts(key) { const [y, m, d] = key.split('-').map(Number); return { y, m, d }; }
export function addDays(key, n) {
  const { y, m, d } = keyParts(key);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return dayKey(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}
export function dayOf(date, tz) { const w = wall(date, tz); return dayKey(w.y, w.m, w.d); }
export function weekday(key) { const { y, m, d } = keyParts(key); return new Date(Date.UTC(y, m - 1, d)).getUTCDay(); }

// A DATE or DATE-TIME property: {date (the instant), allDay, day (for a
// DATE), tzid}.  A TZID the browser does not know, and floating time,
// are read in the user's zone.
export function readTime(p, userTz) {
  if (!p) return null;
  const v = p.value.trim();
  const m = v.match(/^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/);
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss, z] = m;
  if (hh === undefined || p.params.VALUE === 'DATE') {
    const day = dayKey(+y, +mo, +d);
    return { date: fromWall(+y, +mo, +d, 0, 0, 0, userTz), allDay: true, day, tzid: null };
  }
  if (z) return { date: new Date(Date.UTC(+y, mo - 1, +d, +hh, +mi, +ss)), allDay: false, tzid: 'UTC' };
  const tzid = p.params.TZID && knownZone(p.params.TZID) ? p.params.TZID : userTz;
  return { date: fromWall(+y, +mo, +d, +hh, +mi, +ss, tzid), allDay: false, tzid: p.params.TZID || null };
}

export function utcValue(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

export function wallValue(date, tz) {
  const w = wall(date, tz);
  return `${pad(w.y, 4)}${pad(w.m)}${pad(w.d)}T${pad(w.hh)}${pad(w.mm)}${pad(w.ss)}`;
}

export const dateValue = (key) => key.replace(/-/g, '');

// A time written the way an existing property writes it (UTC, a TZID,
// or a DATE), so that an edit keeps the event in its own zone.
export function timeLike(old, date, day, userTz) {
  if (day) return { value: dateValue(day), params: { VALUE: 'DATE' } };
  const tzid = old?.params?.TZID;
  if (tzid && knownZone(tzid)) return { value: wallValue(date, tzid), params: { TZID: tzid } };
  if (old && /Z$/.test(old.value)) return { value: utcValue(date), params: {} };
  return { value: wallValue(date, userTz), params: { TZID: userTz } };
}

// VTIMEZONE for tz from Intl: the two yearly transitions of this year as
// "nth weekday of month" rules, or one STANDARD without daylight time.
export function vtimezone(tz, year = new Date().getUTCFullYear()) {
  const off = (t) => offsetAt(new Date(t), tz);
  const fmt = (ms) => { const s = ms < 0 ? '-' : '+'; const a = Math.abs(ms) / 60000; return `${s}${pad(Math.floor(a / 60))}${pad(a % 60)}`; };
  const comp = (name, from, to, start, rule) => ({ name, comps: [], props: [
    { name: 'TZOFFSETFROM', params: {}, value: fmt(from) }, { name: 'TZOFFSETTO', params: {}, value: fmt(to) },
    { name: 'DTSTART', params: {}, value: start }, ...(rule ? [{ name: 'RRULE', params: {}, value: rule }] : [])] });
  const tzc = { name: 'VTIMEZONE', props: [{ name: 'TZID', params: {}, value: tz }], comps: [] };
  const changes = [];
  let t = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  for (let prev = off(t); t < end && changes.length < 2; t += 86400000) {
    if (off(t + 86400000) === prev) continue;
    let lo = t; let hi = t + 86400000;
    while (hi - lo > 60000) { const mid = lo + Math.floor((hi - lo) / 120000) * 60000; if (off(mid) === prev) lo = mid; else hi = mid; }
    changes.push({ at: hi, from: prev, to: off(hi) });
    prev = off(hi);
  }
  if (changes.length < 2) {
    const o = off(Date.UTC(year, 0, 1));
    tzc.comps.push(comp('STANDARD', o, o, '19700101T000000'));
    return tzc;
  }
  for (const c of changes) {
    const local = new Date(c.at + c.from);
    const d = local.getUTCDate();
    const last = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
    const nth = d + 7 > last ? -1 : Math.ceil(d / 7);
    const day = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][local.getUTCDay()];
    const start = utcValue(local).replace('Z', '');
    tzc.comps.push(comp(c.to > c.from ? 'DAYLIGHT' : 'STANDARD', c.from, c.to, start,
      `FREQ=YEARLY;BYMONTH=${local.getUTCMonth() + 1};BYDAY=${nth}${day}`));
  }
  return tzc;
}

export function newCalendar() {
  return { name: 'VCALENDAR', comps: [], props: [
    { name: 'VERSION', params: {}, value: '2.0' }, { name: 'PRODID', params: {}, value: '-//Hermod//Webmail Calendar//EN' }] };
}

// RRULE value <-> {freq, count, until (day key), interval}.
export function readRule(value) {
  if (!value) return null;
  const r = {};
  for (const part of value.split(';')) { const [k, v] = part.split('='); r[k.toUpperCase()] = v; }
  const until = r.UNTIL?.match(/^(\d{4})(\d{2})(\d{2})/);
  return { freq: r.FREQ, count: r.COUNT ? +r.COUNT : null, until: until ? dayKey(+until[1], +until[2], +until[3]) : null, interval: r.INTERVAL ? +r.INTERVAL : 1, raw: r };
}
