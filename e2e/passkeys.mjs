// Passkeys in a real browser (Debian's Chromium driven by playwright-core, with Chromium's
// virtual authenticator standing in for the device's platform authenticator):
// invitation → password → sign in → profile: add a passkey → it is listed → sign out →
// "Sign in with a passkey" → signed in, the dashboard shows the business → turn on an
// authenticator (TOTP) too → sign out → the password, then "Use a passkey" as the second step →
// profile: remove the passkey → sign out → "Sign in with a passkey" is refused with a visible
// message (the authenticator still holds the credential, the server no longer knows it).
//
// The browser side is crates/web/assets/passkeys.js. Like walk.mjs (lib.mjs holds the shared
// parts) it starts its own `tenantry serve --demo` and stops it at the end; screenshots go to
// e2e/artifacts/passkeys-NN-name.png, the server's output to e2e/artifacts/passkeys-server.log.
// Same environment variables as walk.mjs (TENANTRY_BIN, CHROMIUM, E2E_HEADFUL, E2E_BASE_DOMAIN);
// E2E_DEBUG=1 also prints what each /api/passkeys/ call answered.
//
// Exit status 0 when every step passed, 1 with a message naming the step otherwise.

import * as OTPAuth from 'otpauth';
import { createRun, escapeRe, fail, PASSWORD, STEP_TIMEOUT_MS, WalkError } from './lib.mjs';

const run = createRun({ title: 'E2E passkeys', prefix: 'passkeys-' });
const { log, step, screenshot, expectUrl, expectText, expectNoText, bodyText } = run;
let page = null;

const PASSKEY_NAME = 'E2E laptop passkey';

function totp(secret, at) {
  const t = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return t.generate({ timestamp: at });
}

/** Problems the page itself reports: script errors and CSP refusals. */
const pageProblems = [];

/** The text of #passkey-status and whether passkeys.js marked it as an error (read at once). */
async function passkeyStatus() {
  const el = page.locator('#passkey-status');
  if ((await el.count()) === 0) return { text: null, error: false };
  // A short timeout: the page may navigate away between count() and here, and a locator would
  // otherwise wait the whole step for an element that is gone.
  return el.first().evaluate(
    (e) => ({ text: e.innerText.trim(), error: e.dataset.state === 'error' }),
    undefined,
    { timeout: 1000 },
  );
}

/**
 * Waits until done() is true, failing early (with its words) when #passkey-status reports an
 * error. The page may navigate meanwhile: a check that fails because of that is retried.
 */
async function waitPasskeyOutcome(what, done) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last = { text: null, error: false };
  while (Date.now() < deadline) {
    try {
      if (await done()) return;
      last = await passkeyStatus();
      if (last.error) fail(`${what}: the page says "${last.text}"`);
    } catch (e) {
      if (e instanceof WalkError) throw e;
      /* navigating: look again */
    }
    await page.waitForTimeout(200);
  }
  fail(`${what}: nothing came of it within ${STEP_TIMEOUT_MS / 1000}s at ${page.url()}; #passkey-status says "${last.text ?? '(no such element)'}"`);
}

/** The button must exist, be visible and enabled (passkeys.js did not disable it). */
async function expectPasskeyButton(id, label) {
  const button = page.locator(`#${id}`);
  if ((await button.count()) !== 1) fail(`no <button id="${id}"> on ${page.url()}`);
  if (!(await button.isVisible())) fail(`#${id} is not visible on ${page.url()}`);
  const text = (await button.innerText()).trim();
  if (label && text !== label) fail(`#${id} says "${text}", expected "${label}"`);
  if (!(await button.getAttribute('data-csrf'))) fail(`#${id} has no data-csrf`);
  if ((await page.locator('#passkey-status').count()) !== 1) fail(`no #passkey-status on ${page.url()}`);
  // passkeys.js disables the buttons when it finds no WebAuthn; give a slow module a moment.
  await page.waitForTimeout(100);
  if (await button.isDisabled()) {
    const st = await passkeyStatus();
    fail(`#${id} is disabled on ${page.url()}; #passkey-status says "${st.text}"`);
  }
  return button;
}

/** The passkey rows in the profile's #passkeys section that show this name. */
function passkeyRows(name) {
  return page.locator('#passkeys').locator('tr, li, .passkey').filter({ hasText: name });
}

