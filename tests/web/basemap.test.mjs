// Browser tests of the base map (land, outline, département borders under every layer) and of the
// place names (HTML text from /api/labels, placed without overlaps). Screenshots in target/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, getJSON, openPage, screenshot, settled, useServer } from './harness.mjs';

useServer();

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Labels shown on the map: text, kind and box, those inside the map's viewport only. */
function visibleLabels(page) {
  return page.evaluate(() => {
    const map = document.getElementById('map').getBoundingClientRect();
    return [...document.querySelectorAll('.leaflet-pane-labels-pane .map-label span')].map((el) => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return {
        text: el.textContent, kind: el.dataset.kind, layer: el.dataset.layer, id: el.dataset.id,
        box: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
        shown: style.visibility !== 'hidden' && style.display !== 'none' && r.width > 0 && r.height > 0,
        inside: r.left >= map.left - 0.5 && r.right <= map.right + 0.5 && r.top >= map.top - 0.5 && r.bottom <= map.bottom + 0.5,
      };
    }).filter((l) => l.shown && l.inside);
  });
}

/** No two visible labels' boxes intersect. */
function assertNoOverlap(labels) {
  for (let i = 0; i < labels.length; i += 1) {
    for (let j = i + 1; j < labels.length; j += 1) {
      const a = labels[i].box;
      const b = labels[j].box;
      const touch = a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
      assert.ok(!touch, `labels overlap: « ${labels[i].text} » ${JSON.stringify(a)} and « ${labels[j].text} » ${JSON.stringify(b)}`);
    }
  }
}

/** Pixels with ink in the canvases of a pane (sampled), and the base map's feature counts. */
function baseMap(page) {
  return page.evaluate(() => {
    const ink = (pane) => {
      let n = 0;
      for (const canvas of document.querySelectorAll(`.leaflet-${pane}-pane canvas`)) {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 3; i < data.length; i += 4 * 5) if (data[i] > 0) n += 1;
      }
      return n;
    };
    return {
      counts: window.territoires.manager.baseCount(),
      outlineInk: ink('pane-base-outline'),
      landInk: ink('pane-base-land'),
      drawn: window.territoires.drawn(),
    };
  });
}

/** The map's view as the bbox parameter of /api/labels. */
function viewQuery(page) {
  return page.evaluate(() => {
    const m = window.territoiresMap;
    const b = m.getBounds();
    return `zoom=${Math.round(m.getZoom())}&bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(3)).join(',')}`;
  });
}

test('on a phone, the Vervins search shows neighbouring communes by name, and the borders', async () => {
  const page = await openPage(PHONE);
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.locator('#q').tap();
  await page.fill('#q', 'Vervins');
  const option = page.locator('#q-list [role="option"][data-index="0"]');
  await option.waitFor();
  await option.tap();
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
  assert.match(await page.locator('#card .card-title').innerText(), /Vervins/);
  const sel = await page.evaluate(() => window.territoires.state.selection);
  // Give the map room (the sheet reduced), as a reader would to look at it.
  await page.locator('#sheet-toggle').tap();
  await page.waitForTimeout(400);
  await settled(page);

  const labels = await visibleLabels(page);
  const selected = labels.filter((l) => l.kind === 'selected');
  assert.ok(selected.some((l) => /Vervins/.test(l.text)), `the selected commune is named: ${JSON.stringify(selected)}`);
  // The communes /api/labels knows around the view, other than Vervins itself.
  const api = await getJSON(`/api/labels?${await viewQuery(page)}`);
  const communes = new Set(api.labels.filter((l) => l.kind === 'town' && l.id !== sel.id).map((l) => l.text));
  const neighbours = labels.filter((l) => l.kind === 'town' && communes.has(l.text));
  assert.ok(neighbours.length >= 3, `neighbouring communes named: ${neighbours.map((l) => l.text).join(', ')}`);
  assert.ok(labels.length <= 50, `a phone shows at most 50 names (${labels.length})`);
  assertNoOverlap(labels);

  const base = await baseMap(page);
  assert.ok(base.counts['pane-base-land'] > 0 && base.counts['pane-base-outline'] > 0, JSON.stringify(base.counts));
  assert.ok(base.landInk > 1000, `land and département borders drawn: ${base.landInk}`);
  await screenshot(page, 'mobile-basemap-vervins.png');
  await page.close();
});

