// Every page a client's admin, an employee and operator staff can reach, found by following links (not listed by hand), at a
// desktop width (1280 px) and a phone's (375 px), in Debian's Chromium: each must answer below
// 500 (a 4xx only as a page that says why), fit the width with no sideways scrolling, log no
// console error, ask for nothing that fails (favicon included), and pass axe-core's checks with
// no serious or critical violation. Screenshots of every page at both widths are kept.
//
// The crawl starts on the client's own host (its space and books, after the admin has made a
// customer, an item and an invoice through the forms so that lists and documents have rows) and
// on the portal (dashboard, profile, team, selector); then as an employee the admin invited, and
// as operator support staff (made with the CLI, enrolling an authenticator) on the console. It
// follows same-origin links only, and never a sign-out or a download.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as OTPAuth from 'otpauth';
import { createRun, fail, PASSWORD } from './lib.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const run = createRun({ title: 'Pages walk', prefix: 'pages-' });
const { log, step, expectUrl, bodyText } = run;
let page = null;

const WIDTHS = [1280, 375];
/** Enough for every kind's list, form and page, and the reports, without walking every row. */
const MAX_PAGES_PER_HOST = 90;
const SKIP = [/\/logout/, /\/csv(\?|$)/, /\/pdf(\?|$)/, /^\/auth\//, /^\/open\//, /[?&]page=\d/];

/** A path's shape, so that one page of each shape is visited (SINV-2026-00001 ≈ SINV-2026-00002). */
function shape(path) {
  return path.replace(/\d+/g, '#').replace(/\?.*$/, (q) => (q.includes('=') ? '?' + q.split('&').map((p) => p.split('=')[0]).sort().join('&') : ''));
}

async function checkPage(url, problems) {
  const own = new URL(url);
  const failedRequests = [];
  const consoleErrors = [];
  const onResponse = (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && res.frame() === page.mainFrame()) return;
    if (res.status() >= 400) failedRequests.push(`${res.status()} ${req.method()} ${res.url()}`);
  };
  // A request the browser itself gave up because the page moved on (the next width's load) is
  // not the server's failure.
  const onFailed = (req) => {
    const why = req.failure()?.errorText || '';
    if (why !== 'net::ERR_ABORTED') failedRequests.push(`failed ${req.method()} ${req.url()}: ${why}`);
  };
  const onConsole = (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  };
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  page.on('console', onConsole);
  const links = new Set();
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const res = await page.goto(url, { waitUntil: 'load' });
      const status = res ? res.status() : 0;
      const where = `${own.pathname}${own.search} at ${width} px`;
      if (status >= 500) problems.push(`${where}: answered ${status}`);
      if (status >= 400 && (await page.locator('h1').count()) === 0) {
        problems.push(`${where}: answered ${status} without a page saying why`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) problems.push(`${where}: ${overflow} px wider than the window`);
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      });
      for (const v of violations) problems.push(`${where}: axe ${v}`);
      const name = `${own.hostname.split('.')[0]}${own.pathname.replace(/[^a-zA-Z0-9]+/g, '-')}`.slice(0, 80);
      await run.screenshot(`${name}-${width}`);
      if (width === WIDTHS[0]) {
        for (const href of await page.$$eval('a[href]', (as) => as.map((a) => a.href))) links.add(href);
      }
    }
  } finally {
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
    page.off('console', onConsole);
  }
  for (const r of failedRequests) problems.push(`${own.pathname}: the page asked for ${r}`);
  for (const e of consoleErrors) problems.push(`${own.pathname}: console error: ${e}`);
  return [...links];
}

/** Sets the password through a one-time link on a fresh browser, and signs in at `origin`. */
async function newPerson(link, email, origin, next) {
  await run.context.clearCookies();
  await page.goto(link);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="confirm"]').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.waitForLoadState('load');
  await page.goto(`${origin}/login?next=${encodeURIComponent(next)}`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForLoadState('load');
}

function totp(secret) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
}

/** Visits the pages reachable from `starts` on their origin, one of each shape. */
async function crawl(starts, problems) {
  const origin = new URL(starts[0]).origin;
  const queue = [...starts];
  const shapes = new Set(starts.map((s) => shape(new URL(s).pathname + new URL(s).search)));
  let visited = 0;
  while (queue.length && visited < MAX_PAGES_PER_HOST) {
    const url = queue.shift();
    visited += 1;
    for (const href of await checkPage(url, problems)) {
      const u = new URL(href);
      u.hash = '';
      if (u.origin !== origin) continue;
      const path = u.pathname + u.search;
      if (SKIP.some((re) => re.test(path))) continue;
      const s = shape(path);
      if (shapes.has(s)) continue;
      shapes.add(s);
      queue.push(u.toString());
    }
  }
  log(`  ${visited} pages on ${origin}${queue.length ? ` (${queue.length} more not visited)` : ''}`);
}

