// The docs pages in Debian's headless Chromium (never a downloaded
// browser), driven by playwright-core: /docs shows every operation of
// /openapi.json and executes requests through the page (GET /health, then
// GET /customers/{customer_id} with a token entered in "Authorize");
// /redoc renders every operation. Any console error (a CSP violation, a
// file that did not load) fails the test, but one: ReDoc's "API docs by
// Redocly" badge is an image on cdn.redoc.ly, which the page's CSP blocks
// by design (nothing leaves for the internet); the test checks that it is
// blocked, not loaded.
import { chromium } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { BASE, need, openapi, operations, reporter, request, tokens } from './lib.mjs';

need('BEE_URL', 'SECRET_KEY');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const t = reporter('docs pages (headless chromium)');
const doc = await openapi();
const ops = operations(doc);

// A customer to read through the page.
const superadmin = tokens.superadmin();
const created = await request('POST', '/customers', {
  token: superadmin,
  json: { full_name: 'Page Reader', email: `reader-${randomUUID()}@example.com`, user_id: randomUUID(), business_id: randomUUID() },
});
if (created.status !== 201) throw new Error(`POST /customers: ${created.status} ${created.body}`);

// No sandbox (CI runs as root in a container) and no /dev/shm (64 MiB there).
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: ['--disable-dev-shm-usage'] });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  const BADGE = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
  let badgeBlocked = false;
  const self = new URL(BASE).origin;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().includes(BADGE) && m.text().includes('Content Security Policy')) badgeBlocked = true;
    else problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url() !== BADGE) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('requestfinished', (r) => {
    if (!r.url().startsWith('data:') && new URL(r.url()).origin !== self) problems.push(`a request left the service: ${r.url()}`);
  });

  // --- Swagger UI
  await page.goto(`${BASE}/docs`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  t.ok((await page.textContent('.info .title')).includes(doc.info.title), `/docs shows the title "${doc.info.title}"`);
  const shown = await page.$$eval('.opblock', (els) =>
    els.map((e) => `${e.querySelector('.opblock-summary-method').textContent.trim().toLowerCase()} ${e.querySelector('[data-path]').getAttribute('data-path')}`));
  const want = ops.map((o) => `${o.method} ${o.path}`);
  for (const w of want) t.ok(shown.includes(w), `/docs shows ${w}`);
  t.ok(shown.length === want.length, `/docs shows ${shown.length} operations, the document has ${want.length}`);

  // Try it out: GET /health, unauthenticated.
  const health = page.locator('#operations-service-health');
  await health.locator('.opblock-summary-control').click();
  await health.locator('button.try-out__btn').click();
  await health.locator('button.execute').click();
  const status = health.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 15000 });
  const st = (await status.textContent()).trim();
  t.ok(st === '200', `GET /health through the page: 200 (${st})`);
  const body = await health.locator('.live-responses-table tbody .response-col_description pre').first().textContent();
  t.ok(body.includes('"healthy"'), `GET /health through the page shows the body (${body.trim().slice(0, 60)})`);
  t.ok((await health.locator('.live-responses-table').textContent()).includes('x-trace-id'), 'the response headers are shown (x-trace-id)');

  // Authorize with a bearer token, then read the customer through the page.
  await page.locator('.auth-wrapper button.authorize').click();
  await page.locator('.modal-ux input[type=text]').fill(superadmin);
  await page.locator('.modal-ux button.modal-btn.auth.authorize').click();
  await page.locator('.modal-ux button.btn-done').click();
  const get = page.locator('#operations-customers-getCustomer');
  await get.locator('.opblock-summary-control').click();
  await get.locator('button.try-out__btn').click();
  await get.locator('tr[data-param-name="customer_id"] input').fill(created.json.id);
  await get.locator('button.execute').click();
  const gstatus = get.locator('.live-responses-table tbody .response-col_status').first();
  await gstatus.waitFor({ timeout: 15000 });
  const gst = (await gstatus.textContent()).trim();
  t.ok(gst === '200', `GET /customers/{customer_id} with the token through the page: 200 (${gst})`);
  const gbody = await get.locator('.live-responses-table tbody .response-col_description pre').first().textContent();
  t.ok(gbody.includes(created.json.id) && gbody.includes('Page Reader'), 'the page shows the customer that was read');
  const curl = await get.locator('.curl-command').textContent();
  t.ok(curl.includes('Authorization: Bearer'), 'the request carried the token');

  // --- ReDoc
  await page.goto(`${BASE}/redoc`);
  await page.waitForSelector('.api-info h1', { timeout: 30000 });
  t.ok((await page.textContent('.api-info h1')).includes(doc.info.title), `/redoc shows the title "${doc.info.title}"`);
  const rendered = await page.$$eval('[id^="tag/"][id*="/operation/"]', (els) => els.map((e) => e.id));
  for (const o of ops) {
    const tag = o.op.tags[0];
    t.ok(rendered.includes(`tag/${tag}/operation/${o.op.operationId}`), `/redoc renders ${o.method} ${o.path}`);
  }

  t.ok(badgeBlocked, `ReDoc's badge (${BADGE}) is blocked by the CSP`);
  for (const p of problems) t.fail(p);
} finally {
  await browser.close();
}
t.end();
