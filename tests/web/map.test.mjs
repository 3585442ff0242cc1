// Browser tests of the map page: the real server on a free port, Debian's chromium through
// playwright-core (harness.mjs). Run with `node --test tests/web/` (the Makefile passes TERRITOIRES_BIN and
// TERRITOIRES_DATA). Screenshots go to target/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, getJSON, mapPoint, openPage, pickFirstOption, screenshot, settled, useServer } from './harness.mjs';

const FIRST_VIEW_BUDGET = 1.5 * 1024 * 1024;

useServer();

/** Moves the map without animation and clicks at (lat, lon). */
async function clickMapAt(page, lat, lon, zoom) {
  const at = await mapPoint(page, lat, lon, zoom);
  await page.mouse.click(at.x, at.y);
}

async function chooseFromSearch(page, text) {
  await pickFirstOption(page, 'q', text);
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
}

test('the layers are drawn as /api/layers says: styles, stacking, default toggles, legend words', async () => {
  const catalog = await getJSON('/api/layers');
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  const defs = await page.evaluate(() => window.territoires.manager.defs.map((d) => ({
    id: d.id, z: d.z, minZoom: d.minZoom ?? null, defaultOn: d.defaultOn, style: d.style({ properties: {} }), legend: d.legend(),
  })));
  assert.deepEqual(defs.map((d) => d.id).sort(), catalog.layers.map((l) => l.id).sort());
  for (const l of catalog.layers) {
    const d = defs.find((x) => x.id === l.id);
    const s = l.style;
    assert.equal(d.z, s.z, `${l.id} z`);
    assert.equal(d.minZoom, s.min_zoom, `${l.id} min_zoom`);
    assert.equal(d.defaultOn, s.default_on, `${l.id} default_on`);
    assert.equal(d.style.weight, s.width, `${l.id} width`);
    if (l.legend) continue; // coloured by its classes (map.test: the Pays legend)
    assert.equal(d.style.color, s.stroke, `${l.id} stroke`);
    assert.equal(d.style.fill, !!s.fill, `${l.id} fill`);
    if (s.fill) assert.equal(d.style.fillColor, s.fill, `${l.id} fill colour`);
    assert.equal(d.legend[0].label, s.legend, `${l.id} legend`);
  }
  // The map opens on the layers the catalogue switches on, each pane stacked at its `z`.
  const drawn = await page.evaluate(() => window.territoires.drawn());
  assert.deepEqual(drawn.sort(), catalog.layers.filter((l) => l.style.default_on).map((l) => l.id).sort());
  for (const l of catalog.layers.filter((x) => x.style.default_on)) {
    const z = await page.evaluate((id) => getComputedStyle(document.querySelector(`.leaflet-pane-${id}-pane`)).zIndex, l.id);
    assert.equal(Number(z), l.style.z, `${l.id} pane`);
  }
  await page.close();
});

test('first view stays within 1.5 MB', async () => {
  const page = await openPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  let requests = 0;
  const urls = new Map();
  const sizes = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    requests += 1;
    const url = urls.get(e.requestId) || '';
    sizes.set(url, [...(sizes.get(url) || []), e.encodedDataLength]);
  });
  const started = Date.now();
  await page.goto(`${env.base}/`, { waitUntil: 'networkidle' });
  await settled(page);
  const ms = Date.now() - started;
  if (process.env.DEBUG_FIRST_VIEW) console.log([...sizes].map(([u, v]) => `${v.join("+")} ${u}`).join("\n"));
  const labelBytes = [...sizes].filter(([u]) => u.includes('/api/labels?')).flatMap(([, v]) => v);
  console.log(`first view: ${bytes} bytes, ${ms} ms (${requests} requests; place names: ${labelBytes.join(' + ')} bytes)`);
  // The base map shares the overlays' whole-layer requests, and the place names come in one request.
  for (const [u, v] of sizes) if (u.includes('/api/layers/')) assert.equal(v.length, 1, `${u} requested ${v.length} times`);
  assert.equal(labelBytes.length, 1, 'one /api/labels request for the first view');
  assert.ok(await page.locator('.leaflet-pane-labels-pane .map-label').count() > 10, 'place names shown');
  await screenshot(page, 'desktop-first-view.png');
  assert.ok(bytes > 0);
  assert.ok(bytes <= FIRST_VIEW_BUDGET, `first view transferred ${bytes} bytes`);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  const drawn = await page.evaluate(() => window.territoires.drawn());
  assert.deepEqual(drawn.sort(), ['departements', 'pays', 'regions']);
  await page.close();
});

