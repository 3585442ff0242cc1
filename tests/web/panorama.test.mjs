// The « Panorama des territoires de projet » (/panorama, /panorama/{région}): every figure as the API
// gives it, the maps, the CSV of each table, the print on A4 (national ≤ 4 pages, a région ≤ 6), the
// 404 of an unknown région, the link from the « Chiffres » tab, and axe-core on both pages. The server
// is given, as its previous dataset, a build of the geodata with three rows of pays-petr.csv changed:
// both pages say what changed since (/api/diff), exactly those rows.
// Run with `node --test tests/web/panorama.test.mjs` (see harness.mjs for the server and the browser).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, SHOTS, env, getJSON, openPage as openHarnessPage, useServer } from './harness.mjs';
import { csvText } from '../../web/js/lib/csv.js';

const GEODATA = path.resolve(ROOT, process.env.TERRITOIRES_GEODATA || '../shared/geodata');
const PAYS_FILE = path.join('territoires', 'pays-petr.csv');

/**
 * What the previous dataset changes of the shipped pays-petr.csv: its first row is missing (so it was
 * added since), the next one had another name (renamed since), the next row of two EPCIs or more
 * lacked its last one (which joined since).
 */
const edits = { added: '', renamed: '', oldName: '', grown: '', joined: '' };
/** The previous dataset's directory, removed after the tests. */
let previousDir = '';

/** The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field || record.length) records.push([...record, field]);
  return records;
}

/** Builds the previous dataset from a copy of the geodata with the three rows changed. */
async function previousDataset() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'territoires-previous-'));
  previousDir = dir;
  const geodata = path.join(dir, 'geodata');
  fs.cpSync(GEODATA, geodata, { recursive: true });
  const file = path.join(geodata, PAYS_FILE);
  const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
  assert.ok(rows.every((r) => r.length === header.length), `${file}: one field per column`);
  const [id, name, members] = ['id', 'name', 'members'].map((c) => header.indexOf(c));
  edits.added = rows.shift()[id];
  edits.renamed = rows[0][id];
  edits.oldName = `${rows[0][name]} (ancien nom)`;
  rows[0][name] = edits.oldName;
  const grown = rows.slice(1).find((r) => r[members].split(';').length >= 2 && r[members].split(';').every((m) => /^\d{9}$/.test(m)));
  assert.ok(grown, 'a row of two EPCIs or more');
  const kept = grown[members].split(';');
  edits.grown = grown[id];
  edits.joined = kept.pop();
  grown[members] = kept.join(';');
  fs.writeFileSync(file, csvText(header, rows));
  const out = path.join(dir, 'build');
  const build = spawnSync(BIN, ['build', '--geodata', geodata, '--out', out], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `the previous dataset builds:\n${build.stderr}`);
  return ['--previous', out];
}

useServer({ serveArgs: previousDataset });

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const openPage = (options = {}) => openHarnessPage({ viewport: { width: 1280, height: 900 }, ...options });
/** Auvergne-Rhône-Alpes, and the région with the most territories (found from the data). */
const ARA = '84';

after(() => {
  if (previousDir) fs.rmSync(previousDir, { recursive: true, force: true });
  assert.deepEqual(env.consoleErrors, [], 'the pages logged errors');
  assert.deepEqual(env.foreignRequests, [], 'the pages asked other hosts');
});

async function openPanorama(page, where) {
  const response = await page.goto(`${env.base}${where}`);
  assert.equal(response.status(), 200);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  assert.equal(await page.locator('#panorama h1').count(), 1);
  assert.doesNotMatch(await page.locator('#panorama h1').innerText(), /indisponible/);
}

/** Pages of a PDF: its `/Type /Page` objects (not the `/Pages` tree). */
const pdfPages = (pdf) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;

async function printed(page, name) {
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.top').isVisible(), false);
  assert.equal(await page.locator('.csv-button').first().isVisible(), false);
  assert.ok(await page.locator('#pano-map svg').isVisible());
  await page.screenshot({ path: path.join(SHOTS, `${name}-print.png`), fullPage: true });
  const pdf = await page.pdf({ format: 'A4' });
  fs.writeFileSync(path.join(SHOTS, `${name}.pdf`), pdf);
  const pages = pdfPages(pdf);
  console.log(`${name} PDF: ${pages} pages, ${pdf.length} bytes`);
  return pages;
}