async function walk() {
  const demo = await run.startServer();
  const client = new URL(demo.clientUrl).origin;
  const portal = demo.portal.replace(/\/$/, '');
  ({ page } = await run.openBrowser());
  let email = '';

  await step('the admin accepts the invitation and signs in on the client host', async () => {
    await page.goto(demo.invitation);
    const who = (await bodyText()).match(/This invitation for (\S+@\S+) is valid until/);
    if (!who) fail('the invitation page does not say whom it is for');
    email = who[1];
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('input[name="confirm"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.goto(`${client}/login?next=/books`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectUrl(`${client}/books`);
  });

  await step('a customer, an item and a submitted invoice, so that pages have rows', async () => {
    await page.goto(`${client}/books/customers/new`);
    await page.locator('input[name="name"]').fill('Dickson Supplies');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.goto(`${client}/books/items/new`);
    await page.locator('input[name="item_code"]').fill('WIDGET');
    await page.locator('input[name="item_name"]').fill('Blue widget');
    await page.locator('input[name="selling_price"]').fill('12.50');
    await page.locator('input[name="is_stock"]').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.goto(`${client}/books/sales-invoices/new`);
    await page.locator('input[name="party"]').fill('Dickson Supplies');
    const row = page.locator('tbody[data-lines] tr').first();
    await row.locator('input[name="line_item"]').fill('WIDGET');
    await row.locator('input[name="line_qty"]').fill('2');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    await page.locator('dialog#dlg-submit').getByRole('button', { name: 'Submit' }).click();
    await expectUrl(/\/books\/sales-invoices\/SINV-\d{4}-\d{5}$/);
  });

  const problems = [];
  await step("every page of the client's host, at 1280 and 375 px", async () => {
    await crawl([`${client}/`, `${client}/books`], problems);
  });

  await step('every page of the portal, at 1280 and 375 px', async () => {
    await page.goto(`${portal}/login`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState('load');
    await crawl([`${portal}/dashboard`, `${portal}/profile`, `${portal}/select`, `${portal}/team`], problems);
  });

  await step('as an employee the admin invited: the client host and the portal', async () => {
    await page.goto(`${portal}/team`);
    await page.locator('form[action="/team/invite"] input[name="email"]').fill('emma@dickinson.example');
    await page.locator('form[action="/team/invite"] select[name="role"]').selectOption('employee');
    await page.locator('form[action="/team/invite"] button[type="submit"]').click();
    const link = (await page.locator('p.banner code').first().innerText()).trim();
    if (!/\/invite\/[0-9a-f]{64}$/.test(link)) fail(`no invitation link shown: ${link}`);
    await newPerson(link, 'emma@dickinson.example', client, '/books');
    await expectUrl(`${client}/books`);
    await crawl([`${client}/`, `${client}/books`], problems);
    await page.goto(`${portal}/login`);
    await page.locator('input[name="email"]').fill('emma@dickinson.example');
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState('load');
    await crawl([`${portal}/dashboard`, `${portal}/profile`, `${portal}/select`], problems);
  });

  await step('as operator support staff: the console', async () => {
    const out = run.cli('user', 'staff', '--email', 'ops@byrne.example', '--role', 'support');
    const link = out.split('password link: ')[1]?.trim();
    if (!link) fail(`the CLI printed no password link: ${out}`);
    await newPerson(link, 'ops@byrne.example', portal, '/console');
    // Staff enrol an authenticator at their first sign-in.
    const secret = (await page.locator('p.note code').first().innerText()).replace(/\s+/g, '');
    await page.locator('input[name="code"]').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.waitForLoadState('load');
    await crawl([`${portal}/console`, `${portal}/select`], problems);
  });

  await step('signed out: the sign-in and password-reset pages', async () => {
    await run.context.clearCookies();
    for (const origin of [portal, client]) {
      for (const path of ['/login', '/forgot-password']) await checkPage(`${origin}${path}`, problems);
    }
  });

  if (problems.length) fail(`${problems.length} problems:\n  ${problems.join('\n  ')}`);
}

run.main(walk);
