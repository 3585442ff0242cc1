// Browser tests of the map as a newcomer first sees it, on a 1280×800 laptop and a 390×844 phone: a
// Pays fill no one takes for water, a legend that leaves the coast in view, tabs clear of the panel's
// edge, and place names on the portrait's map. Screenshots in target/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, getJSON, mapPoint, openPage, screenshot, settled, useServer } from './harness.mjs';

useServer();

const LAPTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** Aurec-sur-Loire, beside Saint-Étienne: where the old blue fill read as a lake. */
const AUREC = { lat: 45.3705, lon: 4.2018 };
const THIERACHE = '/territoire/pays/200051118';

// Colours: WCAG relative luminance and contrast, and the HSL hue.
const lum = ([r, g, b]) => {
  const lin = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
function hue([r, g, b]) {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (!d) return null;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}
/** The hues of water on maps (cyan to blue), which a territory's fill must stay out of. */
const WATER_HUES = [170, 260];
const isWaterHue = (h) => h != null && h >= WATER_HUES[0] && h <= WATER_HUES[1];
const hex = (c) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const parseHex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
const over = (fill, alpha, under) => fill.map((v, i) => v * alpha + under[i] * (1 - alpha));

/**
 * What the map painted at a point: the pixel of each pane's canvas there (RGBA, alpha 0–1), the
 * options of the Pays path drawn there, and the sea (the map's background).
 */
function paintedAt(page, lat, lon, paysId) {
  return page.evaluate(([la, lo, id]) => {
    const map = window.territoiresMap;
    const p = map.latLngToContainerPoint([la, lo]);
    const origin = map.getContainer().getBoundingClientRect();
    const pixel = (pane) => {
      const canvas = document.querySelector(`.leaflet-${pane}-pane canvas`);
      const r = canvas.getBoundingClientRect();
      const x = Math.round((origin.left + p.x - r.left) * (canvas.width / r.width));
      const y = Math.round((origin.top + p.y - r.top) * (canvas.height / r.height));
      const d = canvas.getContext('2d').getImageData(x, y, 1, 1).data;
      return [d[0], d[1], d[2], d[3] / 255];
    };
    let options = null;
    window.territoires.manager.get('pays').group.eachLayer((l) => {
      if (String(l.feature?.properties?.id) === id) options = { fill: l.options.fillColor, opacity: l.options.fillOpacity, stroke: l.options.color };
    });
    const sea = getComputedStyle(map.getContainer()).backgroundColor.match(/\d+/g).slice(0, 3).map(Number);
    return { pays: pixel('pane-pays'), regions: pixel('pane-regions'), options, sea };
  }, [lat, lon, paysId]);
}

test('the Pays fill around Aurec-sur-Loire is no water blue, and its outline stands out', async () => {
  const here = await getJSON(`/api/locate?lat=${AUREC.lat}&lon=${AUREC.lon}`);
  const paysId = here.layers.find((l) => l.layer === 'pays')?.features[0]?.id;
  assert.ok(paysId, 'a Pays covers Aurec-sur-Loire');

  for (const [name, options] of [['laptop', LAPTOP], ['phone', PHONE]]) {
    const page = await openPage(options);
    await page.goto(`${env.base}/`);
    await settled(page);
    await mapPoint(page, AUREC.lat, AUREC.lon, 11);
    const painted = await paintedAt(page, AUREC.lat, AUREC.lon, paysId);
    assert.ok(painted.options, `the Pays ${paysId} is drawn`);
    // The Pays canvas holds the fill at its opacity; the land (the régions' fill) is opaque under it.
    assert.ok(painted.pays[3] > 0.1 && painted.pays[3] < 0.9, `a translucent fill: ${painted.pays}`);
    assert.equal(painted.regions[3], 1, 'the land under it is opaque');
    const land = painted.regions.slice(0, 3);
    const shown = over(painted.pays.slice(0, 3), painted.pays[3], land);
    const h = hue(shown);
    console.log(`${name}: Pays ${paysId} painted ${hex(shown)} (hue ${h?.toFixed(0)}°) over land ${hex(land)}, sea ${hex(painted.sea)}, stroke ${painted.options.stroke}`);
    assert.ok(!isWaterHue(h), `the fill as painted, ${hex(shown)}, has a water hue (${h?.toFixed(0)}°)`);
    // Its outline against its own fill, the land beside it and the sea at the coast.
    const stroke = parseHex(painted.options.stroke);
    for (const [what, bg] of [['its fill', shown], ['the land', land], ['the sea', painted.sea]]) {
      const r = contrast(stroke, bg);
      assert.ok(r >= 3, `stroke ${painted.options.stroke} on ${what} ${hex(bg)}: ${r.toFixed(2)}:1`);
    }
    await screenshot(page, `newcomer-${name}-aurec-z11.png`);
    await page.close();
  }

  // Every class of the legend, painted at the layer's opacity over the land: none reads as water.
  const layers = await getJSON('/api/layers');
  const layer = layers.layers.find((l) => l.id === layers.territories_layer);
  const land = parseHex(layers.layers.find((l) => l.division === 'region').style.fill);
  for (const c of layer.legend.classes) {
    const shown = over(parseHex(c.fill), layer.style.opacity, land);
    assert.ok(!isWaterHue(hue(shown)), `class ${c.value}: ${c.fill} over the land is ${hex(shown)}, hue ${hue(shown)?.toFixed(0)}°`);
  }
});

/** The legend's box and a grid of map points under it, as lat/lon. */
function legendFootprint(page) {
  return page.evaluate(() => {
    const map = window.territoiresMap;
    const origin = map.getContainer().getBoundingClientRect();
    const r = document.getElementById('legend').getBoundingClientRect();
    const points = [];
    const step = 8;
    for (let x = r.left; x <= r.right; x += step) {
      for (let y = r.top; y <= r.bottom; y += step) {
        const ll = map.containerPointToLatLng([x - origin.left, y - origin.top]);
        points.push([ll.lat, ll.lng]);
      }
    }
    return { box: { left: r.left, top: r.top, width: r.width, height: r.height }, points };
  });
}

/** The points of `points` inside a commune (on French land), asked of /api/locate. */
async function onLand(points) {
  const found = [];
  for (const [lat, lon] of points) {
    const answer = await getJSON(`/api/locate?lat=${lat.toFixed(5)}&lon=${lon.toFixed(5)}`);
    if (answer.layers.find((l) => l.layer === 'communes')?.features.length) found.push([lat, lon]);
  }
  return found;
}

test('on a 1280×800 screen the legend starts folded and hides no land at zoom 6; taller, it starts open', async () => {
  const page = await openPage(LAPTOP);
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.evaluate(() => { window.territoiresMap.setView([46.6, 2.2], 6, { animate: false }); });
  await settled(page);
  assert.equal(await page.locator('#legend details').count(), 1);
  assert.equal(await page.locator('#legend details').evaluate((d) => d.open), false, 'the legend starts folded');
  assert.equal(await page.locator('#legend .legend-list').isVisible(), false);
  const folded = await legendFootprint(page);
  assert.ok(folded.points.length >= 4, `legend box ${JSON.stringify(folded.box)}`);
  const covered = await onLand(folded.points);
  assert.deepEqual(covered, [], `the folded legend ${JSON.stringify(folded.box)} covers land`);
  await screenshot(page, 'newcomer-laptop-overview-z6.png');

  // One click opens it; the summary says its state to assistive technologies (a <details>).
  await page.click('#legend summary');
  await page.waitForSelector('#legend details[open] .legend-list');
  assert.ok(await page.locator('#legend [data-layer="pays"]').isVisible());
  // The place names make way for the open legend.
  const hidden = await page.evaluate(() => {
    const r = document.getElementById('legend').getBoundingClientRect();
    return [...document.querySelectorAll('#map .map-label span')].filter((el) => {
      const b = el.getBoundingClientRect();
      return b.left < r.right && r.left < b.right && b.top < r.bottom && r.top < b.bottom;
    }).map((el) => el.textContent);
  });
  assert.deepEqual(hidden, [], 'names under the open legend');
  await screenshot(page, 'newcomer-laptop-overview-z6-legend-open.png');
  await page.close();

  // On a phone it starts folded too, in the corner away from the zoom buttons.
  const phone = await openPage(PHONE);
  await phone.goto(`${env.base}/`);
  await settled(phone);
  assert.equal(await phone.locator('#legend details').evaluate((d) => d.open), false, 'folded on a phone');
  await screenshot(phone, 'newcomer-phone-overview.png');
  await phone.close();

  const tall = await openPage({ viewport: { width: 1280, height: 1000 } });
  await tall.goto(`${env.base}/`);
  await settled(tall);
  assert.equal(await tall.locator('#legend details').evaluate((d) => d.open), true, 'open on a taller screen');
  await tall.close();
});

const TAB_ORDER = ['territoire', 'couches', 'couverture', 'chiffres', 'donnees', 'simuler'];

test('the six tabs fit inside the panel, clear of its edges, in their keyboard order', async () => {
  for (const [name, options] of [['laptop', LAPTOP], ['phone', PHONE]]) {
    const page = await openPage(options);
    await page.goto(`${env.base}/`);
    await settled(page);
    const m = await page.evaluate(() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
      const list = document.querySelector('[role="tablist"]');
      return {
        panel: box(document.getElementById('panel')),
        list: { ...box(list), scrollWidth: list.scrollWidth, clientWidth: list.clientWidth },
        tabs: [...list.querySelectorAll('[role="tab"]')].map((t) => ({
          id: t.id, ...box(t), scrollWidth: t.scrollWidth, clientWidth: t.clientWidth,
        })),
      };
    });
    assert.deepEqual(m.tabs.map((t) => t.id), TAB_ORDER.map((t) => `tab-${t}`), 'the tabs in their document order');
    assert.ok(m.list.scrollWidth <= m.list.clientWidth, `${name}: the tab list overflows (${m.list.scrollWidth} > ${m.list.clientWidth})`);
    const MARGIN = 4;
    for (const t of m.tabs) {
      assert.ok(t.left >= m.panel.left + MARGIN && t.right <= m.panel.right - MARGIN,
        `${name}: ${t.id} [${t.left.toFixed(1)}, ${t.right.toFixed(1)}] within ${MARGIN}px of the panel [${m.panel.left}, ${m.panel.right}]`);
      assert.ok(t.scrollWidth <= t.clientWidth, `${name}: ${t.id}'s words overflow it (${t.scrollWidth} > ${t.clientWidth})`);
    }
    for (const [i, a] of m.tabs.entries()) {
      for (const b of m.tabs.slice(i + 1)) {
        const touch = a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
        assert.ok(!touch, `${name}: ${a.id} and ${b.id} overlap`);
      }
    }
    // Read in rows, left to right, the tabs come in their document order: the order of the arrow keys.
    const reading = [...m.tabs].sort((a, b) => (Math.abs(a.top - b.top) > 4 ? a.top - b.top : a.left - b.left)).map((t) => t.id);
    assert.deepEqual(reading, m.tabs.map((t) => t.id), `${name}: the tabs read in their order`);
    await page.focus('#tab-territoire');
    const visited = [];
    for (let i = 0; i < TAB_ORDER.length; i += 1) {
      visited.push(await page.evaluate(() => document.activeElement.id));
      await page.keyboard.press('ArrowRight');
    }
    assert.deepEqual(visited, TAB_ORDER.map((t) => `tab-${t}`), `${name}: ArrowRight visits the tabs in order`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-territoire', 'and wraps around');
    // Tab leaves the tab list for the open pane (one tab stop for the list).
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'pane-territoire');
    await page.click('#tab-simuler');
    await screenshot(page, `newcomer-${name}-tabs.png`);
    await page.close();
  }
});