/** Clicks the CSV button of table `id` and returns the downloaded file's name, text, lines and records. */
async function download(page, id) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-csv="${id}"]`)]);
  const text = fs.readFileSync(await file.path(), 'utf8');
  return { name: file.suggestedFilename(), text, lines: text.trimEnd().split('\r\n'), records: parseCsv(text) };
}

/** Runs axe-core; fails on a serious or critical violation. */
async function audit(page, where) {
  await page.evaluate(AXE_SOURCE);
  const { violations, passes } = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) })),
    };
  });
  assert.ok(passes > 20, `axe ran on ${where}`);
  for (const v of violations) console.log(`axe ${where}: ${v.id} [${v.impact}] ${v.help} ${v.nodes.join(', ')}`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${where}`);
}

test('the national panorama: the figures, the map and the coverage by région as the API gives them', async () => {
  const [indicators, coverage, catalog] = await Promise.all([
    getJSON('/api/indicators'), getJSON('/api/coverage?layer=pays&by=region'), getJSON('/api/layers'),
  ]);
  const layer = catalog.layers.find((l) => l.id === catalog.territories_layer);
  const page = await openPage();
  await openPanorama(page, '/panorama');
  await page.screenshot({ path: path.join(SHOTS, 'panorama-national.png'), fullPage: true });

  // « Les Pays en chiffres »: the Chiffres tab's own table, one row group per indicator, their texts.
  const ids = await page.$$eval('#ind-table tbody[data-indicator]', (els) => els.map((e) => e.dataset.indicator));
  assert.deepEqual(ids, indicators.indicators.map((i) => i.id));
  for (const ind of indicators.indicators.filter((i) => i.measured)) {
    assert.equal(await page.locator(`tbody[data-indicator="${ind.id}"] [data-measured="text"]`).innerText(), ind.measured.text);
  }
  assert.equal(await page.locator('#ind-chart-box svg title#ind-chart-title').count(), 1);
  // The sources and vintages the answers give, never written in the page's code.
  const text = await page.locator('#panorama').innerText();
  assert.ok(text.includes(layer.vintage), 'the layer vintage');
  assert.ok(text.includes(coverage.denominators_source.vintage), 'the denominators vintage');
  assert.ok(text.includes(String(indicators.reference.year)), 'the reference year');

  // The map: one path per territory of the layer, over the régions, with its legend classes.
  assert.equal(await page.locator('#pano-map svg g[class^="class-"] path').count(), layer.features);
  assert.ok(await page.locator('#pano-map svg g.regions path').count() >= 13);
  assert.equal(await page.locator('#pano-legend li').count(), layer.legend.classes.filter((c) => c.features).length);

  // Coverage by région: a bar per région and a row each, with a link to the régions that have territories.
  const rows = await page.$$eval('#cov-table-region tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.equal(rows.length, coverage.breakdown.length);
  const fr = (n) => new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);
  coverage.breakdown.forEach((r, i) => {
    assert.ok(rows[i][0].includes(r.name) && rows[i][0].includes(r.code));
    assert.equal(rows[i][3], `${fr(r.covered_area_pct)}\u00a0%`);
    assert.equal(rows[i][4], `${fr(r.covered_population_pct)}\u00a0%`);
  });
  assert.equal(await page.locator('#cov-chart-box rect.bar-area').count(), coverage.breakdown.length);
  assert.equal(await page.locator(`#cov-table-region a[href="/panorama/${ARA}"]`).count(), 1);

  // CSV of each table: raw numbers.
  const ind = await download(page, 'ind-table');
  assert.equal(ind.name, 'panorama-pays-en-chiffres.csv');
  assert.match(ind.lines[0], /^indicateur,libelle,reference,/);
  assert.equal(ind.lines.length, 1 + indicators.indicators.length);
  const cov = await download(page, 'cov-table-region');
  assert.equal(cov.lines.length, 1 + coverage.breakdown.length);
  const header = cov.lines[0].split(',');
  const first = cov.lines[1].split(',');
  const r0 = coverage.breakdown[0];
  assert.equal(first[header.indexOf('region')], r0.code);
  assert.equal(Number(first[header.indexOf('population')]), r0.population);
  assert.equal(Number(first[header.indexOf('population_couverte')]), r0.covered_population);

  const pages = await printed(page, 'panorama-national');
  assert.ok(pages >= 2 && pages <= 4, `national: ${pages} pages`);
  await page.close();
});

