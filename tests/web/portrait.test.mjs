// Browser tests of the portrait page, /territoire/{layer}/{id}: the real server on a free port, Debian's
// chromium through playwright-core (harness.mjs). Expectations come from the API's answers.
// Screenshots and the printed PDF go to target/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { env, getJSON, openPage as openHarnessPage, screenshot, SHOTS, useServer } from './harness.mjs';

const PAGE_BUDGET = 1.5 * 1024 * 1024;
const THIERACHE = '/territoire/pays/200051118';

useServer();

/** The harness's page, in a taller window by default. */
const openPage = (options = {}) => openHarnessPage({ viewport: { width: 1280, height: 900 }, ...options });

/** Opens a portrait and waits until its map is drawn. */
async function openPortrait(page, url = THIERACHE) {
  await page.goto(`${env.base}${url}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
}

/** Numbers as the page formats them, computed with Intl in the page. */
function formatted(page, values) {
  return page.evaluate((v) => {
    const n0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
    const n1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return {
      population: `${n0.format(v.population)}\u00a0hab.`,
      area: `${(v.area < 100 ? n1 : n0).format(v.area)}\u00a0km²`,
      communes: n0.format(v.communes),
      pct: v.pct.map((p) => `${n1.format(p)}\u00a0%`),
    };
  }, values);
}

test('the Thiérache portrait shows its name, figures, shares, members, carriers and sources', async () => {
  const page = await openPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests += 1; });
  const started = Date.now();
  await openPortrait(page);
  await page.waitForLoadState('networkidle');
  console.log(`portrait page: ${bytes} bytes, ${Date.now() - started} ms (${requests} requests)`);
  assert.ok(bytes <= PAGE_BUDGET, `the portrait transferred ${bytes} bytes`);
  await screenshot(page, 'portrait-thierache.png');
  await page.screenshot({ path: path.join(SHOTS, 'portrait-thierache-full.png'), fullPage: true });

  const d = await getJSON('/api/portrait/pays/200051118');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.equal((await page.locator('h1').innerText()).trim(), d.name);
  assert.match(await page.title(), new RegExp(d.name));

  // Key figures, as the API gives them, with the population's vintage.
  const f = await formatted(page, {
    population: d.figures.population, area: d.figures.area_km2, communes: d.figures.communes,
    pct: d.departements.map((r) => r.population_pct),
  });
  const fig = (key) => page.locator(`[data-fig="${key}"] .fig-value`).innerText();
  assert.equal(await fig('population'), f.population);
  assert.equal(await fig('area'), f.area);
  assert.equal(await fig('communes'), f.communes);
  assert.ok((await page.locator('[data-fig="population"]').innerText()).includes(d.denominators_source.vintage));

  // Shares of its départements and régions.
  for (const [i, r] of d.departements.entries()) {
    const row = page.locator(`table[data-division="departements"] tr[data-code="${r.code}"]`);
    assert.ok((await row.innerText()).includes(r.name));
    assert.equal(await row.locator('[data-share="population"]').innerText(), f.pct[i]);
  }
  assert.equal(await page.locator('table[data-division="regions"] tbody tr').count(), d.regions.length);

  // Members: every EPCI and every commune, with links to their portraits.
  const epciRows = page.locator('#table-epci tbody tr');
  assert.equal(await epciRows.count(), d.members.epci.length);
  for (const e of d.members.epci) {
    assert.equal(await page.locator(`#table-epci a[href="/territoire/epci/${e.id}"]`).innerText(), e.name);
  }
  assert.equal(await page.locator('#table-communes tbody tr').count(), d.members.communes.length);
  assert.equal(await page.locator('a[data-download="csv"]').getAttribute('href'), d.links.members_csv);
  assert.equal(await page.locator('a[data-download="geojson"]').getAttribute('href'), d.links.members_geojson);

  // What every other layer holds of it, from the catalogue; the CRTE says whether it carries it.
  const catalog = await getJSON('/api/layers');
  for (const l of catalog.layers.filter((x) => !['communes', 'departements', 'regions', 'pays'].includes(x.id))) {
    assert.equal(await page.locator(`.p-rel[data-layer="${l.id}"] h3`).count(), 1, l.id);
  }
  const crte = d.layers.find((l) => l.layer.id === 'crte');
  for (const c of crte.features) {
    const item = page.locator(`.p-rel[data-layer="crte"] li[data-id="${c.id}"]`).first();
    assert.equal(await item.locator('[data-carried]').getAttribute('data-carried'), String(c.carried_by_territory));
  }

  // Neighbours, and the sources of every figure.
  assert.equal(await page.locator('.neighbour-list li').count(), d.neighbours.length);
  const sources = await page.locator('#sources').innerText();
  // Values the data gives in English are shown in the catalogue's French wording.
  const display = (await getJSON('/api/layers')).layers.find((l) => l.id === d.layer.id)?.display || {};
  const shown = (v) => display[v] || v;
  assert.ok(display[d.provenance.source], 'the catalogue words this source in French');
  for (const s of [d.source.vintage, d.denominators_source.name, shown(d.provenance.source), shown(d.provenance.vintage)]) {
    assert.ok(sources.includes(s), s);
  }

  // The map draws the territory, its member EPCI and its neighbours.
  const drawn = await page.evaluate(() => {
    let n = 0;
    window.portraitMap.eachLayer((l) => { if (l.feature) n += 1; });
    return n;
  });
  assert.ok(drawn >= 1 + d.members.epci.length + d.neighbours.length, `features drawn: ${drawn}`);
  await page.close();
});

