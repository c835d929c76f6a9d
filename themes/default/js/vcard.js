// SPDX-License-Identifier: GPL-2.0-or-later
// vcard.js - the few vCard (RFC 6350, and 3.0) properties the contacts
// page shows and edits: FN, N, EMAIL, TEL, ORG, NOTE, CATEGORIES (groups),
// UID.  Reading unfolds lines and unescapes values; writing escapes them.
// Properties the page does not know are kept as they were and written
// back unchanged, so an edit here loses nothing another client stored.

const KNOWN = new Set(['BEGIN', 'END', 'VERSION', 'FN', 'N', 'EMAIL', 'TEL', 'ORG', 'NOTE', 'CATEGORIES', 'UID', 'PRODID', 'REV']);

function unescape(v) {
  return v.replace(/\\([\\,;nN])/g, (m, c) => (c === 'n' || c === 'N' ? '\n' : c));
}

function escape(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

export function parseVCard(text) {
  const card = { fn: '', emails: [], tels: [], org: '', note: '', groups: [], uid: '', extra: [] };
  const lines = String(text).replace(/\r\n[ \t]/g, '').replace(/\n[ \t]/g, '').split(/\r?\n/);
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const head = line.slice(0, colon);
    const value = line.slice(colon + 1);
    const name = head.split(';')[0].split('.').pop().toUpperCase();
    if (name === 'FN') card.fn = unescape(value);
    else if (name === 'EMAIL') card.emails.push(unescape(value));
    else if (name === 'TEL') card.tels.push(unescape(value));
    else if (name === 'ORG') card.org = unescape(value.split(';')[0]);
    else if (name === 'NOTE') card.note = unescape(value);
    else if (name === 'CATEGORIES') card.groups.push(...value.split(/(?<!\\),/).map(unescape).map((g) => g.trim()).filter(Boolean));
    else if (name === 'UID') card.uid = unescape(value);
    else if (name === 'N' && !card.fn) card.fn = value.split(';').slice(0, 2).reverse().map(unescape).join(' ').trim();
    if (!KNOWN.has(name)) card.extra.push(line);
  }
  return card;
}

function fold(line) {
  const out = [];
  let rest = line;
  while (new TextEncoder().encode(rest).length > 75) {
    let cut = 74;
    while (new TextEncoder().encode(rest.slice(0, cut)).length > 74) cut--;
    out.push(rest.slice(0, cut));
    rest = ` ${rest.slice(cut)}`;
  }
  out.push(rest);
  return out.join('\r\n');
}

export function writeVCard(card) {
  const parts = (card.fn || '').trim().split(/\s+/);
  const family = parts.length > 1 ? parts.pop() : '';
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//Hermod//Webmail//EN', `UID:${escape(card.uid)}`,
    `FN:${escape(card.fn || '')}`, `N:${escape(family)};${escape(parts.join(' '))};;;`];
  for (const e of card.emails) if (e) lines.push(`EMAIL;TYPE=INTERNET:${escape(e)}`);
  for (const t of card.tels) if (t) lines.push(`TEL:${escape(t)}`);
  if (card.org) lines.push(`ORG:${escape(card.org)}`);
  if (card.note) lines.push(`NOTE:${escape(card.note)}`);
  if (card.groups.length) lines.push(`CATEGORIES:${card.groups.map(escape).join(',')}`);
  lines.push(`REV:${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`);
  lines.push(...card.extra);
  lines.push('END:VCARD');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
