// MapLibre GL JS (vendored from npm) draws the vector tiles with the server's style
// (/api/style.json) in headless Chromium, offline: the screenshot test hides the Pays fill, then the
// names, and checks that each made pixels change, so that both were drawn. Screenshots in
// target/screenshots/maplibre-*.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, openPage, screenshot, useServer } from './harness.mjs';

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

test('MapLibre draws the Pays in their colours and their names, with no other host', async () => {
  const page = await openPage({ viewport: { width: 1000, height: 760 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.base}/style.html`);
  // The page imports MapLibre after it loads.
  await page.waitForFunction(() => /** @type {any} */ (window).styleMap, null, { timeout: 30_000 });
  await page.evaluate(() => /** @type {any} */ (window).styleMap.jumpTo({ center: [3.1, 45.8], zoom: 7 }));
  await idle(page);
  await screenshot(page, 'maplibre-clermont.png');

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
  await screenshot(page, 'maplibre-clermont-bare.png');
  assert.ok(changed(all, withoutNames) > 1000, 'the names drew nothing');
  assert.ok(changed(withoutNames, withoutFill) > 10_000, 'the Pays fill drew nothing');

  assert.deepEqual(errors, []);
  assert.deepEqual(env.foreignRequests, []);
  assert.deepEqual(env.cspViolations, []);
});
