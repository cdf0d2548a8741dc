// What the browser walks share: a `tenantry serve --demo` of their own (free port, fresh data
// directory, stopped at the end, also on failure), Debian's Chromium driven by playwright-core,
// named steps, page checks and numbered full-page screenshots into e2e/artifacts/.
//
//   TENANTRY_BIN   the binary (default ../target/debug/tenantry, relative to this folder)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   E2E_HEADFUL=1  show the window (needs a display)
//   E2E_BASE_DOMAIN=tenantry.test
//                  serve under that base domain instead of the demo's `localhost`: Chromium
//                  maps it and its subdomains to 127.0.0.1 and treats the portal's http:// origin
//                  as secure (WebAuthn needs a secure context). A registrable domain is what a
//                  real installation has; passkeys' relying party is the base domain.
//
// A walk calls createRun({ title, prefix }) and hands its body to run.main(body): exit status 0
// when every step passed, 1 with a message naming the step otherwise. Screenshots are
// artifacts/<prefix>NN-name.png and the server's output artifacts/<prefix>server.log; a run
// removes only its own earlier files, so walks run one after another keep each other's.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const binary = resolve(here, process.env.TENANTRY_BIN || '../target/debug/tenantry');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const artifacts = join(here, 'artifacts');
export const PASSWORD = 'violet-harbour-lantern-42';
export const STEP_TIMEOUT_MS = 30_000;
const SERVER_START_TIMEOUT_MS = 120_000;

export class WalkError extends Error {}

