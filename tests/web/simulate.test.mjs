// Browser tests of the « Simuler un périmètre » panel against the real server: every figure shown is
// compared with what /api/simulate answers for the same draft (never a hard-coded number).
// Screenshots go to target/screenshots/simulate-*.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, DATA, ROOT, env, getJSON, mapPoint, openPage, pickFirstOption, screenshot, settled, useServer } from './harness.mjs';

useServer();

const MOULINS = '200071140'; // CA Moulins Communauté
const SAINT_POURCAIN = '200071389'; // CC Saint-Pourçain Sioule Limagne
const THIERACHE = '200051118'; // PETR du Pays de Thiérache

const simulate = (sirens, replaces) => getJSON(`/api/simulate?epci=${sirens.join(',')}${replaces ? `&replaces=${replaces}` : ''}`);

/** Waits until the simulator has computed the draft `sirens` (in that order) and drawn it. */
async function simulated(page, sirens) {
  await page.waitForFunction((want) => {
    const sim = window.territoires?.simulator;
    return sim && window.territoires.idle() && sim.answer
      && sim.members.join(',') === want && sim.answer.epci.map((e) => e.siren).join(',') === want;
  }, sirens.join(','), { timeout: 30_000 });
}

/** The API's figures as the page formats them (fmt.js), computed independently with Intl in the page. */
function formatted(page, figures) {
  return page.evaluate((f) => {
    const n0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
    const n1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return {
      population: `${n0.format(f.population)}\u00a0hab.`,
      area_km2: `${(f.area_km2 < 100 ? n1 : n0).format(f.area_km2)}\u00a0km²`,
      communes: n0.format(f.communes),
      epci: n0.format(f.epci),
    };
  }, figures);
}

const percent = (page, v) => page.evaluate((x) => `${new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x)}\u00a0%`, v);

async function shownFigures(page) {
  return page.$$eval('#sim-summary [data-sim-fig]', (els) => Object.fromEntries(els.map((e) => [e.dataset.simFig, e.textContent.trim()])));
}

/** The four checks as shown: {key: {ok, text}}. */
async function shownChecks(page) {
  return page.$$eval('#sim-result [data-check]', (els) => Object.fromEntries(els.map((e) => [e.dataset.check, { ok: e.dataset.ok === 'true', text: e.innerText }])));
}

/** Every figure, check and coverage row of the page against the API's answer. */
async function assertMatchesApi(page, api) {
  assert.deepEqual(await shownFigures(page), await formatted(page, api.figures));
  const checks = await shownChecks(page);
  assert.deepEqual(Object.keys(checks).sort(), Object.keys(api.checks).sort());
  for (const [key, c] of Object.entries(api.checks)) {
    assert.equal(checks[key].ok, c.ok, key);
    // Status in words (never colour alone) and an icon.
    assert.match(checks[key].text, c.ok ? / : respecté(?!\S)/ : / : non respecté(?!\S)/, key);
    assert.equal(await page.locator(`#sim-result [data-check="${key}"] svg.chk-icon`).count(), 1, key);
  }
  const rows = page.locator('#sim-result table.sim-cov tbody tr');
  assert.equal(await rows.count(), api.coverage.scopes.length);
  for (const [i, s] of api.coverage.scopes.entries()) {
    const row = rows.nth(i);
    const text = await row.innerText();
    assert.ok(text.includes(s.scope.name), text);
    const area = await row.locator('[data-share="area"]').innerText();
    assert.ok(area.includes(await percent(page, s.before.covered_area_pct)) && area.includes(await percent(page, s.after.covered_area_pct)), area);
    const pop = await row.locator('[data-share="population"]').innerText();
    assert.ok(pop.includes(await percent(page, s.before.covered_population_pct)) && pop.includes(await percent(page, s.after.covered_population_pct)), pop);
  }
  for (const m of api.meets) {
    assert.equal(await page.locator(`#sim-result [data-meets-layer="${m.layer}"] [data-meets]`).count(), m.features.length, m.layer);
  }
}

/** Chooses the first EPCI the simulator's search box offers for `text`, with the keyboard. */
async function addBySearch(page, text) {
  await pickFirstOption(page, 'sim-q', text);
}

/** Ink pixels on the simulator's canvas (the draft is drawn there). */
const simInk = (page) => page.evaluate(() => {
  const canvas = document.querySelector('.leaflet-pane-sim-pane canvas');
  if (!canvas) return 0;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 3; i < data.length; i += 4 * 5) if (data[i] > 0) ink += 1;
  return ink;
});