test('the portrait’s map names its member EPCIs, each one’s main town and the larger communes, as the main map does', async () => {
  const d = await getJSON(`/api/portrait/pays/200051118`);
  const memberCommunes = new Set(d.members.communes.map((c) => c.code));
  const memberEpci = new Set(d.members.epci.map((e) => e.id));
  const largest = new Map();
  for (const c of d.members.communes) {
    if (c.epci && !(largest.get(c.epci)?.population >= c.population)) largest.set(c.epci, c);
  }
  const mainTowns = new Set([...largest.values()].map((c) => c.code));
  for (const [name, options] of [['laptop', { viewport: { width: 1280, height: 900 } }], ['phone', PHONE]]) {
    const page = await openPage(options);
    await page.goto(`${env.base}${THIERACHE}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('pmap').getAttribute('aria-busy') === 'false'
      && document.querySelector('#pmap .map-label span'), null, { timeout: 30_000 });
    const labels = await page.evaluate(() => {
      const map = document.getElementById('pmap').getBoundingClientRect();
      return [...document.querySelectorAll('#pmap .map-label span')].map((el) => {
        const r = el.getBoundingClientRect();
        return {
          text: el.textContent, kind: el.dataset.kind, layer: el.dataset.layer, id: el.dataset.id,
          box: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
          inside: r.left >= map.left - 0.5 && r.right <= map.right + 0.5 && r.top >= map.top - 0.5 && r.bottom <= map.bottom + 0.5,
        };
      });
    });
    console.log(`${name}: ${labels.length} names on the portrait map: ${labels.map((l) => `${l.text} (${l.kind})`).join(', ')}`);
    const members = labels.filter((l) => l.kind === 'member');
    const towns = labels.filter((l) => l.kind === 'town');
    assert.ok(members.length >= 1 && members.every((l) => memberEpci.has(l.id)), `${name}: member EPCIs named`);
    const inside = towns.filter((l) => memberCommunes.has(l.id));
    assert.ok(inside.length >= (name === 'phone' ? 1 : 3), `${name}: communes of the territory named (${inside.map((l) => l.text)})`);
    // Its first towns as the server ranks them for the view (seats first, then by population) are named.
    const view = await page.evaluate(() => {
      const m = window.portraitMap;
      const b = m.getBounds();
      return `zoom=${Math.round(m.getZoom())}&bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(3)).join(',')}`;
    });
    const ranked = (await getJSON(`/api/labels?${view}&layers=communes`)).labels
      .filter((l) => l.kind === 'town' && memberCommunes.has(l.id));
    const named = new Set(towns.map((t) => t.id));
    const top = ranked.slice(0, 2);
    assert.ok(top.length && top.every((t) => named.has(t.id)), `${name}: ${top.map((t) => `${t.text}${t.seat ? ` (${t.seat})` : ''}`)} named`);
    // Each member EPCI's main town (its most populous commune here, the seat most often) is named when
    // the server offers it for the view; on a phone, only where the EPCIs' own names leave room.
    const offered = ranked.filter((t) => mainTowns.has(t.id));
    assert.ok(offered.length >= 1, `${name}: some main town offered`);
    const unnamed = offered.filter((t) => !named.has(t.id)).map((t) => t.text);
    if (name === 'laptop') assert.deepEqual(unnamed, [], `${name}: every EPCI's main town named`);
    else assert.ok(unnamed.length < offered.length, `${name}: some EPCI's main town named (${unnamed} not)`);
    assert.ok(labels.length <= (name === 'phone' ? 22 : 45), `${name}: ${labels.length} names, fewer than on the main map`);
    for (const l of labels) assert.ok(l.inside, `${name}: « ${l.text} » inside the map`);
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) {
        const touch = a.box.left < b.box.right - 0.5 && b.box.left < a.box.right - 0.5 && a.box.top < b.box.bottom - 0.5 && b.box.top < a.box.bottom - 0.5;
        assert.ok(!touch, `${name}: « ${a.text} » and « ${b.text} » overlap`);
      }
    }
    // Decorative: hidden from assistive technologies, like the main map's.
    assert.equal(await page.getAttribute('#pmap .leaflet-pane-labels-pane', 'aria-hidden'), 'true');
    await page.locator('#pmap').scrollIntoViewIfNeeded();
    await screenshot(page, `newcomer-${name}-portrait-thierache.png`);
    await page.close();
  }
});

test('no console errors and no request left 127.0.0.1', () => {
  assert.deepEqual(env.consoleErrors, []);
  assert.deepEqual(env.foreignRequests, []);
});
