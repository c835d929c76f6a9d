// SPDX-License-Identifier: GPL-2.0-or-later
//
// calendar.mjs - the webmail's calendar and invitation card in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core), driven
// by tests/integration/test-webmail-calendar.py, which stores events over
// CalDAV before a step and checks what the step stored afterwards.
// Prints TAP; screenshots go to $SHOTS (calendar-*, invite-*).
//
// Environment: BASE, USER_ADDR, PASSWORD, BOB_ADDR, BOB_PASSWORD, SHOTS,
// TODAY (YYYY-MM-DD in Europe/Berlin), STEPS.

import { launchChromium } from './launch.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { runSteps } from './run-steps.mjs';

const { BASE, SHOTS, TODAY } = process.env;
const DEMO = [process.env.USER_ADDR, process.env.PASSWORD];
const BOB = [process.env.BOB_ADDR, process.env.BOB_PASSWORD];
const only = process.env.STEPS ? new Set(process.env.STEPS.split(',')) : null;
fs.mkdirSync(SHOTS, { recursive: true });

function ok(cond, what) { if (!cond) throw new Error(what); }
let lastPage = null;

async function shot(page, name) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function newPage(browser, opts = {}) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', timezoneId: 'Europe/Berlin', viewport: { width: 1366, height: 860 }, ...opts });
  const page = await ctx.newPage();
  lastPage = page;
  page.errors = [];
  page.log = [];
  page.on('console', (m) => page.log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => d.accept());
  return { ctx, page };
}

async function loggedIn(browser, who = DEMO, opts = {}) {
  const p = await newPage(browser, opts);
  await p.page.goto(`${BASE}/`);
  await p.page.waitForSelector('#login-form', { state: 'visible' });
  await p.page.fill('#login-email', who[0]);
  await p.page.fill('#login-password', who[1]);
  await p.page.click('#login-submit');
  await p.page.waitForSelector('#app-view:not([hidden])', { timeout: 15000 });
  await p.page.waitForSelector('#calendar-open');
  return p;
}

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('#cal-body')?.hasAttribute('aria-busy'), null, { timeout: 15000 });
  await page.waitForTimeout(200);
}

async function openCalendar(page, view) {
  if (await page.isVisible('#nav-toggle')) { await page.click('#nav-toggle'); await page.waitForTimeout(350); }
  await page.click('#calendar-open');
  await page.waitForSelector('#calendar-view:not([hidden])');
  await settled(page);
  if (view) { await page.click(`#cal-views [data-view="${view}"]`); await settled(page); }
}

