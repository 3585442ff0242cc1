// @ts-check
// The coverage panel (/api/coverage), its bar chart drawn in SVG by hand, and the comparison of two
// layers (/api/overlap).

import { api, frenchMessage } from '../api.js';
import { byId } from '../lib/dom.js';
import { barChart } from '../lib/svg-chart.js';
import { esc, html, int, km2, hab, pct, METHOD, raw } from '../lib/fmt.js';
import { isAdministrative, layerIds, layerInfo, layerTitle, territoriesLayer } from '../catalog.js';

/** The layers offered for coverage and comparison: every layer of the catalogue but the administrative ones, the Pays first. */
export function coverageLayers() {
  const ids = layerIds().filter((id) => !isAdministrative(id));
  const first = territoriesLayer();
  return ids.includes(first) ? [first, ...ids.filter((id) => id !== first)] : ids;
}

/** The coverage chart's two bars per row. */
export const COVERAGE_SERIES = [
  { key: 'covered_area_pct', cls: 'bar-area', keyCls: 'key-area', label: 'part de la superficie', of: 'de la superficie' },
  { key: 'covered_population_pct', cls: 'bar-pop', keyCls: 'key-pop', label: 'part de la population', of: 'de la population' },
];

/** A coverage answer's key figures with its sources, method and vintage. */
export function figures(c) {
  return html`<dl class="figs">
    <div class="fig-row"><dt>${layerTitle(c.layer)} : objets présents</dt><dd><strong data-fig="features">${int(c.features)}</strong></dd></div>
    <div class="fig-row"><dt>Superficie couverte</dt><dd><strong data-fig="covered_area_pct">${pct(c.covered_area_pct)}</strong>
      <span class="detail"><span data-fig="covered_area_km2">${km2(c.covered_area_km2)}</span> sur <span data-fig="area_km2">${km2(c.area_km2)}</span></span></dd></div>
    <div class="fig-row"><dt>Population couverte</dt><dd><strong data-fig="covered_population_pct">${pct(c.covered_population_pct)}</strong>
      <span class="detail"><span data-fig="covered_population">${hab(c.covered_population)}</span> sur <span data-fig="population">${hab(c.population)}</span></span></dd></div>
    <div class="fig-row"><dt>Communes couvertes</dt><dd><strong data-fig="communes_covered">${int(c.communes_covered)}</strong>
      <span class="detail">sur <span data-fig="communes">${int(c.communes)}</span> communes</span></dd></div>
  </dl>
  <div class="src">
    <p>Couche : ${c.source.name} · millésime ${c.source.vintage} · ${c.source.licence}</p>
    <p>Dénominateurs (${c.scope.name}) : ${c.denominators_source.name} · ${c.denominators_source.vintage}</p>
    <p>Méthode : ${METHOD[c.method] || c.method}. Référentiel : ${c.vintage}.</p>
  </div>`;
}