async function walk() {
  const demo = await run.startServer();
  const portal = demo.portal;
  log(`server up: portal ${portal}, client ${demo.subdomain}`);

  const { context } = await run.openBrowser();
  page = run.page;
  page.on('pageerror', (e) => pageProblems.push(`script error at ${page.url()}: ${e.message}`));
  // E2E_DEBUG=1 prints what the passkey endpoints answer.
  if (process.env.E2E_DEBUG) {
    page.on('response', async (res) => {
      if (!new URL(res.url()).pathname.startsWith('/api/passkeys/')) return;
      const body = await res.text().catch(() => '(no body)');
      log(`  ${res.request().method()} ${new URL(res.url()).pathname} → ${res.status()} ${body}`);
    });
  }
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageProblems.push(`at ${page.url()}: ${m.text()}`);
  });

  // Chromium's virtual authenticator: a platform authenticator that holds discoverable
  // credentials, verifies the user and answers every prompt by itself.
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const heldCredentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

  let email = '';
  let client = '';

  await step('the invitation: set a password', async () => {
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
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('input[name="confirm"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expectUrl(`${portal}/login?notice=password-set&email=${encodeURIComponent(email)}`);
    const filled = await page.locator('input[name="email"]').inputValue();
    if (filled !== email) fail(`the sign-in form's email is ${JSON.stringify(filled)}, expected ${email}`);
    await expectText('Your password is set. Sign in with it.');
  });

  await step('the script is served as JavaScript', async () => {
    // Asked from the page (the portal's host name resolves in the browser, not here).
    const res = await page.evaluate(async () => {
      const r = await fetch('/assets/passkeys.js', { cache: 'no-store' });
      return { status: r.status, type: r.headers.get('content-type') || '' };
    });
    if (res.status !== 200) fail(`GET ${portal}/assets/passkeys.js answered ${res.status}`);
    // A module script of another type is refused by the browser.
    if (!/^(text|application)\/javascript\b/.test(res.type)) fail(`/assets/passkeys.js is served as "${res.type}"; a module script needs text/javascript`);
  });

  await step('the sign-in page offers a passkey', async () => {
    await expectPasskeyButton('passkey-login', 'Sign in with a passkey');
    await screenshot('login');
  });

  await step('sign in with the password', async () => {
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectUrl(`${portal}/dashboard`);
    await expectText(client, email);
  });

  await step('profile: no passkey yet', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await expectUrl(`${portal}/profile`);
    if ((await page.locator('section#passkeys').count()) !== 1) fail('the profile has no <section id="passkeys">');
    await expectPasskeyButton('passkey-add', 'Add a passkey');
    if ((await page.locator('#passkey-name').count()) !== 1) fail('the profile has no #passkey-name input');
    if ((await passkeyRows(PASSKEY_NAME).count()) !== 0) fail(`the profile lists "${PASSKEY_NAME}" before it was added`);
    if ((await heldCredentials()).length !== 0) fail('the virtual authenticator holds a credential already');
    await page.locator('#passkeys').scrollIntoViewIfNeeded();
    await screenshot('profile-without-passkey');
  });

  await step('profile: add a passkey', async () => {
    await page.locator('#passkey-name').fill(PASSKEY_NAME);
    await page.locator('#passkey-add').click();
    // passkeys.js reloads the page once the server took the passkey.
    await waitPasskeyOutcome('adding the passkey', async () => (await passkeyRows(PASSKEY_NAME).count()) > 0);
    await expectUrl(new RegExp(`^${escapeRe(portal)}/profile(\\?.*)?$`));
    const rows = await passkeyRows(PASSKEY_NAME).count();
    if (rows !== 1) fail(`the profile lists "${PASSKEY_NAME}" ${rows} times, expected once`);
    const held = await heldCredentials();
    if (held.length !== 1) fail(`the virtual authenticator holds ${held.length} credentials, expected 1`);
    if (!held[0].isResidentCredential) fail('the passkey is not a discoverable (resident) credential: passwordless sign-in cannot find it');
    log(`  passkey "${PASSKEY_NAME}" listed; the authenticator holds it for ${held[0].rpId}`);
    await page.locator('#passkeys').scrollIntoViewIfNeeded();
    await screenshot('profile-with-passkey');
  });

  await step('sign out', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await expectUrl(`${portal}/login?notice=signed-out`);
    await expectText('You are signed out.');
  });

  await step('sign in with the passkey', async () => {
    const button = await expectPasskeyButton('passkey-login', 'Sign in with a passkey');
    const signCount = (await heldCredentials())[0].signCount;
    await button.click();
    await waitPasskeyOutcome('signing in with the passkey', async () => new URL(page.url()).pathname === '/dashboard');
    await expectUrl(new RegExp(`^${escapeRe(portal)}/dashboard(\\?.*)?$`));
    await expectText(client, email);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    if (h1 !== client) fail(`the dashboard's heading is "${h1}", expected "${client}"`);
    const after = (await heldCredentials())[0].signCount;
    if (!(after > signCount)) fail(`the authenticator was not used (sign count ${signCount} → ${after})`);
    await screenshot('dashboard-after-passkey');
  });

  let secret = '';
  await step('profile: turn on an authenticator (TOTP) as well', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await expectUrl(`${portal}/profile`);
    await page.getByRole('link', { name: 'Set up an authenticator' }).click();
    await expectUrl(`${portal}/mfa/setup`);
    // The set-up page enrols a code; it offers no passkey.
    if ((await page.locator('#passkey-mfa').count()) !== 0) fail('the authenticator set-up page offers "Use a passkey"');
    secret = (await page.locator('p.note code').first().innerText()).replace(/\s+/g, '');
    if (!/^[A-Z2-7]+=*$/.test(secret)) fail(`the key shown is not base32: ${secret}`);
    await page.locator('input[name="code"]').fill(totp(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expectUrl(`${portal}/mfa/setup`);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await expectUrl(`${portal}/profile`);
    await expectText('An authenticator app is set up.');
    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await expectUrl(`${portal}/login?notice=signed-out`);
  });

  await step('the password, then the passkey as the second step', async () => {
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectUrl(new RegExp(`^${escapeRe(portal)}/mfa(\\?.*)?$`));
    await expectText('Enter your code');
    const button = await expectPasskeyButton('passkey-mfa', 'Use a passkey');
    await screenshot('mfa-with-passkey');
    const signCount = (await heldCredentials())[0].signCount;
    await button.click();
    await waitPasskeyOutcome('the second step with the passkey', async () => new URL(page.url()).pathname === '/dashboard');
    await expectUrl(new RegExp(`^${escapeRe(portal)}/dashboard(\\?.*)?$`));
    await expectText(client, email);
    const after = (await heldCredentials())[0].signCount;
    if (!(after > signCount)) fail(`the authenticator was not used (sign count ${signCount} → ${after})`);
  });

  await step('profile: remove the passkey', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await expectUrl(`${portal}/profile`);
    let remove = passkeyRows(PASSKEY_NAME).locator('form button, form input[type="submit"]');
    if ((await remove.count()) === 0) {
      // No row element around the name: the section's only remove form.
      remove = page.locator('#passkeys form button:not(#passkey-add), #passkeys form input[type="submit"]');
    }
    const n = await remove.count();
    if (n !== 1) fail(`expected one remove button for "${PASSKEY_NAME}" in #passkeys, found ${n}`);
    log(`  pressing "${((await remove.innerText().catch(() => '')) || (await remove.getAttribute('value')) || '').trim()}"`);
    await remove.click();
    await page.waitForLoadState('load');
    await expectUrl(new RegExp(`^${escapeRe(portal)}/profile(\\?.*)?$`));
    if ((await page.locator('section#passkeys').count()) !== 1) fail('after the removal the profile has no <section id="passkeys">');
    if ((await passkeyRows(PASSKEY_NAME).count()) !== 0 || (await page.locator('#passkeys').innerText()).includes(PASSKEY_NAME)) {
      fail(`the profile still lists "${PASSKEY_NAME}" after its removal`);
    }
    await page.locator('#passkeys').scrollIntoViewIfNeeded();
    await screenshot('profile-passkey-removed');
  });

  await step('sign out again', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await expectUrl(`${portal}/login?notice=signed-out`);
    await expectText('You are signed out.');
  });

  await step('a removed passkey no longer signs in', async () => {
    if ((await heldCredentials()).length !== 1) fail('the virtual authenticator lost the credential');
    const button = await expectPasskeyButton('passkey-login', 'Sign in with a passkey');
    const at = page.url();
    await button.click();
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let st = { text: null, error: false };
    while (Date.now() < deadline) {
      st = await passkeyStatus();
      if (st.error || page.url() !== at) break;
      await page.waitForTimeout(200);
    }
    if (page.url() !== at) fail(`the browser went to ${page.url()} with a passkey the server removed`);
    if (!st.error || !st.text) fail(`no error shown in #passkey-status within ${STEP_TIMEOUT_MS / 1000}s (it says "${st.text}")`);
    if (!(await page.locator('#passkey-status').isVisible())) fail(`#passkey-status holds "${st.text}" but is not visible`);
    if (await button.isDisabled()) fail('the passkey button stays disabled after the failure');
    log(`  the page says: ${st.text}`);
    await screenshot('login-removed-passkey-refused');
  });

  await step('still signed out', async () => {
    await page.goto(`${portal}/dashboard`);
    await expectUrl(new RegExp(`^${escapeRe(portal)}/login(\\?.*)?$`));
    await expectText('Sign in to');
    await expectNoText(email);
  });

  if (pageProblems.length) fail(`the pages reported problems:\n  ${pageProblems.join('\n  ')}`);
}

run.main(walk);