test('the member tables sort by column, from the keyboard', async () => {
  const page = await openPage();
  await openPortrait(page);
  const values = (col) => page.$$eval(`#table-communes tbody [data-col="${col}"]`, (els) => els.map((e) => e.dataset.value));
  const header = (col) => page.locator(`#table-communes thead th[data-col="${col}"]`);
  const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true });

  const names = await values('name');
  assert.deepEqual(names, [...names].sort(collator.compare));
  assert.equal(await header('name').getAttribute('aria-sort'), 'ascending');

  await page.focus('#table-communes button[data-sort="population"]');
  await page.keyboard.press('Enter');
  const down = (await values('population')).map(Number);
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  assert.ok(down[0] > down[down.length - 1]);
  assert.equal(await header('population').getAttribute('aria-sort'), 'descending');
  assert.equal(await header('name').getAttribute('aria-sort'), 'none');

  await page.keyboard.press('Space');
  const up = (await values('population')).map(Number);
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  assert.equal(await header('population').getAttribute('aria-sort'), 'ascending');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.sort), 'population');

  await page.click('#table-communes button[data-sort="epci"]');
  const epci = await values('epci');
  assert.deepEqual(epci, [...epci].sort(collator.compare));

  // The EPCI table too: by area, largest first.
  await page.click('#table-epci button[data-sort="area"]');
  const areas = (await page.$$eval('#table-epci tbody [data-col="area"]', (els) => els.map((e) => Number(e.dataset.value))));
  assert.deepEqual(areas, [...areas].sort((a, b) => b - a));
  await page.close();
});