function table(rows, byLabel) {
  return html`<details class="table-alt"><summary>Tableau des données (${rows.length} ${byLabel})</summary>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">${byLabel === 'régions' ? 'Région' : 'Département'}</th><th scope="col">Territoires</th><th scope="col">Superficie couverte</th><th scope="col">Population couverte</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.name} (${r.code})</th><td>${int(r.features)}</td><td>${pct(r.covered_area_pct)}</td><td>${pct(r.covered_population_pct)}</td></tr>`)}</tbody>
    </table></div></details>`;
}

/**
 * The comparison of two layers (/api/overlap): what each covers that the other covers too.
 * @param {string[]} offered the layers to choose from
 * @param {(message: string) => void} [onError]
 */
function setupComparison(offered, onError) {
  const details = byId('compare', HTMLDetailsElement);
  const aSelect = byId('cmp-a', HTMLSelectElement);
  const bSelect = byId('cmp-b', HTMLSelectElement);
  const cmpOut = byId('cmp-result');
  const options = offered.map((id) => `<option value="${esc(id)}">${esc(layerTitle(id))}</option>`).join('');
  aSelect.innerHTML = options;
  bSelect.innerHTML = options;
  aSelect.value = offered[0] || '';
  // B: the first layer a territoire de projet may carry (the SCoT), else the next one.
  const carried = offered.find((id) => id !== offered[0] && layerInfo(id)?.carried_by_territories);
  bSelect.value = carried || offered[1] || '';
  let compared = '';
  let cmpSeq = 0;

  async function compare() {
    const a = aSelect.value;
    const b = bSelect.value;
    if (a === b) {
      cmpOut.innerHTML = '<p class="notice">Choisissez deux couches différentes.</p>';
      return;
    }
    const key = `${a}|${b}`;
    if (key === compared) return;
    const mine = ++cmpSeq;
    compared = key;
    cmpOut.setAttribute('aria-busy', 'true');
    const progress = (text) => { if (mine === cmpSeq) cmpOut.innerHTML = `<p class="progress" role="status">${esc(text)}</p>`; };
    try {
      progress('Calcul…');
      const o = await api.overlap(a, b);
      if (mine !== cmpSeq) return;
      cmpOut.innerHTML = html`<h3>${layerTitle(a)} et ${layerTitle(b)} (${o.scope.name})</h3>
        ${comparisonLine(a, b, o.a, o)}
        ${comparisonLine(b, a, o.b, o)}
        <p class="note">Méthode : communes entières, avec leur superficie géodésique et leur population légale ;
          une commune compte pour une couche quand un de ses territoires la contient.</p>
        <div class="src"><p>${layerTitle(a)} : ${o.a.source.name} · millésime ${o.a.source.vintage}</p>
          <p>${layerTitle(b)} : ${o.b.source.name} · millésime ${o.b.source.vintage}</p>
          <p>Dénominateurs : ${o.denominators_source.name} · ${o.denominators_source.vintage}</p></div>`.html;
    } catch (e) {
      compared = '';
      if (mine === cmpSeq) cmpOut.innerHTML = html`<p class="notice notice-warn">Comparaison impossible : ${frenchMessage(e)}</p>`.html;
      onError?.(frenchMessage(e));
    } finally {
      if (mine === cmpSeq) cmpOut.removeAttribute('aria-busy');
    }
  }

  details.addEventListener('toggle', () => { if (details.open) compare(); });
  byId('cmp-form').addEventListener('submit', (e) => { e.preventDefault(); compare(); });
}

/**
 * One side of a comparison: the shares of `from`'s covered area and population that `to` covers too.
 * @param {string} from
 * @param {string} to
 * @param {import('../api.js').OverlapSide} side
 * @param {import('../api.js').Overlap} o
 */
function comparisonLine(from, to, side, o) {
  return html`<div class="cmp-row">
    <p class="cmp-q">Part de la superficie et de la population couvertes par la couche <strong>« ${layerTitle(from)} »</strong> qui le sont aussi par la couche <strong>« ${layerTitle(to)} »</strong> :</p>
    <p class="cmp-a"><strong data-cmp="${from}-in-${to}-area">${pct(side.area_also_in_other_pct)}</strong> de la superficie (${km2(o.both.area_km2)} sur ${km2(side.covered_area_km2)}) ·
      <strong data-cmp="${from}-in-${to}-population">${pct(side.population_also_in_other_pct)}</strong> de la population (${hab(o.both.population)} sur ${hab(side.covered_population)})</p>
  </div>`;
}

export function setupCoverage({ onError }) {
  const layerSelect = byId('cov-layer', HTMLSelectElement);
  const scopeSelect = byId('cov-scope', HTMLSelectElement);
  const out = byId('cov-result');
  let started = false;
  let seq = 0;

  const offered = coverageLayers();
  layerSelect.innerHTML = offered.map((id) => `<option value="${esc(id)}">${esc(layerTitle(id))}</option>`).join('');

  async function fillScopes() {
    const [regions, departements] = await Promise.all([
      api.coverage(offered[0], null, 'region'),
      api.coverage(offered[0], null, 'departement'),
    ]);
    const opt = (kind, r) => `<option value="${kind}:${esc(r.code)}">${esc(r.name)} (${esc(r.code)})</option>`;
    const byName = (a, b) => a.name.localeCompare(b.name, 'fr');
    scopeSelect.innerHTML = '<option value="">France métropolitaine</option>'
      + `<optgroup label="Régions">${[...regions.breakdown].sort(byName).map((r) => opt('region', r)).join('')}</optgroup>`
      + `<optgroup label="Départements">${[...departements.breakdown].sort((a, b) => a.code.localeCompare(b.code)).map((r) => opt('departement', r)).join('')}</optgroup>`;
  }

  async function show() {
    const mine = ++seq;
    const layer = layerSelect.value;
    const scope = scopeSelect.value || null;
    const by = !scope ? 'region' : scope.startsWith('region:') ? 'departement' : null;
    out.setAttribute('aria-busy', 'true');
    try {
      const c = await api.coverage(layer, scope, by);
      if (mine !== seq) return;
      const byLabel = by === 'region' ? 'régions' : 'départements';
      out.innerHTML = html`<h3 class="cov-title" data-cov-layer="${c.layer}" data-cov-scope="${scope || ''}">${layerTitle(c.layer)} — ${c.scope.name}</h3>
        ${figures(c)}
        ${by ? html`<h4>Par ${by === 'region' ? 'région' : 'département'}</h4><div class="chart-box"></div>${table(c.breakdown, byLabel)}` : raw('')}`.html;
      if (by) {
        out.querySelector('.chart-box').append(barChart(c.breakdown, {
          id: 'cov-chart',
          series: COVERAGE_SERIES,
          title: `${layerTitle(c.layer)} : part de la superficie et de la population couvertes, par ${by === 'region' ? 'région' : 'département'} (${c.scope.name})`,
        }));
      }
    } catch (e) {
      if (mine === seq) out.innerHTML = html`<p class="notice notice-warn">Couverture indisponible : ${frenchMessage(e)}</p>`.html;
    } finally {
      if (mine === seq) out.removeAttribute('aria-busy');
    }
  }

  layerSelect.addEventListener('change', show);
  scopeSelect.addEventListener('change', show);

  setupComparison(offered, onError);
  byId('cov-form').addEventListener('submit', (e) => { e.preventDefault(); show(); });

  return {
    async start() {
      if (started) return;
      started = true;
      const first = show();
      try {
        await fillScopes();
      } catch (e) {
        onError?.(`Liste des régions et départements indisponible : ${frenchMessage(e)}`);
      }
      await first;
    },
  };
}
