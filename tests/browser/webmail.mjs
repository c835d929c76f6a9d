// SPDX-License-Identifier: GPL-2.0-or-later
//
// webmail.mjs - the webmail in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core; no browser download),
// driven by tests/integration/test-webmail-browser.py, which starts
// hermodd, plants mail over SMTP beforehand and checks over IMAP
// afterwards.  Prints TAP; screenshots of each main view go to
// $SHOTS (both themes, phone size too).
//
// Environment: BASE (https://127.0.0.1:PORT), USER, PASSWORD, SHOTS,
// ATTACHMENT (a file to attach), STEPS (comma-separated subset).

import { launchChromium } from './launch.mjs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runSteps } from './run-steps.mjs';

const BASE = process.env.BASE;
const USER = process.env.USER_ADDR;
const PASSWORD = process.env.PASSWORD;
const SHOTS = process.env.SHOTS;
const ATTACHMENT = process.env.ATTACHMENT;
const only = process.env.STEPS ? new Set(process.env.STEPS.split(',')) : null;
const results = [];
const out = {};

fs.mkdirSync(SHOTS, { recursive: true });

function ok(cond, what) { if (!cond) throw new Error(what); }

async function shot(page, name) {
  await page.waitForTimeout(250);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

let lastPage = null;

async function newPage(browser, opts = {}) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1366, height: 860 }, ...opts });
  const page = await ctx.newPage();
  lastPage = page;
  page.errors = [];
  page.log = [];
  page.on('console', (m) => page.log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.errors.push(m.text()); });
  return { ctx, page };
}