test('Lyon at zoom 10 names Lyon and Villeurbanne, in the view, without overlaps', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#carte=10/45.76/4.85`);
  await settled(page);
  const labels = await visibleLabels(page);
  const texts = labels.map((l) => l.text);
  assert.ok(texts.includes('Lyon'), texts.join(', '));
  assert.ok(texts.includes('Villeurbanne'), texts.join(', '));
  assert.equal(labels.find((l) => l.text === 'Lyon').id, '69123');
  assert.ok(labels.length > 40 && labels.length <= 150, `${labels.length} labels`);
  assertNoOverlap(labels);
  // Decorative: the label pane is hidden from assistive technologies (the data is in the panels).
  assert.equal(await page.getAttribute('.leaflet-pane-labels-pane', 'aria-hidden'), 'true');
  // A prefecture is bolder than a small commune.
  const weights = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.map-label span')]
    .filter((s) => ['Lyon', 'Feyzin'].includes(s.textContent)).map((s) => [s.textContent, Number(getComputedStyle(s).fontWeight)])));
  if (weights.Feyzin) assert.ok(weights.Lyon > weights.Feyzin, JSON.stringify(weights));
  await screenshot(page, 'desktop-labels-lyon.png');
  await page.close();
});

test('with « couches=pays » alone, the outline of France and the département borders stay', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#carte=6/46.60/2.50&couches=pays`);
  await settled(page);
  const base = await baseMap(page);
  assert.deepEqual(base.drawn, ['pays']);
  const departements = await getJSON('/api/layers/departements.geojson?zoom=6');
  assert.equal(base.counts['pane-base-land'], departements.features.length);
  assert.ok(base.counts['pane-base-outline'] > 0);
  assert.ok(base.outlineInk > 2000, `national outline drawn: ${base.outlineInk}`);
  assert.ok(base.landInk > 20000, `land drawn: ${base.landInk}`);
  // The sea stays uncovered: a point off Brittany has no land ink, one in the Massif central has.
  const at = await page.evaluate(() => {
    const m = window.territoiresMap;
    const probe = (lat, lon) => {
      const p = m.latLngToContainerPoint([lat, lon]);
      const canvas = document.querySelector('.leaflet-pane-base-land-pane canvas');
      const r = canvas.getBoundingClientRect();
      const c = m.getContainer().getBoundingClientRect();
      const sx = canvas.width / r.width;
      const x = Math.round((p.x + c.left - r.left) * sx);
      const y = Math.round((p.y + c.top - r.top) * sx);
      return canvas.getContext('2d').getImageData(x, y, 1, 1).data[3];
    };
    return { sea: probe(46.5, -4.5), land: probe(45.5, 2.8) };
  });
  assert.equal(at.sea, 0, 'sea off Brittany');
  assert.ok(at.land > 0, 'land in the Massif central');
  // The base map has no toggle, and is not listed as a layer.
  assert.equal(await page.locator('#toggles input[value^="base"]').count(), 0);
  const labels = await visibleLabels(page);
  assert.ok(labels.some((l) => l.kind === 'region'), 'régions named at zoom 6');
  assert.ok(labels.some((l) => l.kind === 'feature' && l.layer === 'pays'), 'Pays named when their layer is shown');
  assertNoOverlap(labels);
  await screenshot(page, 'desktop-basemap-pays-only.png');

  // No checkbox removes it: all layers off, the base map is still drawn.
  await page.click('#tab-couches');
  await page.uncheck('#toggle-pays');
  await page.waitForFunction(() => window.territoires.drawn().length === 0);
  await page.waitForFunction(() => window.territoires.idle());
  const bare = await baseMap(page);
  assert.ok(bare.landInk > 20000 && bare.outlineInk > 2000, JSON.stringify(bare));
  await page.close();
});

test('the selected territory and its members are named first', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/`);
  await settled(page);
  const found = await getJSON('/api/search?q=PETR%20Grand%20Clermont&limit=1');
  const r = found.results[0];
  await page.evaluate(([layer, id]) => window.territoires.selectTerritory(layer, id), [r.layer, r.id]);
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
  await page.waitForFunction(() => document.querySelector('.map-label span[data-kind="selected"]'));
  const labels = await visibleLabels(page);
  const t = await getJSON(`/api/territories/${r.layer}/${r.id}`);
  assert.ok(labels.some((l) => l.kind === 'selected' && l.text === t.name), `« ${t.name} » named`);
  assert.ok(labels.filter((l) => l.kind === 'member').length >= 2, 'member EPCIs named');
  assertNoOverlap(labels);
  await screenshot(page, 'desktop-labels-grand-clermont.png');
  await page.close();
});

test('no console errors and no request left 127.0.0.1', () => {
  assert.deepEqual(env.consoleErrors, []);
  assert.deepEqual(env.foreignRequests, []);
});
