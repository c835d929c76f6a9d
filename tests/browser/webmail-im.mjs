// SPDX-License-Identifier: GPL-2.0-or-later
//
// webmail-im.mjs - the IM panel in the webmail page, in headless
// Chromium, driven by tests/integration/test-webmail-im.py, which runs
// hermodd with webim, imsem and xmpp and a slixmpp client beside this
// script.  The two meet through files in $SIGNALS: this script writes
// NAME.done when it reached a step, the Python side writes NAME.go when
// it did its part.  Prints TAP; screenshots in both themes to $SHOTS.
//
// Steps: log in, open the panel from the top bar: contacts with presence
// (bob online over XMPP); the test drops a SEM file: the IM shows live
// with the unread badge; bob sends over XMPP: it shows in bob's
// conversation; the reply typed in the panel reaches bob's XMPP client;
// the same panel in the phone theme.
import { launchChromium } from './launch.mjs';
import fs from 'node:fs';
import path from 'node:path';

const { BASE, USER_ADDR: USER, PASSWORD, SHOTS, SIGNALS, BOB } = process.env;
const results = [];
fs.mkdirSync(SHOTS, { recursive: true });

function ok(cond, what) { if (!cond) throw new Error(what); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function signal(name) { fs.writeFileSync(path.join(SIGNALS, `${name}.done`), ''); }
async function waitFor(name, ms = 20000) {
  const f = path.join(SIGNALS, `${name}.go`);
  for (let i = 0; i < ms / 100; i++) { if (fs.existsSync(f)) return; await sleep(100); }
  throw new Error(`the test never said ${name}`);
}

async function shot(page, name) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function loggedIn(browser, opts = {}) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1366, height: 860 }, ...opts });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-email', USER);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#app-view:not([hidden])', { timeout: 15000 });
  return { ctx, page };
}

const contact = (addr) => `#im-dock .im-contact[data-address="${addr}"]`;

async function desktop(browser) {
  const { ctx, page } = await loggedIn(browser);
  await page.waitForSelector('#im-toggle:not([hidden])', { timeout: 15000 });
  ok(await page.getAttribute('#im-toggle', 'aria-expanded') === 'false', 'panel starts closed');
  await page.click('#im-toggle');
  ok(await page.getAttribute('#im-toggle', 'aria-expanded') === 'true', 'aria-expanded after opening');
  await page.waitForSelector(`${contact(BOB)}[data-presence="online"]`, { timeout: 15000 });
  const label = await page.getAttribute(contact(BOB), 'aria-label');
  ok(/online/.test(label), `bob's label says online: ${label}`);
  await shot(page, 'im-contacts');
  // Escape closes, focus back on the button; reopen.
  await page.keyboard.press('Escape');
  ok(await page.isHidden('#im-dock'), 'Escape closes the panel');
  ok(await page.evaluate(() => document.activeElement?.id) === 'im-toggle', 'focus back on the button');

  signal('ready'); // the test drops a SEM file now
  await page.waitForSelector('#im-badge:not([hidden])', { timeout: 15000 });
  ok((await page.textContent('#im-badge')).trim() === '1', 'badge counts the SEM IM');
  ok(/1 unread/.test(await page.getAttribute('#im-toggle', 'aria-label')), 'button label has the unread count');
  ok(/New message from ops@example\.test/.test(await page.textContent('#status')), 'announced in the live region');
  await shot(page, 'im-badge');
  await page.click('#im-toggle');
  await page.click(contact('ops@example.test'));
  await page.waitForSelector('#im-dock .im-messages li.im-in', { timeout: 10000 });
  ok((await page.textContent('#im-dock .im-messages')).includes('Backup finished'), 'SEM text in the conversation');
  await page.waitForSelector('#im-badge', { state: 'hidden', timeout: 10000 });
  await page.click('#im-dock .im-back');

  // The race of a live IM with the history: the history is fetched
  // before bob's IM exists and handed to the page only once the IM was
  // pushed and shown; it must stay shown, once.
  const hello = () => [...document.querySelectorAll('#im-dock .im-messages li')].filter((li) => li.textContent.includes('hello from xmpp')).length;
  let handed;
  const historyHanded = new Promise((resolve) => { handed = resolve; });
  await page.route('**/im/api/history*', async (route) => {
    const before = await route.fetch();
    signal('open'); // bob sends over XMPP now
    await page.waitForFunction(hello, null, { timeout: 15000 }).catch(() => {});
    await route.fulfill({ response: before });
    handed();
  }, { times: 1 });
  await page.click(contact(BOB));
  await historyHanded;
  await page.waitForTimeout(300);
  ok(await page.evaluate(hello) === 1, 'the live IM stays in view after the older history came');
  await page.fill('#im-dock .im-input', 'reply from the panel');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('#im-dock .im-messages li.im-out')].some((li) => li.textContent.includes('reply from the panel')), null, { timeout: 10000 });
  await shot(page, 'im-conversation');
  signal('replied');
  await waitFor('received');
  ok(page.errors.length === 0, `page errors: ${page.errors}`);
  await ctx.close();
}

async function mobile(browser) {
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
  const { ctx, page } = await loggedIn(browser, { viewport: { width: 375, height: 667 }, userAgent: iphone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  ok(await page.getAttribute('html', 'data-theme') === 'mobile', 'phone got the mobile theme');
  await page.waitForSelector('#im-toggle:not([hidden])', { timeout: 15000 });
  await shot(page, 'im-mobile-topbar');
  await page.click('#im-toggle');
  await page.waitForSelector(`${contact(BOB)}[data-presence="online"]`, { timeout: 15000 });
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  ok(sw <= 375, `horizontal scrolling: ${sw}`);
  await shot(page, 'im-mobile-contacts');
  await page.click(contact(BOB));
  await page.waitForFunction(() => document.querySelector('#im-dock .im-messages')?.textContent.includes('reply from the panel'), null, { timeout: 15000 });
  const texts = await page.$$eval('#im-dock .im-messages li .im-text', (ps) => ps.map((p) => p.textContent));
  ok(texts.join('|') === 'hello from xmpp|reply from the panel', `the history, each IM once: ${texts.join('|')}`);
  await shot(page, 'im-mobile-conversation');
  ok(page.errors.length === 0, `page errors: ${page.errors}`);
  await ctx.close();
}

const browser = await launchChromium();
for (const [name, fn] of [['desktop', desktop], ['mobile', mobile]]) {
  try { await fn(browser); results.push([true, name]); } catch (e) { results.push([false, name, e.message]); }
}
await browser.close();
console.log(`1..${results.length}`);
results.forEach(([pass, name, why], i) => console.log(`${pass ? 'ok' : 'not ok'} ${i + 1} - ${name}${why ? `\n# ${why}` : ''}`));
process.exit(results.every((r) => r[0]) ? 0 : 1);