test('simulator: CA Moulins Communauté + CC Saint-Pourçain Sioule Limagne by search, figures and checks from /api/simulate', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.click('#tab-simuler');
  // The EPCI limits are shown while the panel is open, but stay out of the permalink's layers.
  await page.waitForFunction(() => window.territoires.drawn().includes('epci'));
  await settled(page);
  assert.match(await page.locator('#sim-summary').innerText(), /Ajoutez des EPCI/);

  await addBySearch(page, 'Moulins Communauté');
  await simulated(page, [MOULINS]);
  await addBySearch(page, 'Saint-Pourçain Sioule');
  await simulated(page, [MOULINS, SAINT_POURCAIN]);

  const api = await simulate([MOULINS, SAINT_POURCAIN]);
  await assertMatchesApi(page, api);
  const population = await page.locator('#sim-summary [data-sim-fig="population"]').innerText();
  assert.equal(population, (await formatted(page, api.figures)).population);
  const contiguous = page.locator('#sim-result [data-check="contiguous"]');
  assert.equal(await contiguous.getAttribute('data-ok'), 'true');
  assert.match(await contiguous.innerText(), /D’un seul tenant : respecté/);

  // Members listed with a labelled remove button each; the summary is a polite live region.
  assert.deepEqual(await page.$$eval('#sim-members li[data-siren]', (els) => els.map((e) => e.dataset.siren)), [MOULINS, SAINT_POURCAIN]);
  for (const e of api.epci) {
    assert.equal(await page.getAttribute(`#sim-members [data-remove="${e.siren}"]`, 'aria-label'), `Retirer ${e.name} du projet`);
  }
  assert.equal(await page.getAttribute('#sim-summary', 'aria-live'), 'polite');

  // The permalink holds the draft; the draft is drawn and listed in the legend.
  await page.waitForFunction((want) => location.hash.includes(`sim=${want}`), `${MOULINS},${SAINT_POURCAIN}`);
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /onglet=simuler/);
  assert.doesNotMatch(hash, /couches=[^&]*epci/);
  assert.ok(await page.evaluate(() => window.territoires.simulator.answer.geometry.type === 'MultiPolygon'));
  assert.ok(await simInk(page) > 500, 'the draft is drawn');
  assert.equal(await page.locator('#legend [data-extra="sim"]').count(), 1);
  await screenshot(page, 'simulate-desktop.png');

  // Leaving the panel takes the EPCI limits and the draft off the map; the draft stays in the URL.
  await page.click('#tab-couches');
  await page.waitForFunction(() => !window.territoires.drawn().includes('epci'));
  assert.equal(await page.isChecked('#toggle-epci'), false);
  assert.equal(await page.locator('#legend [data-extra="sim"]').count(), 0);
  assert.match(await page.evaluate(() => location.hash), /sim=200071140,200071389/);
  await page.close();
});

test('simulator: clicking EPCIs on the map toggles them; a far one is not « d’un seul tenant »', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#onglet=simuler&sim=${MOULINS}`);
  await simulated(page, [MOULINS]);
  await settled(page);
  assert.equal(await page.getAttribute('#sim-result [data-check="contiguous"]', 'data-ok'), 'true');

  // Clermont-Ferrand's EPCI is two EPCIs away from Moulins.
  const [lat, lon] = [45.7772, 3.0870];
  const loc = await getJSON(`/api/locate?lat=${lat}&lon=${lon}`);
  const far = loc.layers.find((l) => l.layer === 'epci').features[0];
  const at = await mapPoint(page, lat, lon, 9);
  await page.mouse.click(at.x, at.y);
  await simulated(page, [MOULINS, far.id]);
  await mapPoint(page, 46.2, 3.2, 8);

  const api = await simulate([MOULINS, far.id]);
  assert.equal(api.checks.contiguous.ok, false);
  await assertMatchesApi(page, api);
  const contiguous = page.locator('#sim-result [data-check="contiguous"]');
  assert.equal(await contiguous.getAttribute('data-ok'), 'false');
  assert.match(await contiguous.innerText(), /D’un seul tenant : non respecté/);
  // Each part is listed with its EPCIs.
  const parts = contiguous.locator('ol.sim-parts > li');
  assert.equal(await parts.count(), api.checks.contiguous.parts.length);
  for (const [i, part] of api.checks.contiguous.parts.entries()) {
    const text = await parts.nth(i).innerText();
    for (const e of part) assert.ok(text.includes(e.name), `${e.name} in part ${i}: ${text}`);
  }
  assert.match(await page.locator('#sim-summary').innerText(), /non respectée/);
  assert.ok(await simInk(page) > 500);
  await screenshot(page, 'simulate-desktop-apart.png');

  // A second click on the same EPCI takes it out again; Entrée on the map toggles the EPCI at its centre.
  const again = await mapPoint(page, lat, lon, 9);
  await page.mouse.click(again.x, again.y);
  await simulated(page, [MOULINS]);
  await mapPoint(page, lat, lon, 9);
  await page.focus('#map');
  await page.keyboard.press('Enter');
  await simulated(page, [MOULINS, far.id]);
  await page.close();
});