async function login(page, password = PASSWORD) {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-email', USER);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

async function loggedIn(browser, opts) {
  const p = await newPage(browser, opts);
  await login(p.page);
  await p.page.waitForSelector('#message-list .row', { timeout: 15000 });
  return p;
}

async function openBySubject(page, subject) {
  const exact = new RegExp(`^${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  const row = page.locator('#message-list .row').filter({ has: page.locator('.subj', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await page.waitForFunction((s) => document.querySelector('#reader-subject')?.textContent === s, subject, { timeout: 10000 });
  await page.waitForFunction(() => {
    const f = document.querySelector('#reader-body');
    return f && f.contentDocument && f.contentDocument.readyState === 'complete' && f.contentDocument.body;
  });
}

async function folder(page, role) {
  const names = { inbox: 'Inbox', sent: 'Sent', drafts: 'Drafts', trash: 'Trash', archive: 'Archive', junk: 'Junk' };
  await page.locator('.folder', { hasText: names[role] }).first().click();
  await page.waitForFunction((n) => document.querySelector('#list-heading')?.textContent === n, names[role]);
  await page.waitForTimeout(300);
}

// HTML drag and drop through playwright: on a loaded machine the page
// may not have started the drag before the pointer arrives, so a drag
// whose effect (done, a page function) did not show is tried again, up
// to three times.
async function dragUntil(page, src, dst, done, arg) {
  for (let i = 0; ; i++) {
    await src.dragTo(dst);
    try {
      await page.waitForFunction(done, arg, { timeout: 10000 });
      return;
    } catch (e) {
      if (i === 2) throw e;
    }
  }
}

function totp(secretB32, stepOffset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/[\s=]/g, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + stepOffset));
  const d = crypto.createHmac('sha1', key).update(counter).digest();
  const off = d[d.length - 1] & 15;
  return String((d.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

const steps = {
  async wrong_password(browser) {
    const { ctx, page } = await newPage(browser);
    await login(page, 'not-the-password');
    const err = page.locator('#login-error');
    await err.waitFor({ state: 'visible' });
    ok((await err.getAttribute('role')) === 'alert', 'the error is not role=alert');
    ok(/wrong/i.test(await err.textContent()), `error text: ${await err.textContent()}`);
    ok(await page.evaluate(() => document.activeElement.id) === 'login-password', 'focus not on the password');
    await shot(page, 'default-login-error');
    await ctx.close();
  },

  async login_page(browser) {
    const { ctx, page } = await newPage(browser);
    await page.goto(`${BASE}/`);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await shot(page, 'default-login');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async keyboard_login(browser) {
    const { ctx, page } = await newPage(browser);
    await page.goto(`${BASE}/`);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.waitForFunction(() => document.activeElement?.id === 'login-email');
    await page.keyboard.type(USER);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#app-view:not([hidden])', { timeout: 15000 });
    await page.waitForSelector('#message-list .row');
    // then read the first message with the keyboard alone
    await page.focus('#message-list');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#reader-message:not([hidden])');
    await ctx.close();
  },

  async read_planted(browser) {
    const { ctx, page } = await loggedIn(browser);
    await shot(page, 'default-inbox');
    await openBySubject(page, 'Planted over SMTP');
    const body = await page.frameLocator('#reader-body').locator('body').innerText();
    ok(body.includes('This message came in over SMTP.'), `body: ${body}`);
    const link = await page.frameLocator('#reader-body').locator('a').first().getAttribute('href');
    ok(link === 'https://example.com/docs', `link: ${link}`);
    ok((await page.textContent('#reader-from')).includes('alice@sender.test'), 'from');
    await shot(page, 'default-reader');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async sanitised_html(browser) {
    const { ctx, page } = await loggedIn(browser);
    let alerted = false;
    page.on('dialog', async (d) => { alerted = true; await d.dismiss(); });
    await openBySubject(page, 'HTML with tricks');
    const frame = page.frameLocator('#reader-body');
    // The body loads into the iframe after the headers: wait for it (a
    // loaded machine took longer than an immediate count allowed).
    await frame.locator('b', { hasText: 'Bold text' }).first().waitFor({ timeout: 10000 }).catch(() => {});
    ok(await frame.locator('b', { hasText: 'Bold text' }).count() === 1, 'formatting lost');
    const html = await frame.locator('body').innerHTML();
    for (const bad of ['<script', 'onerror', 'javascript:', '<svg', '<iframe', 'tracker.test']) ok(!html.toLowerCase().includes(bad), `${bad} in ${html}`);
    await page.waitForSelector('#images-bar:not([hidden])');
    await shot(page, 'default-html-blocked');
    ok(!alerted, 'a script ran');
    ok(await page.getAttribute('#reader-body', 'sandbox') === 'allow-same-origin allow-popups allow-popups-to-escape-sandbox', 'sandbox');
    await ctx.close();
  },

  async compose_attachment(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#compose-btn');
    await page.fill('#compose-to', USER);
    await page.fill('#compose-subject', 'With an attachment');
    await page.fill('#compose-body', 'See the attached file.\n');
    await page.setInputFiles('#compose-file', ATTACHMENT);
    await page.waitForSelector('#compose-attachments li .size', { timeout: 15000 });
    await shot(page, 'default-compose');
    await page.click('#compose-send');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 15000 });
    ok(/sent/i.test(await page.textContent('#toast-text')), 'no "sent" toast');
    await page.waitForSelector('#message-list .row:has-text("With an attachment")', { timeout: 20000 });
    await ctx.close();
  },

  async reply_forward(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openBySubject(page, 'Planted over SMTP');
    await page.click('[data-reply="reply"]');
    ok(await page.inputValue('#compose-subject') === 'Re: Planted over SMTP', 'reply subject');
    ok((await page.inputValue('#compose-to')).includes('alice@sender.test'), 'reply to');
    ok((await page.inputValue('#compose-body')).includes('> This message came in over SMTP.'), 'quote');
    await page.fill('#compose-to', USER);
    await page.click('#compose-send');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 15000 });
    await page.waitForTimeout(500);
    await openBySubject(page, 'Planted over SMTP');
    await page.click('[data-reply="forward"]');
    ok(await page.inputValue('#compose-subject') === 'Fwd: Planted over SMTP', 'forward subject');
    await page.fill('#compose-to', USER);
    await page.click('#compose-send');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 15000 });
    await ctx.close();
  },

  async forward_attached(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openBySubject(page, 'Planted over SMTP');
    await page.click('[data-reply="attach"]');
    await page.waitForSelector('#compose:not([hidden])');
    ok(await page.inputValue('#compose-subject') === 'Fwd: Planted over SMTP', 'forward subject');
    const att = await page.textContent('#compose-attachments');
    ok(att.includes('Planted over SMTP.eml'), `attachment list: ${att}`);
    ok(!(await page.inputValue('#compose-body')).includes('came in over SMTP'), 'the original inline too');
    ok(await page.evaluate(() => document.activeElement.id) === 'compose-to', 'focus not on To');
    await page.fill('#compose-to', USER);
    await page.fill('#compose-subject', 'Fwd: Planted over SMTP (attached)');
    await shot(page, 'default-forward-attached');
    await page.click('#compose-send');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 15000 });
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async folders(browser) {
    const { ctx, page } = await loggedIn(browser);
    let nativeDialog = false;
    page.on('dialog', async (d) => { nativeDialog = true; await d.dismiss(); });
    const dialog = page.locator('dialog[open]');
    const focusedLabel = () => page.evaluate(() => {
      const a = document.activeElement;
      return a && a.id ? document.querySelector(`label[for="${a.id}"]`)?.textContent : null;
    });
    // New folder by keyboard; Escape cancels and focus goes back.
    await page.focus('#folder-new');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    ok(await dialog.getAttribute('aria-labelledby') !== null, 'the dialog has no name');
    ok(await focusedLabel() === 'Folder name', `focus in the dialog: ${await focusedLabel()}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    ok(await page.evaluate(() => document.activeElement.id) === 'folder-new', 'focus not back on "New folder"');
    // An empty name is an error in role=alert, the dialog stays.
    await page.click('#folder-new');
    await dialog.waitFor();
    await dialog.locator('button[type=submit]').click();
    const err = dialog.locator('[role=alert]');
    await err.waitFor({ state: 'visible' });
    ok(/empty/i.test(await err.textContent()), `error: ${await err.textContent()}`);
    await shot(page, 'default-folder-new-error');
    await page.keyboard.type('Projects');
    ok(await dialog.locator('button', { hasText: 'Cancel' }).count() === 1, 'no Cancel button');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForSelector('#folder-list .folder:has-text("Projects")');
    // A subfolder inside it.
    await page.click('#folder-new');
    await dialog.waitFor();
    await dialog.getByLabel('Folder name').fill('Old stuff');
    await dialog.getByLabel('Place in').selectOption({ label: 'Projects' });
    await shot(page, 'default-folder-new');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForSelector('#folder-list .folder.depth-1:has-text("Old stuff")');
    // Rename by the folder's menu button.
    await page.getByRole('button', { name: 'Rename or delete Projects' }).click();
    await dialog.waitFor();
    await dialog.getByLabel('Folder name').fill('Projects 2026');
    await shot(page, 'default-folder-edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForSelector('#folder-list .folder:has-text("Projects 2026")');
    // Move a message there by dragging its row onto the folder.
    const row = page.locator('#message-list .row', { hasText: 'Drag me' });
    await dragUntil(page, row, page.locator('#folder-list .folder', { hasText: 'Projects 2026' }),
      () => ![...document.querySelectorAll('#message-list .row')].some((r) => r.textContent.includes('Drag me')));
    await page.locator('#folder-list .folder', { hasText: 'Projects 2026' }).click();
    await page.waitForSelector('#message-list .row:has-text("Drag me")');
    // Move the subfolder to the top level by its menu, then drag it back in.
    await page.getByRole('button', { name: 'Rename or delete Old stuff' }).click();
    await dialog.waitFor();
    await dialog.getByLabel('Place in').selectOption({ label: 'Top level' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForSelector('#folder-list .folder.depth-0:has-text("Old stuff"), #folder-list .folder:not([class*="depth-"]):has-text("Old stuff")');
    await dragUntil(page, page.locator('#folder-list .folder', { hasText: 'Old stuff' }), page.locator('#folder-list .folder', { hasText: 'Projects 2026' }),
      () => !!document.querySelector('#folder-list .folder.depth-1') && document.querySelector('#folder-list .folder.depth-1').textContent.includes('Old stuff'));
    // Deleting a folder with mail in it is refused in the dialog.
    await page.getByRole('button', { name: 'Rename or delete Projects 2026' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete folder' }).click();
    await page.waitForSelector('dialog[open] .dialog-text');
    ok(await page.evaluate(() => document.activeElement.textContent) === 'Cancel', 'a delete question does not start on Cancel');
    await dialog.getByRole('button', { name: 'Delete folder' }).click();
    await err.waitFor({ state: 'visible' });
    await shot(page, 'default-folder-delete-refused');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // An empty one goes.
    await page.getByRole('button', { name: 'Rename or delete Old stuff' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete folder' }).click();
    await page.waitForSelector('dialog[open] .dialog-text');
    await dialog.getByRole('button', { name: 'Delete folder' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => ![...document.querySelectorAll('#folder-list .folder')].some((f) => f.textContent.includes('Old stuff')));
    // Focus stays in the folder list (a folder or its menu button: a
    // render deferred by a drag moves it to the open folder's menu) or on
    // "New folder", never on the page.
    const focusKept = () => { const a = document.activeElement; return !!a && a.isConnected && (a.id === 'folder-new' || (!!a.closest('#folder-list') && (a.classList.contains('folder') || a.classList.contains('folder-menu')))); };
    await page.waitForFunction(focusKept, null, { timeout: 5000 }).catch(() => {});
    ok(await page.evaluate(focusKept), `focus lost after deleting: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}`);
    ok(!nativeDialog, 'a window.prompt/confirm was used');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async accessibility(browser) {
    const { ctx, page } = await loggedIn(browser);
    // Every visible control has an accessible name; every field a label.
    const unnamed = () => page.evaluate(() => {
      const vis = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
      const name = (el) => (el.getAttribute('aria-label') || el.getAttribute('title') || el.textContent || '').trim()
        || (el.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id)?.textContent || '').join('').trim();
      const labelled = (el) => name(el) || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent.trim()) || el.closest('label')?.textContent.trim();
      const bad = [];
      for (const el of document.querySelectorAll('button, a[href], [role=option], [role=textbox]')) if (vis(el) && !name(el)) bad.push(el.outerHTML.slice(0, 80));
      for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) if (vis(el) && !labelled(el) && el.getAttribute('aria-hidden') !== 'true') bad.push(el.outerHTML.slice(0, 80));
      return bad;
    });
    let bad = await unnamed();
    ok(bad.length === 0, `unnamed in the inbox: ${bad}`);
    // Landmarks.
    for (const sel of ['main', 'nav', '[role=search]', '[role=listbox]', '[role=toolbar]']) ok(await page.locator(sel).count() >= 1, `no ${sel}`);
    // Rows say where they are.
    const first = page.locator('#message-list .row').first();
    ok(await first.getAttribute('aria-posinset') === '1', 'aria-posinset');
    ok(Number(await first.getAttribute('aria-setsize')) >= await page.locator('#message-list .row').count(), 'aria-setsize');
    // Keyboard: the list, a message, back to the list.
    await page.focus('#message-list');
    ok(await page.evaluate(() => document.activeElement.classList.contains('row')), 'focus on the list lands on a row');
    await page.keyboard.press('ArrowDown');
    const second = await page.evaluate(() => document.activeElement.getAttribute('aria-posinset'));
    ok(second === '2', `ArrowDown went to ${second}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#reader-message:not([hidden])');
    bad = await unnamed();
    ok(bad.length === 0, `unnamed in the reader: ${bad}`);
    // Compose: Escape closes it and focus comes back.
    await page.click('#compose-btn');
    await page.waitForSelector('#compose:not([hidden])');
    ok(await page.evaluate(() => document.activeElement.id) === 'compose-to', 'compose does not start in To');
    bad = await unnamed();
    ok(bad.length === 0, `unnamed in compose: ${bad}`);
    // Sending without a recipient is an error in role=alert, focus on To.
    await page.fill('#compose-subject', 'No one to send to');
    await page.click('#compose-send');
    await page.waitForSelector('#alert:not([hidden])');
    ok(await page.getAttribute('#alert', 'role') === 'alert', 'the alert region');
    ok(/recipient/i.test(await page.textContent('#alert')), `alert: ${await page.textContent('#alert')}`);
    ok(await page.evaluate(() => document.activeElement.id) === 'compose-to', 'focus not on To after the error');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#compose', { state: 'hidden' });
    ok(await page.evaluate(() => document.activeElement.id) === 'compose-btn', 'focus after closing compose');
    // Settings: a modal that keeps Tab inside and gives focus back.
    await page.click('#open-settings');
    await page.waitForSelector('#settings:not([hidden])');
    bad = await unnamed();
    ok(bad.length === 0, `unnamed in settings: ${bad}`);
    for (let i = 0; i < 60; i++) await page.keyboard.press('Tab');
    ok(await page.evaluate(() => document.querySelector('#settings').contains(document.activeElement)), 'Tab left the settings');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#settings', { state: 'hidden' });
    ok(await page.evaluate(() => document.activeElement.id) === 'open-settings', 'focus after closing settings');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async mobile_views(browser) {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const { ctx, page } = await loggedIn(browser, { viewport: { width: 375, height: 667 }, userAgent: iphone, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'dark' });
    ok(await page.getAttribute('html', 'data-theme') === 'mobile', 'not the phone theme');
    await shot(page, 'mobile-dark-inbox');
    await openBySubject(page, 'Planted over SMTP');
    await shot(page, 'mobile-dark-reader');
    // Back returns to the list with focus on the message's row.
    await page.click('#reader-back');
    await page.waitForSelector('#list-pane', { state: 'visible' });
    ok(await page.evaluate(() => document.activeElement?.classList.contains('current')), 'focus not on the row after Back');
    await page.click('#nav-toggle');
    await page.click('#folder-new');
    await page.waitForSelector('dialog[open]');
    const box = await page.locator('dialog[open]').boundingBox();
    ok(box.x >= 0 && box.x + box.width <= 375, `dialog off screen: ${JSON.stringify(box)}`);
    await shot(page, 'mobile-dark-folder-dialog');
    await page.keyboard.press('Escape');
    await page.click('#open-settings');
    await page.waitForSelector('#settings:not([hidden])');
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= 375, `horizontal scrolling in settings: ${sw}`);
    await shot(page, 'mobile-dark-settings');
    await ctx.close();
  },

  async undo_send(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#compose-btn');
    await page.fill('#compose-to', USER);
    await page.fill('#compose-subject', 'Second thoughts');
    await page.fill('#compose-body', 'Not sure yet');
    await page.click('#compose-send');
    await page.waitForSelector('#toast-undo:not([hidden])', { timeout: 15000 });
    await shot(page, 'default-undo');
    await page.click('#toast-undo');
    await page.waitForSelector('#compose:not([hidden])');
    ok(await page.inputValue('#compose-subject') === 'Second thoughts', 'the draft did not come back');
    await page.waitForFunction(() => /saved/i.test(document.querySelector('#compose-saved')?.textContent || ''), null, { timeout: 15000 });
    await page.click('#compose-close');
    await ctx.close();
  },

  async search(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.fill('#search-input', 'zanzibar');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => document.querySelector('#list-heading')?.textContent !== 'Inbox');
    // The heading changes before the results arrive: until then the
    // inbox's rows are still listed.
    await page.waitForFunction(() => [...document.querySelectorAll('#message-list .row')]
      .every((r) => r.textContent.includes('Search target')) &&
      document.querySelector('#message-list .row mark'), null, { timeout: 20000 }).catch(() => {});
    await page.waitForSelector('#message-list .row');
    const rows = await page.locator('#message-list .row').count();
    ok(rows === 1, `${rows} results`);
    ok((await page.textContent('#message-list .row')).includes('Search target'), 'wrong hit');
    ok(await page.locator('#message-list .row mark').count() >= 1, 'no highlighted snippet');
    await shot(page, 'default-search');
    await ctx.close();
  },

  async delete_and_move(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openBySubject(page, 'Delete me');
    await page.click('[data-reader-action="delete"]');
    await page.waitForFunction(() => ![...document.querySelectorAll('#message-list .row')].some((r) => r.textContent.includes('Delete me')));
    await folder(page, 'trash');
    await page.waitForSelector('#message-list .row:has-text("Delete me")');
    await folder(page, 'inbox');
    const row = page.locator('#message-list .row', { hasText: 'Move me' });
    await row.locator('.sel').check();
    await page.selectOption('#move-select', { label: 'Archive' });
    await page.waitForFunction(() => ![...document.querySelectorAll('#message-list .row')].some((r) => r.textContent.includes('Move me')));
    await folder(page, 'archive');
    await page.waitForSelector('#message-list .row:has-text("Move me")');
    await ctx.close();
  },

  async drafts(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#compose-btn');
    await page.fill('#compose-to', 'someone@example.test');
    await page.fill('#compose-subject', 'Unfinished draft');
    await page.fill('#compose-body', 'Half a thought');
    await page.waitForFunction(() => /saved/i.test(document.querySelector('#compose-saved')?.textContent || ''), null, { timeout: 15000 });
    await page.click('#compose-close');
    await folder(page, 'drafts');
    await page.waitForSelector('#message-list .row:has-text("Unfinished draft")');
    await ctx.close();
  },

  async settings_language(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#open-settings');
    await page.waitForSelector('#settings:not([hidden])');
    await shot(page, 'default-settings');
    await page.fill('#set-signature', 'Demo User, Example Ltd.');
    await page.selectOption('#set-language', 'de');
    await page.click('#settings-save');
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    ok((await page.textContent('#settings-title')) === 'Einstellungen', 'German settings title');
    await page.click('#settings-close');
    // The save goes on (server settings, folder list) after the switch.
    await page.waitForFunction(() => document.querySelector('#list-heading')?.textContent === 'Posteingang',
      null, { timeout: 15000 }).catch(() => {});
    ok((await page.textContent('#list-heading')) === 'Posteingang', 'German inbox');
    await shot(page, 'default-inbox-de');
    await page.click('#compose-btn');
    ok((await page.inputValue('#compose-body')).includes('Demo User, Example Ltd.'), 'signature not in a new message');
    await page.click('#compose-discard');
    // back to English for the other steps
    await page.click('#open-settings');
    await page.selectOption('#set-language', 'en');
    await page.click('#settings-save');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await ctx.close();
  },

  async two_factor(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#open-settings');
    await page.waitForSelector('#security:not([hidden]) #session-list li');
    ok(await page.locator('#session-list .this').count() === 1, 'this session not marked');
    await page.click('#totp-start');
    await page.waitForSelector('#totp-setup:not([hidden]) #totp-qr[src^="data:image/svg+xml"]');
    const secret = (await page.textContent('#totp-secret')).replace(/\s/g, '');
    await page.locator('#security').scrollIntoViewIfNeeded();
    await shot(page, 'default-settings-2fa');
    await page.fill('#totp-code', totp(secret, -1));
    await page.click('#totp-enable');
    await page.waitForSelector('#totp-codes:not([hidden]) li');
    const codes = await page.locator('#totp-codes li').allTextContents();
    ok(codes.length === 10, `${codes.length} recovery codes`);
    await page.click('#settings-close');
    await page.click('#logout');
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.fill('#login-email', USER);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#login-otp-box:not([hidden])');
    ok(await page.evaluate(() => document.activeElement.id) === 'login-otp', 'focus not on the code');
    await shot(page, 'default-login-otp');
    await page.fill('#login-otp', totp(secret));
    await page.click('#login-submit');
    await page.waitForSelector('#message-list .row', { timeout: 15000 });
    await page.click('#open-settings');
    await page.waitForSelector('#totp-disable:not([hidden])');
    await page.fill('#totp-code', codes[0]);
    await page.click('#totp-disable');
    await page.waitForSelector('#totp-start:not([hidden])');
    await ctx.close();
  },

  async contacts_missing(browser) {
    const { ctx, page } = await loggedIn(browser);
    await page.click('#contacts-open');
    await page.waitForSelector('#contacts-missing:not([hidden])');
    ok(await page.isHidden('#main'), 'the mail view beside the contacts');
    await shot(page, 'default-contacts-missing');
    await page.locator('.folder', { hasText: 'Inbox' }).first().click();
    await page.waitForSelector('#main:not([hidden])');
    await ctx.close();
  },

  async contacts(browser) {
    const { ctx, page } = await loggedIn(browser);
    page.on('dialog', (d) => d.accept());
    await page.click('#contacts-open');
    await page.waitForSelector('#contacts-body:not([hidden])');
    await page.click('#contacts-new');
    await page.fill('#contact-fn', 'Grace Hopper');
    await page.fill('#contact-email', 'grace@navy.test');
    await page.fill('#contact-groups', 'Pioneers');
    await page.click('#contact-form button[type=submit]');
    await page.waitForSelector('#contacts-list .contact:has-text("Grace Hopper")');
    await page.fill('#contacts-search', 'grace');
    ok(await page.locator('#contacts-list .contact').count() === 1, 'search');
    await shot(page, 'default-contacts');
    await page.click('#contacts-list .contact:has-text("Grace Hopper")');
    await page.fill('#contact-tel', '+1 555 0100');
    await page.click('#contact-form button[type=submit]');
    await page.waitForTimeout(500);
    out.contactSaved = true;
    await ctx.close();
  },

  async dark_mode(browser) {
    const { ctx, page } = await loggedIn(browser, { colorScheme: 'dark' });
    await openBySubject(page, 'HTML with tricks');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    ok(bg !== 'rgb(244, 246, 250)', `dark background ${bg}`);
    await shot(page, 'default-dark');
    await ctx.close();
  },

  async logout(browser) {
    const { ctx, page } = await loggedIn(browser);
    const before = (await ctx.cookies()).find((c) => c.name === '__Host-hermod_session');
    ok(before && before.secure && before.httpOnly, 'cookie attributes');
    await page.click('#logout');
    await page.waitForSelector('#login-form', { state: 'visible' });
    out.oldCookie = `${before.name}=${before.value}`;
    await ctx.close();
  },

  async mobile(browser) {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const opts = { viewport: { width: 375, height: 667 }, userAgent: iphone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const { ctx, page } = await newPage(browser, opts);
    await page.goto(`${BASE}/`);
    ok(await page.getAttribute('html', 'data-theme') === 'mobile', 'phone did not get the mobile theme');
    await page.waitForSelector('#login-form', { state: 'visible' });
    await shot(page, 'mobile-login');
    await page.fill('#login-email', USER);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#message-list .row', { timeout: 15000 });
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= 375, `horizontal scrolling: ${sw}`);
    await shot(page, 'mobile-inbox');
    const small = await page.evaluate(() => [...document.querySelectorAll('button:not([hidden]), .row')].filter((b) => b.offsetParent && b.getBoundingClientRect().height < 44).map((b) => b.id || b.className));
    ok(small.length === 0, `touch targets under 44px: ${small}`);
    await openBySubject(page, 'Planted over SMTP');
    ok(await page.isHidden('#list-pane'), 'list still shown beside the message');
    await shot(page, 'mobile-reader');
    await page.click('#reader-back');
    await page.waitForSelector('#list-pane', { state: 'visible' });
    await page.click('#nav-toggle');
    await page.waitForTimeout(300);
    await shot(page, 'mobile-folders');
    await page.click('#nav-toggle');
    await page.click('#compose-btn').catch(() => {});
    await page.evaluate(() => document.querySelector('#compose-btn').click());
    await page.waitForSelector('#compose:not([hidden])');
    await shot(page, 'mobile-compose');
    await ctx.close();
  },
};

const browser = await launchChromium();
const failed = await runSteps(browser, steps, { only, shots: SHOTS, prefix: 'FAILED-', lastPage: () => lastPage });
await browser.close();
fs.writeFileSync(path.join(SHOTS, 'results.json'), JSON.stringify(out));
process.exit(failed ? 1 : 0);