test('search "Vervins" (keyboard) opens a card naming its PETR', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await chooseFromSearch(page, 'Vervins');
  const card = page.locator('#card');
  await assert.doesNotReject(card.getByText('PETR du Pays de Thiérache').first().waitFor());
  assert.match(await card.locator('.card-title').innerText(), /Vervins/);
  assert.equal(await page.getAttribute('#q', 'aria-expanded'), 'false');
  await page.close();
});

test('the search box says which commune a former name, typo or abbreviation leads to', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  for (const query of ['Vire', 'Cherbourg-Octeville', 'St-Etienne', 'marseile', 'Saint-Denis 93']) {
    // What the page must show is what the API answers first, with its note when it has one.
    const [expected] = (await getJSON(`/api/search?q=${encodeURIComponent(query)}&limit=10`)).results;
    assert.ok(expected, `the API finds ${query}`);
    await page.fill('#q', query);
    const option = page.locator('#q-list [role="option"][data-index="0"]');
    await option.waitFor();
    await page.waitForFunction(
      ([name]) => document.querySelector('#q-list [data-index="0"] .opt-name')?.textContent === name,
      [expected.name],
    );
    assert.equal(await option.locator('.opt-name').innerText(), expected.name, query);
    assert.ok((await option.locator('.opt-meta').innerText()).includes(expected.id), query);
    if (expected.note) {
      assert.equal(await option.locator('.opt-note').innerText(), expected.note, query);
    } else {
      assert.equal(await option.locator('.opt-note').count(), 0, query);
    }
  }
  // A former name's note is said in French, with the commune it is now part of.
  const [vire] = (await getJSON('/api/search?q=Vire&limit=10')).results;
  assert.match(vire.note, /commune déléguée de /);
  await page.fill('#q', 'Vire');
  await page.locator('#q-list [data-index="0"] .opt-note').waitFor();
  await screenshot(page, 'desktop-search-former-name.png');
  await page.close();
});

test('a click at Clermont-Ferrand names commune 63113 and PETR Grand Clermont', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await clickMapAt(page, 45.7772, 3.0870, 11);
  await page.waitForSelector('#card [data-kind="point"] .pays h5');
  await settled(page);
  const text = await page.locator('#card').innerText();
  assert.match(text, /PETR Grand Clermont/);
  assert.match(text, /63113/);
  assert.match(text, /Clermont-Ferrand/);
  assert.match(text, /Clermont Auvergne Métropole/); // a member EPCI of the PETR
  assert.match(text, /Puy-de-Dôme/);
  assert.match(text, /Auvergne-Rhône-Alpes/);
  // Highlight: the PETR and its member EPCIs are drawn.
  assert.ok(await page.evaluate(() => window.territoires.manager.highlightGroup.getLayers().length >= 2));
  await screenshot(page, 'desktop-point-clermont.png');
  await page.close();
});

test('a click at sea says there is no territory', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await clickMapAt(page, 46.0, -5.0, 7);
  await page.waitForSelector('#card [data-none="territory"]');
  const text = await page.locator('#card').innerText();
  assert.match(text, /Aucun territoire à cet endroit \(mer ou étranger\)/);
  assert.match(text, /Aucun Pays \/ PETR ne couvre ce point/);
  await page.close();
});

test('the SCoT layer toggles: legend and drawn features follow', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.click('#tab-couches');
  const legendIds = () => page.$$eval('#legend [data-layer]', (els) => els.map((e) => e.dataset.layer).sort());
  const drawn = () => page.evaluate(() => window.territoires.drawn().sort());
  assert.equal(await page.locator('#legend [data-layer="scot"]').count(), 0);
  assert.deepEqual(await legendIds(), await drawn());

  await page.check('#toggle-scot');
  await page.waitForFunction(() => window.territoires.featureCount('scot') > 0);
  await settled(page);
  assert.equal(await page.locator('#legend [data-layer="scot"]').count(), 1);
  assert.ok(await page.evaluate(() => window.territoiresMap.hasLayer(window.territoires.manager.get('scot').group)));
  assert.ok(await page.evaluate(() => window.territoires.featureCount('scot')) > 200);
  assert.deepEqual(await legendIds(), await drawn());
  assert.match(await page.evaluate(() => location.hash), /couches=[^&]*scot/);
  await screenshot(page, 'desktop-scot-on.png');

  await page.uncheck('#toggle-scot');
  await page.waitForFunction(() => !window.territoires.drawn().includes('scot'));
  assert.equal(await page.locator('#legend [data-layer="scot"]').count(), 0);
  assert.equal(await page.evaluate(() => window.territoiresMap.hasLayer(window.territoires.manager.get('scot').group)), false);
  assert.equal(await page.evaluate(() => window.territoires.featureCount('scot')), 0);
  assert.deepEqual(await legendIds(), await drawn());
  assert.doesNotMatch(await page.evaluate(() => location.hash), /couches=[^&]*scot/);
  await page.close();
});

