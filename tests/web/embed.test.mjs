// Browser tests of the embeddable widget « Trouver mon Pays » (/embed): the real server on a free port,
// Debian's chromium through playwright-core (harness.mjs). A second local HTTP server plays the
// other site that frames the widget. Screenshots go to target/screenshots/embed-*.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { env, getJSON, openPage as openHarnessPage, screenshot, SHOTS, useServer } from './harness.mjs';

const FIRST_LOAD_BUDGET = 300 * 1024;
const THIERACHE = '200051118';

let host; // the "other site": a page framing the widget and the map
let hostBase;

useServer();

before(async () => {
  // Another origin (another port): GET /?src=URL answers a page with that URL in an <iframe>.
  host = http.createServer((req, res) => {
    const src = new URL(req.url, 'http://x').searchParams.get('src') || '';
    const attr = src.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site d’une commune</title></head>
      <body style="margin:0;font-family:sans-serif;background:#f3efe6"><p style="margin:8px">Le site de la commune</p>
      <iframe id="frame" src="${attr}" title="Trouver mon Pays" width="600" height="560" style="border:0"></iframe></body></html>`);
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostBase = `http://127.0.0.1:${host.address().port}`;
});

after(async () => {
  await new Promise((r) => (host ? host.close(r) : r()));
});

/** The harness's page (empty cache, no cookie), in a widget-sized window by default. */
const openPage = (options = {}, record) => openHarnessPage({ viewport: { width: 600, height: 560 }, ...options }, record);

/** Waits until the widget has loaded what it asked for. */
async function settled(frame) {
  await frame.waitForFunction(() => window.territoiresEmbed?.idle() && !document.querySelector('main[aria-busy]'), null, { timeout: 30_000 });
}

/** Types `text` in the widget's search box and picks the first commune with the keyboard. */
async function chooseCommune(frame, text) {
  const before = await frame.getAttribute('#answer', 'data-commune');
  await frame.fill('#q', text);
  await frame.waitForSelector('#q-list [role="option"][data-index]');
  await frame.press('#q', 'ArrowDown');
  assert.equal(await frame.getAttribute('#q', 'aria-activedescendant'), 'q-opt-0');
  await frame.press('#q', 'Enter');
  await frame.waitForFunction((b) => document.querySelector('#answer')?.dataset.commune !== b, before);
  await settled(frame);
  return (await frame.textContent('#answer')).replace(/\s+/g, ' ').trim();
}

test('first load of /embed?pays= stays within 300 KB and sets no cookie', async () => {
  const page = await openPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  const sizes = new Map();
  cdp.on('Network.responseReceived', (e) => sizes.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    const url = sizes.get(e.requestId) || '?';
    sizes.set(e.requestId, `${url.replace(env.base, '')} ${e.encodedDataLength}`);
  });
  const setCookies = [];
  page.on('response', async (r) => {
    const headers = await r.allHeaders();
    if ('set-cookie' in headers) setCookies.push(r.url());
  });
  await page.goto(`${env.base}/embed?pays=${THIERACHE}`, { waitUntil: 'networkidle' });
  await settled(page);
  console.log(`embed first load: ${bytes} bytes in ${sizes.size} requests\n  ${[...sizes.values()].join('\n  ')}`);
  assert.ok(bytes > 0);
  assert.ok(bytes <= FIRST_LOAD_BUDGET, `first load transferred ${bytes} bytes`);
  assert.deepEqual(await page.context().cookies(), []);
  assert.deepEqual(setCookies, []);
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
});

test('the widget for one PETR names it and answers for a commune inside and outside it', async () => {
  const page = await openPage();
  const petr = await getJSON(`/api/territories/pays/${THIERACHE}`);
  await page.goto(`${env.base}/embed?pays=${THIERACHE}`);
  await settled(page);
  assert.equal((await page.textContent('h1')).trim(), petr.name);
  assert.match(await page.textContent('#lead'), new RegExp(`${new Intl.NumberFormat('fr-FR').format(petr.population).replace(/\s/g, '\\s')} habitants`));
  assert.equal(await page.isHidden('#notice'), true);
  const outlined = await page.evaluate(() => {
    let n = 0;
    window.territoiresEmbed.map.eachLayer((l) => { if (l.feature) n += 1; });
    return n;
  });
  assert.ok(outlined > 1, 'the PETR is drawn over the régions');

  const vervins = (await getJSON('/api/search?q=Vervins')).results.find((r) => r.layer === 'communes' && r.name === 'Vervins');
  const inside = await chooseCommune(page, 'Vervins');
  assert.ok(inside.includes(`${vervins.name}`), inside);
  assert.match(inside, /fait partie/);
  assert.ok(inside.includes(petr.name), inside);
  assert.doesNotMatch(inside, /n[’']en fait pas partie/);
  const link = page.locator('#answer a[href^="/territoire/"]').first();
  assert.equal(await link.getAttribute('href'), `/territoire/pays/${THIERACHE}`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.getAttribute('rel'), /noopener/);
  await screenshot(page, 'embed-inside.png');

  const clermont = (await getJSON('/api/search?q=Clermont-Ferrand')).results.find((r) => r.layer === 'communes');
  const outside = await chooseCommune(page, 'Clermont-Ferrand');
  assert.match(outside, /Clermont-Ferrand.*n[’']en fait pas partie/);
  for (const p of clermont.pays) assert.ok(outside.includes(p.name), `${outside} names ${p.name}`);
  await screenshot(page, 'embed-outside.png');

  // The search is a keyboard combobox: Escape closes the list, a postcode finds the commune.
  await page.fill('#q', '02140');
  await page.waitForSelector('#q-list [role="option"][data-index]');
  assert.equal(await page.getAttribute('#q', 'aria-expanded'), 'true');
  await page.press('#q', 'Escape');
  assert.equal(await page.getAttribute('#q', 'aria-expanded'), 'false');
});

test('without ?pays the widget names the commune\'s Pays, or says there is none', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/embed`);
  await settled(page);
  assert.equal((await page.textContent('h1')).trim(), 'Trouver mon Pays');
  await screenshot(page, 'embed-start.png');
  const search = (await getJSON('/api/search?q=63000')).results.find((r) => r.layer === 'communes');
  const text = await chooseCommune(page, '63000');
  assert.ok(text.includes(search.name) && text.includes(search.pays[0].name), text);
  assert.match(text, /fait partie/);
  // Paris belongs to no Pays in the data.
  const paris = (await getJSON('/api/search?q=Paris')).results.find((r) => r.layer === 'communes' && r.name === 'Paris');
  assert.deepEqual(paris.pays, []);
  assert.match(await chooseCommune(page, 'Paris'), /ne fait partie d[’']aucun Pays \/ PETR connu ici/);
  await screenshot(page, 'embed-no-pays.png');
});

test('an unknown ?pays id is said in French, and the search still works', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/embed?pays=999999999`);
  await settled(page);
  assert.equal(await page.isVisible('#notice'), true);
  assert.match(await page.textContent('#notice'), /Le Pays ou PETR « 999999999 » .* inconnu/);
  assert.match(await chooseCommune(page, 'Vervins'), /Vervins.*fait partie/);
  await screenshot(page, 'embed-unknown.png');
});

test('another site may frame /embed, and no other page', async () => {
  // The headers first: only /embed may be framed, by anyone.
  const ancestors = (r) => (r.headers.get('content-security-policy') || '')
    .split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors'));
  const embed = await fetch(`${env.base}/embed`);
  assert.equal(ancestors(embed), 'frame-ancestors *');
  assert.equal(embed.headers.get('x-frame-options'), null);
  for (const p of ['/', '/index.html', '/api/layers', '/js/pages/embed.js']) {
    const r = await fetch(`${env.base}${p}`);
    assert.equal(ancestors(r), "frame-ancestors 'none'", p);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
  }

  const page = await openPage({ viewport: { width: 640, height: 620 } });
  await page.goto(`${hostBase}/?src=${encodeURIComponent(`${env.base}/embed?pays=${THIERACHE}`)}`);
  const frame = await (await page.waitForSelector('#frame')).contentFrame();
  await settled(frame);
  const petr = await getJSON(`/api/territories/pays/${THIERACHE}`);
  assert.equal((await frame.textContent('h1')).trim(), petr.name);
  assert.match(await chooseCommune(frame, 'Vervins'), /fait partie/);
  assert.deepEqual(await page.context().cookies(), []);
  await screenshot(page, 'embed-framed.png');

  // The map page in the same frame is refused by the browser: no document of ours in it.
  const blocked = await openPage({}, { recordErrors: false });
  const refusals = [];
  blocked.on('console', (m) => refusals.push(m.text()));
  await blocked.goto(`${hostBase}/?src=${encodeURIComponent(`${env.base}/`)}`, { waitUntil: 'load' });
  const mainFrame = await (await blocked.waitForSelector('#frame')).contentFrame();
  await blocked.waitForTimeout(500);
  const hasMap = await mainFrame.evaluate(() => !!document.getElementById('map')).catch(() => false);
  assert.equal(hasMap, false, `the map page rendered in a frame (${mainFrame.url()})`);
  assert.ok(refusals.some((t) => /frame-ancestors|X-Frame-Options/i.test(t)), refusals.join('\n'));
});

test('the « Données » panel gives the <iframe> snippet, for one Pays or none, and copies it', async () => {
  const page = await openPage({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
  await page.goto(`${env.base}/#onglet=donnees`);
  await page.waitForSelector('#embed-pays option[value]:not([value=""])', { state: 'attached' });
  const code = () => page.inputValue('#embed-code');
  assert.equal(await code(), `<iframe src="${env.base}/embed" title="Trouver mon Pays" width="100%" height="560" style="border:0;max-width:640px" loading="lazy"></iframe>`);
  const petr = await getJSON(`/api/territories/pays/${THIERACHE}`);
  await page.selectOption('#embed-pays', THIERACHE);
  const snippet = await code();
  assert.ok(snippet.includes(`src="${env.base}/embed?pays=${THIERACHE}"`), snippet);
  assert.ok(snippet.includes(`title="Trouver mon Pays : ${petr.name}"`), snippet);
  assert.equal(await page.getAttribute('#embed-preview', 'href'), `/embed?pays=${THIERACHE}`);
  await page.click('#embed-copy');
  await page.waitForFunction(() => document.getElementById('embed-status').textContent.includes('copié'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
  await page.locator('#embed-form').screenshot({ path: path.join(SHOTS, 'embed-snippet.png') });

  // Without the Clipboard API, the text is selected and copied the old way, or the user is told how.
  await page.evaluate(() => { Object.defineProperty(navigator, 'clipboard', { value: undefined }); });
  await page.click('#embed-copy');
  await page.waitForFunction(() => /copié|Ctrl\+C/.test(document.getElementById('embed-status').textContent));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'embed-code');
});

test('the « Données » panel offers every layer as FlatGeobuf and GeoPackage, and they download', async () => {
  const page = await openPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await page.goto(`${env.base}/#onglet=donnees`);
  await page.waitForSelector('#downloads a');
  const { layers } = await getJSON('/api/layers');
  for (const l of layers) {
    const item = page.locator(`#downloads li[data-layer="${l.id}"]`);
    for (const [extension, label] of [['geojson', 'GeoJSON'], ['csv', 'CSV'], ['fgb', 'FlatGeobuf'], ['gpkg', 'GeoPackage']]) {
      const link = item.locator(`a[href^="/api/layers/${l.id}.${extension}"]`);
      assert.equal(await link.count(), 1, `${l.id}.${extension}`);
      assert.ok((await link.innerText()).startsWith(label), `${l.id}.${extension}`);
    }
  }
  // Two real downloads: each file starts with its format's signature.
  const signatures = { fgb: Buffer.from([0x66, 0x67, 0x62, 0x03]), gpkg: Buffer.from('SQLite format 3\0', 'latin1') };
  for (const [extension, signature] of Object.entries(signatures)) {
    const link = page.locator(`#downloads li[data-layer="pays"] a[href="/api/layers/pays.${extension}"]`);
    await link.scrollIntoViewIfNeeded();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), `pays.${extension}`);
    const bytes = fs.readFileSync(await download.path());
    assert.ok(bytes.length > 1000, `pays.${extension}: ${bytes.length} bytes`);
    assert.deepEqual(bytes.subarray(0, signature.length), signature, `pays.${extension}`);
  }
  await page.locator('#downloads li[data-layer="pays"]').screenshot({ path: path.join(SHOTS, 'data-downloads.png') });
  await page.close();
});

test('no console error, nothing fetched from another site', () => {
  // The browser logs the unknown Pays's 404, which the widget expects and words itself.
  const expected = (e) => /404/.test(e) && e.includes('/api/territories/pays/999999999');
  assert.deepEqual(env.consoleErrors.filter((e) => !expected(e)), []);
  assert.deepEqual(env.foreignRequests, []);
});
