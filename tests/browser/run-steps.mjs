// SPDX-License-Identifier: GPL-2.0-or-later
//
// run-steps.mjs - the TAP runner the browser test files share: each step
// (a name and an async function of the browser) runs in order, or only
// those named in STEPS; a failed step prints the last page's console and
// errors and its stack as TAP comments and leaves a screenshot FAILED-...
// for the Python driver (tests/integration/test-webmail*.py) to point at.
import path from 'node:path';

// Runs steps; returns how many failed.  lastPage() gives the page the
// file's newPage made last (or null).
export async function runSteps(browser, steps, { only, shots, prefix, lastPage }) {
  const names = Object.keys(steps).filter((n) => !only || only.has(n));
  console.log(`1..${names.length}`);
  let failed = 0;
  for (const [k, n] of names.entries()) {
    const label = `${k + 1} - ${n.replaceAll('_', ' ')}`;
    const t0 = Date.now();
    try {
      await steps[n](browser);
      console.log(`ok ${label} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      const page = lastPage();
      failed++;
      console.log(`not ok ${label}`);
      // What failed first: CI shows only the first lines after "not ok".
      for (const line of String(e.stack || e).split('\n').slice(0, 6)) console.log(`# ${line}`);
      for (const line of (page?.errors || []).slice(-5)) console.log(`# error ${line}`);
      for (const line of (page?.log || []).slice(-15)) console.log(`# console ${line}`);
      if (page && !page.isClosed()) await page.screenshot({ path: path.join(shots, `${prefix}${n}.png`) }).catch(() => {});
    }
  }
  return failed;
}
