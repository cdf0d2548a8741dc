// A person's walk through the product in a real browser (Debian's Chromium driven by
// playwright-core): invitation → password → sign in → authenticator (TOTP) → sign out →
// sign in with TOTP → pick the business → dashboard → the business's own space on its host →
// sign out everywhere → the business's host no longer knows the person.
//
// It starts its own `tenantry serve --demo` on a free port with a fresh data directory and
// stops it at the end (also on failure). Each page is checked (URL and visible text) and
// screenshotted, full page, into e2e/artifacts/NN-name.png; the server's output goes to
// e2e/artifacts/server.log.
//
//   TENANTRY_BIN   the binary (default ../target/debug/tenantry, relative to this folder)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   E2E_HEADFUL=1  show the window (needs a display)
//
// Exit status 0 when every step passed, 1 with a message naming the step otherwise.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as OTPAuth from 'otpauth';

const here = dirname(fileURLToPath(import.meta.url));
const binary = resolve(here, process.env.TENANTRY_BIN || '../target/debug/tenantry');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = join(here, 'artifacts');
const PASSWORD = 'violet-harbour-lantern-42';
const STEP_TIMEOUT_MS = 30_000;
const SERVER_START_TIMEOUT_MS = 120_000;

const started = Date.now();
let server = null;
let serverExited = null; // the child's exit, once it happened
let browser = null;
let page = null;
let shot = 0;
let currentStep = 'setup';
const serverErrors = []; // 5xx answers seen by the browser
const cleanups = [];

class WalkError extends Error {}

function fail(message) {
  throw new WalkError(message);
}

function log(message) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s] ${message}`);
}

// ---- the server ----

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Starts `tenantry serve --demo`; resolves with what its start-up banner says. */
async function startServer(port) {
  if (!existsSync(binary)) {
    fail(`no tenantry binary at ${binary}: build it (cargo build -p tenantry) or set TENANTRY_BIN`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-e2e-data-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

  // Nothing of the caller's configuration may leak in: drop every TENANTRY_* variable
  // (TENANTRY_DATABASE_URL and TENANTRY_CONFIG above all), then set ours.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTRY_')));
  env.TENANTRY_DATA_DIR = dataDir;
  env.TENANTRY_LISTEN = `127.0.0.1:${port}`;
  env.TENANTRY_MASTER_KEY = randomBytes(32).toString('hex');
  env.NO_COLOR = '1';

  const serverLog = createWriteStream(join(artifacts, 'server.log'));
  log(`starting ${binary} serve --demo on 127.0.0.1:${port} (data in ${dataDir})`);
  // cwd is the empty data directory, so no stray ./tenantry.toml is read.
  server = spawn(binary, ['serve', '--demo'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.on('exit', (code, signal) => {
    serverExited = { code, signal };
  });
  server.stderr.on('data', (d) => serverLog.write(d));

  let stdout = '';
  const banner = await new Promise((resolveBanner, reject) => {
    const timer = setTimeout(
      () => reject(new WalkError(`the server printed no demo invitation within ${SERVER_START_TIMEOUT_MS / 1000}s; stdout so far:\n${stdout}`)),
      SERVER_START_TIMEOUT_MS,
    );
    server.stdout.on('data', (d) => {
      serverLog.write(d);
      stdout += d.toString();
      // Wait for the whole banner: it ends with the "listening on" line.
      if (/^listening on /m.test(stdout) || (/admin invitation:/.test(stdout) && stdout.split('\n').length > 6)) {
        const parsed = parseBanner(stdout);
        if (parsed) {
          clearTimeout(timer);
          resolveBanner(parsed);
        }
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new WalkError(`the server exited during start-up (code ${code}, signal ${signal}); see ${join(artifacts, 'server.log')}; stdout:\n${stdout}`));
    });
  });
  await waitHealthy(port);
  return banner;
}

/** The first demo client's URL and its admin invitation, from the start-up banner. */
function parseBanner(text) {
  const lines = text.split('\n');
  const portal = text.match(/client portal\s+(http:\/\/\S+)/);
  for (let i = 1; i < lines.length; i++) {
    const inv = lines[i].match(/admin invitation:\s*(http:\/\/\S+\/invite\/[0-9a-f]{64})\s*$/);
    if (!inv) continue;
    const client = lines[i - 1].match(/^\s*(\S+)\s+(http:\/\/\S+)\s*$/);
    if (!client || !portal) return null;
    return { portal: portal[1], subdomain: client[1], clientUrl: client[2], invitation: inv[1] };
  }
  return null;
}

async function waitHealthy(port) {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (serverExited) fail(`the server exited before it was healthy (code ${serverExited.code})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`GET /healthz did not answer 200 within ${SERVER_START_TIMEOUT_MS / 1000}s (last: ${last})`);
}

