// Real-browser check of Zonmart's Swagger UI (/docs) in Debian's Chromium,
// driven by playwright-core (no browser download: executablePath).
//
// For each scheme in SWAGGER_SCHEMES (default "oauth2,bearer"), in a fresh
// browser profile:
//   open /docs, check the operations are listed (GET /api/v1/users/me),
//   click Authorize and authorize with that scheme:
//     oauth2 - the OAuth2 password form (username/password; tokenUrl
//              /api/v1/auth/token), as a person would use it;
//     bearer - paste an access token got from POST /api/v1/auth/login;
//   then GET /api/v1/users/me: expand, "Try it out", "Execute", and check the
//   response shown is 200 with the username in the body.
// A screenshot goes to $SWAGGER_SCREENSHOT_DIR/swagger-<scheme>-<ok|fail>.png
// either way. Every request to the token URL is logged (password masked), so a
// failed OAuth2 flow says what Swagger UI sent and what the server answered.
//
// Environment:
//   ZONMART_BASE_URL        default http://127.0.0.1:8000
//   ZONMART_ADMIN_USERNAME  default admin
//   ZONMART_ADMIN_PASSWORD  required
//   SWAGGER_SCHEMES         default oauth2,bearer
//   SWAGGER_SCREENSHOT_DIR  default /tmp
//   CHROMIUM_PATH           default /usr/bin/chromium
//   SWAGGER_TIMEOUT_MS      per-step timeout, default 15000
// Exit code: 0 when every scheme passed, 1 when one failed, 2 on bad setup,
// 3 when the whole run overran its watchdog.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = (process.env.ZONMART_BASE_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const USERNAME = process.env.ZONMART_ADMIN_USERNAME || 'admin';
const PASSWORD = process.env.ZONMART_ADMIN_PASSWORD || '';
const SCHEMES = (process.env.SWAGGER_SCHEMES || 'oauth2,bearer').split(',').map((s) => s.trim()).filter(Boolean);
const SHOT_DIR = process.env.SWAGGER_SCREENSHOT_DIR || '/tmp';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STEP_MS = Number(process.env.SWAGGER_TIMEOUT_MS || 15000);
const WATCHDOG_MS = STEP_MS * 4 * Math.max(1, SCHEMES.length) + 30000;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const log = (...a) => console.log(`[${new Date().toISOString()}]`, ...a);

if (!PASSWORD) {
  console.error('ZONMART_ADMIN_PASSWORD is required');
  process.exit(2);
}
for (const s of SCHEMES) {
  if (!['oauth2', 'bearer'].includes(s)) {
    console.error(`unknown scheme ${s}: use oauth2 and/or bearer`);
    process.exit(2);
  }
}

const watchdog = setTimeout(() => {
  console.error(`FAIL: the whole run overran ${WATCHDOG_MS} ms`);
  process.exit(3);
}, WATCHDOG_MS);
watchdog.unref();

