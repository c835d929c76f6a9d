// SPDX-License-Identifier: GPL-2.0-or-later
// im.js - the webmail's IM panel: the domain's users as contacts with
// presence and unread counts, one conversation at a time with its
// history, sending, live IMs, presence and typing over the IM event
// stream (the webim module's /im/api/events), a notification for IMs
// that arrive while the conversation is not in view, and the admin's
// broadcasts.  Everything from the server is inserted as text
// (textContent), never as HTML.  The webmail creates it with its own
// translation function and CSRF token:
//
//   import { ImPanel } from './im.js';
//   new ImPanel(document.querySelector('#im'), { csrf, t }).start();
//
// onUnread(n), when given, hears the total of unread IMs whenever it
// changes (the webmail's badge, im-dock.js).

const API = '/im/api/';

// English texts, used when the webmail passes no t().
const TEXTS = {
  'im.title': 'Chats',
  'im.contacts': 'Contacts',
  'im.presence.online': 'online',
  'im.presence.away': 'away',
  'im.presence.offline': 'offline',
  'im.unread': '{n} unread',
  'im.message': 'Message to {name}',
  'im.send': 'Send',
  'im.back': 'Back to contacts',
  'im.typing': '{name} is typing…',
  'im.older': 'Older messages',
  'im.you': 'You',
  'im.failed': 'The message was not sent: {reason}',
  'im.new': 'New message from {name}',
  'im.broadcast': 'Notice from the administrator',
  'im.empty': 'No messages yet.',
};