/** The page's formatting of the API's numbers, computed independently with Intl in the page. */
function expectedFigures(page, c) {
  return page.evaluate((cov) => {
    const n0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
    const n1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const area = (v) => `${(v < 100 ? n1 : n0).format(v)}\u00a0km²`;
    return {
      features: n0.format(cov.features),
      covered_area_pct: `${n1.format(cov.covered_area_pct)}\u00a0%`,
      covered_population_pct: `${n1.format(cov.covered_population_pct)}\u00a0%`,
      covered_area_km2: area(cov.covered_area_km2),
      area_km2: area(cov.area_km2),
      covered_population: `${n0.format(cov.covered_population)}\u00a0hab.`,
      population: `${n0.format(cov.population)}\u00a0hab.`,
      communes_covered: n0.format(cov.communes_covered),
      communes: n0.format(cov.communes),
    };
  }, c);
}

async function displayedFigures(page) {
  return page.$$eval('#cov-result [data-fig]', (els) => Object.fromEntries(els.map((e) => [e.dataset.fig, e.textContent.trim()])));
}

test('the coverage panel shows /api/coverage figures', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.click('#tab-couverture');
  await page.waitForSelector('#cov-result [data-cov-layer="pays"] ~ .figs [data-fig="covered_area_pct"]');
  const api = await (await fetch(`${env.base}/api/coverage?layer=pays&by=region`)).json();
  assert.deepEqual(await displayedFigures(page), await expectedFigures(page, api));
  assert.equal(await page.locator('#cov-result svg.chart rect.bar-area').count(), api.breakdown.length);
  const text = await page.locator('#cov-result').innerText();
  assert.ok(text.includes(api.source.vintage), 'layer vintage shown');
  assert.ok(text.includes(api.denominators_source.vintage), 'denominators vintage shown');
  await screenshot(page, 'desktop-coverage.png');

  // Restricted to a région, for another layer.
  await page.selectOption('#cov-layer', 'scot');
  await page.waitForSelector('#cov-scope option[value="region:84"]', { state: 'attached' });
  await page.selectOption('#cov-scope', 'region:84');
  await page.waitForSelector('#cov-result [data-cov-layer="scot"][data-cov-scope="region:84"]');
  const api84 = await (await fetch(`${env.base}/api/coverage?layer=scot&scope=region:84&by=departement`)).json();
  assert.deepEqual(await displayedFigures(page), await expectedFigures(page, api84));
  assert.equal(await page.locator('#cov-result svg.chart rect.bar-area').count(), api84.breakdown.length);

  // The comparison is computed only when its section is opened, and shows /api/overlap's area shares.
  await page.click('#compare summary');
  await page.waitForSelector('#cmp-result [data-cmp="pays-in-scot-area"]', { timeout: 30_000 });
  const overlap = await (await fetch(`${env.base}/api/overlap?a=pays&b=scot`)).json();
  const percent = (v) => page.evaluate((x) => `${new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x)}\u00a0%`, v);
  const shown = await page.locator('#cmp-result [data-cmp="pays-in-scot-area"]').innerText();
  assert.equal(shown, await percent(overlap.a.area_also_in_other_pct));
  const reverse = await page.locator('#cmp-result [data-cmp="scot-in-pays-area"]').innerText();
  assert.equal(reverse, await percent(overlap.b.area_also_in_other_pct));
  await page.close();
});