/** The territories of a région as the OGC API filters them. */
const territoriesOf = async (code) => (await getJSON(`/ogc/collections/pays/items?filter=${encodeURIComponent(`region='${code}'`)}&limit=1000`)).features;

test('a région\'s panorama: its territories, what each carries, its coverage, as the API gives them', async () => {
  const [features, coverage, catalog] = await Promise.all([
    territoriesOf(ARA), getJSON(`/api/coverage?layer=pays&scope=region:${ARA}&by=departement`), getJSON('/api/layers'),
  ]);
  assert.ok(features.length >= 5, 'Auvergne-Rhône-Alpes has territories');
  const page = await openPage();
  await openPanorama(page, `/panorama/${ARA}`);
  await page.screenshot({ path: path.join(SHOTS, 'panorama-84.png'), fullPage: true });
  assert.match(await page.locator('h1').innerText(), new RegExp(coverage.scope.name));

  // One row per territory, with its portrait's figures.
  const rows = await page.$$eval('#territories-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.equal(rows.length, features.length);
  const ids = rows.map((r) => r[1]).sort();
  assert.deepEqual(ids, features.map((f) => f.id).sort());
  const some = features[0];
  const portrait = await getJSON(`/api/portrait/pays/${some.id}`);
  const row = rows.find((r) => r[1] === some.id);
  const int = (n) => new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 }).format(n);
  assert.equal(row[0], portrait.name);
  assert.equal(row[2], some.properties.kind);
  assert.equal(row[4], int(portrait.figures.population));
  assert.equal(row[6], int(portrait.figures.epci));
  assert.equal(row[7], int(portrait.figures.communes));
  const status = catalog.layers.find((l) => l.id === 'pays').legend.classes.find((c) => c.value === some.properties.status);
  assert.equal(row[3], status.label);

  // What each carries: the carried layers (SCoT, CRTE, PCAET), the portrait's rule.
  const carriedLayers = catalog.layers.filter((l) => l.carrier || l.carried_by_territories).map((l) => l.id);
  assert.ok(carriedLayers.includes('scot') && carriedLayers.includes('crte') && carriedLayers.includes('pcaet'));
  const heads = await page.$$eval('#carries-table thead th', (ths) => ths.map((th) => th.textContent.trim()));
  assert.equal(heads.length, 2 + carriedLayers.length);
  const carries = await download(page, 'carries-table');
  assert.equal(carries.name, `panorama-${ARA}-portages.csv`);
  const header = carries.lines[0].split(',');
  assert.deepEqual(header.slice(0, 2 + carriedLayers.length), ['nom', 'id', ...carriedLayers]);
  let carriedSomething = 0;
  for (const f of features) {
    const p = await getJSON(`/api/portrait/pays/${f.id}`);
    const cells = carries.records.find((r) => r[header.indexOf('id')] === f.id);
    assert.ok(cells, f.id);
    for (const id of carriedLayers) {
      const rel = p.layers.find((l) => l.layer.id === id);
      const expected = (rel?.features || []).filter((g) => g.carried_by_territory === true || (g.carried_by_territory == null && g.id === p.id)).map((g) => g.id);
      assert.equal(cells[header.indexOf(id)], expected.join(' '), `${f.id} ${id}`);
      carriedSomething += expected.length;
    }
  }
  assert.ok(carriedSomething > 0, 'some territory of the région carries something');

  // Coverage by département: its figures and a row per département.
  assert.equal(await page.locator('#couverture [data-fig="features"]').innerText(), int(coverage.features));
  assert.equal(await page.locator('#cov-table-departement tbody tr').count(), coverage.breakdown.length);
  // The map: the région's territories and its outline.
  assert.equal(await page.locator('#pano-map svg g[class^="class-"] path').count(), features.length);
  assert.equal(await page.locator('#pano-map svg g.outline path').count(), 1);
  // Sources and vintages from the answers.
  const text = await page.locator('#panorama').innerText();
  for (const id of ['pays', ...carriedLayers]) {
    assert.ok(text.includes(catalog.layers.find((l) => l.id === id).vintage), `${id} vintage`);
  }
  assert.ok(text.includes(coverage.denominators_source.vintage));

  const t = await download(page, 'territories-table');
  assert.equal(t.lines.length, 1 + features.length);
  assert.deepEqual(t.lines[0].split(','), ['nom', 'id', 'forme', 'statut', 'population', 'superficie_km2', 'epci', 'communes']);

  const pages = await printed(page, 'panorama-84');
  assert.ok(pages >= 2 && pages <= 6, `région ${ARA}: ${pages} pages`);
  await page.close();
});

