// SPDX-License-Identifier: GPL-2.0-or-later
// i18n.js - every string the user sees comes from i18n/LANG.json.
// The language is the user's choice (localStorage), else the browser's
// first supported language, else English.  Dates and numbers are
// formatted with Intl for that locale and the chosen time zone.

export const LANGUAGES = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', it: 'Italiano' };
const BASE = '/themes/default/i18n/';
let strings = {};
let fallback = {};
export let lang = 'en';
export let timeZone = undefined;

export function pickLanguage() {
  const saved = localStorage.getItem('hermod.lang');
  if (saved && LANGUAGES[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = l.toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

async function load(code) {
  const r = await fetch(`${BASE}${code}.json`);
  if (!r.ok) throw new Error(`translations ${code}: HTTP ${r.status}`);
  return r.json();
}

export async function setLanguage(code) {
  if (!LANGUAGES[code]) code = 'en';
  if (!Object.keys(fallback).length) fallback = await load('en');
  strings = code === 'en' ? fallback : await load(code);
  lang = code;
  document.documentElement.lang = code;
  applyTranslations(document);
}

export function setTimeZone(tz) { timeZone = tz || undefined; }

export function t(key, vars) {
  let s = strings[key] ?? fallback[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

// data-i18n: text; data-i18n-label: aria-label and title;
// data-i18n-placeholder; data-i18n-title.
export function applyTranslations(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    if (el.tagName === 'BUTTON' || el.tagName === 'INPUT') el.title = t(el.dataset.i18nLabel);
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

export function formatDate(iso, long = false) {
  const d = new Date(iso);
  const now = new Date();
  const opts = { timeZone };
  if (long) Object.assign(opts, { dateStyle: 'full', timeStyle: 'short' });
  else if (d.toDateString() === now.toDateString()) Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
  else if (d.getFullYear() === now.getFullYear()) Object.assign(opts, { day: 'numeric', month: 'short' });
  else Object.assign(opts, { dateStyle: 'short' });
  return new Intl.DateTimeFormat(lang, opts).format(d);
}

export function formatNumber(n) { return new Intl.NumberFormat(lang).format(n); }

export function fillLanguageSelect(select) {
  select.textContent = '';
  for (const [code, name] of Object.entries(LANGUAGES)) {
    const o = document.createElement('option');
    o.value = code;
    o.textContent = name;
    o.lang = code;
    select.append(o);
  }
  select.value = lang;
}
