// SPDX-License-Identifier: GPL-2.0-or-later
//
// ical-check.mjs - the webmail calendar's iCalendar reader and writer
// (themes/default/js/ical.js) under node, run by test-ical.py: round
// trips that keep unknown properties and quoted parameters, folding at
// 75 octets, TEXT escapes, wall times across the DST changes of
// Europe/Berlin (skipped and repeated hours), VTIMEZONE rules built from
// Intl for three zones, DATE / UTC / TZID values, RRULE reading.  TAP.

import fs from 'node:fs';

const src = fs.readFileSync(process.argv[2], 'utf8');
const ical = await import(`data:text/javascript,${encodeURIComponent(src)}`);
const results = [];
const check = (ok, name, detail = '') => results.push([!!ok, name, detail]);
const eq = (a, b, name) => check(JSON.stringify(a) === JSON.stringify(b), name, `got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);

const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:u1', 'DTSTART;TZID=Europe/Berlin:20261207T100000',
  'SUMMARY:Lunch\\, with \\;friends\\nand more', 'ATTENDEE;CN="Doe, John";PARTSTAT=ACCEPTED:mailto:john@example.test',
  'X-MOZ-LASTACK:20261201T101010Z', 'X-CUSTOM;X-P="a:b":some value', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'END:VALARM',
  'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
const v = ical.parse(text);
const ev = ical.events(v)[0];
eq(ical.text(ev, 'SUMMARY'), 'Lunch, with ;friends\nand more', 'TEXT unescaped');
eq(ical.prop(ev, 'ATTENDEE').params.CN, 'Doe, John', 'quoted parameter value');
eq(ical.write(v), text, 'write gives the same text back (unknown properties kept)');
eq(ev.comps[0].name, 'VALARM', 'nested VALARM');
eq(ical.escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne', 'TEXT escaped');

const long = { name: 'VCALENDAR', props: [{ name: 'DESCRIPTION', params: {}, value: 'ü'.repeat(100) }], comps: [] };
const out = ical.write(long);
check(out.split('\r\n').every((l) => new TextEncoder().encode(l).length <= 75), 'folded at 75 octets');
eq(ical.parse(out).props[0].value, 'ü'.repeat(100), 'a folded line reads back whole');

const iso = (d) => d.toISOString();
eq(iso(ical.fromWall(2026, 12, 7, 10, 0, 0, 'Europe/Berlin')), '2026-12-07T09:00:00.000Z', 'winter wall time');
eq(iso(ical.fromWall(2026, 7, 1, 10, 0, 0, 'Europe/Berlin')), '2026-07-01T08:00:00.000Z', 'summer wall time');
eq(iso(ical.fromWall(2026, 3, 29, 2, 30, 0, 'Europe/Berlin')), '2026-03-29T01:30:00.000Z', 'a skipped hour gives the time after it');
eq(iso(ical.fromWall(2026, 10, 25, 2, 30, 0, 'Europe/Berlin')), '2026-10-25T01:30:00.000Z', 'a repeated hour gives the later reading');
eq(ical.dayOf(new Date('2026-12-07T23:30:00Z'), 'Europe/Berlin'), '2026-12-08', 'day in the zone, not in UTC');
eq(ical.wallValue(new Date('2026-12-07T09:00:00Z'), 'America/New_York'), '20261207T040000', 'wall value');

const rules = (tz) => ical.vtimezone(tz, 2026).comps.map((c) => [c.name, ...c.props.map((p) => `${p.name}:${p.value}`)]);
eq(rules('Europe/Berlin'), [
  ['DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:20260329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU'],
  ['STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:20261025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU']], 'VTIMEZONE Europe/Berlin');
eq(rules('America/New_York'), [
  ['DAYLIGHT', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'DTSTART:20260308T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU'],
  ['STANDARD', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'DTSTART:20261101T020000', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU']], 'VTIMEZONE America/New_York');
eq(rules('Asia/Tokyo'), [['STANDARD', 'TZOFFSETFROM:+0900', 'TZOFFSETTO:+0900', 'DTSTART:19700101T000000']], 'VTIMEZONE without daylight time');

const t1 = ical.readTime({ value: '20261207T100000', params: { TZID: 'Europe/Berlin' } }, 'UTC');
eq(iso(t1.date), '2026-12-07T09:00:00.000Z', 'TZID value');
const t2 = ical.readTime({ value: '20261207', params: { VALUE: 'DATE' } }, 'Europe/Berlin');
check(t2.allDay && t2.day === '2026-12-07', 'DATE value', JSON.stringify(t2));
eq(iso(ical.readTime({ value: '20261207T100000Z', params: {} }, 'Europe/Berlin').date), '2026-12-07T10:00:00.000Z', 'UTC value');
eq(iso(ical.readTime({ value: '20261207T100000', params: { TZID: 'Not/AZone' } }, 'Europe/Berlin').date), '2026-12-07T09:00:00.000Z', 'unknown TZID read in the user zone');
eq(ical.readTime({ value: 'garbage', params: {} }, 'UTC'), null, 'a bad value is no time');
const r = ical.readRule('FREQ=WEEKLY;COUNT=5;INTERVAL=2');
check(r.freq === 'WEEKLY' && r.count === 5 && r.interval === 2 && r.until === null, 'RRULE with COUNT', JSON.stringify(r));
eq(ical.readRule('FREQ=DAILY;UNTIL=20261231T225959Z').until, '2026-12-31', 'RRULE UNTIL');
const keep = ical.timeLike({ value: '20261207T100000', params: { TZID: 'America/New_York' } }, new Date('2026-12-08T15:00:00Z'), null, 'Europe/Berlin');
eq(keep, { value: '20261208T100000', params: { TZID: 'America/New_York' } }, 'an edit keeps the event in its own zone');
eq(ical.parse('not a calendar'), null, 'no VCALENDAR, no calendar');
eq(ical.events(ical.parse('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nBROKEN LINE\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'))[0].props.length, 1, 'a broken line is skipped');

console.log(`1..${results.length}`);
results.forEach(([ok, name, detail], i) => { console.log(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${name}`); if (!ok) console.log(`# ${detail}`); });
process.exit(results.every((x) => x[0]) ? 0 : 1);