/** The member EPCIs of a Pays per the API: its declared members that the EPCI layer has (else the EPCIs it overlaps). */
async function paysEpcis(id) {
  const t = await getJSON(`/api/territories/pays/${id}`);
  const layer = new Set((t.overlays?.epci || []).map((e) => String(e.id)));
  const declared = t.properties?.members;
  return Array.isArray(declared) ? declared.map(String).filter((s) => layer.has(s)) : [...layer];
}

test('simulator: starting from PETR du Pays de Thiérache loads its EPCIs; a permalink restores the draft', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.click('#tab-simuler');
  await page.waitForSelector(`#sim-base option[value="${THIERACHE}"]`, { state: 'attached' });
  await page.selectOption('#sim-base', THIERACHE);
  await page.click('#sim-base-form button[type="submit"]');
  const members = await paysEpcis(THIERACHE);
  assert.ok(members.length > 1);
  await simulated(page, members);
  assert.equal(await page.locator('#sim-members li[data-siren]').count(), members.length);
  assert.match(await page.locator('#sim-count').innerText(), new RegExp(`\\(${members.length}\\)`));
  assert.equal(await page.locator(`#sim-base-note [data-sim-base="${THIERACHE}"]`).count(), 1);
  const api = await simulate(members, THIERACHE);
  await assertMatchesApi(page, api);
  // The members of the territory it replaces are not "in another PETR".
  assert.equal(await page.getAttribute('#sim-result [data-check="epci_in_other_petr"]', 'data-ok'), String(api.checks.epci_in_other_petr.ok));
  await page.locator('#sim-result .sim-meets-box').scrollIntoViewIfNeeded();
  await screenshot(page, 'simulate-desktop-thierache.png');

  // Remove one member with the keyboard: the focus moves to the next remove button.
  const removed = members[1];
  await page.focus(`#sim-members [data-remove="${removed}"]`);
  await page.keyboard.press('Enter');
  const rest = members.filter((s) => s !== removed);
  await simulated(page, rest);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.remove), rest[1] ?? rest[0]);
  await assertMatchesApi(page, await simulate(rest, THIERACHE));
  await page.waitForFunction(([sim, base]) => location.hash.includes(`sim=${sim}`) && location.hash.includes(`simbase=${base}`), [rest.join(','), THIERACHE]);
  const url = page.url();

  const check = async (p) => {
    await simulated(p, rest);
    await settled(p);
    assert.deepEqual(await p.$$eval('#sim-members li[data-siren]', (els) => els.map((e) => e.dataset.siren)), rest);
    await p.waitForSelector(`#sim-base-note [data-sim-base="${THIERACHE}"]`);
    assert.match(await p.locator('#sim-base-note').innerText(), /Thiérache/);
    assert.equal(await p.getAttribute('#tab-simuler', 'aria-selected'), 'true');
    await assertMatchesApi(p, await simulate(rest, THIERACHE));
  };
  await page.reload();
  await check(page);
  const other = await openPage();
  await other.goto(url);
  await check(other);
  await other.close();
  await page.close();
});