test('a permalink restores the view, the layers and the selection', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await chooseFromSearch(page, 'PETR Grand Clermont');
  await page.click('#tab-couches');
  await page.check('#toggle-scot');
  await page.click('#tab-territoire');
  await page.evaluate(() => { window.territoiresMap.setView([45.8, 3.1], 9, { animate: false }); });
  await page.waitForFunction(() => {
    const m = location.hash.match(/carte=(\d+)\/(-?[\d.]+)\/(-?[\d.]+)/);
    return m && m[1] === '9' && Math.abs(m[2] - 45.8) < 1e-3 && Math.abs(m[3] - 3.1) < 1e-3
      && /sel=pays\/200048171/.test(location.hash) && /couches=[^&]*scot/.test(location.hash);
  });
  await settled(page);
  const url = page.url();

  const check = async (p) => {
    await settled(p);
    await p.waitForSelector('#card [data-kind="territory"][data-id="200048171"]');
    const view = await p.evaluate(() => ({ zoom: window.territoiresMap.getZoom(), c: window.territoiresMap.getCenter() }));
    assert.equal(view.zoom, 9);
    assert.ok(Math.abs(view.c.lat - 45.8) < 1e-3 && Math.abs(view.c.lng - 3.1) < 1e-3, JSON.stringify(view));
    assert.ok(await p.isChecked('#toggle-scot'));
    assert.ok((await p.evaluate(() => window.territoires.drawn())).includes('scot'));
    assert.match(await p.locator('#card .card-title').innerText(), /PETR Grand Clermont/);
  };
  await page.reload();
  await check(page);

  const other = await openPage();
  await other.goto(url);
  await check(other);
  await other.close();

  // A clicked point is restored too.
  const point = await openPage();
  await point.goto(`${env.base}/#carte=11/45.77720/3.08700&couches=regions,departements,pays&point=45.77720,3.08700`);
  await point.waitForSelector('#card [data-kind="point"] .pays');
  assert.match(await point.locator('#card').innerText(), /63113/);
  assert.equal(await point.evaluate(() => window.territoiresMap.getZoom()), 11);
  await point.close();
  await page.close();
});

test('on a 375×812 phone, search and panel are usable', async () => {
  const page = await openPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await page.goto(`${env.base}/`);
  await settled(page);
  await screenshot(page, 'mobile-first-view.png');
  const inView = (box) => box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 375 + 0.5 && box.y + box.height <= 812 + 0.5;

  const search = await page.locator('#q').boundingBox();
  assert.ok(inView(search) && search.width >= 300, `search box ${JSON.stringify(search)}`);
  await page.locator('#q').tap();
  await page.fill('#q', 'Vervins');
  const option = page.locator('#q-list [role="option"][data-index="0"]');
  await option.waitFor();
  assert.ok(inView(await option.boundingBox()));
  await screenshot(page, 'mobile-search.png');
  await option.tap();
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);

  const panel = await page.locator('#panel').boundingBox();
  assert.ok(inView(panel), `panel ${JSON.stringify(panel)}`);
  assert.ok(panel.height >= 250, 'the panel has room');
  const title = page.locator('#card .card-title');
  assert.ok(await title.isVisible());
  assert.ok(inView(await title.boundingBox()));
  await screenshot(page, 'mobile-card.png');
  await page.locator('#card').getByText('PETR du Pays de Thiérache').first().scrollIntoViewIfNeeded();
  assert.ok(inView(await page.locator('#card').getByText('PETR du Pays de Thiérache').first().boundingBox()));
  const map = await page.locator('#map').boundingBox();
  assert.ok(map.height >= 200, 'the map stays visible above the sheet');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');

  // The sheet can be reduced and brought back.
  await page.locator('#sheet-toggle').tap();
  assert.equal(await page.getAttribute('#sheet-toggle', 'aria-expanded'), 'false');
  await page.locator('#sheet-toggle').tap();
  assert.ok(await title.isVisible());
  await page.close();
});

/** A measured amount as the page formats it (fmt.js), computed independently with Intl in the page. */
function formatAmount(page, value, unit) {
  return page.evaluate(([v, u]) => {
    const n0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
    const n1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    if (u === 'km2') return `${(v < 100 ? n1 : n0).format(v)}\u00a0km²`;
    if (u === 'inhabitants') return `${n0.format(v)}\u00a0hab.`;
    return n0.format(v);
  }, [value, unit]);
}

