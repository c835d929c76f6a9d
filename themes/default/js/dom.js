// SPDX-License-Identifier: GPL-2.0-or-later
// dom.js - building elements safely: text is always set with
// textContent, never parsed as HTML, so names, subjects and file names
// from mail can never become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function clear(el) { while (el.firstChild) el.firstChild.remove(); }

let alertTimer = null;
// Errors go to the role=alert region, so screen readers announce them.
export function showAlert(message) {
  const el = $('#alert');
  el.textContent = message;
  el.hidden = false;
  console.warn(`hermod alert: ${message}`);
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

export function announce(message) {
  const el = $('#status');
  el.textContent = '';
  setTimeout(() => { el.textContent = message; }, 30);
}

export function formatSize(n, locale) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: i ? 1 : 0 }).format(n)} ${units[i]}`;
}

export function addressText(list) {
  return (list || []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
}

export function shortName(list) {
  const a = (list || [])[0];
  return a ? (a.name || a.email) : '';
}

// "Name <a@b>, c@d" -> [{name, email}]
export function parseAddresses(text) {
  const out = [];
  for (const part of (text || '').split(/[,;]/)) {
    const p = part.trim();
    if (!p) continue;
    const m = p.match(/^(.*)<([^>]+)>$/);
    if (m) out.push({ name: m[1].trim().replace(/^"|"$/g, '') || null, email: m[2].trim() });
    else out.push({ name: null, email: p });
  }
  return out;
}