export function fail(message) {
  throw new WalkError(message);
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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

/**
 * One walk: its server, its browser, its steps and screenshots.
 * title names it in the final lines ("E2E walk"); prefix starts its artifacts' names.
 */
export function createRun({ title, prefix = '' }) {
  const started = Date.now();
  const ownShot = new RegExp(`^${escapeRe(prefix)}\\d+-.*\\.png$`);
  const serverLogName = `${prefix}server.log`;
  const cleanups = [];
  const serverErrors = []; // 5xx answers seen by the browser
  const run = {
    page: null,
    context: null,
    browser: null,
    server: null,
    serverExited: null, // the child's exit, once it happened
    shot: 0,
    currentStep: 'setup',
    serverErrors,
  };

  function log(message) {
    const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
    console.log(`[${s}s] ${message}`);
  }

  /** Removes this run's screenshots and server log from an earlier run; keeps the others'. */
  function cleanArtifacts() {
    mkdirSync(artifacts, { recursive: true });
    for (const f of readdirSync(artifacts)) {
      if (ownShot.test(f) || f === serverLogName) rmSync(join(artifacts, f), { force: true });
    }
  }

  async function waitHealthy(port) {
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (run.serverExited) fail(`the server exited before it was healthy (code ${run.serverExited.code})`);
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

  /** Starts `tenantry serve --demo` on a free port; resolves with what its start-up banner says. */
  async function startServer() {
    if (!existsSync(binary)) {
      fail(`no tenantry binary at ${binary}: build it (cargo build -p tenantry) or set TENANTRY_BIN`);
    }
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-e2e-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    // Nothing of the caller's configuration may leak in: drop every TENANTRY_* variable
    // (TENANTRY_DATABASE_URL and TENANTRY_CONFIG above all), then set ours.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTRY_')));
    env.TENANTRY_DATA_DIR = dataDir;
    env.TENANTRY_LISTEN = `127.0.0.1:${port}`;
    env.TENANTRY_MASTER_KEY = randomBytes(32).toString('hex');
    env.NO_COLOR = '1';
    if (process.env.E2E_BASE_DOMAIN) env.TENANTRY_BASE_DOMAIN = process.env.E2E_BASE_DOMAIN;
    run.port = port;
    run.serverEnv = { env, cwd: dataDir };

    const serverLog = createWriteStream(join(artifacts, serverLogName));
    log(`starting ${binary} serve --demo on 127.0.0.1:${port} (data in ${dataDir})`);
    // cwd is the empty data directory, so no stray ./tenantry.toml is read.
    const server = spawn(binary, ['serve', '--demo'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    run.server = server;
    server.on('exit', (code, signal) => {
      run.serverExited = { code, signal };
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
        reject(new WalkError(`the server exited during start-up (code ${code}, signal ${signal}); see ${join(artifacts, serverLogName)}; stdout:\n${stdout}`));
      });
    });
    await waitHealthy(port);
    return banner;
  }

  /** Runs the CLI against the walk's server's data (its configuration and master key). */
  function cli(...args) {
    if (!run.serverEnv) fail('cli() before startServer()');
    const r = spawnSync(binary, args, { ...run.serverEnv, encoding: 'utf8' });
    if (r.status !== 0) fail(`tenantry ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  async function stopServer() {
    const server = run.server;
    if (!server || run.serverExited) return;
    log('stopping the server (SIGTERM)');
    server.kill('SIGTERM');
    const stopped = await Promise.race([
      new Promise((r) => server.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 10_000).unref()),
    ]);
    if (!stopped && !run.serverExited) {
      console.error('the server did not stop within 10s of SIGTERM: killing it');
      server.kill('SIGKILL');
    }
  }

  /** Launches Chromium with one context and one page; 5xx answers are collected. */
  async function openBrowser() {
    if (!existsSync(browserPath)) fail(`no Chromium at ${browserPath}: apt-get install chromium`);
    run.browser = await chromium.launch({
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
        ...(process.env.E2E_BASE_DOMAIN
          ? [
              `--host-resolver-rules=MAP *.${process.env.E2E_BASE_DOMAIN} 127.0.0.1, MAP ${process.env.E2E_BASE_DOMAIN} 127.0.0.1`,
              `--unsafely-treat-insecure-origin-as-secure=http://portal.${process.env.E2E_BASE_DOMAIN}:${run.port}`,
            ]
          : []),
      ].filter((a) => !(process.env.E2E_HEADFUL && a === '--headless')),
    });
    run.context = await run.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await run.context.newPage();
    run.page = page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    page.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('pageerror', (e) => console.error(`page error at ${page.url()}: ${e.message}`));
    return { browser: run.browser, context: run.context, page };
  }

  async function step(name, body) {
    run.currentStep = name;
    log(name);
    await body();
  }

  /** Full-page screenshot into artifacts/<prefix>NN-name.png. */
  async function screenshot(name) {
    run.shot += 1;
    const file = join(artifacts, `${prefix}${String(run.shot).padStart(2, '0')}-${name}.png`);
    await run.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** The page's URL must match: a full string or a RegExp. */
  async function expectUrl(expected) {
    try {
      await run.page.waitForURL(expected, { timeout: STEP_TIMEOUT_MS, waitUntil: 'load' });
    } catch {
      fail(`expected the URL ${expected} but the browser is at ${run.page.url()}`);
    }
  }

  async function bodyText() {
    return run.page.locator('body').innerText();
  }

  /** Each text must be visible on the page. */
  async function expectText(...texts) {
    for (const t of texts) {
      const loc = run.page.getByText(t, { exact: false }).first();
      try {
        await loc.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      } catch {
        const body = (await bodyText()).replace(/\s+/g, ' ').slice(0, 600);
        fail(`expected to see "${t}" at ${run.page.url()}; the page says: ${body}`);
      }
    }
  }

  async function expectNoText(...texts) {
    const body = await bodyText();
    for (const t of texts) {
      if (body.includes(t)) fail(`did not expect to see "${t}" at ${run.page.url()}`);
    }
  }

  /** The status of the last document the browser loaded. */
  function trackStatus() {
    const state = { status: null };
    run.page.on('response', (res) => {
      if (res.request().isNavigationRequest() && res.frame() === run.page.mainFrame()) state.status = res.status();
    });
    return state;
  }

  /** Runs the walk's body, cleans up, prints the outcome and exits. */
  async function main(body) {
    let failed = null;
    const onSignal = (sig) => {
      console.error(`\n${sig}: stopping`);
      stopServer().finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      cleanArtifacts();
      await body();
      if (serverErrors.length) fail(`the server answered with errors during the walk:\n  ${serverErrors.join('\n  ')}`);
    } catch (e) {
      failed = e;
      if (run.page) {
        try {
          const file = await screenshot('FAILED');
          console.error(`screenshot of the failure: ${file}`);
        } catch {
          /* the page may be gone */
        }
      }
    } finally {
      if (run.browser) await run.browser.close().catch(() => {});
      if (run.server) {
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
    const shots = existsSync(artifacts) ? readdirSync(artifacts).filter((f) => ownShot.test(f)).length : 0;
    if (failed) {
      console.error(`\n${title.toUpperCase()} FAILED at step "${run.currentStep}": ${failed instanceof WalkError ? failed.message : failed.stack}`);
      console.error(`server log: ${join(artifacts, serverLogName)}; screenshots: ${artifacts}`);
      console.error('0 passed, 1 failed');
      process.exit(1);
    }
    console.log(`\n${title} passed in ${secs}s; ${shots} screenshots in ${artifacts}`);
    console.log('1 passed, 0 failed');
  }

  return Object.assign(run, {
    log,
    startServer,
    stopServer,
    cli,
    openBrowser,
    step,
    screenshot,
    expectUrl,
    bodyText,
    expectText,
    expectNoText,
    trackStatus,
    main,
  });
}