test('the région with the most territories prints in six A4 pages at most', async () => {
  const coverage = await getJSON('/api/coverage?layer=pays&by=region');
  // The région holding the most territories (by their own `region`).
  const all = (await getJSON('/ogc/collections/pays/items?limit=1000')).features;
  const counts = new Map();
  for (const f of all) counts.set(f.properties.region, (counts.get(f.properties.region) || 0) + 1);
  const [code, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  assert.notEqual(code, ARA);
  assert.ok(coverage.breakdown.some((r) => r.code === code));
  const page = await openPage();
  await openPanorama(page, `/panorama/${code}`);
  assert.equal(await page.locator('#territories-table tbody tr').count(), n);
  await page.screenshot({ path: path.join(SHOTS, `panorama-${code}.png`), fullPage: true });
  const pages = await printed(page, `panorama-${code}`);
  assert.ok(pages >= 2 && pages <= 6, `région ${code} (${n} territories): ${pages} pages`);
  await page.close();
});

test('an unknown région is a 404: a French page for a browser, a JSON error otherwise', async () => {
  // The browser logs the 404 as an error: expected here.
  const page = await openHarnessPage({}, { recordErrors: false });
  const response = await page.goto(`${env.base}/panorama/99`);
  assert.equal(response.status(), 404);
  assert.equal(await page.locator('h1').innerText(), 'Région introuvable');
  assert.match(await page.locator('main').innerText(), /« 99 »/);
  await page.close();
  const json = await fetch(`${env.base}/panorama/99`, { headers: { Accept: 'application/json' } });
  assert.equal(json.status, 404);
  assert.equal((await json.json()).error.parameter, 'region');
  // A known région is the page.
  const ok = await fetch(`${env.base}/panorama/${ARA}`, { headers: { Accept: 'text/html' } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /panorama\.js/);
});

test('the « Chiffres » tab links to the panorama', async () => {
  const page = await openPage();
  await page.goto(`${env.base}/#onglet=chiffres`);
  const link = page.locator('#pane-chiffres a[href="/panorama"]');
  await link.waitFor({ timeout: 30_000 });
  await link.click();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  assert.equal(new URL(page.url()).pathname, '/panorama');
  await page.close();
});

/** The ids of the territories in the changes table, its second column. */
const changedIds = (page) => page.$$eval('#changes-table tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent.trim()));

test('both panoramas say what changed since the previous dataset: exactly the three rows changed', async () => {
  const diff = await getJSON('/api/diff');
  assert.equal(diff.layer, 'pays');
  assert.deepEqual(diff.added.map((t) => t.id), [edits.added]);
  assert.deepEqual(diff.removed, []);
  assert.deepEqual(diff.renamed.map((t) => [t.id, t.old_name]), [[edits.renamed, edits.oldName]]);
  assert.deepEqual(diff.members.map((m) => [m.id, m.epci_joined.map((e) => e.code), m.epci_left, m.communes_left]),
    [[edits.grown, [edits.joined], [], []]]);
  assert.ok(diff.coverage.national.population_change > 0, 'the added territory covers more people');

  const page = await openPage();
  await openPanorama(page, '/panorama');
  await page.locator('#changements').screenshot({ path: path.join(SHOTS, 'panorama-changes.png') });
  assert.deepEqual((await changedIds(page)).sort(), [edits.added, edits.renamed, edits.grown].sort());
  const counts = await page.$$eval('.pano-changes-summary li', (lis) => lis.map((li) => Number(li.dataset.count)));
  assert.deepEqual(counts, [1, 0, 1, 1], 'added, removed, renamed, members changed');
  const renamedRow = await page.locator('#changes-table tbody tr', { hasText: edits.renamed }).innerText();
  assert.ok(renamedRow.includes(edits.oldName), 'the old name');
  // The coverage before and after: the nation, then each région whose coverage changed, raw in the CSV.
  const changedRegions = diff.coverage.regions.filter((r) => r.population_change !== 0 || r.area_km2_change !== 0);
  const cov = await download(page, 'changes-coverage-table');
  assert.equal(cov.name, 'panorama-changements-couverture.csv');
  assert.equal(cov.lines.length, 1 + 1 + changedRegions.length);
  const header = cov.lines[0].split(',');
  const national = cov.lines[1].split(',');
  assert.equal(national[header.indexOf('code')], 'metropole');
  assert.equal(Number(national[header.indexOf('population_couverte_ecart')]), diff.coverage.national.population_change);
  const changes = await download(page, 'changes-table');
  assert.equal(changes.lines.length, 1 + 3);
  const grown = changes.lines.find((l) => l.includes(edits.grown));
  assert.ok(grown.includes(edits.joined), 'the SIREN of the EPCI that joined');
  // Dated: the layer's source and vintage, from the answer.
  assert.ok((await page.locator('#changements').innerText()).includes(diff.to.source.vintage));
  assert.ok(await printed(page, 'panorama-national-changes') <= 4, 'the national panorama within 4 pages');
  await page.close();

  // A région's page keeps its own changes: those of the territories whose communes it holds.
  const [code] = diff.added[0].regions;
  const own = [...diff.added, ...diff.renamed, ...diff.members].filter((t) => t.regions.includes(code)).map((t) => t.id);
  const regional = await openPage();
  await openPanorama(regional, `/panorama/${code}`);
  assert.deepEqual((await changedIds(regional)).sort(), [...new Set(own)].sort());
  const rows = await regional.$$eval('#changes-coverage-table tbody tr', (trs) => trs.length);
  assert.equal(rows, 1, 'the région\'s own coverage, before and after');
  await regional.close();

  // A région none of them touches says so.
  const touched = new Set([...diff.added, ...diff.renamed, ...diff.members].flatMap((t) => t.regions));
  const quiet = (await getJSON('/api/coverage?layer=pays&by=region')).breakdown.find((r) => r.features > 0 && !touched.has(r.code));
  const untouched = await openPage();
  await openPanorama(untouched, `/panorama/${quiet.code}`);
  assert.equal(await untouched.locator('#changes-table').count(), 0);
  assert.match(await untouched.locator('#changements .none').innerText(), /Aucun territoire/);
  await untouched.close();
});

test('a server without a previous dataset: no « Ce qui a changé » section, and /api/diff is not asked', async () => {
  const page = await openPage();
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/diff') asked.push(r.url()); });
  await page.route('**/api/config', async (route) => {
    const config = await (await route.fetch()).json();
    assert.equal(config.compares_with_previous, true, 'this server has one');
    await route.fulfill({ json: { ...config, compares_with_previous: false } });
  });
  await openPanorama(page, '/panorama');
  assert.equal(await page.locator('#changements').count(), 0);
  assert.deepEqual(asked, []);
  await page.close();
});

test('axe: no serious or critical violation on the panoramas', async () => {
  for (const where of ['/panorama', `/panorama/${ARA}`]) {
    const page = await openPage();
    await openPanorama(page, where);
    await audit(page, where);
    await page.close();
  }
});
