// SPDX-License-Identifier: GPL-2.0-or-later
// im-dock.js - the IM panel (im.js) in the webmail page: a "Chats"
// button in the top bar with the unread count as a badge, and a side
// panel it opens and closes (Escape closes it too, focus goes back to
// the button).  The button shows only when the server has the webim
// module (/im/api/ answers).  New IMs are announced in the page's live
// region and, once the user allowed it when first opening the panel, as
// a desktop notification.
import { $ } from './dom.js';
import { t, lang } from './i18n.js';
import { ImPanel } from './im.js';

export async function initImDock(app) {
  const button = $('#im-toggle');
  const dock = $('#im-dock');
  const badge = $('#im-badge');
  if (!button || !dock) return null;
  const r = await fetch('/im/api/contacts', { credentials: 'same-origin' }).catch(() => null);
  if (!r || !r.ok) return null; // no IM on this server
  let unread = 0;
  const label = () => {
    button.setAttribute('aria-label', unread ? t('im.dock.unread', { n: unread }) : t('im.dock.open'));
    button.title = button.getAttribute('aria-label');
    badge.textContent = String(unread);
    badge.hidden = !unread;
  };
  const show = (open) => {
    dock.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (!open) { button.focus(); return; }
    // Focus moves into the panel even before its contacts have loaded
    // (then on the close button), so Escape and Tab work at once.
    (dock.querySelector('.im-contact, textarea') || $('#im-close')).focus();
    if ('Notification' in window && Notification.permission === 'default') {
      Notification.requestPermission().catch(() => {});
    }
  };
  const panel = new ImPanel($('#im'), { csrf: app.csrf, t, locale: lang, onUnread: (n) => { unread = n; label(); } });
  button.addEventListener('click', () => show(dock.hidden));
  $('#im-close').addEventListener('click', () => show(false));
  dock.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); show(false); } });
  label();
  button.hidden = false;
  panel.start();
  return panel;
}
