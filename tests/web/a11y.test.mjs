// Accessibility checked by a real tool: axe-core (npm, pinned in package-lock.json) injected into the
// map page (each tab, a territory card, a point card, the 375 px phone layout), the portrait and the
// widget. No violation of impact « serious » or « critical » may remain; the others are printed.
// Also: a keyboard-only path (search → result → card → portrait → back) with a visible focus at each
// step, and the WCAG contrast (≥ 3:1, graphical objects) of the colours that carry meaning on the map.
// Run with `node --test tests/web/` (see harness.mjs for the server and the browser).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, env, openPage, settled, mapPoint, screenshot } from './harness.mjs';
import { useServer } from './harness.mjs';

useServer();

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const THIERACHE = '/territoire/pays/200051118';
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** Every violation seen, by rule: impact, help and where (for the summary printed at the end). */
const seen = new Map();
/** What axe could not decide (« needs review »), by rule, printed too. */
const review = new Map();

// axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline
// script) does not govern, so the audited page keeps its real policy.
const open = (options = {}) => openPage(options);

/** Runs axe-core on the page; records every violation and returns the serious and critical ones. */
async function audit(page, where) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE);
  const { violations, incomplete, passes } = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    const brief = (list) => list.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary || '' })),
    }));
    return { violations: brief(r.violations), incomplete: brief(r.incomplete), passes: r.passes.length };
  });
  assert.ok(passes > 20, `axe ran on ${where} (${passes} rules passed)`);
  for (const v of incomplete) {
    const s = review.get(v.id) || { impact: v.impact, help: v.help, where: new Set(), nodes: 0 };
    s.where.add(where);
    s.nodes += v.nodes.length;
    review.set(v.id, s);
  }
  for (const v of violations) {
    const s = seen.get(v.id) || { impact: v.impact, help: v.help, where: new Set() };
    s.where.add(where);
    seen.set(v.id, s);
  }
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const detail = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5)
    .map((n) => `    ${n.target}  ${n.html}\n      ${n.summary.replace(/\n/g, ' ')}`).join('\n')}`).join('\n');
  assert.equal(bad.length, 0, `axe on ${where}:\n${detail}`);
}

after(() => {
  if (!seen.size) console.log('axe: no violation at all');
  else console.log('axe violations (rule, impact, pages):');
  for (const [id, s] of seen) console.log(`  ${id} [${s.impact}] ${s.help} — ${[...s.where].join(', ')}`);
  if (review.size) console.log('axe « needs review » (rule, impact, elements, pages):');
  for (const [id, s] of review) console.log(`  ${id} [${s.impact}] ${s.help} — ${s.nodes} — ${[...s.where].join(', ')}`);
});

/** Waits until the visible pane has finished loading (no progress text, no busy element). */
async function paneReady(page, name) {
  await page.waitForFunction((n) => {
    const pane = document.getElementById(`pane-${n}`);
    if (!pane || pane.hidden) return false;
    const text = pane.innerText;
    return !/Chargement|Calcul en cours/i.test(text) && !pane.querySelector('[aria-busy="true"]');
  }, name, { timeout: 30_000 });
  await settled(page);
}

const TABS = ['territoire', 'couches', 'couverture', 'chiffres', 'donnees', 'simuler'];

test('axe: the map page with each tab open', async () => {
  const page = await open();
  await page.goto(`${env.base}/`);
  await settled(page);
  for (const t of TABS) {
    await page.click(`#tab-${t}`);
    await paneReady(page, t);
    if (t === 'couverture') await page.waitForSelector('#cov-result :is(table, p, dl, figure)', { timeout: 30_000 });
    if (t === 'chiffres') await page.waitForSelector('#ind-result table', { timeout: 30_000 });
    if (t === 'donnees') await page.waitForSelector('#downloads a', { timeout: 30_000 });
    await audit(page, `carte, onglet ${t}`);
    if (t === 'couverture') {
      await page.click('#compare summary');
      await page.click('#cmp-run');
      await page.waitForSelector('#cmp-result :is(table, p, dl)', { timeout: 30_000 });
      await paneReady(page, t);
      await audit(page, 'carte, comparaison de deux couches');
    }
  }
  await page.close();
});

