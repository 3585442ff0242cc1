// @ts-check
// territoires — « Panorama des territoires de projet », /panorama (France) and /panorama/{région}: a
// printable report made in the page from the API. National: « Les Pays en chiffres » (the Chiffres
// tab's own rendering), the map of the layer, the coverage by région. A région: its coverage by
// département, its map, its territories with their figures, what each carries (SCoT, CRTE, PCAET…:
// the layers a territory may carry, from the catalogue). When the server was given its previous
// dataset (`serve --previous`), both also say what changed since (/api/diff). Every figure comes
// with its source and vintage from the answers; every table downloads as CSV.

import { api, frenchMessage } from '../api.js';
import { announce, dec1, hab, html, int, km2, pct, portraitUrl, raw, sourceLine } from '../lib/fmt.js';
import {
  divisionLayer, featureClass, layerIds, layerInfo, layerTitle, setCatalog, shown, territoriesLayer,
} from '../catalog.js';
import { byId, closestTo } from '../lib/dom.js';
import { barChart } from '../lib/svg-chart.js';
import { downloadCsv } from '../lib/csv.js';
import { drawIndicatorsChart, renderIndicators } from '../panels/indicators.js';
import { COVERAGE_SERIES, figures } from '../panels/coverage.js';
import { drawNationalMap, drawRegionMap, REGION_ZOOM } from '../map/panorama-map.js';

const root = byId('panorama');

/**
 * A table's column: its French heading, its CSV name, its raw value (the CSV's) and, when it differs,
 * what the cell shows.
 * @typedef {{label: string, csv: string, value: (r: any) => unknown, cell?: (r: any) => unknown, num?: boolean}} Column
 * @typedef {{filename: string, header: string[], rows: unknown[][]}} CsvTable
 */

/** The CSV of each table of the page, by the table's id. */
/** @type {Map<string, CsvTable>} */
const csvTables = new Map();

/** The CSV button of table `id`. */
const csvButton = (id, what) => html`<button type="button" class="btn btn-small btn-secondary no-print csv-button" data-csv="${id}">Télécharger le tableau (CSV)<span class="visually-hidden"> : ${what}</span></button>`;

/**
 * A table drawn from `rows`, its first column the row headers, with its CSV (the raw values of
 * `csvColumns`, by default the table's own) kept for its button.
 * @param {string} id
 * @param {string} caption
 * @param {Column[]} columns
 * @param {any[]} rows
 * @param {string} filename
 * @param {Column[]} [csvColumns]
 */