test('« Les Pays en chiffres » shows /api/indicators: figures, missing data, chart, sources', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.click('#tab-chiffres');
  await page.waitForSelector('#ind-result table tbody[data-indicator]');
  assert.match(await page.evaluate(() => location.hash), /onglet=chiffres/);
  const api = await getJSON('/api/indicators');
  assert.equal(await page.locator('#ind-result tbody[data-indicator]').count(), api.indicators.length);

  // The CRTE indicator: the API's numerator and denominator, and its reference text.
  const crte = api.indicators.find((i) => i.id === 'crte');
  assert.ok(crte?.measured, 'the API measures the crte indicator');
  const crteRow = page.locator('#ind-result tbody[data-indicator="crte"]');
  const measured = await crteRow.locator('td.ind-measured').innerText();
  assert.ok(measured.includes(await formatAmount(page, crte.measured.numerator, crte.measured.unit)), measured);
  assert.ok(measured.includes(await formatAmount(page, crte.measured.denominator, crte.measured.unit)), measured);
  assert.ok(measured.includes(crte.measured.text), measured);
  if (crte.reference) assert.ok((await crteRow.locator('td.ind-ref').innerText()).includes(crte.reference.text));
  assert.ok((await crteRow.innerText()).includes(crte.why));

  // « pas de données ici » exactly where the API has no measure, and never a number there.
  for (const ind of api.indicators) {
    const cell = page.locator(`#ind-result tbody[data-indicator="${ind.id}"] td.ind-measured`);
    const text = await cell.innerText();
    if (ind.measured) {
      assert.doesNotMatch(text, /pas de données ici/, ind.id);
      assert.ok(text.includes(await formatAmount(page, ind.measured.numerator, ind.measured.unit)), `${ind.id}: ${text}`);
    } else {
      assert.match(text, /pas de données ici/, ind.id);
      assert.doesNotMatch(text, /\d/, `${ind.id}: no figure where there is no data`);
    }
  }

  // Accessible table and chart: caption, header scopes, an SVG image with a title; one pair of bars
  // per indicator with both percentages.
  assert.ok((await page.locator('#ind-result table caption').innerText()).length > 10);
  assert.equal(await page.locator('#ind-result thead th[scope="col"]').count(), 3);
  assert.equal(await page.locator('#ind-result tbody th[scope="row"]').count(), api.indicators.length);
  const both = api.indicators.filter((i) => i.reference?.percent != null && i.measured?.percent != null);
  const svg = page.locator('#ind-result svg.chart[role="img"]');
  assert.equal(await svg.count(), 1);
  assert.ok((await svg.locator('title').first().textContent()).length > 10);
  assert.equal(await svg.locator('rect.bar-measured').count(), both.length);
  assert.equal(await svg.locator('rect.bar-ref').count(), both.length);

  // The reference is cited with its link, and every measured layer's source and vintage.
  const sources = page.locator('#ind-result .ind-sources');
  assert.equal(await sources.locator(`a[href="${api.reference.url}"]`).count(), 1);
  const sourcesText = await sources.innerText();
  assert.ok(sourcesText.includes(String(api.reference.year)));
  for (const l of api.indicators.flatMap((i) => i.measured?.layers || [])) {
    assert.ok(sourcesText.includes(l.source.name) && sourcesText.includes(l.source.vintage), l.layer);
  }
  await screenshot(page, 'desktop-indicators.png');
  await page.close();
});