test('printed, the portrait is one or two A4 pages with the map', async () => {
  const page = await openPage();
  await openPortrait(page);
  await page.waitForFunction(() => document.getElementById('pmap').getAttribute('aria-busy') === 'false'
    && document.querySelector('#pmap .map-label span'), null, { timeout: 30_000 });
  const onScreen = await page.$$eval('#pmap .map-label span', (els) => els.map((e) => ({ text: e.textContent, kind: e.dataset.kind })));
  await page.emulateMedia({ media: 'print' });
  // The map's printed copy is shown, the interactive map and the long tables are not.
  const figure = page.locator('#p-map-figure');
  assert.ok(await figure.isVisible());
  const svg = page.locator('#print-map svg');
  assert.ok(await svg.isVisible());
  const box = await svg.boundingBox();
  assert.ok(box.width > 300 && box.height > 200, JSON.stringify(box));
  assert.ok(await svg.locator('g.territory path').count() >= 1);
  assert.ok(await svg.locator('g.epci path').count() >= 2);
  // The screen map's names, on paper too: those the frame does not cut, the member EPCIs' among them,
  // none over another.
  const printed = await svg.evaluate((el) => [...el.querySelectorAll('g.names text')].map((t) => {
    const r = t.getBoundingClientRect();
    return { text: t.textContent, box: { left: r.left, top: r.top, right: r.right, bottom: r.bottom } };
  }));
  console.log(`printed map: ${printed.length} of the ${onScreen.length} names on screen`);
  const screenTexts = new Set(onScreen.map((l) => l.text));
  assert.ok(printed.length >= onScreen.length / 2, `${printed.length} names printed of ${onScreen.length}`);
  assert.deepEqual(printed.filter((t) => !screenTexts.has(t.text)).map((t) => t.text), [], 'only the screen\'s names');
  const printedTexts = new Set(printed.map((t) => t.text));
  assert.ok(onScreen.filter((l) => l.kind === 'member').every((l) => printedTexts.has(l.text)), 'the member EPCIs named');
  for (const [i, a] of printed.entries()) {
    for (const b of printed.slice(i + 1)) {
      const touch = a.box.left < b.box.right - 0.5 && b.box.left < a.box.right - 0.5 && a.box.top < b.box.bottom - 0.5 && b.box.top < a.box.bottom - 0.5;
      assert.ok(!touch, `« ${a.text} » and « ${b.text} » overlap on paper`);
    }
  }
  assert.equal(await page.locator('#pmap').isVisible(), false);
  assert.equal(await page.locator('#members-communes').isVisible(), false);
  assert.equal(await page.locator('.top').isVisible(), false);
  assert.ok(await page.locator('#table-epci').isVisible());
  assert.ok(await page.locator('#sources').isVisible());
  await page.screenshot({ path: path.join(SHOTS, 'portrait-thierache-print.png'), fullPage: true });

  const pdf = await page.pdf({ format: 'A4' });
  fs.writeFileSync(path.join(SHOTS, 'portrait-thierache.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
  console.log(`portrait PDF: ${pages} pages, ${pdf.length} bytes`);
  assert.ok(pages >= 1 && pages <= 2, `${pages} pages`);
  // The map is in the PDF as vectors: the printed SVG's paths make the file far larger than text alone.
  assert.ok(pdf.length > 20_000);
  await page.close();
});

test('the map cards link to the portrait, and the portrait back to the map', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await page.waitForFunction(() => window.territoires?.idle() && window.territoires.drawn().length > 0, null, { timeout: 30_000 });

  // The point card, at Vervins: its Pays and its commune.
  await page.evaluate(() => window.territoires.selectPoint(49.8350, 3.9070));
  await page.waitForSelector('#card [data-kind="point"] .pays a[data-portrait="pays:200051118"]');
  assert.equal(await page.getAttribute('#card .pays a[data-portrait="pays:200051118"]', 'href'), THIERACHE);
  const commune = await page.locator('#card a[data-portrait^="communes:"]').getAttribute('href');
  assert.match(commune, /^\/territoire\/communes\/\d[\dAB]\d{3}$/);

  // The territory card.
  await page.evaluate(() => window.territoires.selectTerritory('pays', '200051118'));
  const link = page.locator('#card [data-kind="territory"] .card-actions a[data-portrait="pays:200051118"]');
  await link.waitFor();
  await screenshot(page, 'map-card-portrait-link.png');
  await link.click();
  await page.waitForURL(`${env.base}${THIERACHE}`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal((await page.locator('h1').innerText()).trim(), 'PETR du Pays de Thiérache');

  // And back: the map opens with the territory selected.
  await page.click('#map-link');
  await page.waitForSelector('#card [data-kind="territory"][data-id="200051118"]', { timeout: 30_000 });
  assert.match(page.url(), /#.*sel=pays\/200051118/);
  assert.match(await page.locator('#card .card-title').innerText(), /Thiérache/);
  await page.close();
});

test('another layer: a CRTE portrait names its carrier; a commune portrait has neighbours', async () => {
  const page = await openPage();
  const d = await getJSON('/api/portrait/pays/200051118');
  const crte = d.layers.find((l) => l.layer.id === 'crte').features[0];
  await openPortrait(page, `/territoire/crte/${encodeURIComponent(crte.id)}`);
  assert.equal((await page.locator('h1').innerText()).trim(), crte.name);
  const carrier = page.locator('.p-head .p-carrier');
  if (crte.carrier.siren) {
    assert.equal(await carrier.getAttribute('data-carrier'), crte.carrier.siren);
    assert.ok((await carrier.innerText()).includes(crte.carrier.name));
  } else {
    assert.match(await carrier.innerText(), /plusieurs EPCI signataires|non renseignée/);
  }
  assert.ok(await page.locator(`.p-rel[data-layer="pays"] a[href="${THIERACHE}"]`).count() === 1);
  await page.screenshot({ path: path.join(SHOTS, 'portrait-crte.png'), fullPage: true });

  const c = await getJSON('/api/portrait/communes/02789');
  await openPortrait(page, '/territoire/communes/02789');
  assert.equal(await page.locator('.neighbour-list li').count(), c.neighbours.length);
  assert.ok(c.neighbours.length > 0);
  assert.equal(await page.locator('#members').count(), 0, 'a commune has no member table');
  await page.close();
});

test('an unknown territory gets a French 404 page', async () => {
  const page = await openPage();
  const response = await page.goto(`${env.base}/territoire/pays/000000000`);
  assert.equal(response.status(), 404);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.match(await page.locator('h1').innerText(), /Territoire introuvable/);
  assert.equal(await page.locator('a[href="/"]').count(), 1);
  await page.close();
});

test('on a 375×812 phone, the portrait reads without horizontal scrolling', async () => {
  const page = await openPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await openPortrait(page);
  await screenshot(page, 'portrait-thierache-mobile.png');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');
  const map = await page.locator('#pmap').boundingBox();
  assert.ok(map.width >= 300 && map.height >= 200, JSON.stringify(map));
  await page.close();
});

test('no console errors and no request left 127.0.0.1', () => {
  // A 404 page load logs its status as a console error: that one is expected.
  const unexpected = env.consoleErrors.filter((e) => !/status of 404/.test(e));
  assert.deepEqual(unexpected, []);
  assert.deepEqual(env.foreignRequests, []);
});
