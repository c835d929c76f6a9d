// SPDX-License-Identifier: GPL-2.0-or-later
//
// bench/webmail-bench.mjs - the browser half of bench/webmail-bench:
// Debian's Chromium through playwright-core (tests/browser/node_modules),
// timings printed as one JSON line per measurement.  Not a test.
//
//   MODE=hermod    login -> painted inbox (first row visible), opening a
//                  message (click -> body painted in the iframe), and a
//                  new message visible after SMTP's 250 (the Python side
//                  sends it when this script prints "ready-for-smtp" and
//                  answers on stdin with the time of the 250)
//   MODE=roundcube login -> painted inbox for Roundcube (elastic skin)
//
// Environment: MODE, BASE, USER_ADDR, PASSWORD, ROUNDS, CHROMIUM.

import readline from 'node:readline';

// playwright-core is tests/browser's (npm ci there), not a second copy,
// and Chromium starts as in the tests (launch.mjs: loopback only).
import { launchChromium } from '../tests/browser/launch.mjs';

const MODE = process.env.MODE;
const BASE = process.env.BASE;
const USER = process.env.USER_ADDR;
const PASSWORD = process.env.PASSWORD;
const ROUNDS = Number(process.env.ROUNDS || '3');

function emit(o) { console.log(JSON.stringify(o)); }

const browser = await launchChromium();

async function fresh() {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1366, height: 860 } });
  return { ctx, page: await ctx.newPage() };
}

// Wall time from the login click until `selector` is visible and a frame
// has been painted after it (two requestAnimationFrame turns).
async function paintedAfter(page, click, selector) {
  const t0 = Date.now();
  await click();
  await page.waitForSelector(selector, { state: 'visible', timeout: 240000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return Date.now() - t0;
}

async function hermodLogin(page) {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-email', USER);
  await page.fill('#login-password', PASSWORD);
  return paintedAfter(page, () => page.click('#login-submit'), '#message-list .row');
}

// Round 1 is a first visit (a fresh browser context); later rounds are a
// returning user: the same context with its cookies cleared (signed
// out), so the browser's cache and localStorage stay, for both servers.
async function hermod() {
  const { ctx, page } = await fresh();
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) await ctx.clearCookies();
    const ms = await hermodLogin(page);
    const rows = await page.locator('#message-list .row').count();
    const total = await page.textContent('#list-count');
    emit({ what: 'inbox', ms, rows, total });
    // open the 3rd..5th message: click -> body text painted in the frame
    for (let i = 2; i < 5; i++) {
      const row = page.locator('#message-list .row').nth(i);
      const subject = (await row.locator('.subj').innerText()).split('\n')[0];
      const t0 = Date.now();
      await row.click();
      await page.waitForFunction((s) => {
        const f = document.querySelector('#reader-body');
        const d = f?.contentDocument;
        return document.querySelector('#reader-subject')?.textContent === s && d && d.readyState === 'complete'
          && d.body && d.body.innerText.length > 0 && f.src.includes('/webmail/body/');
      }, subject, { timeout: 30000, polling: 'raf' });
      await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
      emit({ what: 'open', ms: Date.now() - t0 });
    }
    if (r === ROUNDS - 1) {
      // New mail: the Python side sends over SMTP and tells us when 250 came.
      const subject = `bench push ${Date.now()}`;
      const rl = readline.createInterface({ input: process.stdin });
      const lines = rl[Symbol.asyncIterator]();
      const seen = page.waitForFunction((s) => [...document.querySelectorAll('#message-list .row .subj')].some((x) => x.textContent.startsWith(s)),
        subject, { timeout: 30000, polling: 'raf' }).then(() => Date.now());
      emit({ what: 'ready-for-smtp', subject });
      const answer = JSON.parse((await lines.next()).value);
      const at = await seen;
      emit({ what: 'push', ms: at - answer.t250 });
      rl.close();
    }
  }
  await ctx.close();
}

async function roundcube() {
  const { ctx, page } = await fresh();
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) await ctx.clearCookies();
    await page.goto(`${BASE}/`);
    await page.waitForSelector('#rcmloginuser', { state: 'visible' });
    await page.fill('#rcmloginuser', USER);
    await page.fill('#rcmloginpwd', PASSWORD);
    const ms = await paintedAfter(page, () => page.click('#rcmloginsubmit'), '#messagelist tbody tr');
    const rows = await page.locator('#messagelist tbody tr').count();
    emit({ what: 'inbox', ms, rows });
  }
  await ctx.close();
}

try {
  if (MODE === 'hermod') await hermod();
  else await roundcube();
} catch (e) {
  emit({ what: 'error', error: String(e.stack || e) });
  process.exitCode = 1;
} finally {
  await browser.close();
  process.stdin.destroy(); // the SMTP step's reader must not keep node alive
}
process.exit(process.exitCode || 0);
