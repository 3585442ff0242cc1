// MapLibre GL JS (vendored from npm) draws the vector tiles with the server's style
// (/api/style.json) in headless Chromium, offline: the screenshot test hides the Pays fill, then the
// names, and checks that each made pixels change, so that both were drawn. Then the same from a
// PMTiles archive (deploy/static-map.sh) on a plain static server that answers byte ranges, with no
// request to the territoires server. Screenshots in target/screenshots/maplibre-*.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT, env, openPage, screenshot, useServer } from './harness.mjs';

useServer();

/** Waits for the map to have loaded its style and drawn every tile in view. */
async function idle(page) {
  await page.waitForFunction(() => {
    const map = /** @type {any} */ (window).styleMap;
    return map && map.loaded() && map.areTilesLoaded() && !map.isMoving();
  }, null, { timeout: 60_000 });
  // One more frame, so that the canvas holds what the last event drew.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** The canvas's pixels (RGBA) as MapLibre last drew them. */
async function pixels(page) {
  const png = await page.locator('#map canvas').screenshot();
  return png;
}

/** How many bytes differ between two screenshots of the same size. */
function changed(a, b) {
  let n = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) n++;
  return n + Math.abs(a.length - b.length);
}

/**
 * Looks at Clermont-Ferrand at zoom 7, checks that the Pays fill, their names and the régions were
 * drawn, then hides the names and the fill in turn: each must change pixels.
 */
async function checkPaysDrawn(page, shot) {
  // The page imports MapLibre after it loads.
  await page.waitForFunction(() => /** @type {any} */ (window).styleMap, null, { timeout: 30_000 });
  await page.evaluate(() => /** @type {any} */ (window).styleMap.jumpTo({ center: [3.1, 45.8], zoom: 7 }));
  await idle(page);
  await screenshot(page, `${shot}.png`);

  const drawn = await page.evaluate(() => {
    const map = /** @type {any} */ (window).styleMap;
    const count = (layer) => map.queryRenderedFeatures({ layers: [layer] }).length;
    return { fill: count('pays-fill'), names: count('pays-names'), regions: count('regions-line') };
  });
  assert.ok(drawn.fill > 0 && drawn.regions > 0, JSON.stringify(drawn));
  assert.ok(drawn.names > 0, `no Pays name placed: ${JSON.stringify(drawn)}`);

  const all = await pixels(page);
  await page.evaluate(() => /** @type {any} */ (window).styleMap.setLayoutProperty('pays-names', 'visibility', 'none'));
  await idle(page);
  const withoutNames = await pixels(page);
  await page.evaluate(() => /** @type {any} */ (window).styleMap.setLayoutProperty('pays-fill', 'visibility', 'none'));
  await idle(page);
  const withoutFill = await pixels(page);
  await screenshot(page, `${shot}-bare.png`);
  assert.ok(changed(all, withoutNames) > 1000, 'the names drew nothing');
  assert.ok(changed(withoutNames, withoutFill) > 10_000, 'the Pays fill drew nothing');
}

test('MapLibre draws the Pays in their colours and their names, with no other host', async () => {
  const page = await openPage({ viewport: { width: 1000, height: 760 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.base}/style.html`);
  await checkPaysDrawn(page, 'maplibre-clermont');
  assert.deepEqual(errors, []);
  assert.deepEqual(env.foreignRequests, []);
  assert.deepEqual(env.cspViolations, []);
});

/** The static site and a plain file server for it, which answers `Range` as static hosts do. */
const site = { dir: '', base: '', requests: [] };
let staticServer;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.svg': 'image/svg+xml' };

before(async () => {
  site.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'territoires-static-'));
  execFileSync(path.join(ROOT, 'deploy', 'static-map.sh'), [site.dir], {
    env: { ...process.env, LAYERS: 'pays,departements,regions', MAXZOOM: '8' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  staticServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://static');
    const file = path.join(site.dir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    site.requests.push({ path: url.pathname, range: Boolean(range) });
    if (!file.startsWith(site.dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    const size = fs.statSync(file).size;
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    if (!range) {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Accept-Ranges': 'bytes' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(size - 1, range[2] ? Number(range[2]) : size - 1);
    res.writeHead(206, { 'Content-Type': type, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
    fs.createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  site.base = `http://127.0.0.1:${staticServer.address().port}`;
});

after(() => {
  staticServer?.close();
  if (site.dir) fs.rmSync(site.dir, { recursive: true, force: true });
});

test('the same map from a PMTiles archive on a static host, by byte ranges, with no server', async () => {
  const page = await openPage({ viewport: { width: 1000, height: 760 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const serverRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(env.base)) serverRequests.push(r.url()); });
  // The site's index opens the page on its archive.
  await page.goto(`${site.base}/`);
  await page.waitForURL(/style\.html\?pmtiles=france\.pmtiles$/);
  await checkPaysDrawn(page, 'maplibre-pmtiles-clermont');
  assert.match(await page.locator('.style-note').textContent() ?? '', /france\.pmtiles.*france\.style\.json/);
  assert.deepEqual(errors, []);
  assert.deepEqual(serverRequests, [], 'the static map asked the territoires server');
  assert.deepEqual(env.foreignRequests, []);
  const ranges = site.requests.filter((r) => r.path === '/france.pmtiles' && r.range);
  assert.ok(ranges.length >= 2, `the archive was not read by ranges: ${JSON.stringify(site.requests)}`);
});

test('an archive without its style says which style it looked for', async () => {
  const page = await openPage({}, { recordErrors: false });
  await page.goto(`${site.base}/style.html?pmtiles=elsewhere/missing.pmtiles`);
  const alert = page.getByRole('alert');
  await alert.waitFor({ state: 'visible', timeout: 30_000 });
  const text = await alert.textContent();
  assert.match(text ?? '', /elsewhere\/missing\.style\.json.*HTTP 404/);
});