/** The EPCIs that share a border with `siren` (vertices in common in the EPCI layer's shared arcs). */
async function neighbours(siren, name) {
  const found = await getJSON(`/api/search?q=${encodeURIComponent(name)}&limit=5`);
  const [w, s, e, n] = found.results.find((r) => r.id === siren).bbox;
  const layer = await getJSON(`/api/layers/epci.geojson?zoom=10&bbox=${[w - 0.3, s - 0.3, e + 0.3, n + 0.3].map((v) => v.toFixed(3)).join(',')}`);
  const vertices = (g) => new Set((g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat(2).map((c) => c.join(',')));
  const own = vertices(layer.features.find((f) => f.properties.id === siren).geometry);
  return layer.features
    .filter((f) => f.properties.id !== siren && [...vertices(f.geometry)].filter((v) => own.has(v)).length > 1)
    .map((f) => f.properties.id);
}

test('simulator: a ring of EPCIs around Clermont Auvergne Métropole is not « sans enclave », and names it', async () => {
  const CLERMONT = '246300701';
  const ring = await neighbours(CLERMONT, 'Clermont Auvergne Métropole');
  assert.ok(ring.length >= 3, ring.join(','));
  const api = await simulate(ring);
  assert.equal(api.checks.no_enclave.ok, false, 'the API sees the enclave');
  const page = await openPage();
  await page.goto(`${env.base}/#onglet=simuler&sim=${ring.join(',')}`);
  await simulated(page, ring);
  await settled(page);
  await assertMatchesApi(page, api);
  const check = page.locator('#sim-result [data-check="no_enclave"]');
  assert.match(await check.innerText(), /Sans enclave : non respecté/);
  for (const en of api.checks.no_enclave.enclaves) {
    const item = check.locator(`[data-enclave="${en.epci.map((e) => e.siren).join(',')}"]`);
    for (const e of en.epci) assert.ok((await item.innerText()).includes(e.name), e.name);
  }
  // The enclave is outlined on the map and in the legend (folded at first under 900 px tall).
  await page.click('#legend summary');
  await page.waitForSelector('#legend details[open] [data-extra="sim"]');
  assert.match(await page.locator('#legend [data-extra="sim"]').innerText(), /Enclave/);
  await check.scrollIntoViewIfNeeded();
  await screenshot(page, 'simulate-desktop-enclave.png');
  await page.close();
});

test('simulator downloads: the CSV lists the member EPCIs, the GeoJSON holds the shape and figures', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#onglet=simuler&sim=${MOULINS},${SAINT_POURCAIN}`);
  await simulated(page, [MOULINS, SAINT_POURCAIN]);
  const api = await simulate([MOULINS, SAINT_POURCAIN]);

  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#sim-dl-csv')]);
  assert.match(csvDownload.suggestedFilename(), /\.csv$/);
  const csv = fs.readFileSync(await csvDownload.path(), 'utf8').trim().split(/\r?\n/);
  assert.equal(csv[0], 'siren,nom,population,communes,superficie_km2');
  assert.equal(csv.length, 1 + api.epci.length);
  for (const [i, e] of api.epci.entries()) {
    const [siren, name, population, communes, area] = csv[i + 1].split(',');
    assert.equal(siren, e.siren);
    assert.equal(name, e.name);
    assert.equal(Number(population), e.population);
    assert.equal(Number(communes), e.communes);
    assert.ok(Math.abs(Number(area) - e.area_km2) < 0.01, `${area} vs ${e.area_km2}`);
  }

  const [geoDownload] = await Promise.all([page.waitForEvent('download'), page.click('#sim-dl-geojson')]);
  assert.match(geoDownload.suggestedFilename(), /\.geojson$/);
  const geo = JSON.parse(fs.readFileSync(await geoDownload.path(), 'utf8'));
  assert.equal(geo.type, 'FeatureCollection');
  assert.equal(geo.features.length, 1);
  const [f] = geo.features;
  assert.equal(f.geometry.type, 'MultiPolygon');
  assert.ok(f.geometry.coordinates.length > 0 && f.geometry.coordinates[0][0].length > 10);
  assert.equal(f.properties.population, api.figures.population);
  assert.equal(f.properties.communes, api.figures.communes);
  assert.equal(f.properties.epci, `${MOULINS},${SAINT_POURCAIN}`);
  assert.ok(Math.abs(f.properties.area_km2 - api.figures.area_km2) < 0.01);
  assert.equal(f.properties.contiguous, api.checks.contiguous.ok);
  // The shape covers the members: their bounding boxes (from the search) lie within the shape's.
  const xs = f.geometry.coordinates.flat(2).map((c) => c[0]);
  const ys = f.geometry.coordinates.flat(2).map((c) => c[1]);
  const search = await getJSON('/api/search?q=Moulins%20Communaut%C3%A9&limit=5');
  const bbox = search.results.find((r) => r.id === MOULINS).bbox;
  const eps = 0.01;
  assert.ok(Math.min(...xs) <= bbox[0] + eps && Math.max(...xs) >= bbox[2] - eps, 'longitudes');
  assert.ok(Math.min(...ys) <= bbox[1] + eps && Math.max(...ys) >= bbox[3] - eps, 'latitudes');
  await page.close();
});