test('axe: the simulator with a draft, its figures and its checks (one failed)', async () => {
  const page = await open();
  // CA Moulins Communauté and Clermont Auvergne Métropole: not « d’un seul tenant ».
  await page.goto(`${env.base}/#onglet=simuler&sim=200071140,246300701`);
  await page.waitForSelector('#sim-result [data-check][data-ok="false"]', { timeout: 30_000 });
  await settled(page);
  await audit(page, 'simulateur, projet');
  await page.close();
});

test('axe: the map page with a territory card (search « Vervins ») and a point card', async () => {
  const page = await open();
  await page.goto(`${env.base}/`);
  await settled(page);
  await page.fill('#q', 'Vervins');
  await page.waitForSelector('#q-list [role="option"][data-index]');
  await audit(page, 'carte, liste de résultats');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
  await audit(page, 'carte, fiche Vervins');

  const at = await mapPoint(page, 45.7772, 3.0870, 11);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#card [data-kind="point"] .pays h5');
  await settled(page);
  await audit(page, 'carte, fiche d’un point (Clermont-Ferrand)');
  await page.close();
});

test('axe: the 375×812 phone layout, sheet open and with a card', async () => {
  const page = await open(PHONE);
  await page.goto(`${env.base}/`);
  await settled(page);
  await audit(page, 'mobile, carte');
  await page.click('#sheet-toggle');
  await page.waitForFunction(() => document.getElementById('sheet-toggle').getAttribute('aria-expanded') === 'false');
  await audit(page, 'mobile, panneau réduit');
  await page.click('#sheet-toggle');
  await page.fill('#q', 'Vervins');
  await page.waitForSelector('#q-list [role="option"][data-index]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
  await audit(page, 'mobile, fiche Vervins');
  await page.click('#legend summary');
  await page.waitForSelector('#legend details[open] .legend-list');
  await audit(page, 'mobile, légende ouverte');
  await page.close();
});

test('axe: the portrait and the widget', async () => {
  const page = await open();
  await page.goto(`${env.base}${THIERACHE}`);
  await page.waitForSelector('body[data-ready="true"]');
  await audit(page, 'portrait Thiérache');
  // Leaflet's controls speak French too (its defaults are English: « Zoom in »).
  assert.equal(await page.getAttribute('#pmap .leaflet-control-zoom-in', 'aria-label'), 'Zoom avant');

  const phone = await open(PHONE);
  await phone.goto(`${env.base}${THIERACHE}`);
  await phone.waitForSelector('body[data-ready="true"]');
  await audit(phone, 'mobile, portrait Thiérache');
  await phone.close();

  await page.goto(`${env.base}/embed?pays=200051118`);
  await page.waitForFunction(() => window.territoiresEmbed?.idle() && !document.querySelector('main[aria-busy]'), null, { timeout: 30_000 });
  await audit(page, 'widget');
  assert.equal(await page.getAttribute('#map .leaflet-control-zoom-in', 'aria-label'), 'Zoom avant');
  await page.fill('#q', 'Vervins');
  await page.waitForSelector('#q-list [role="option"][data-index]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.territoiresEmbed?.idle() && document.querySelector('#answer')?.dataset.commune, null, { timeout: 30_000 });
  await audit(page, 'widget, réponse');
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// Keyboard only.

/** The focused element (a short description) and whether it shows a focus indicator. */
function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', visible: false };
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    return {
      tag: el.tagName.toLowerCase(), id: el.id, cls: el.className?.baseVal ?? el.className,
      portrait: el.dataset?.portrait || null, text: (el.innerText || el.value || '').trim().slice(0, 60),
      visible: el.matches(':focus-visible') && (outline || shadow),
    };
  });
}

async function assertFocus(page, what, check) {
  const f = await focusState(page);
  assert.ok(check(f), `${what}: focus on ${JSON.stringify(f)}`);
  assert.ok(f.visible, `${what}: no visible focus indicator on ${JSON.stringify(f)}`);
  return f;
}

/** Presses Tab until `check` holds, asserting a visible focus on every element on the way. */
async function tabTo(page, what, check, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const f = await focusState(page);
    assert.ok(f.visible, `${what}, Tab ${i + 1}: no visible focus indicator on ${JSON.stringify(f)}`);
    if (check(f)) return f;
  }
  assert.fail(`${what}: not reached in ${max} Tab presses`);
}

