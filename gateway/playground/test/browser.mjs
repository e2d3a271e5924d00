// Headless Chromium test of the playground served by a running gateway:
// load the page, type a query into GraphiQL, run it, see the result, and assert that
// no request left 127.0.0.1.
//
// Usage: node test/browser.mjs [URL]   (or PLAYGROUND_URL; default http://127.0.0.1:4000/playground)
// Optional env: PLAYGROUND_QUERY / PLAYGROUND_EXPECT (text the result must contain),
// PLAYGROUND_SCREENSHOT (path of a PNG of the final page), PLAYGROUND_PUBLISH (a subscription
// test: a URL this script POSTs PLAYGROUND_PUBLISH_BODY to every 300 ms while it waits for the
// result, so the subgraph emits events the open subscription shows).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[2] || process.env.PLAYGROUND_URL || 'http://127.0.0.1:4000/playground';
const query = process.env.PLAYGROUND_QUERY || '{ me { id name } topProducts(first: 2) { name price } }';
const expected = (process.env.PLAYGROUND_EXPECT || 'Uri Goldshtein|Couch').split('|');

const isLocal = (u) => {
  const parsed = new URL(u);
  return ['data:', 'blob:'].includes(parsed.protocol) || parsed.hostname === '127.0.0.1';
};

const fail = (message) => {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
};

const profile = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const requests = [];
const offOrigin = [];
context.on('request', (r) => requests.push(r.url()));
// Record every request that would leave this machine and refuse it, so the test both
// detects and prevents it.
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (isLocal(u)) return route.continue();
  offOrigin.push(u);
  return route.abort('blockedbyclient');
});
const consoleErrors = [];

try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response || response.status() !== 200) throw new Error(`GET ${url} → ${response && response.status()}`);

  // Type the query into the editor as a person would: focus it, clear it, enter text.
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ state: 'visible', timeout: 20000 });
  // A first visit opens on the CrowdCrunch example operation, not GraphiQL's welcome text.
  const opening = await page.locator('.graphiql-query-editor .CodeMirror-code').first().textContent();
  for (const needle of ['Welcome to CrowdCrunch', 'query CustomerHistory', 'Authorization']) {
    if (!opening.includes(needle)) fail(`the editor opens without ${JSON.stringify(needle)}: ${opening.slice(0, 300)}`);
  }
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText enters the query as one input (no per-key bracket auto-closing).
  await page.keyboard.insertText(query);
  // GraphiQL re-parses the editor after a debounce and only then updates the operation name it
  // sends: clicking at once can send the opening example's name ("CustomerHistory") with the new
  // document (400 "No operation named ...") on a loaded machine.
  await page.waitForTimeout(1500);

  await page.locator('.graphiql-execute-button').click();
  const publish = process.env.PLAYGROUND_PUBLISH;
  const publishing = publish
    ? setInterval(() => {
        fetch(publish, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: process.env.PLAYGROUND_PUBLISH_BODY || '{}',
        }).catch(() => {});
      }, 300)
    : null;

  const result = page.locator('.graphiql-response .CodeMirror-code');
  await page.waitForFunction(
    (needles) => {
      const el = document.querySelector('.graphiql-response .CodeMirror-code');
      return el && needles.every((n) => el.textContent.includes(n));
    },
    expected,
    { timeout: 20000 },
  );
  if (publishing) clearInterval(publishing);
  const text = await result.textContent();
  if (text.includes('"errors"')) fail(`the result has errors: ${text}`);
  console.log(`result: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);

  if (process.env.PLAYGROUND_SCREENSHOT) await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });

  const graphqlPosts = requests.filter((u) => new URL(u).pathname === '/graphql');
  if (graphqlPosts.length === 0) fail('the query never reached /graphql');
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

const leaving = [...offOrigin, ...requests.filter((u) => !isLocal(u))];
if (leaving.length > 0) fail(`requests left 127.0.0.1: ${[...new Set(leaving)].join(', ')}`);
if (consoleErrors.length > 0) fail(`browser console errors: ${consoleErrors.join(' | ')}`);
console.log(`${requests.length} requests, all to 127.0.0.1`);
const failed = process.exitCode ? 1 : 0;
console.log(`${1 - failed} passed, ${failed} failed`);
