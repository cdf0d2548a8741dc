// A person's walk through the product in a real browser (Debian's Chromium driven by
// playwright-core): invitation → password → sign in → authenticator (TOTP) → sign out →
// sign in with TOTP → pick the business → dashboard → the business's own space on its host →
// sign out everywhere → the business's host no longer knows the person.
//
// It starts its own `tenantry serve --demo` on a free port with a fresh data directory and
// stops it at the end (also on failure); lib.mjs holds that and the page checks. Each page is
// checked (URL and visible text) and screenshotted, full page, into e2e/artifacts/NN-name.png;
// the server's output goes to e2e/artifacts/server.log.
//
//   TENANTRY_BIN   the binary (default ../target/debug/tenantry, relative to this folder)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   E2E_HEADFUL=1  show the window (needs a display)
//
// Exit status 0 when every step passed, 1 with a message naming the step otherwise.

import * as OTPAuth from 'otpauth';
import { createRun, escapeRe, fail, PASSWORD } from './lib.mjs';

const run = createRun({ title: 'E2E walk' });
const { log, step, screenshot, expectUrl, expectText, expectNoText, bodyText } = run;
let page = null;

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
  const demo = await run.startServer();
  const portal = demo.portal;
  const clientOrigin = new URL(demo.clientUrl).origin;
  log(`server up: portal ${portal}, client ${demo.subdomain} at ${clientOrigin}`);

  ({ page } = await run.openBrowser());
  const nav = run.trackStatus();

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
    await expectUrl(`${portal}/login?notice=password-set&email=${encodeURIComponent(email)}`);
    const filled = await page.locator('input[name="email"]').inputValue();
    if (filled !== email) fail(`the sign-in form's email is ${JSON.stringify(filled)}, expected ${email}`);
    await expectText('Your password is set. Sign in with it.', 'Sign in to');
    await screenshot('login-password-set');
  });

  await step('a wrong password is refused', async () => {
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill('not-the-password-at-all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState('load');
    await expectText('Email or password is wrong.');
    if (nav.status !== 401) fail(`a wrong password answered ${nav.status}, expected 401`);
    await screenshot('login-wrong-password');
  });

  await step('sign in with the password', async () => {
    await page.goto(`${portal}/login`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
}

run.main(walk);