function dataTable(id, caption, columns, rows, filename, csvColumns = columns) {
  csvTables.set(id, { filename, header: csvColumns.map((c) => c.csv), rows: rows.map((r) => csvColumns.map((c) => c.value(r))) });
  const cell = (c, r) => (c.cell ? c.cell(r) : c.value(r));
  // The wrapper scrolls a wide table on a narrow screen: focusable, so that the keyboard scrolls it too.
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${caption}"><table id="${id}" class="pano-table">
      <caption>${caption}</caption>
      <thead><tr>${columns.map((c) => html`<th scope="col"${c.num ? raw(' class="num"') : ''}>${c.label}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr>${columns.map((c, i) => (i === 0
    ? html`<th scope="row">${cell(c, r)}</th>`
    : html`<td${c.num ? raw(' class="num"') : ''}>${cell(c, r)}</td>`))}</tr>`)}</tbody>
    </table></div>
    ${csvButton(id, caption)}`;
}

/** A catalogue entry's source as `sourceLine` takes it. */
function layerSource(id) {
  const l = layerInfo(id);
  return l ? { name: l.source, vintage: l.vintage, licence: l.licence } : null;
}

/** The date of the report, for its reader on paper. */
const today = () => new Date().toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' });

// ---------------------------------------------------------------------------------------------
// Coverage by région or département: figures, bars, table.

/**
 * @param {import('../api.js').Coverage} c
 * @param {'region' | 'departement'} by
 * @param {string} filename
 */
function coverageBlock(c, by, filename) {
  const rows = c.breakdown || [];
  const division = by === 'region' ? 'Région' : 'Département';
  const name = (r) => (by === 'region' && r.features
    ? html`<a href="/panorama/${encodeURIComponent(r.code)}">${r.name}</a> (${r.code})`
    : html`${r.name} (${r.code})`);
  /** @type {Column[]} */
  const columns = [
    { label: division, csv: by, value: (r) => r.code, cell: name },
    { label: 'Nom', csv: 'nom', value: (r) => r.name },
    { label: 'Territoires', csv: 'territoires', value: (r) => r.features, cell: (r) => int(r.features), num: true },
    { label: 'Communes couvertes', csv: 'communes_couvertes', value: (r) => r.communes_covered, cell: (r) => `${int(r.communes_covered)} sur ${int(r.communes)}`, num: true },
    { label: 'Superficie couverte', csv: 'superficie_couverte_pct', value: (r) => r.covered_area_pct.toFixed(2), cell: (r) => pct(r.covered_area_pct), num: true },
    { label: 'Population couverte', csv: 'population_couverte_pct', value: (r) => r.covered_population_pct.toFixed(2), cell: (r) => pct(r.covered_population_pct), num: true },
    { label: 'Habitants couverts', csv: 'population_couverte', value: (r) => r.covered_population, cell: (r) => hab(r.covered_population), num: true },
  ];
  // The CSV has the code and the name apart (on screen the name is in the first cell), and the totals.
  const shownColumns = columns.filter((col) => col.csv !== 'nom');
  const totals = [
    { label: '', csv: 'communes', value: (r) => r.communes },
    { label: '', csv: 'superficie_km2', value: (r) => r.area_km2.toFixed(3) },
    { label: '', csv: 'superficie_couverte_km2', value: (r) => r.covered_area_km2.toFixed(3) },
    { label: '', csv: 'population', value: (r) => r.population },
  ];
  const table = dataTable(`cov-table-${by}`, `${layerTitle(c.layer)} : couverture par ${division.toLowerCase()} (${c.scope.name})`,
    shownColumns, rows, filename, [...columns, ...totals]);
  return html`<div class="pano-figures">${figures(c)}</div>
    <div class="pano-cov">
      <div class="chart-box" id="cov-chart-box"></div>
      <div>${table}</div>
    </div>`;
}

/**
 * @param {HTMLElement} section
 * @param {import('../api.js').Coverage} c
 * @param {'region' | 'departement'} by
 */
function drawCoverageChart(section, c, by) {
  section.querySelector('#cov-chart-box')?.append(barChart(c.breakdown || [], {
    id: 'cov-chart',
    series: COVERAGE_SERIES,
    title: `${layerTitle(c.layer)} : part de la superficie et de la population couvertes, par ${by === 'region' ? 'région' : 'département'} (${c.scope.name})`,
  }));
}

/**
 * The map's section, national or régional: the SVG and its legend are drawn into `#pano-map` and
 * `#pano-legend` once the page is in place.
 * @param {string} title
 * @param {string | null} hint
 * @param {string} layerId
 */
function mapSection(title, hint, layerId) {
  return html`
    <section id="carte" class="pano-section pano-map-section" aria-labelledby="h-carte">
      <h2 id="h-carte">${title}</h2>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      <figure class="pano-map">
        <div id="pano-map" class="pano-map-svg"></div>
        <figcaption id="pano-legend"></figcaption>
      </figure>
      ${sourceLine(layerSource(layerId), 'Source')}
    </section>`;
}

// ---------------------------------------------------------------------------------------------
// National.

async function national() {
  const layerId = territoriesLayer();
  const layer = layerInfo(layerId);
  if (!layer) throw new Error('no territories layer');
  const [indicators, coverage, diff] = await Promise.all([
    api.indicators(), api.coverage(layerId, null, 'region'), api.diff(layerId),
  ]);
  document.title = `Panorama des territoires de projet — Territoires`;
  const regions = (coverage.breakdown || []).filter((r) => r.features > 0);
  root.innerHTML = html`
    ${head('Panorama des territoires de projet', coverage.scope.name, coverage.vintage)}
    <nav class="pano-regions no-print" aria-labelledby="h-regions">
      <h2 id="h-regions">Panorama par région</h2>
      <ul>${[...regions].sort((a, b) => a.name.localeCompare(b.name, 'fr')).map((r) => html`<li><a href="/panorama/${encodeURIComponent(r.code)}">${r.name}</a> <span class="muted">(${int(r.features)})</span></li>`)}</ul>
    </nav>
    <section id="chiffres" class="pano-section" aria-labelledby="h-chiffres">
      <h2 id="h-chiffres">Les Pays en chiffres</h2>
      <div id="ind-result">${renderIndicators(indicators)}</div>
      ${csvButton('ind-table', 'les Pays en chiffres')}
    </section>
    ${mapSection(`Carte : ${layer.title}`, null, layerId)}
    <section id="couverture" class="pano-section" aria-labelledby="h-couverture">
      <h2 id="h-couverture">Couverture par région</h2>
      ${coverageBlock(coverage, 'region', 'panorama-couverture-regions.csv')}
    </section>
    ${diff ? changesSection(diff, null) : ''}
    ${foot()}
  `.html;
  drawIndicatorsChart(byId('ind-result'), indicators);
  root.querySelector('.ind-table')?.setAttribute('id', 'ind-table');
  csvTables.set('ind-table', indicatorsCsv(indicators));
  drawCoverageChart(byId('couverture'), coverage, 'region');
  await drawNationalMap(byId('pano-map'), byId('pano-legend'), layer);
  announce('Panorama national chargé');
}

/** « Les Pays en chiffres » as CSV: reference and measure, raw. */
function indicatorsCsv(data) {
  const year = data.reference?.year ?? '';
  return {
    filename: 'panorama-pays-en-chiffres.csv',
    header: ['indicateur', 'libelle', 'reference', 'reference_pct', 'reference_annee', 'reference_source', 'mesure', 'numerateur',
      'denominateur', 'mesure_pct', 'unite', 'couches', 'pourquoi'],
    rows: data.indicators.map((ind) => {
      const r = ind.reference;
      const m = ind.measured;
      return [ind.id, ind.label, r?.text ?? '', r?.percent ?? '', r ? year : '', r ? data.reference?.source ?? '' : '',
        m?.text ?? '', m?.numerator ?? '', m?.denominator ?? '', m?.percent != null ? m.percent.toFixed(2) : '', m?.unit ?? '',
        (m?.layers || []).map((l) => l.layer).join(' '), ind.why ?? ''];
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// One région.

/** The layers a territoire de projet may carry: those with a carrier (CRTE, PCAET) or carried by id (SCoT). */
const carriedLayers = () => layerIds().filter((id) => layerInfo(id)?.carrier || layerInfo(id)?.carried_by_territories);

/**
 * What the territory of portrait `p` carries of layer `id`: the features whose carrier is the territory
 * (`carried_by_territory`, the carrier's SIREN is its id) or, for a layer without a carrier column, the
 * feature of the territory's own id (its SCoT).
 * @param {import('../api.js').Portrait} p
 * @param {string} id
 */
export function carried(p, id) {
  const rel = p.layers.find((l) => l.layer.id === id);
  return (rel?.features || []).filter((f) => f.carried_by_territory === true || (f.carried_by_territory == null && f.id === p.id));
}

/** @param {string} code */
async function region(code) {
  const layerId = territoriesLayer();
  const layer = layerInfo(layerId);
  if (!layer) throw new Error('no territories layer');
  const [area, coverage, diff] = await Promise.all([
    api.territory(divisionLayer('region'), code),
    api.coverage(layerId, `region:${code}`, 'departement'),
    api.diff(layerId),
  ]);
  const bbox = area.bbox || layer.bbox;
  if (!bbox) throw new Error('no extent');
  const all = await api.layer(layerId, REGION_ZOOM, bbox);
  // A territory belongs to the région holding most of its population (`region`, from the server).
  const own = all.features.filter((f) => String(f.properties.region) === code);
  const around = all.features.filter((f) => String(f.properties.region) !== code);
  const portraits = await Promise.all(own.map((f) => api.portrait(layerId, String(f.properties.id))));
  portraits.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const name = area.name;
  document.title = `Panorama des territoires de projet — ${name} — Territoires`;
  const carriers = carriedLayers();
  const denominators = portraits[0]?.denominators_source || coverage.denominators_source;
  root.dataset.region = code;
  root.innerHTML = html`
    ${head(`Panorama des territoires de projet — ${name}`, `Région ${name} (${code})`, coverage.vintage)}
    <p class="no-print pano-up"><a href="/panorama">← Panorama national</a></p>
    <section id="couverture" class="pano-section" aria-labelledby="h-couverture">
      <h2 id="h-couverture">Couverture de la région</h2>
      ${coverageBlock(coverage, 'departement', `panorama-${code}-couverture-departements.csv`)}
    </section>
    ${mapSection('Carte des territoires de projet', 'Chaque territoire est rattaché à la région qui porte la plus grande part de sa population.', layerId)}
    <section id="territoires" class="pano-section" aria-labelledby="h-territoires">
      <h2 id="h-territoires">Les territoires <span class="count">${int(portraits.length)}</span></h2>
      ${portraits.length
    ? html`<p class="pano-note">Les ${int(portraits.length)} territoires dont la région porte la plus grande part de la population ;
        ${int(coverage.features)} ont au moins une commune dans la région (couverture ci-dessus).</p>
      ${territoriesTable(code, name, layerId, portraits)}`
    : html`<p class="none" data-none="${layerId}">Aucun territoire de la couche « ${layer.title} » n’est rattaché à cette région.</p>`}
      ${sourceLine(layerSource(layerId), 'Territoires')}
      ${sourceLine(denominators, 'Populations et superficies')}
    </section>
    ${portraits.length ? html`<section id="porte" class="pano-section" aria-labelledby="h-porte">
      <h2 id="h-porte">Ce que porte chaque territoire</h2>
      ${carriesSummary(portraits, carriers)}
      ${carriesTable(code, name, portraits, carriers)}
      ${carriers.map((id) => sourceLine(layerSource(id), layerTitle(id)))}
    </section>` : ''}
    ${diff ? changesSection(diff, { code, name }) : ''}
    ${foot()}
  `.html;
  drawCoverageChart(byId('couverture'), coverage, 'departement');
  await drawRegionMap(byId('pano-map'), byId('pano-legend'), { code, name, bbox }, own, around);
  announce(`Panorama de la région ${name} chargé`);
}

/**
 * @param {string} code
 * @param {string} name
 * @param {string} layerId
 * @param {import('../api.js').Portrait[]} portraits
 */
function territoriesTable(code, name, layerId, portraits) {
  const status = (p) => featureClass(layerId, p.properties)?.label || shown(layerId, p.properties.status) || '';
  /** @type {Column[]} */
  const columns = [
    { label: 'Territoire', csv: 'nom', value: (p) => p.name, cell: (p) => html`<a href="${portraitUrl(layerId, p.id)}">${p.name}</a>` },
    { label: 'Identifiant', csv: 'id', value: (p) => p.id },
    { label: 'Forme juridique', csv: 'forme', value: (p) => p.properties.kind ?? '' },
    { label: 'Origine du périmètre', csv: 'statut', value: (p) => p.properties.status ?? '', cell: status },
    { label: 'Population', csv: 'population', value: (p) => p.figures.population, cell: (p) => int(p.figures.population), num: true },
    { label: 'Superficie (km²)', csv: 'superficie_km2', value: (p) => p.figures.area_km2.toFixed(3), cell: (p) => km2(p.figures.area_km2).replace(/\u00a0km²$/, ''), num: true },
    { label: 'EPCI', csv: 'epci', value: (p) => p.figures.epci, cell: (p) => int(p.figures.epci), num: true },
    { label: 'Communes', csv: 'communes', value: (p) => p.figures.communes, cell: (p) => int(p.figures.communes), num: true },
  ];
  return dataTable('territories-table', `Les territoires de projet de la région ${name} : forme juridique, origine du périmètre, population, superficie, nombre d’EPCI et de communes`,
    columns, portraits, `panorama-${code}-territoires.csv`);
}

/**
 * How many territories carry at least one feature of each carried layer.
 * @param {import('../api.js').Portrait[]} portraits
 * @param {string[]} carriers
 */
function carriesSummary(portraits, carriers) {
  return html`<ul class="pano-carries-summary">${carriers.map((id) => {
    const n = portraits.filter((p) => carried(p, id).length).length;
    return html`<li data-carries="${id}"><strong>${int(n)}</strong> territoire${n > 1 ? 's' : ''} sur ${int(portraits.length)} porte${n > 1 ? 'nt' : ''} au moins un objet de la couche « ${layerTitle(id)} »</li>`;
  })}</ul>`;
}

/**
 * @param {string} code
 * @param {string} name
 * @param {import('../api.js').Portrait[]} portraits
 * @param {string[]} carriers
 */
function carriesTable(code, name, portraits, carriers) {
  const names = (p, id) => carried(p, id).map((f) => f.name);
  /** @type {Column[]} */
  const columns = [
    { label: 'Territoire', csv: 'nom', value: (p) => p.name },
    { label: 'Identifiant', csv: 'id', value: (p) => p.id },
    ...carriers.map((id) => ({
      label: layerTitle(id), csv: id, value: (p) => carried(p, id).map((f) => f.id).join(' '),
      cell: (p) => (names(p, id).length ? html`<ul class="carried-list">${names(p, id).map((n) => html`<li>${n}</li>`)}</ul>` : html`<span class="muted">aucun</span>`),
    })),
  ];
  // The CSV has the ids of what is carried, then its names; the screen shows the names alone.
  const csvNames = carriers.map((id) => ({ label: '', csv: `${id}_noms`, value: (p) => names(p, id).join(' ; ') }));
  return dataTable('carries-table', `Ce que porte chaque territoire de projet de la région ${name}`, columns, portraits,
    `panorama-${code}-portages.csv`, [...columns, ...csvNames]);
}

// ---------------------------------------------------------------------------------------------
// What changed since the previous dataset.

/** A signed figure: « +1 234 », « −56 », « 0 ». */
const signed = (n, format = int) => (n > 0 ? `+${format(n)}` : n < 0 ? `−${format(-n)}` : format(0));
/** A change of share in percentage points, one decimal. */
const points = (n) => `${signed(n, dec1)}\u00a0pt`;

/**
 * One row per territory that changed, in `region` (its régions hold it) or everywhere.
 * @param {import('../api.js').Diff} d
 * @param {string | null} region
 */
function territoryChanges(d, region) {
  const here = (t) => !region || t.regions.includes(region);
  const names = (list) => list.map((m) => m.name).join(', ');
  const codes = (list) => list.map((m) => m.code).join(' ');
  /** @type {Map<string, {id: string, name: string, kinds: string[], old_name: string, epci_joined: any[], epci_left: any[], communes_joined: any[], communes_left: any[]}>} */
  const rows = new Map();
  const row = (t, name) => {
    if (!rows.has(t.id)) rows.set(t.id, { id: t.id, name, kinds: [], old_name: '', epci_joined: [], epci_left: [], communes_joined: [], communes_left: [] });
    return /** @type {any} */ (rows.get(t.id));
  };
  for (const t of d.added.filter(here)) row(t, t.name).kinds.push('ajouté');
  for (const t of d.removed.filter(here)) row(t, t.name).kinds.push('retiré');
  for (const t of d.renamed.filter(here)) Object.assign(row(t, t.new_name), { old_name: t.old_name }).kinds.push('renommé');
  for (const t of d.members.filter(here)) Object.assign(row(t, t.name), t).kinds.push('périmètre');
  const list = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const what = (r) => {
    const parts = [];
    if (r.kinds.includes('ajouté')) parts.push('Ajouté');
    if (r.kinds.includes('retiré')) parts.push('Retiré');
    if (r.old_name) parts.push(`Renommé (ancien nom : « ${r.old_name} »)`);
    if (r.epci_joined.length) parts.push(`EPCI entré${r.epci_joined.length > 1 ? 's' : ''} : ${names(r.epci_joined)}`);
    if (r.epci_left.length) parts.push(`EPCI sorti${r.epci_left.length > 1 ? 's' : ''} : ${names(r.epci_left)}`);
    const communes = (n, moved) => `${int(n)} commune${n > 1 ? 's' : ''} ${moved}${n > 1 ? 's' : ''}`;
    if (r.communes_joined.length) parts.push(communes(r.communes_joined.length, 'entrée'));
    if (r.communes_left.length) parts.push(communes(r.communes_left.length, 'sortie'));
    return parts.join(' ; ');
  };
  return { list, what, codes };
}

/**
 * « Ce qui a changé » since the previous dataset: the territories added, removed, renamed or whose
 * members changed, and the coverage before and after, of the nation or of région `region`.
 * @param {import('../api.js').Diff} d
 * @param {{code: string, name: string} | null} region
 */
function changesSection(d, region) {
  const where = region ? `région ${region.name}` : 'France métropolitaine';
  const file = region ? `panorama-${region.code}` : 'panorama';
  const { list, what, codes } = territoryChanges(d, region?.code ?? null);
  /** @type {Column[]} */
  const territoryColumns = [
    { label: 'Territoire', csv: 'nom', value: (r) => r.name, cell: (r) => (r.kinds.includes('retiré') ? r.name : html`<a href="${portraitUrl(d.layer, r.id)}">${r.name}</a>`) },
    { label: 'Identifiant', csv: 'id', value: (r) => r.id },
    { label: 'Changement', csv: 'changements', value: (r) => r.kinds.join(' '), cell: what },
  ];
  const csvExtra = [
    { label: '', csv: 'ancien_nom', value: (r) => r.old_name },
    { label: '', csv: 'epci_entres', value: (r) => codes(r.epci_joined) },
    { label: '', csv: 'epci_sortis', value: (r) => codes(r.epci_left) },
    { label: '', csv: 'communes_entrees', value: (r) => codes(r.communes_joined) },
    { label: '', csv: 'communes_sorties', value: (r) => codes(r.communes_left) },
  ];
  const scopes = region
    ? d.coverage.regions.filter((s) => s.code === region.code)
    : [d.coverage.national, ...d.coverage.regions.filter((s) => s.old.covered_population !== s.new.covered_population
      || s.old.covered_area_km2 !== s.new.covered_area_km2)];
  /** @type {Column[]} */
  const coverageColumns = [
    { label: region ? 'Région' : 'Zone', csv: 'code', value: (s) => s.code, cell: (s) => s.name },
    { label: 'Superficie avant', csv: 'superficie_couverte_pct_avant', value: (s) => s.old.covered_area_pct.toFixed(2), cell: (s) => pct(s.old.covered_area_pct), num: true },
    { label: 'Superficie après', csv: 'superficie_couverte_pct_apres', value: (s) => s.new.covered_area_pct.toFixed(2), cell: (s) => pct(s.new.covered_area_pct), num: true },
    { label: 'Écart (km²)', csv: 'superficie_couverte_km2_ecart', value: (s) => s.area_km2_change.toFixed(3), cell: (s) => signed(s.area_km2_change, (v) => km2(v).replace(/\u00a0km²$/, '')), num: true },
    { label: 'Population avant', csv: 'population_couverte_pct_avant', value: (s) => s.old.covered_population_pct.toFixed(2), cell: (s) => pct(s.old.covered_population_pct), num: true },
    { label: 'Population après', csv: 'population_couverte_pct_apres', value: (s) => s.new.covered_population_pct.toFixed(2), cell: (s) => pct(s.new.covered_population_pct), num: true },
    { label: 'Écart (hab.)', csv: 'population_couverte_ecart', value: (s) => s.population_change, cell: (s) => signed(s.population_change), num: true },
  ];
  const coverageCsv = [
    ...coverageColumns.slice(0, 1),
    { label: '', csv: 'nom', value: (s) => s.name },
    ...coverageColumns.slice(1),
    { label: '', csv: 'ecart_points_superficie', value: (s) => s.area_pct_change.toFixed(2) },
    { label: '', csv: 'ecart_points_population', value: (s) => s.population_pct_change.toFixed(2) },
  ];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  // What dates each side: the layer's source and the base vintage, once when both datasets cite the same.
  const editions = same(d.from, d.to)
    ? html`<p class="pano-note">Les deux jeux de données citent la même source, du même millésime : les changements viennent des fichiers de la couche.</p>
      ${sourceLine(d.to.source, 'Source')}`
    : html`${sourceLine(d.from.source, 'Avant')}${sourceLine(d.to.source, 'Maintenant')}
      ${d.from.vintage === d.to.vintage ? '' : html`<p class="src">Référentiel : ${d.from.vintage} avant, ${d.to.vintage} maintenant</p>`}`;
  const count = (kind) => list.filter((r) => r.kinds.includes(kind)).length;
  const summary = [['ajouté', 'ajouté'], ['retiré', 'retiré'], ['renommé', 'renommé'], ['périmètre', 'au périmètre modifié']]
    .map(([kind, label]) => [count(kind), label]);
  const national = d.coverage.national;
  return html`
    <section id="changements" class="pano-section" aria-labelledby="h-changements">
      <h2 id="h-changements">Ce qui a changé depuis le jeu de données précédent</h2>
      <ul class="pano-changes-summary">${summary.map(([n, label]) => html`<li data-count="${n}"><strong>${int(Number(n))}</strong> territoire${Number(n) > 1 ? 's' : ''} ${label}${Number(n) > 1 ? 's' : ''}</li>`)}</ul>
      ${list.length
    ? dataTable('changes-table', `Territoires de projet ajoutés, retirés, renommés ou au périmètre modifié (${where})`,
      territoryColumns, list, `${file}-changements.csv`, [...territoryColumns, ...csvExtra])
    : html`<p class="none">Aucun territoire n’a été ajouté, retiré, renommé ni modifié (${where}).</p>`}
      ${scopes.length ? dataTable('changes-coverage-table', `Part de la superficie et de la population couvertes, avant et après (${where})`, coverageColumns, scopes,
    `${file}-changements-couverture.csv`, coverageCsv) : ''}
      ${region ? '' : html`<p class="pano-note">En France métropolitaine : ${points(national.area_pct_change)} de superficie couverte, ${points(national.population_pct_change)} de population couverte.</p>`}
      ${editions}
    </section>`;
}

// ---------------------------------------------------------------------------------------------

function head(title, scope, vintage) {
  return html`<header class="pano-head">
    <h1>${title}</h1>
    <p class="pano-scope">${scope} · rapport édité le ${today()} · référentiel : ${vintage}</p>
    <p class="pano-actions no-print"><button type="button" class="btn" id="print-button">Imprimer ou enregistrer en PDF</button></p>
  </header>`;
}

function foot() {
  return html`<p class="pano-foot">Fait avec les données chargées sur ce serveur ; chaque chiffre est donné avec sa source et son millésime.
    <span class="no-print">· <a href="/">Retour à la carte</a></span></p>`;
}

function parsePath() {
  const m = location.pathname.match(/^\/panorama(?:\/([^/]+))?\/?$/);
  return m ? { region: m[1] ? decodeURIComponent(m[1]) : null } : null;
}

async function main() {
  const where = parsePath();
  try {
    if (!where) throw new Error('bad path');
    setCatalog(await api.catalog());
    if (where.region) await region(where.region);
    else await national();
    byId('print-button').addEventListener('click', () => window.print());
  } catch (e) {
    root.innerHTML = html`<h1>Panorama indisponible</h1><p class="notice notice-warn">${frenchMessage(e)}</p><p><a href="/">Retour à la carte</a></p>`.html;
  }
  root.addEventListener('click', (e) => {
    const button = closestTo(e, 'button[data-csv]');
    const t = button && csvTables.get(button.dataset.csv || '');
    if (!t) return;
    downloadCsv(t.filename, t.header, t.rows);
    announce(`Tableau téléchargé : ${t.filename}`);
  });
  // For the browser tests: each table's CSV.
  /** @type {any} */ (window).panorama = { csv: csvTables };
  root.setAttribute('aria-busy', 'false');
  document.body.dataset.ready = 'true';
}

main();