function defaultT(key, vars = {}) {
  return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

export class ImPanel {
  constructor(root, { csrf = '', t = defaultT, locale, onUnread } = {}) {
    this.root = root;
    this.onUnread = onUnread;
    this.csrf = csrf;
    this.t = t;
    this.locale = locale;
    this.contacts = new Map(); // address -> {address, presence, unread, button}
    this.open = null; // the address of the conversation in view
    this.oldest = 0; // the oldest history id shown
    this.resource = '';
    this.me = '';
    this.typingTimer = null;
    this.lastTyping = 0;
  }

  async api(method, name, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-CSRF-Token'] = this.csrf;
      init.body = JSON.stringify(body);
    }
    const r = await fetch(API + name, init);
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.message || `HTTP ${r.status}`);
    return data;
  }

  start() {
    this.build();
    this.events = new EventSource(API + 'events');
    this.events.addEventListener('hello', (e) => {
      const d = JSON.parse(e.data);
      this.resource = d.resource;
      this.me = d.account;
      this.loadContacts();
    });
    this.events.addEventListener('im', (e) => this.onIm(JSON.parse(e.data)));
    this.events.addEventListener('presence', (e) => this.onPresence(JSON.parse(e.data)));
    this.events.addEventListener('transient', (e) => this.onTransient(JSON.parse(e.data)));
    addEventListener('pagehide', () => this.leave());
    this.loadBroadcasts();
    return this;
  }

  build() {
    const t = this.t;
    this.list = el('ul', { class: 'im-contacts', 'aria-label': t('im.contacts') });
    this.heading = el('h3', { class: 'im-with' });
    this.messages = el('ol', { class: 'im-messages', 'aria-live': 'polite' });
    this.typing = el('p', { class: 'im-typing', 'aria-live': 'polite' });
    this.input = el('textarea', { class: 'im-input', rows: '2', required: true });
    this.input.addEventListener('input', () => this.sendTyping());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this.form.requestSubmit(); }
    });
    this.form = el('form', { class: 'im-send', onsubmit: (e) => { e.preventDefault(); this.send(); } },
      this.input, el('button', { type: 'submit', text: t('im.send') }));
    this.olderButton = el('button', { type: 'button', class: 'im-older', text: t('im.older'),
      onclick: () => this.loadHistory(true) });
    this.conversation = el('div', { class: 'im-conversation', hidden: true },
      el('button', { type: 'button', class: 'im-back', text: t('im.back'), onclick: () => this.close() }),
      this.heading, this.olderButton, this.messages, this.typing, this.form);
    this.notice = el('div', { class: 'im-broadcast', role: 'status', hidden: true });
    this.root.replaceChildren(
      el('section', { class: 'im-panel', 'aria-label': t('im.title') },
        el('h2', { text: t('im.title') }), this.notice, this.list, this.conversation));
  }

  async loadBroadcasts() {
    try {
      const notes = await this.api('GET', 'broadcasts');
      if (!notes.length) return;
      this.notice.replaceChildren(el('strong', { text: this.t('im.broadcast') }),
        ...notes.map((n) => el('p', { text: n })));
      this.notice.hidden = false;
    } catch { /* the panel works without them */ }
  }

  async loadContacts() {
    const list = await this.api('GET', 'contacts');
    this.list.replaceChildren();
    this.contacts.clear();
    for (const c of list) this.addContact(c);
  }

  addContact(c) {
    const button = el('button', { type: 'button', class: 'im-contact', 'data-address': c.address,
      onclick: () => this.openConversation(c.address) });
    const entry = { ...c, button };
    this.contacts.set(c.address, entry);
    this.list.append(el('li', {}, button));
    this.renderContact(entry);
    return entry;
  }

  renderContact(c) {
    const t = this.t;
    const state = t(`im.presence.${c.presence}`);
    const label = [c.address, state, c.unread ? t('im.unread', { n: c.unread }) : ''].filter(Boolean);
    c.button.setAttribute('aria-label', label.join(', '));
    c.button.dataset.presence = c.presence;
    c.button.replaceChildren(
      el('span', { class: `im-dot im-${c.presence}`, 'aria-hidden': 'true' }),
      el('span', { class: 'im-name', text: c.address }),
      c.unread ? el('span', { class: 'im-unread', 'aria-hidden': 'true', text: String(c.unread) }) : '');
    this.onUnread?.([...this.contacts.values()].reduce((n, x) => n + (x.unread || 0), 0));
  }

  async openConversation(address) {
    this.open = address;
    this.oldest = 0;
    this.heading.textContent = address;
    this.input.setAttribute('aria-label', this.t('im.message', { name: address }));
    this.messages.replaceChildren();
    this.typing.textContent = '';
    this.list.hidden = true;
    this.conversation.hidden = false;
    await this.loadHistory(false);
    this.input.focus();
    await this.markRead(address);
  }

  close() {
    this.open = null;
    this.conversation.hidden = true;
    this.list.hidden = false;
    this.contacts.values().next()?.value?.button.focus();
  }

  // IMs pushed while the history is on its way are shown already: the
  // history goes before them, and one in both is shown once.  A reply
  // for a conversation no longer in view is dropped.
  async loadHistory(older) {
    const peer = this.open;
    const q = new URLSearchParams({ with: peer, limit: '50' });
    if (older && this.oldest) q.set('before', String(this.oldest));
    const list = await this.api('GET', `history?${q}`);
    if (this.open !== peer) return;
    if (list.length) this.oldest = list[0].id;
    this.olderButton.hidden = list.length < 50;
    const items = list.filter((m) => !this.shown(m.id)).map((m) => this.messageItem(m));
    if (older) this.messages.prepend(...items);
    else {
      this.messages.querySelector('.im-empty')?.remove();
      this.messages.prepend(...items);
    }
    if (!this.messages.children.length) this.messages.append(el('li', { class: 'im-empty', text: this.t('im.empty') }));
    this.messages.lastElementChild?.scrollIntoView({ block: 'end' });
  }

  shown(id) {
    return this.messages.querySelector(`li[data-id="${Number(id)}"]`) !== null;
  }

  messageItem(m) {
    const when = new Date(m.time).toLocaleString(this.locale, { dateStyle: 'short', timeStyle: 'short' });
    return el('li', { class: m.outgoing ? 'im-out' : 'im-in', 'data-id': String(m.id) },
      el('span', { class: 'im-from', text: m.outgoing ? this.t('im.you') : m.sender }),
      el('time', { datetime: new Date(m.time).toISOString(), text: when }),
      el('p', { class: 'im-text', text: m.text }));
  }

  // The other party of a pushed IM.
  peerOf(m) {
    return m.outgoing ? m.recipient : m.sender;
  }

  onIm(m) {
    const peer = this.peerOf(m);
    if (this.open && peer === this.open) {
      this.messages.querySelector('.im-empty')?.remove();
      if (!this.shown(m.id)) this.messages.append(this.messageItem(m));
      this.messages.lastElementChild.scrollIntoView({ block: 'end' });
      if (!m.outgoing) { this.typing.textContent = ''; this.markRead(peer); }
      if (!m.outgoing && !document.hidden) return;
    }
    if (m.outgoing) return;
    const c = this.contacts.get(peer) || this.addContact({ address: peer, presence: 'offline', unread: 0 });
    if (!(this.open === peer && !document.hidden)) {
      c.unread = (c.unread || 0) + 1;
      this.renderContact(c);
      this.notify(m);
    }
  }

  notify(m) {
    const text = this.t('im.new', { name: m.sender });
    const live = document.querySelector('#status');
    if (live) live.textContent = text;
    if ('Notification' in window && Notification.permission === 'granted') {
      try { new Notification(text, { body: m.text, tag: `im-${m.sender}` }); } catch { /* not in this context */ }
    }
  }

  onPresence(p) {
    const c = this.contacts.get(p.account);
    if (!c) return;
    // The account's presence is its most available session's: ask again.
    this.api('GET', 'contacts').then((list) => {
      for (const fresh of list) {
        const known = this.contacts.get(fresh.address);
        if (known && known.presence !== fresh.presence) {
          known.presence = fresh.presence;
          this.renderContact(known);
        }
      }
    }).catch(() => {});
  }

  onTransient(x) {
    if (x.kind !== 'chatstate' || x.from !== this.open) return;
    clearTimeout(this.typingTimer);
    this.typing.textContent = x.payload === 'composing' ? this.t('im.typing', { name: x.from }) : '';
    this.typingTimer = setTimeout(() => { this.typing.textContent = ''; }, 8000);
  }

  sendTyping() {
    const now = Date.now();
    if (!this.open || !this.resource || now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.api('POST', 'typing', { resource: this.resource, to: this.open, state: 'composing' }).catch(() => {});
  }

  async send() {
    const text = this.input.value.trim();
    if (!text || !this.open) return;
    try {
      await this.api('POST', 'send', { to: this.open, text });
      this.input.value = '';
      this.lastTyping = 0;
    } catch (e) {
      const alert = document.querySelector('#alert') || this.typing;
      alert.textContent = this.t('im.failed', { reason: e.message });
      if (alert.hidden !== undefined) alert.hidden = false;
    }
  }

  async markRead(address) {
    const c = this.contacts.get(address);
    if (c && c.unread) { c.unread = 0; this.renderContact(c); }
    await this.api('POST', 'read', { with: address }).catch(() => {});
  }

  leave() {
    if (!this.resource) return;
    const body = JSON.stringify({ resource: this.resource, presence: 'offline' });
    // sendBeacon cannot set the CSRF header, so a plain keepalive fetch.
    fetch(API + 'presence', { method: 'POST', keepalive: true, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf }, body }).catch(() => {});
    this.events?.close();
  }
}
