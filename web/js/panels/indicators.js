// @ts-check
// « Les Pays en chiffres » (/api/indicators): the reference figures (ANPP) beside what the loaded
// data measure, as a table and a hand-made SVG bar chart. The texts come French-formatted from the API;
// `measured: null` means no data here, and no number is shown for it.

import { api, frenchMessage } from '../api.js';
import { hab, html, int, km2, pct } from '../lib/fmt.js';
import { layerTitle } from '../catalog.js';
import { barChart } from '../lib/svg-chart.js';
import { byId } from '../lib/dom.js';

export const NO_DATA = 'pas de données ici';

/** A measured numerator or denominator, in its unit. */
function amount(v, unit) {
  if (unit === 'km2') return km2(v);
  if (unit === 'inhabitants') return hab(v);
  if (unit === 'features') return int(v);
  return `${int(v)}${unit ? `\u00a0${unit}` : ''}`;
}

function referenceCell(r) {
  if (!r) return html`<td class="ind-ref" data-reference="none"><span class="none">pas de chiffre publié</span></td>`;
  const share = r.count != null && r.of != null && r.percent != null ? html` <span class="ind-pct">(${pct(r.percent)})</span>` : '';
  return html`<td class="ind-ref"><strong class="ind-fig" data-reference="text">${r.text}</strong>${share}</td>`;
}

function measuredCell(ind) {
  const m = ind.measured;
  if (!m) {
    return html`<td class="ind-measured" data-measured="none"><strong class="ind-none">${NO_DATA}</strong></td>`;
  }
  const layers = (m.layers || []).map((l) => l.title || layerTitle(l.layer));
  const num = amount(m.numerator, m.unit);
  const den = amount(m.denominator, m.unit);
  // "106 sur 854 (12,4 %)" already says both; "49,8 %" needs them spelt out.
  const detail = m.text.includes(num) && m.text.includes(den)
    ? ''
    : html`<span class="ind-detail">${num} sur ${den}${m.percent != null && !m.text.includes('%') ? html` (${pct(m.percent)})` : ''}</span>`;
  return html`<td class="ind-measured">
    <strong class="ind-fig" data-measured="text">${m.text}</strong>
    ${detail}
    ${layers.length ? html`<span class="ind-layers">Couche${layers.length > 1 ? 's' : ''} : ${layers.join(', ')}</span>` : ''}
  </td>`;
}

/** The distinct sources of the measured layers, one line each. */
function measuredSources(data) {
  const seen = new Map();
  for (const ind of data.indicators) {
    for (const l of ind.measured?.layers || []) {
      if (!seen.has(l.layer)) seen.set(l.layer, l);
    }
  }
  return [...seen.values()].map((l) => html`<li data-source-layer="${l.layer}">${l.title || layerTitle(l.layer)} : ${l.source?.name}${l.source?.vintage ? ` · millésime ${l.source.vintage}` : ''}${l.source?.licence ? ` · ${l.source.licence}` : ''}</li>`);
}

export function renderIndicators(data) {
  const ref = data.reference || {};
  const year = ref.year != null ? String(ref.year) : '';
  const refName = html`${ref.url ? html`<a href="${ref.url}" rel="noopener noreferrer" hreflang="fr">${ref.source}</a>` : ref.source}`;
  return html`<p>Chaque indicateur met la référence publiée (${ref.source}${year ? `, ${year}` : ''}) à côté de ce que mesurent
      les couches de cette carte, avec la raison de l’écart. Là où elles ne disent rien, il est écrit « ${NO_DATA} ».</p>
    ${chartRows(data).length ? html`<h3>Référence et mesure, en pourcentage</h3><div class="chart-box" id="ind-chart-box"></div>` : ''}
    <div class="table-wrap">
      <table class="ind-table">
        <caption>Les Pays en chiffres : référence ${year ? `(${year}) ` : ''}et mesure sur les données chargées, par indicateur</caption>
        <thead><tr><th scope="col">Indicateur</th><th scope="col">Référence${year ? ` (${year})` : ''}</th><th scope="col">Mesuré ici</th></tr></thead>
        ${data.indicators.map((ind) => html`<tbody data-indicator="${ind.id}">
          <tr>
            <th scope="row" id="ind-${ind.id}">${ind.label}</th>
            ${referenceCell(ind.reference)}
            ${measuredCell(ind)}
          </tr>
          ${ind.why ? html`<tr class="ind-why-row"><td colspan="3" headers="ind-${ind.id}"><span class="visually-hidden">Pourquoi : </span>${ind.why}</td></tr>` : ''}
        </tbody>`)}
      </table>
    </div>
    <div class="src ind-sources">
      <p>Référence : ${refName}${year ? `, ${year}` : ''}.</p>
      <p>Mesures :</p>
      <ul class="src-list">${measuredSources(data)}</ul>
      ${data.denominators_source ? html`<p>Dénominateurs : ${data.denominators_source.name} · ${data.denominators_source.vintage}</p>` : ''}
      ${data.vintage ? html`<p>Référentiel : ${data.vintage}.</p>` : ''}
    </div>`;
}

/** The chart's rows: indicators with both a reference and a measured percentage. */
export function chartRows(data) {
  return data.indicators
    .filter((ind) => ind.reference?.percent != null && ind.measured?.percent != null)
    .map((ind) => ({ id: ind.id, name: ind.label, ref: ind.reference.percent, measured: ind.measured.percent }));
}

/**
 * Draws the reference-and-measure chart into the `#ind-chart-box` that renderIndicators left in `out`.
 * @param {HTMLElement} out
 * @param {any} data /api/indicators
 */
export function drawIndicatorsChart(out, data) {
  const rows = chartRows(data);
  const box = out.querySelector('#ind-chart-box');
  if (!box) return;
  const year = data.reference?.year != null ? ` ${data.reference.year}` : '';
  box.append(barChart(rows, {
    id: 'ind-chart',
    title: `Les Pays en chiffres : pourcentage de la référence${year} et pourcentage mesuré ici, pour ${rows.length} indicateurs`,
    series: [
      { key: 'ref', cls: 'bar-ref', keyCls: 'key-ref', label: `référence${year}`, of: `selon la référence${year}` },
      { key: 'measured', cls: 'bar-measured', keyCls: 'key-measured', label: 'mesuré ici', of: 'mesuré ici' },
    ],
  }));
}

export function setupIndicators({ onError }) {
  const out = byId('ind-result');
  let started = false;

  async function show() {
    out.setAttribute('aria-busy', 'true');
    out.innerHTML = '<p class="progress">Chargement des chiffres…</p>';
    try {
      const data = await api.indicators();
      out.innerHTML = renderIndicators(data).html;
      drawIndicatorsChart(out, data);
    } catch (e) {
      started = false;
      out.innerHTML = html`<p class="notice notice-warn">Chiffres indisponibles : ${frenchMessage(e)}</p>`.html;
      onError?.(`Les Pays en chiffres : ${frenchMessage(e)}`);
    } finally {
      out.removeAttribute('aria-busy');
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      show();
    },
  };
}
