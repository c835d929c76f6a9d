// SPDX-License-Identifier: GPL-2.0-or-later
// dialog.js - modal dialogs instead of window.prompt()/confirm(): the
// native <dialog> element opened with showModal(), so the page behind is
// inert (Tab stays inside) and Escape cancels; a heading names the
// dialog (aria-labelledby), every field has a <label>, the buttons say
// what they do, an error from the action is shown in the dialog's
// role=alert region with focus back on the field, and when the dialog
// closes, focus returns to the control that opened it (or to `returnTo`
// when that control is gone).

import { h } from './dom.js';
import { t } from './i18n.js';

let serial = 0;

// Fields: [{ name, label, value, type: 'text' | 'select', options: [{value, text}] }].
// onSubmit(values) -> a promise of null (done: the dialog closes) or an
// error message (shown; the dialog stays).  extra: [{ label, danger,
// onClick(values, dialogApi) }] buttons before Cancel.
// Resolves to the values on success, null when cancelled.
export function openDialog({ title, text, fields = [], okLabel, danger = false, extra = [], onSubmit, returnTo }) {
  const opener = document.activeElement;
  const id = `dlg-${++serial}`;
  const heading = h('h2', { id: `${id}-title`, class: 'dialog-title', text: title });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const inputs = {};
  const body = [heading];
  if (text) body.push(h('p', { id: `${id}-text`, class: 'dialog-text', text }));
  const grid = h('div', { class: 'dialog-fields' });
  for (const f of fields) {
    const fid = `${id}-${f.name}`;
    let el;
    if (f.type === 'select') {
      el = h('select', { id: fid, name: f.name });
      for (const o of f.options) el.append(h('option', { value: o.value, text: o.text }));
      el.value = f.value ?? '';
    } else {
      el = h('input', { id: fid, name: f.name, type: 'text', autocomplete: 'off', required: true });
      el.value = f.value ?? '';
    }
    inputs[f.name] = el;
    grid.append(h('label', { for: fid, text: f.label }), el);
  }
  if (fields.length) body.push(grid);
  body.push(error);
  const ok = h('button', { type: 'submit', class: danger ? 'primary danger-fill' : 'primary', text: okLabel });
  const cancel = h('button', { type: 'button', class: 'ghost', text: t('dialog.cancel') });
  const left = extra.map((x) => h('button', { type: 'button', class: `ghost${x.danger ? ' danger' : ''}`, text: x.label }));
  const form = h('form', { class: 'dialog-form', novalidate: true }, ...body,
    h('div', { class: 'dialog-actions' }, ...left, h('span', { class: 'spacer' }), cancel, ok));
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': heading.id, 'aria-describedby': text ? `${id}-text` : undefined }, form);
  document.body.append(dlg);

  const values = () => Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]));
  const showError = (msg) => {
    error.textContent = msg;
    error.hidden = false;
    (Object.values(inputs)[0] || ok).focus();
  };
  return new Promise((resolve) => {
    let result = null;
    const finish = (r) => { result = r; dlg.close(); };
    dlg.addEventListener('close', () => {
      dlg.remove();
      const back = opener && opener.isConnected && opener !== document.body ? opener : returnTo?.();
      if (back) back.focus();
      resolve(result);
    });
    cancel.addEventListener('click', () => finish(null));
    const busy = async (fn) => {
      for (const b of form.querySelectorAll('button')) b.disabled = true;
      try {
        const msg = await fn();
        if (msg) showError(msg);
        return !msg;
      } finally {
        for (const b of form.querySelectorAll('button')) b.disabled = false;
      }
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = values();
      const empty = fields.find((f) => f.type !== 'select' && !v[f.name]);
      if (empty) { showError(t('dialog.required', { field: empty.label })); inputs[empty.name].focus(); return; }
      if (!onSubmit || await busy(() => onSubmit(v))) finish(v);
    });
    extra.forEach((x, i) => left[i].addEventListener('click', async () => {
      if (await busy(() => x.onClick(values()))) finish({ ...values(), action: x.action || 'extra' });
    }));
    dlg.showModal();
    const first = Object.values(inputs)[0];
    if (first) { first.focus(); if (first.select) first.select(); } else (danger ? cancel : ok).focus();
  });
}

// A yes/no question; resolves true for yes.
export async function confirmDialog({ title, text, okLabel, danger = true }) {
  return (await openDialog({ title, text, okLabel, danger })) !== null;
}