test('simulator downloads: the draft as a row of pays-petr.csv, which import-territories adds to the layer', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#onglet=simuler&sim=${MOULINS},${SAINT_POURCAIN}`);
  await simulated(page, [MOULINS, SAINT_POURCAIN]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sim-dl-row')]);
  assert.match(download.suggestedFilename(), /pays-petr\.csv$/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'territoires-draft-'));
  const row = path.join(dir, 'projet.csv');
  fs.copyFileSync(await download.path(), row);
  const lines = fs.readFileSync(row, 'utf8').trim().split(/\r?\n/);
  assert.equal(lines[0], 'id,name,kind,status,vintage,source,members');
  assert.equal(lines.length, 2);
  assert.match(lines[1], new RegExp(`^projet-${MOULINS},"?Projet de périmètre \\(2 EPCI\\)"?,Pays,projet,\\d{4}-\\d{2},.*,${MOULINS};${SAINT_POURCAIN}$`));

  // The command of « Vos listes de territoires » takes the row as it is, over the layer's file.
  const geodata = process.env.TERRITOIRES_GEODATA || path.join(ROOT, '..', 'shared', 'geodata');
  const shipped = path.join(geodata, 'territoires', 'pays-petr.csv');
  const out = path.join(dir, 'pays-petr.csv');
  execFileSync(BIN, ['import-territories', row, '--data', DATA, '--vintage', '2026-12', '--source', 'simulateur',
    '--over', shipped, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const merged = fs.readFileSync(out, 'utf8').trim().split(/\r?\n/);
  assert.equal(merged.length, fs.readFileSync(shipped, 'utf8').trim().split(/\r?\n/).length + 1);
  assert.match(merged.at(-1) ?? '', new RegExp(`^projet-${MOULINS},.*,${MOULINS};${SAINT_POURCAIN}$`));
  fs.rmSync(dir, { recursive: true, force: true });
  await page.close();
});

test('simulator: an API error is said in French in the panel', async () => {
  const page = await openPage();
  const bad = '999999999';
  page.on('console', () => {}); // the 400 below is expected
  await page.goto(`${env.base}/#onglet=simuler&sim=${MOULINS},${bad}`);
  await page.waitForSelector('#sim-error [data-sim-error]');
  const text = await page.locator('#sim-error').innerText();
  assert.match(text, /SIREN inconnu/);
  assert.ok(text.includes(bad));
  assert.equal(await page.getAttribute('#sim-error', 'role'), 'alert');
  // The unknown member is listed and can be removed; the draft then computes.
  await page.click(`#sim-members [data-remove="${bad}"]`);
  await simulated(page, [MOULINS]);
  assert.equal(await page.locator('#sim-error [data-sim-error]').count(), 0);
  // The expected 400 is the only console error of this page.
  const errors = env.consoleErrors.splice(0);
  assert.ok(errors.every((e) => /status of 400/.test(e)), errors.join('\n'));
  await page.close();
});

test('simulator on a 375×812 phone: panel, members and checks fit', async () => {
  const page = await openPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.locator('#tab-simuler').tap();
  await page.locator('#sim-q').tap();
  await addBySearch(page, 'Moulins Communauté');
  await simulated(page, [MOULINS]);
  await addBySearch(page, 'Saint-Pourçain Sioule');
  await simulated(page, [MOULINS, SAINT_POURCAIN]);
  await settled(page);
  const tabs = await page.locator('[role="tab"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
  assert.ok(Math.max(...tabs) <= 375 + 0.5, `tabs fit: ${tabs}`);
  const map = await page.locator('#map').boundingBox();
  assert.ok(map.height >= 200, 'the map stays visible above the sheet');
  await screenshot(page, 'simulate-mobile.png');
  for (const sel of [`#sim-members [data-remove="${SAINT_POURCAIN}"]`, '#sim-result [data-check="contiguous"]', '#sim-result table.sim-cov']) {
    const el = page.locator(sel);
    await el.scrollIntoViewIfNeeded();
    const box = await el.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 375 + 0.5, `${sel} ${JSON.stringify(box)}`);
  }
  await page.locator('#sim-result [data-check="contiguous"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'simulate-mobile-checks.png');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');
  await page.close();
});

test('simulator pages: no console errors and no request left 127.0.0.1', () => {
  assert.deepEqual(env.consoleErrors, []);
  assert.deepEqual(env.foreignRequests, []);
});