const mask = (s) =>
  String(s ?? '')
    .replace(/(password=)[^&]*/g, '$1***')
    .replace(/("(?:access|refresh)_token"\s*:\s*")[^"]{12}[^"]*/g, '$1<token…>')
    .replace(/(Bearer\s+)[A-Za-z0-9._-]{12,}/g, '$1<token…>');

async function apiLogin() {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
    signal: AbortSignal.timeout(STEP_MS),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`POST /api/v1/auth/login answered ${res.status}: ${body}`);
  return JSON.parse(body).access_token;
}

async function runScheme(scheme) {
  const profile = mkdtempSync(join(tmpdir(), 'zonmart-chromium-'));
  const notes = [];
  let context;
  let page;
  let ok = false;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 1000 },
      timeout: STEP_MS * 2,
    });
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    page.setDefaultNavigationTimeout(STEP_MS * 2);
    page.on('pageerror', (e) => notes.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') notes.push(`console error: ${m.text()}`);
    });
    // What Swagger UI sends to the token URL, and what comes back.
    page.on('request', (r) => {
      if (r.url().includes('/auth/token')) {
        const h = r.headers();
        log(`[${scheme}] -> ${r.method()} ${r.url()}`);
        log(`[${scheme}]    content-type: ${h['content-type'] ?? '(none)'}; authorization: ${h.authorization ? mask(h.authorization) : '(none)'}`);
        log(`[${scheme}]    body: ${mask(r.postData())}`);
      }
    });
    page.on('response', async (r) => {
      if (r.url().includes('/auth/token')) {
        let body = '';
        try {
          body = await r.text();
        } catch {
          body = '(unreadable)';
        }
        log(`[${scheme}] <- ${r.status()} ${mask(body).slice(0, 300)}`);
      }
    });

    // 1. The page and its operations.
    log(`[${scheme}] open ${BASE}/docs`);
    const nav = await page.goto(`${BASE}/docs`, { waitUntil: 'domcontentloaded' });
    if (!nav || nav.status() !== 200) throw new Error(`GET /docs answered ${nav && nav.status()}`);
    const meSummary = page.locator('.opblock.opblock-get .opblock-summary', {
      has: page.locator('[data-path="/api/v1/users/me"]'),
    });
    await meSummary.waitFor({ state: 'visible' });
    const count = await page.locator('.opblock').count();
    log(`[${scheme}] ${count} operations listed; GET /api/v1/users/me is visible`);
    if (count < 5) throw new Error(`only ${count} operations listed`);

    // 2. Authorize.
    await page.locator('.scheme-container button.authorize').click();
    const modal = page.locator('.dialog-ux .modal-ux');
    await modal.waitFor({ state: 'visible' });
    const container = modal.locator('.auth-container', { has: page.locator('h4', { hasText: scheme }) });
    await container.waitFor({ state: 'visible' });

    if (scheme === 'oauth2') {
      await container.locator('#oauth_username').fill(USERNAME);
      await container.locator('#oauth_password').fill(PASSWORD);
    } else {
      const token = await apiLogin();
      await container.locator('input').first().fill(token);
    }
    await container.locator('button.authorize').click();

    // Authorized: the container shows a Logout button. Failed: an error block.
    const logout = container.locator('button', { hasText: /logout/i });
    const error = container.locator('.errors');
    await Promise.race([
      logout.waitFor({ state: 'visible' }),
      error.first().waitFor({ state: 'visible' }),
    ]);
    if (!(await logout.isVisible())) {
      const text = (await error.allInnerTexts()).join(' | ').replace(/\s+/g, ' ');
      throw new Error(`authorization with ${scheme} failed; Swagger UI shows: ${text}`);
    }
    log(`[${scheme}] authorized`);
    await modal.locator('button.close-modal').click();
    await modal.waitFor({ state: 'hidden' });

    // 3. GET /api/v1/users/me: expand, Try it out, Execute.
    await meSummary.click();
    const block = page.locator('.opblock.opblock-get.is-open', {
      has: page.locator('[data-path="/api/v1/users/me"]'),
    });
    await block.waitFor({ state: 'visible' });
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ state: 'visible' });
    const code = (await status.innerText()).trim();
    const body = await block.locator('.live-responses-table .response-col_description pre').first().innerText();
    log(`[${scheme}] GET /api/v1/users/me shown as ${code}: ${mask(body).replace(/\s+/g, ' ').slice(0, 200)}`);
    if (!/^200\b/.test(code)) throw new Error(`response code shown is ${code}, not 200`);
    if (!body.includes(`"${USERNAME}"`)) throw new Error(`response body does not contain "${USERNAME}"`);
    await status.scrollIntoViewIfNeeded();
    ok = true;
  } catch (e) {
    log(`[${scheme}] FAIL: ${e.message.split('\n')[0]}`);
  } finally {
    const shot = join(SHOT_DIR, `swagger-${scheme}-${ok ? 'ok' : 'fail'}.png`);
    if (page) {
      try {
        await page.screenshot({ path: shot, fullPage: false, timeout: STEP_MS });
        log(`[${scheme}] screenshot ${shot}`);
      } catch (e) {
        log(`[${scheme}] no screenshot: ${e.message.split('\n')[0]}`);
      }
    }
    for (const n of notes) log(`[${scheme}] ${n}`);
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  return ok;
}

const results = {};
for (const scheme of SCHEMES) results[scheme] = await runScheme(scheme);
const failed = Object.entries(results).filter(([, ok]) => !ok).map(([s]) => s);
for (const [s, ok] of Object.entries(results)) console.log(`${ok ? 'PASS' : 'FAIL'} swagger ${s}`);
console.log(`${SCHEMES.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