async function openMessage(page, subject) {
  const row = page.locator('#message-list .row').filter({ hasText: subject }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await page.waitForFunction((s) => document.querySelector('#reader-subject')?.textContent === s, subject, { timeout: 10000 });
}

const ev = (page, title) => page.locator('#cal-body .cal-ev').filter({ hasText: title });

const steps = {
  async create_event(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openCalendar(page, 'week');
    await shot(page, 'default-calendar-week-empty');
    await page.click('#cal-new');
    await page.waitForSelector('#cal-editor:not([hidden])');
    ok(await page.evaluate(() => document.activeElement.id) === 'ce-title', 'focus not on the title');
    await page.fill('#ce-title', 'Planning lunch');
    await page.fill('#ce-sdate', TODAY);
    await page.fill('#ce-edate', TODAY);
    await page.fill('#ce-stime', '12:00');
    await page.fill('#ce-etime', '13:00');
    await page.fill('#ce-where', 'Canteen');
    await page.selectOption('#ce-freq', 'WEEKLY');
    await page.selectOption('#ce-endsel', 'count');
    await page.fill('#ce-count', '5');
    await page.selectOption('#ce-alarm', '-PT15M');
    await page.fill('#ce-att-input', 'Bob <bob@example.test>');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ce-att-list .cal-att:has-text("bob@example.test")');
    await page.waitForSelector('#ce-fb:not([hidden]) .cal-fb-row[aria-label^="bob@example.test"]', { timeout: 10000 });
    const fb = await page.getAttribute('.cal-fb-row[aria-label^="bob@example.test"]', 'aria-label');
    ok(/free|busy/.test(fb), `free/busy: ${fb}`);
    await shot(page, 'default-calendar-editor');
    await page.click('#ce-save');
    await page.waitForSelector('#cal-editor', { state: 'hidden' });
    await settled(page);
    await ev(page, 'Planning lunch').first().waitFor();
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async week_view(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openCalendar(page, 'week');
    const b = ev(page, 'Board review').first();
    await b.waitFor();
    const time = await b.locator('.cal-ev-meta').textContent();
    ok(/^(15:00|3:00\s?PM)\b/i.test(time.trim()), `shown at ${time} (want 15:00 Berlin)`);
    await shot(page, 'default-calendar-week');
    // the keyboard's move: Alt+Down twice = 30 minutes later
    await b.focus();
    await page.keyboard.press('Alt+ArrowDown');
    await page.waitForFunction(() => /3:15|15:15/.test(document.querySelector('#cal-body .cal-ev:focus')?.textContent || ''), null, { timeout: 10000 });
    await page.keyboard.press('Alt+ArrowDown');
    await page.waitForFunction(() => /3:30|15:30/.test([...document.querySelectorAll('#cal-body .cal-ev')].find((e) => e.textContent.includes('Board review'))?.textContent || ''), null, { timeout: 10000 });
    await settled(page);
    // drag it an hour down (48 px per hour)
    const box = await ev(page, 'Board review').first().boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 8);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + 30, { steps: 4 });
    await page.mouse.move(box.x + box.width / 2, box.y + 8 + 48, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => /4:30|16:30/.test([...document.querySelectorAll('#cal-body .cal-ev')].find((e) => e.textContent.includes('Board review'))?.textContent || ''), null, { timeout: 10000 });
    await settled(page);
    // a calendar hidden and shown again
    await page.uncheck('#cal-list input[type=checkbox]');
    await settled(page);
    ok(await ev(page, 'Board review').count() === 0, 'a hidden calendar still shows its events');
    await page.check('#cal-list input[type=checkbox]');
    await settled(page);
    await ev(page, 'Board review').first().waitFor();
    ok(await page.getAttribute('#cal-body .cal-ev.block', 'aria-describedby') === 'cal-move-hint', 'the keyboard hint');
    for (const v of ['day', 'month', 'agenda']) {
      await page.click(`#cal-views [data-view="${v}"]`);
      await settled(page);
      await ev(page, 'Board review').first().waitFor();
      await shot(page, `default-calendar-${v}`);
    }
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async recurring(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openCalendar(page, 'agenda');
    await ev(page, 'Standup').nth(1).waitFor();
    ok(await ev(page, 'Standup').count() === 10, `${await ev(page, 'Standup').count()} occurrences`);
    await ev(page, 'Standup').nth(1).click();
    await page.waitForSelector('#cal-editor:not([hidden])');
    ok(await page.inputValue('#ce-freq') === 'DAILY', 'the repeat of the series');
    await page.fill('#ce-title', 'Standup (moved)');
    await page.fill('#ce-stime', '11:00');
    await page.fill('#ce-etime', '11:15');
    await page.click('#ce-save');
    await page.waitForSelector('#cal-scope:not([hidden])');
    await shot(page, 'default-calendar-scope');
    await page.click('#cal-scope [data-scope="this"]');
    await page.waitForSelector('#cal-editor', { state: 'hidden' });
    await settled(page);
    await ev(page, 'Standup (moved)').first().waitFor();
    ok(await ev(page, 'Standup').count() === 10, 'still ten');
    // delete the sixth and the rest
    await ev(page, 'Standup').nth(5).click();
    await page.waitForSelector('#cal-editor:not([hidden])');
    await page.click('#ce-delete');
    await page.waitForSelector('#cal-scope:not([hidden])');
    await page.click('#cal-scope [data-scope="following"]');
    await page.waitForSelector('#cal-editor', { state: 'hidden' });
    await settled(page);
    await page.waitForFunction(() => [...document.querySelectorAll('#cal-body .cal-ev')].filter((e) => e.textContent.includes('Standup')).length === 5, null, { timeout: 10000 });
    // rename the fourth and the following: a new series from there
    await ev(page, 'Standup').nth(3).click();
    await page.waitForSelector('#cal-editor:not([hidden])');
    ok(await page.inputValue('#ce-endsel') === 'until', 'the shortened series ends on a date');
    await page.fill('#ce-title', 'Standup v2');
    await page.click('#ce-save');
    await page.waitForSelector('#cal-scope:not([hidden])');
    await page.click('#cal-scope [data-scope="following"]');
    await page.waitForSelector('#cal-editor', { state: 'hidden' });
    await settled(page);
    await page.waitForFunction(() => [...document.querySelectorAll('#cal-body .cal-ev')].filter((e) => e.textContent.includes('Standup v2')).length === 2, null, { timeout: 10000 });
    ok(await ev(page, 'Standup').count() === 5, `${await ev(page, 'Standup').count()} in all`);
    await ctx.close();
  },

  async invitation_card(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openMessage(page, 'Invitation: Design review');
    const card = page.locator('#invite-card');
    await card.waitFor({ timeout: 15000 });
    await page.waitForSelector('#invite-card .invite-actions button[data-partstat="ACCEPTED"]');
    const text = await card.innerText();
    ok(text.includes('Design review') && text.includes('bob@example.test'), `card: ${text}`);
    await shot(page, 'default-invite-card');
    await page.click('#invite-card button[data-partstat="ACCEPTED"]');
    await page.waitForFunction(() => /accepted/i.test(document.querySelector('#invite-card .invite-status')?.textContent || ''), null, { timeout: 10000 });
    ok(await page.getAttribute('#invite-card button[data-partstat="ACCEPTED"]', 'aria-pressed') === 'true', 'pressed');
    await shot(page, 'default-invite-accepted');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },

  async reply_card(browser) {
    const { ctx, page } = await loggedIn(browser, BOB);
    await openMessage(page, 'Reply: Design review');
    await page.waitForSelector('#invite-card.reply .invite-status', { timeout: 15000 });
    await page.waitForFunction(() => /accepted/i.test(document.querySelector('#invite-card')?.textContent || '') && document.querySelectorAll('#invite-card p.muted').length > 0, null, { timeout: 10000 });
    const text = await page.innerText('#invite-card');
    ok(/demo@example.test/.test(text) && /calendar shows this answer/i.test(text), `reply card: ${text}`);
    await shot(page, 'default-invite-reply');
    await ctx.close();
  },

  async cancel_card(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openMessage(page, 'Cancelled: Design review');
    await page.waitForSelector('#invite-card.cancel .invite-actions button', { timeout: 15000 });
    ok(/cancelled/i.test(await page.innerText('#invite-card')), 'the card says cancelled');
    await shot(page, 'default-invite-cancel');
    await page.click('#invite-card.cancel .invite-actions button');
    await page.waitForFunction(() => /removed/i.test(document.querySelector('#invite-card .invite-status')?.textContent || ''), null, { timeout: 10000 });
    await ctx.close();
  },

  async ics_attachment(browser) {
    const { ctx, page } = await loggedIn(browser);
    await openMessage(page, 'Your talk slot');
    await page.waitForSelector('#invite-card.add #invite-add', { timeout: 15000 });
    await shot(page, 'default-invite-ics');
    await page.click('#invite-add');
    await page.waitForFunction(() => /added/i.test(document.querySelector('#invite-card .invite-status')?.textContent || ''), null, { timeout: 10000 });
    await ctx.close();
  },

  async cross_user(browser) {
    const { ctx, page } = await loggedIn(browser);
    const res = await page.evaluate(async (bob) => {
      const s = await (await fetch('/webmail/api/session')).json();
      const hd = { 'X-CSRF-Token': s.csrf, Depth: '1', 'Content-Type': 'application/xml' };
      const base = `/dav/cal/${bob}/`;
      const out = {};
      out.propfind = (await fetch(base, { method: 'PROPFIND', headers: hd, body: '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>' })).status;
      out.report = (await fetch(`${base}calendar/`, { method: 'REPORT', headers: hd, body: '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>' })).status;
      out.get = (await fetch(`${base}calendar/design.ics`, { headers: hd })).status;
      out.put = (await fetch(`${base}calendar/evil.ics`, { method: 'PUT', headers: { ...hd, 'Content-Type': 'text/calendar' }, body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:evil\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' })).status;
      out.del = (await fetch(`${base}calendar/design.ics`, { method: 'DELETE', headers: hd })).status;
      out.post = (await fetch(`${base}outbox/`, { method: 'POST', headers: { ...hd, 'Content-Type': 'text/calendar' }, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' })).status;
      out.nocsrf = (await fetch(`/dav/cal/${s.account}/calendar/x.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' })).status;
      return out;
    }, BOB[0]);
    for (const [k, v] of Object.entries(res)) ok(v === 403 || v === 404 || (k === 'nocsrf' && v === 401), `${k}: ${v}`);
    await ctx.close();
  },

  async dark(browser) {
    const { ctx, page } = await loggedIn(browser, DEMO, { colorScheme: 'dark' });
    await openCalendar(page, 'week');
    await ev(page, 'Board review').first().waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.cal-view')).backgroundColor);
    ok(bg !== 'rgb(255, 255, 255)', `dark background ${bg}`);
    await shot(page, 'default-dark-calendar-week');
    await page.click('#cal-views [data-view="month"]');
    await settled(page);
    await shot(page, 'default-dark-calendar-month');
    await ev(page, 'Board review').first().click();
    await page.waitForSelector('#cal-editor:not([hidden])');
    await shot(page, 'default-dark-calendar-editor');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#cal-editor', { state: 'hidden' });
    await page.locator('.folder', { hasText: 'Inbox' }).first().click();
    await openMessage(page, 'Invitation: Design review');
    await page.waitForSelector('#invite-card .invite-actions button', { timeout: 15000 });
    await shot(page, 'default-dark-invite-card');
    await ctx.close();
  },

  async mobile(browser) {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const { ctx, page } = await loggedIn(browser, DEMO, { viewport: { width: 375, height: 667 }, userAgent: iphone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    ok(await page.getAttribute('html', 'data-theme') === 'mobile', 'not the mobile theme');
    await openCalendar(page);
    ok(await page.getAttribute('#cal-views [data-view="agenda"]', 'aria-pressed') === 'true', 'a phone opens on the agenda');
    await ev(page, 'Board review').first().waitFor();
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= 375, `horizontal scrolling: ${sw}`);
    await shot(page, 'mobile-calendar-agenda');
    for (const v of ['day', 'week', 'month']) {
      await page.click(`#cal-views [data-view="${v}"]`);
      await settled(page);
      await shot(page, `mobile-calendar-${v}`);
    }
    await page.click('#cal-views [data-view="day"]');
    await settled(page);
    await ev(page, 'Board review').first().click();
    await page.waitForSelector('#cal-editor:not([hidden])');
    await shot(page, 'mobile-calendar-editor');
    await page.click('#ce-cancel');
    await page.click('#nav-toggle');
    await page.waitForTimeout(350);
    await page.locator('.folder', { hasText: 'Inbox' }).first().click();
    await openMessage(page, 'Invitation: Design review');
    await page.waitForSelector('#invite-card .invite-actions button', { timeout: 15000 });
    await shot(page, 'mobile-invite-card');
    ok(page.errors.length === 0, `errors: ${page.errors}`);
    await ctx.close();
  },
};

const browser = await launchChromium();
const failed = await runSteps(browser, steps, { only, shots: SHOTS, prefix: 'FAILED-calendar-', lastPage: () => lastPage });
await browser.close();
process.exit(failed ? 1 : 0);