test('the Pays legend follows the catalogue classes; the CRTE layer toggles on and draws', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  const catalog = await getJSON('/api/layers');

  // One toggle per catalogue layer, with its title.
  await page.click('#tab-couches');
  for (const l of catalog.layers) {
    assert.equal((await page.locator(`label[for="toggle-${l.id}"]`).innerText()).trim(), l.title, l.id);
  }

  const pays = catalog.layers.find((l) => l.id === 'pays');
  assert.ok(pays.legend?.classes?.length, 'the pays layer has legend classes');
  // Under 900 px tall the legend starts folded: open it to read its words.
  await page.click('#legend summary');
  await page.waitForSelector('#legend details[open] .legend-list');
  const entries = page.locator('#legend [data-layer="pays"] li[data-class]');
  assert.equal(await entries.count(), pays.legend.classes.length);
  assert.deepEqual(
    await entries.evaluateAll((els) => els.map((e) => [e.dataset.class, e.innerText.trim()])),
    pays.legend.classes.map((c) => [c.value, c.label]),
  );
  // A dashed class is dashed in the legend, and only it.
  assert.deepEqual(
    await entries.evaluateAll((els) => els.map((e) => !!e.querySelector('[stroke-dasharray]'))),
    pays.legend.classes.map((c) => !!c.dashed),
  );

  await page.check('#toggle-crte');
  await page.waitForFunction(() => window.territoires.featureCount('crte') > 0);
  await settled(page);
  assert.ok(await page.evaluate(() => window.territoires.drawn().includes('crte')));
  assert.equal(await page.locator('#legend [data-layer="crte"]').count(), 1);
  // The map draws on canvas: the CRTE's projected rings exist and its pane's canvas has ink.
  const drawn = await page.evaluate(() => {
    const layer = window.territoires.manager.get('crte');
    const rings = layer.group.getLayers().filter((l) => l._parts?.length).length;
    const canvas = document.querySelector('.leaflet-pane-crte-pane canvas');
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4 * 7) if (data[i] > 0) ink += 1;
    return { rings, ink };
  });
  assert.ok(drawn.rings > 100, `CRTE rings drawn: ${drawn.rings}`);
  assert.ok(drawn.ink > 1000, `CRTE canvas pixels: ${drawn.ink}`);
  await screenshot(page, 'desktop-crte-on.png');

  // The permalink keeps it.
  await page.waitForFunction(() => /couches=[^&]*crte/.test(location.hash));
  await page.reload();
  await settled(page);
  await page.waitForFunction(() => window.territoires.drawn().includes('crte'));
  assert.ok(await page.isChecked('#toggle-crte'));
  await page.close();
});

/** The CRTE ids listed on the point card, and what /api/locate says at the selected point. */
async function cardContracts(page) {
  await page.waitForSelector('#card [data-kind="point"] section.contracts');
  const { lat, lon } = await page.evaluate(() => window.territoires.state.selection);
  const loc = await getJSON(`/api/locate?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
  const by = Object.fromEntries(loc.layers.map((l) => [l.layer, l.features]));
  const shown = await page.$$eval('#card .contract[data-layer="crte"]', (els) => els.map((e) => ({ id: e.dataset.contract, text: e.innerText })));
  return { shown, crte: by.crte || [], pays: by.pays || [] };
}

function checkContracts({ shown, crte, pays }) {
  assert.ok(shown.length > 0, 'at least one CRTE on the card');
  assert.deepEqual(shown.map((s) => s.id).sort(), crte.map((f) => f.id).sort());
  let carriedByPays = 0;
  for (const s of shown) {
    const f = crte.find((c) => c.id === s.id);
    assert.ok(s.text.includes(f.name), s.id);
    if (f.carrier_name) assert.ok(s.text.includes(f.carrier_name), `${s.id}: carrier ${f.carrier_name}`);
    else assert.match(s.text, /Plusieurs EPCI signataires/, s.id);
    if (f.carrier_siren) assert.ok(s.text.includes(f.carrier_siren), `${s.id}: SIREN`);
    const p = pays.find((x) => x.id === f.carrier_siren);
    if (p) {
      carriedByPays += 1;
      assert.match(s.text, /Le porteur est un Pays \/ PETR de la carte/);
      assert.ok(s.text.includes(p.name));
    } else {
      assert.doesNotMatch(s.text, /Le porteur est un Pays/);
    }
  }
  return carriedByPays;
}

test('at Vervins the card lists the CRTE with its carrier; the CRTE card shows carrier and members', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  const catalog = await getJSON('/api/layers');
  await clickMapAt(page, 49.8350, 3.9070, 10);
  const vervins = await cardContracts(page);
  checkContracts(vervins);
  await settled(page);
  // Provenance of the Pays/PETR at the point: kind, status label from the legend classes, vintage.
  const pays = catalog.layers.find((l) => l.id === 'pays');
  const classes = pays.legend.classes;
  // A value the data gives in ISO or English is shown in the catalogue's French wording.
  const shown = (v) => pays.display?.[v] || v;
  for (const p of vervins.pays) {
    const block = await page.locator(`#card .pays[data-pays="${p.id}"]`).innerText();
    assert.ok(block.includes(p.kind) && block.includes(shown(p.vintage)), block);
    assert.ok(block.includes(classes.find((c) => c.value === p.status).label), block);
  }
  await page.locator('#card section.contracts[data-layer="crte"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'desktop-point-vervins-crte.png');

  // Two overlapping CRTE (Thoiry, Pays de Gex), and one carried by a PETR of the map (Soissons).
  await page.evaluate(() => window.territoires.selectPoint(46.2445, 5.9799));
  await page.waitForFunction(() => document.querySelectorAll('#card .contract[data-layer="crte"]').length > 0);
  const thoiry = await cardContracts(page);
  assert.equal(thoiry.shown.length, 2, 'two CRTE overlap at Thoiry');
  checkContracts(thoiry);
  await page.evaluate(() => window.territoires.selectPoint(49.38, 3.32));
  await page.waitForFunction(() => document.querySelector('#card [data-kind="point"] .code')?.textContent.includes('02722'));
  const soissons = await cardContracts(page);
  assert.equal(checkContracts(soissons), 1, 'the Soissons CRTE is carried by the PETR of the map');
  await settled(page);

  // The CRTE's own card: carrier and member EPCIs.
  const id = soissons.shown[0].id;
  await page.click(`#card .contract[data-contract="${id}"] h4 [data-open]`);
  await page.waitForSelector(`#card [data-kind="territory"][data-layer="crte"][data-id="${id}"]`);
  await settled(page);
  const t = await getJSON(`/api/territories/crte/${encodeURIComponent(id)}`);
  const text = await page.locator('#card').innerText();
  assert.ok(text.includes(t.properties.carrier_name) && text.includes(t.properties.carrier_siren));
  assert.equal(await page.locator('#card [data-members="epci"] > ul.members > li, #card [data-members="epci"] > details > ul.members > li').count(),
    t.properties.members.length);
  assert.equal(await page.locator(`#card .carrier [data-carrier-pays="${t.properties.carrier_siren}"] [data-open="pays:${t.properties.carrier_siren}"]`).count(), 1);
  await page.close();
});