test('keyboard only: search, result, card, portrait and back, with a visible focus at each step', async () => {
  const page = await open();
  await page.goto(`${env.base}/`);
  await settled(page);

  // The first Tab reaches the skip link, which leads to the search box.
  await page.keyboard.press('Tab');
  await assertFocus(page, 'first Tab', (f) => f.tag === 'a' && /recherche/.test(f.text));
  await page.keyboard.press('Enter');
  await assertFocus(page, 'skip link', (f) => f.id === 'q');

  await page.keyboard.type('Vervins');
  await page.waitForSelector('#q-list [role="option"][data-index]');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#q', 'aria-activedescendant'), 'q-opt-0');
  await assertFocus(page, 'result list', (f) => f.id === 'q');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#card [data-kind="territory"]');
  await settled(page);
  assert.match(await page.locator('#card .card-title').innerText(), /Vervins/);
  await assertFocus(page, 'chosen result', (f) => f.id === 'q' || /card-title/.test(f.cls));

  // On to the card's « Portrait du territoire » link.
  await tabTo(page, 'card', (f) => f.tag === 'a' && f.portrait?.startsWith('communes:') && /Portrait du territoire/.test(f.text));
  await screenshot(page, 'keyboard-card-portrait-link.png');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/territoire\/communes\//);
  await page.waitForSelector('body[data-ready="true"]');

  // The portrait: its skip link first, then « Voir sur la carte ».
  await page.keyboard.press('Tab');
  await assertFocus(page, 'portrait, first Tab', (f) => f.tag === 'a' && /portrait/i.test(f.text));
  await tabTo(page, 'portrait', (f) => f.id === 'back-to-map' || f.id === 'map-link', 10);
  await screenshot(page, 'keyboard-portrait-back-link.png');

  // Back with the focused « Voir sur la carte » link (headless Chromium has no browser shortcuts such
  // as Alt+ArrowLeft): the map opens with the card again, and the keyboard starts over at the top.
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname === '/' && /sel=communes\/02789/.test(u.hash));
  await page.waitForSelector('#card [data-kind="territory"]', { timeout: 30_000 });
  await settled(page);
  assert.match(await page.locator('#card .card-title').innerText(), /Vervins/);
  await tabTo(page, 'back on the map', (f) => f.tag === 'a' && /recherche/.test(f.text), 3);
  // The skip link moves the focus and nothing else: the card and the permalink stay.
  await page.keyboard.press('Enter');
  await assertFocus(page, 'skip link, card open', (f) => f.id === 'q');
  await page.waitForTimeout(300);
  assert.match(await page.locator('#card .card-title').innerText(), /Vervins/);
  assert.match(new URL(page.url()).hash, /sel=communes\/02789/);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// Colours that carry meaning: WCAG contrast of graphical objects (≥ 3:1).

function rgb(c) {
  const m = c.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (m) {
    const h = m[1].length === 3 ? [...m[1]].map((x) => x + x).join('') : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  const n = c.match(/rgba?\(([^)]+)\)/);
  if (n) return n[1].split(/[ ,/]+/).filter(Boolean).slice(0, 3).map(Number);
  throw new Error(`colour? ${c}`);
}
const lum = (c) => {
  const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
/** `fill` at `opacity` over `under`, as a hex colour. */
const over = (fill, opacity, under) => `#${rgb(fill).map((v, i) => Math.round(v * opacity + rgb(under)[i] * (1 - opacity)).toString(16).padStart(2, '0')).join('')}`;

test('contrast: map layer and legend strokes against the land and the sea; simulator icons', async () => {
  const page = await open();
  await page.goto(`${env.base}/`);
  await settled(page);
  const { defs, sea } = await page.evaluate(() => ({
    sea: getComputedStyle(document.getElementById('map')).backgroundColor,
    defs: window.territoires.manager.defs.map((d) => ({ id: d.id, style: d.style({ properties: {} }), legend: d.legend() })),
  }));
  const land = defs.find((d) => d.id === 'regions').style.fillColor;
  assert.ok(land && sea, 'land and sea colours read from the page');
  const rows = [];
  const failures = [];
  for (const d of defs) {
    for (const e of d.legend) {
      const against = { land, sea };
      if (e.fill && e.opacity != null && d.id !== 'regions') against.ownFill = over(e.fill, e.opacity, land);
      for (const [name, bg] of Object.entries(against)) {
        const r = contrast(e.stroke, bg);
        rows.push(`${d.id.padEnd(12)} ${e.label.slice(0, 40).padEnd(40)} ${e.stroke} / ${name} ${bg}: ${r.toFixed(2)}`);
        if (r < 3) failures.push(rows.at(-1));
      }
    }
  }
  // Inferred perimeters keep their dashed outline on the map and in the legend (not colour alone).
  const pays = defs.find((d) => d.id === 'pays');
  assert.ok(pays.legend.length >= 2, 'the Pays legend lists its classes');
  const classes = (await (await fetch(`${env.base}/api/layers`)).json()).layers.find((l) => l.id === 'pays').legend.classes;
  for (const c of classes.filter((x) => x.dashed)) {
    assert.ok(pays.legend.find((e) => e.cls === c.value)?.dash, `class ${c.value} is dashed in the legend`);
  }

  // The simulator: its legend strokes (on the map) and its check icons (on the white panel).
  const dir = path.join(ROOT, 'web', 'js', 'simulator');
  const src = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  for (const m of src.matchAll(/stroke: '(#[0-9a-fA-F]{3,6})'/g)) {
    for (const [name, bg] of Object.entries({ land, sea })) {
      const r = contrast(m[1], bg);
      rows.push(`simulate     ${'légende'.padEnd(40)} ${m[1]} / ${name} ${bg}: ${r.toFixed(2)}`);
      if (r < 3) failures.push(rows.at(-1));
    }
  }
  const icons = [...src.matchAll(/const ICON_\w+ = '([^']+)'/g)].map((m) => m[1]);
  assert.equal(icons.length, 2, 'ICON_OK and ICON_KO found in web/js/simulator/');
  for (const icon of icons) {
    const fill = icon.match(/fill="(#[0-9a-fA-F]{3,6})"/)[1];
    for (const [name, bg] of Object.entries({ panel: '#ffffff', koPanel: '#fff6f5', glyph: '#ffffff' })) {
      const r = contrast(fill, bg);
      rows.push(`simulate     ${'icône'.padEnd(40)} ${fill} / ${name} ${bg}: ${r.toFixed(2)}`);
      if (r < 3) failures.push(rows.at(-1));
    }
  }
  console.log(`contrast ratios (≥ 3 required):\n  ${rows.join('\n  ')}`);
  assert.deepEqual(failures, []);
  await page.close();
});

test('no console errors and no request left 127.0.0.1', () => {
  assert.deepEqual(env.consoleErrors, []);
  assert.deepEqual(env.foreignRequests, []);
});
