// SPDX-License-Identifier: GPL-2.0-or-later
// prefs.js - the user's display choices, kept in this browser
// (localStorage): language, appearance, page size, time zone, theme.
// The theme is also a cookie, so the server picks its index.html.
// The signature lives in the JMAP Identity (textSignature) when the
// server offers it.

const KEY = 'hermod.prefs';
const DEFAULTS = { mode: 'auto', pageSize: 50, timeZone: '', threads: false, imagesFrom: [] };

export function prefs() {
  try { return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || '{}') }; } catch (e) { return { ...DEFAULTS }; }
}

export function savePrefs(changes) {
  const p = { ...prefs(), ...changes };
  localStorage.setItem(KEY, JSON.stringify(p));
  return p;
}

export function applyMode() {
  const m = prefs().mode;
  if (m === 'auto') delete document.documentElement.dataset.mode;
  else document.documentElement.dataset.mode = m;
}

export function isDark() {
  const m = prefs().mode;
  return m === 'dark' || (m === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
}

export function currentTheme() {
  return document.documentElement.dataset.theme || 'default';
}

export function setTheme(name) {
  document.cookie = `hermod_theme=${encodeURIComponent(name)}; Path=/; Max-Age=31536000; SameSite=Lax; Secure`;
}
