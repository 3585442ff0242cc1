// Shared set-up of the browser tests: the real server on a free port and Debian's chromium through
// playwright-core (never a downloaded browser). Used by every tests/web/*.test.mjs.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.TERRITOIRES_BIN || 'target/release/territoires');
export const DATA = path.resolve(ROOT, process.env.TERRITOIRES_DATA || 'geodata/build');
const WEB = path.join(ROOT, 'web');
export const SHOTS = path.join(ROOT, 'target', 'screenshots');

/** What the tests share: the server's base URL, and what pages logged or asked of other hosts. */
export const env = { base: null, browser: null, consoleErrors: [], foreignRequests: [], cspViolations: [] };
const contexts = [];
let server;
let serverExit = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (serverExit) throw new Error(`the server exited early (${serverExit})`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`no /healthz answer from ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Registers the server and browser start-up and tear-down with node:test. `serveArgs`, when given,
 * makes more arguments of `territoires serve` before it starts (a dataset to build first).
 * @param {{serveArgs?: () => Promise<string[]>}} [options]
 */
export function useServer({ serveArgs } = {}) {
  before(async () => {
    assert.ok(fs.existsSync(BIN), `server binary missing: ${BIN} (run make)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    const more = serveArgs ? await serveArgs() : [];
    const port = await freePort();
    env.base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', DATA, '--web', WEB, ...more], {
      cwd: ROOT,
      env: { ...process.env, RUST_LOG: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    server.on('exit', (code, signal) => { serverExit = `code ${code}, signal ${signal}`; });
    process.once('exit', () => { if (!serverExit) server.kill('SIGKILL'); });
    await waitHealthy(env.base, 60_000);
    env.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    // Every page of every test ran under the server's Content-Security-Policy: nothing it refused.
    assert.deepEqual(env.cspViolations, [], 'the pages broke their Content-Security-Policy');
    for (const c of contexts) await c.close().catch(() => {});
    await env.browser?.close().catch(() => {});
    if (server && !serverExit) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });
}

/**
 * A fresh context (empty cache) and page that records console errors (unless `recordErrors` is false,
 * for a page expected to log some) and foreign requests.
 */
export async function openPage(options = {}, { recordErrors = true } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', acceptDownloads: true, ...options });
  contexts.push(context);
  const page = await context.newPage();
  // A refusal to be framed is the policy working (the embed test provokes one); any other is a page bug.
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text()) && !/frame-ancestors/.test(m.text())) env.cspViolations.push(m.text());
  });
  if (recordErrors) {
    page.on('console', (m) => { if (m.type() === 'error') env.consoleErrors.push(`${m.text()} @ ${m.location()?.url || ''}`); });
    page.on('pageerror', (e) => env.consoleErrors.push(`pageerror: ${e.message}`));
  }
  page.on('request', (r) => {
    const url = new URL(r.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') env.foreignRequests.push(r.url());
    if (url.protocol === 'ws:' || url.protocol === 'wss:') env.foreignRequests.push(r.url());
  });
  return page;
}

/** Waits until the layers are drawn and nothing (layer, selection, simulation) is loading. */
export async function settled(page) {
  await page.waitForFunction(() => window.territoires?.idle() && window.territoires.drawn().length > 0, null, { timeout: 30_000 });
}

/** The page position of (lat, lon) once the map shows it at `zoom` (no animation). */
export async function mapPoint(page, lat, lon, zoom) {
  await page.evaluate(([la, lo, z]) => { window.territoiresMap.setView([la, lo], z, { animate: false }); }, [lat, lon, zoom]);
  await settled(page);
  return page.evaluate(([la, lo]) => {
    const map = window.territoiresMap;
    const p = map.latLngToContainerPoint([la, lo]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lat, lon]);
}

export const getJSON = async (url) => (await fetch(`${env.base}${url}`)).json();
export const screenshot = (page, name) => page.screenshot({ path: path.join(SHOTS, name) });

/** Types `text` in the combobox `#id` and picks its first option with the keyboard (ArrowDown, Enter). */
export async function pickFirstOption(page, id, text) {
  await page.fill(`#${id}`, text);
  await page.waitForSelector(`#${id}-list [role="option"][data-index]`);
  await page.focus(`#${id}`);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute(`#${id}`, 'aria-activedescendant'), `${id}-opt-0`);
  await page.keyboard.press('Enter');
}