test('on a 375×812 phone, the Vervins card and « Les Pays en chiffres » fit', async () => {
  const page = await openPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await page.goto(`${env.base}/#carte=11/49.83500/3.90700&couches=regions,departements,pays&point=49.83500,3.90700`);
  await settled(page);
  const { shown } = await cardContracts(page);
  assert.ok(shown.length > 0);
  await settled(page);
  const contract = page.locator('#card .contract').first();
  await contract.scrollIntoViewIfNeeded();
  const box = await contract.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375 + 0.5, `contract ${JSON.stringify(box)}`);
  await screenshot(page, 'mobile-point-vervins-crte.png');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');

  await page.locator('#tab-chiffres').tap();
  await page.waitForSelector('#ind-result tbody[data-indicator="crte"]');
  const tabs = await page.locator('[role="tab"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
  assert.ok(Math.max(...tabs) <= 375 + 0.5, `tabs fit: ${tabs}`);
  await screenshot(page, 'mobile-indicators.png');
  await page.locator('#ind-result tbody[data-indicator="crte"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'mobile-indicators-crte.png');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');
  const table = await page.locator('#ind-result table').boundingBox();
  assert.ok(table.x >= 0 && table.x + table.width <= 375 + 0.5, `table ${JSON.stringify(table)}`);
  await page.close();
});

test('no console errors and no request left 127.0.0.1', () => {
  assert.deepEqual(env.consoleErrors, []);
  assert.deepEqual(env.foreignRequests, []);
});

test('API errors are said in French in the page, from their stable codes', async () => {
  // A refused request logs a console error by design: not counted here.
  const page = await openPage({}, { recordErrors: false });
  await page.goto(`${env.base}/`);
  const said = await page.evaluate(async () => {
    const { api, frenchMessage } = await import('/js/api.js');
    const outcomes = [];
    for (const call of [() => api.coverage('pays', 'nulle-part'), () => api.territory('pays', 'inconnu')]) {
      try { await call(); outcomes.push('no error'); } catch (e) { outcomes.push({ english: e.message, french: frenchMessage(e) }); }
    }
    return outcomes;
  });
  assert.match(said[0].french, /valeur non valable \(paramètre « scope »\)/);
  assert.equal(said[1].french, 'introuvable sur ce serveur');
  for (const { english, french } of said) assert.ok(!french.includes(english), `${french} / ${english}`);
});