async function stopServer() {
  if (!server || serverExited) return;
  log('stopping the server (SIGTERM)');
  server.kill('SIGTERM');
  const stopped = await Promise.race([
    new Promise((r) => server.once('exit', () => r(true))),
    new Promise((r) => setTimeout(() => r(false), 10_000).unref()),
  ]);
  if (!stopped && !serverExited) {
    console.error('the server did not stop within 10s of SIGTERM: killing it');
    server.kill('SIGKILL');
  }
}

// ---- the browser ----

async function step(name, body) {
  currentStep = name;
  log(name);
  await body();
}

/** Full-page screenshot into artifacts/NN-name.png. */
async function screenshot(name) {
  shot += 1;
  const file = join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The page's URL must match: a full string or a RegExp. */
async function expectUrl(expected) {
  try {
    await page.waitForURL(expected, { timeout: STEP_TIMEOUT_MS, waitUntil: 'load' });
  } catch {
    fail(`expected the URL ${expected} but the browser is at ${page.url()}`);
  }
}

async function bodyText() {
  return page.locator('body').innerText();
}

/** Each text must be visible on the page. */
async function expectText(...texts) {
  for (const t of texts) {
    const loc = page.getByText(t, { exact: false }).first();
    try {
      await loc.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    } catch {
      const body = (await bodyText()).replace(/\s+/g, ' ').slice(0, 600);
      fail(`expected to see "${t}" at ${page.url()}; the page says: ${body}`);
    }
  }
}

async function expectNoText(...texts) {
  const body = await bodyText();
  for (const t of texts) {
    if (body.includes(t)) fail(`did not expect to see "${t}" at ${page.url()}`);
  }
}

/** The status of the last document the browser loaded. */
function trackStatus() {
  const state = { status: null };
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) state.status = res.status();
  });
  return state;
}

function totp(secret, at) {
  const t = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  return t.generate({ timestamp: at });
}

// ---- the walk ----

async function walk() {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });

  const port = await freePort();
  const demo = await startServer(port);
  const portal = demo.portal;
  const clientOrigin = new URL(demo.clientUrl).origin;
  log(`server up: portal ${portal}, client ${demo.subdomain} at ${clientOrigin}`);

  if (!existsSync(browserPath)) fail(`no Chromium at ${browserPath}: apt-get install chromium`);
  browser = await chromium.launch({
    executablePath: browserPath,
    headless: !process.env.E2E_HEADFUL,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ].filter((a) => !(process.env.E2E_HEADFUL && a === '--headless')),
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  page.on('response', (res) => {
    if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('pageerror', (e) => console.error(`page error at ${page.url()}: ${e.message}`));
  const nav = trackStatus();

  let email = '';
  let client = '';
  let secret = '';

  await step('the invitation', async () => {
    await page.goto(demo.invitation);
    await expectUrl(demo.invitation);
    await expectText('You are invited to', 'Choose a password');
    const body = await bodyText();
    const who = body.match(/This invitation for (\S+@\S+) is valid until/);
    if (!who) fail(`the invitation page does not say whom it is for: ${body.slice(0, 300)}`);
    email = who[1];
    const to = body.match(/You are invited to (.+) as (\w+)/);
    if (!to) fail('the invitation page does not name the business');
    client = to[1].trim();
    log(`  invitation for ${email} to ${client} as ${to[2]}`);
    await screenshot('invitation');
  });

  await step('set a password', async () => {
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('input[name="confirm"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expectUrl(`${portal}/login?notice=password-set`);
    await expectText('Your password is set. Sign in with it.', 'Sign in to');
    await screenshot('login-password-set');
  });

  await step('a wrong password is refused', async () => {
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill('not-the-password-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    await expectText('Email or password is wrong.');
    if (nav.status !== 401) fail(`a wrong password answered ${nav.status}, expected 401`);
    await screenshot('login-wrong-password');
  });

  await step('sign in with the password', async () => {
    await page.goto(`${portal}/login`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectUrl(`${portal}/dashboard`);
    await expectText(client, `Open ${client}'s space`, email);
    await screenshot('dashboard-first-visit');
  });

  await step('profile: no authenticator yet', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await expectUrl(`${portal}/profile`);
    await expectText('Two-step sign-in', 'Not set up.', 'Sign out everywhere');
    await screenshot('profile-without-mfa');
  });

  let enrolledAt = 0;
  await step('enrol an authenticator (TOTP)', async () => {
    await page.getByRole('link', { name: 'Set up an authenticator' }).click();
    await expectUrl(`${portal}/mfa/setup`);
    await expectText('Set up your authenticator', 'Enter this key:');
    if ((await page.locator('.qr svg').count()) !== 1) fail('the set-up page shows no QR code (inline SVG)');
    const box = await page.locator('.qr svg').boundingBox();
    if (!box || box.width < 100 || box.height < 100) fail(`the QR code is too small to scan: ${JSON.stringify(box)}`);
    secret = (await page.locator('p.note code').first().innerText()).replace(/\s+/g, '');
    if (!/^[A-Z2-7]+=*$/.test(secret)) fail(`the key shown is not base32: ${secret}`);
    await screenshot('mfa-setup');
    enrolledAt = Date.now();
    await page.locator('input[name="code"]').fill(totp(secret, enrolledAt));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expectUrl(`${portal}/mfa/setup`);
    await expectText('Save your recovery codes', 'I have saved them');
    const codes = await page.locator('ul.codes li').count();
    if (codes < 5) fail(`expected recovery codes, found ${codes}`);
    log(`  ${codes} recovery codes shown`);
    await screenshot('recovery-codes');
  });

  await step('back to the profile: the authenticator is on', async () => {
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await expectUrl(`${portal}/profile`);
    await expectText('An authenticator app is set up.', 'recovery codes left');
    await screenshot('profile-with-mfa');
  });

  await step('sign out', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await expectUrl(`${portal}/login?notice=signed-out`);
    await expectText('You are signed out.');
    await screenshot('signed-out');
  });

  await step('sign in again: the password, then the TOTP code', async () => {
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectUrl(new RegExp(`^${escapeRe(portal)}/mfa(\\?.*)?$`));
    await expectText('Enter your code');
    await screenshot('mfa-prompt');
    // The code used at enrolment is spent (the server records its step): use the next
    // step's code, which the server accepts as one step of clock skew.
    const at = Math.max(Date.now(), enrolledAt) + 30_000;
    await page.locator('input[name="code"]').fill(totp(secret, at));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectUrl(`${portal}/dashboard`);
    await expectText(client, email);
  });

  await step('pick the business in the selector', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Businesses' }).click();
    await expectUrl(`${portal}/select`);
    await expectText('Which business are you working for?', client);
    await screenshot('select-business');
    await page.getByRole('button', { name: client, exact: true }).click();
    await expectUrl(`${portal}/dashboard`);
  });

  await step('the dashboard', async () => {
    await expectText(client, 'You are admin', `Open ${client}'s space`, 'Notifications', 'Activity', email);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    if (h1 !== client) fail(`the dashboard's heading is "${h1}", expected "${client}"`);
    for (const link of ['Dashboard', 'Businesses', 'Profile']) {
      if (!(await page.getByRole('navigation').getByRole('link', { name: link }).isVisible())) fail(`no "${link}" link in the nav bar`);
    }
    const services = await page.locator('.services .service').count();
    log(`  ${services} service cards`);
    await screenshot('dashboard');
  });

  await step("open the business's space on its own host", async () => {
    const open = page.getByRole('link', { name: `Open ${client}'s space` });
    const href = await open.getAttribute('href');
    if (!href || !href.startsWith(`/open/${demo.subdomain}?csrf=`)) fail(`the open link is ${href}`);
    await open.click();
    await expectUrl(`${clientOrigin}/`);
    await expectText(`${email} · admin`, client);
    if (!(await page.getByRole('button', { name: 'Sign out' }).isVisible())) fail('no "Sign out" button on the business\'s host');
    await expectNoText('Sign in or go through');
    await screenshot('client-space-signed-in');
  });

  await step('sign out everywhere from the portal profile', async () => {
    await page.getByRole('link', { name: 'Client Portal' }).click();
    await expectUrl(`${portal}/dashboard`);
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await expectUrl(`${portal}/profile`);
    await expectText('Sessions', 'this one');
    const sessions = await page.locator('table').first().locator('tr').count() - 1;
    log(`  ${sessions} session(s) listed`);
    await screenshot('profile-sessions');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expectUrl(`${portal}/login?notice=signed-out`);
    await expectText('You are signed out.');
    await screenshot('signed-out-everywhere');
  });

  await step("the business's host no longer knows the person", async () => {
    await page.goto(`${clientOrigin}/`);
    await expectUrl(`${clientOrigin}/`);
    await expectText(client, 'Sign in');
    await expectNoText(email, `${email} · admin`);
    if ((await page.getByRole('button', { name: 'Sign out' }).count()) !== 0) fail('the business\'s host still shows a "Sign out" button');
    if (!(await page.getByRole('link', { name: 'Sign in' }).isVisible())) fail('no "Sign in" link on the business\'s host');
    await screenshot('client-space-signed-out');
    // Its own sign-in page is there for whoever comes straight to the host.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expectUrl(new RegExp(`^${escapeRe(clientOrigin)}/login(\\?.*)?$`));
    await expectText(`Sign in to ${client}`);
  });

  await step('the portal asks to sign in again', async () => {
    await page.goto(`${portal}/dashboard`);
    await expectUrl(new RegExp(`^${escapeRe(portal)}/login(\\?.*)?$`));
    await expectText('Sign in to');
    await screenshot('portal-after-sign-out');
  });

  if (serverErrors.length) fail(`the server answered with errors during the walk:\n  ${serverErrors.join('\n  ')}`);
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function main() {
  let failed = null;
  const onSignal = (sig) => {
    console.error(`\n${sig}: stopping`);
    stopServer().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await walk();
  } catch (e) {
    failed = e;
    if (page) {
      try {
        const file = await screenshot('FAILED');
        console.error(`screenshot of the failure: ${file}`);
      } catch {
        /* the page may be gone */
      }
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) {
      await stopServer();
      log('server stopped');
    }
    for (const c of cleanups) {
      try {
        c();
      } catch {
        /* best effort */
      }
    }
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const shots = existsSync(artifacts) ? readdirSync(artifacts).filter((f) => f.endsWith('.png')).length : 0;
  if (failed) {
    console.error(`\nE2E WALK FAILED at step "${currentStep}": ${failed instanceof WalkError ? failed.message : failed.stack}`);
    console.error(`server log: ${join(artifacts, 'server.log')}; screenshots: ${artifacts}`);
    console.error('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`\nE2E walk passed in ${secs}s; ${shots} screenshots in ${artifacts}`);
  console.log('1 passed, 0 failed');
}

main();
