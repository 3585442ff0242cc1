// @ts-check
// The simulator's results as markup: the figures, the coverage before and after, what the draft meets,
// the download buttons, the member list and the note on the territory it replaces.

import { hab, html, int, km2, pct, plural, raw } from '../lib/fmt.js';
import { layerInfo } from '../catalog.js';
import { checksLine, checksSection, ICON_KO, ICON_OK } from './checks.js';

/** @typedef {import('../api.js').Simulation} Simulation */
/** @typedef {import('./draft.js').Draft} Draft */

/** @type {Record<string, string>} */
const SCOPE_KIND = { metropole: '', region: 'Région', departement: 'Département' };

const shareFormat = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });

/**
 * A change of share: "37,2 % → 38,0 %" and the difference in points.
 * @param {number} before
 * @param {number} after
 */
function shareChange(before, after) {
  const d = after - before;
  const delta = Math.abs(d) < 0.05 ? 'inchangé' : `${shareFormat.format(d)}\u00a0pt`;
  return html`<span class="before">${pct(before)}</span> <span aria-hidden="true">→</span><span class="visually-hidden"> puis </span> <strong class="after">${pct(after)}</strong> <span class="delta">(${delta})</span>`;
}

/** @param {import('../api.js').CoverageChange} cov */
function coverageTable(cov) {
  const rows = cov.scopes.map((s) => {
    const kind = SCOPE_KIND[s.scope.kind] ?? '';
    const name = s.scope.kind === 'departement' ? `${s.scope.name} (${s.scope.code})` : s.scope.name;
    return html`<tr data-scope="${s.scope.kind}${s.scope.code ? `:${s.scope.code}` : ''}">
      <th scope="row">${kind ? html`<span class="muted">${kind}</span> ` : ''}${name}</th>
      <td data-share="area">${shareChange(s.before.covered_area_pct, s.after.covered_area_pct)}</td>
      <td data-share="population">${shareChange(s.before.covered_population_pct, s.after.covered_population_pct)}</td>
    </tr>`;
  });
  return html`<div class="table-wrap"><table class="sim-cov">
    <caption>Part couverte par les ${cov.title}, avant puis après le projet</caption>
    <thead><tr><th scope="col">Périmètre</th><th scope="col">Superficie</th><th scope="col">Population</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

/**
 * One layer the draft meets. `carrying` says the layer's features could be carried by a PETR with
 * the same perimeter (the SCoT): the page then says whether this one could.
 * @param {import('../api.js').Meets} m
 * @param {boolean} carrying
 */
function meetsBlock(m, carrying) {
  const items = m.features.map((f) => {
    const coincide = f.coincides
      ? html`<br><span class="sim-coincide" data-coincides="true">${raw(ICON_OK)} Même périmètre que le projet${carrying ? ' : le PETR pourrait porter ce SCoT' : ''}</span>`
      : (carrying ? html`<br><span class="sim-coincide" data-coincides="false">Périmètre différent du projet : le PETR ne pourrait pas porter ce SCoT tel quel</span>` : '');
    const carrier = f.carrier?.name ? html`<br><span class="muted">Porteur : ${f.carrier.name}${f.carrier.kind ? ` (${f.carrier.kind})` : ''}</span>` : '';
    return html`<li data-meets="${f.id}"><strong>${f.name}</strong>${coincide}<br>
      <span class="muted">${plural(f.shared_communes, 'commune')} en commun, ${pct(f.share_of_draft_area_pct)} de la superficie du projet</span>${carrier}</li>`;
  });
  return html`<section class="sim-meets" data-meets-layer="${m.layer}">
    <h4>${m.title} <span class="count">(${int(m.features.length)})</span></h4>
    ${carrying ? html`<p class="hint">Un PETR ne peut porter un SCoT que si leurs périmètres coïncident.</p>` : ''}
    ${m.features.length ? html`<ul class="sim-meets-list">${items}</ul>` : html`<p class="none">Aucun</p>`}
  </section>`;
}

/**
 * The figures and the verdict of the checks, for the summary (a live region).
 * @param {Simulation} a
 */
export function summaryHtml(a) {
  const f = a.figures;
  return html`<dl class="figs sim-figs">
      <div class="fig-row"><dt>Population</dt><dd><strong data-sim-fig="population">${hab(f.population)}</strong></dd></div>
      <div class="fig-row"><dt>Superficie</dt><dd><strong data-sim-fig="area_km2">${km2(f.area_km2)}</strong></dd></div>
      <div class="fig-row"><dt>Communes</dt><dd><strong data-sim-fig="communes">${int(f.communes)}</strong></dd></div>
      <div class="fig-row"><dt>EPCI</dt><dd><strong data-sim-fig="epci">${int(f.epci)}</strong></dd></div>
    </dl>
    ${checksLine(a.checks)}`;
}

/**
 * Checks, coverage, what the draft meets and the downloads.
 * @param {Simulation} a
 * @param {{replaces: boolean}} options
 */
export function resultsHtml(a, { replaces }) {
  return html`
    ${checksSection(a.checks)}
    <section class="sim-coverage">
      <h3>Couverture des ${a.coverage.title}</h3>
      ${coverageTable(a.coverage)}
      <p class="hint">France métropolitaine, puis les régions et départements que le projet touche.
        ${replaces ? 'Le territoire remplacé est retiré de la couverture « après ».' : ''}</p>
    </section>
    <section class="sim-meets-box">
      <h3>Ce que le projet rencontre <span class="muted">(pour information)</span></h3>
      ${a.meets.map((m) => meetsBlock(m, !!layerInfo(m.layer)?.carried_by_territories))}
    </section>
    <section class="sim-downloads">
      <h3>Télécharger le projet</h3>
      <p class="dl-links">
        <button type="button" class="btn btn-small" id="sim-dl-geojson">Périmètre (GeoJSON)</button>
        <button type="button" class="btn btn-small" id="sim-dl-csv">EPCI membres (CSV)</button>
        <button type="button" class="btn btn-small" id="sim-dl-row">Ligne de pays-petr.csv</button>
      </p>
      <p class="hint">La ligne, au format du fichier de la couche, s’ajoute avec <code>territoires import-territories</code> (voir « Vos listes de territoires »).</p>
      <p class="src">Référentiel : ${a.vintage}. Population : somme des populations légales des communes ; superficie géodésique.</p>
    </section>`;
}

export const EMPTY_SUMMARY = html`<p class="sim-empty">Ajoutez des EPCI pour voir la population, la superficie, les communes et les contrôles du projet.</p>`;

/**
 * The member list, each with its figures when known and its other territory when it has one.
 * @param {Draft} draft
 * @param {Simulation | null} answer
 */
export function membersHtml(draft, answer) {
  if (!draft.members.length) return '<li class="none" data-empty>Aucun EPCI pour l’instant.</li>';
  return draft.members.map((siren) => {
    const e = draft.known.get(siren);
    const name = draft.nameOf(siren);
    const meta = [`SIREN ${siren}`];
    if (e?.population != null) meta.push(hab(e.population));
    if (e?.communes != null) meta.push(plural(e.communes, 'commune'));
    const elsewhere = answer?.checks.epci_in_other_petr.members?.find((m) => m.siren === siren);
    return html`<li data-siren="${siren}"><span class="sim-m-text"><span class="sim-m-name">${name}</span>
      <span class="sim-m-meta">${meta.join(' · ')}</span>${elsewhere
        ? html`<span class="sim-m-warn">${raw(ICON_KO)} déjà dans ${elsewhere.territory.name}</span>` : ''}</span>
      <button type="button" class="btn btn-small btn-secondary" data-remove="${siren}" aria-label="Retirer ${name} du projet">Retirer</button></li>`.html;
  }).join('');
}

/**
 * The note on the territory the draft replaces, with the button that stops replacing it.
 * @param {Draft['base']} base
 */
export function baseNoteHtml(base) {
  if (!base) return '';
  return html`<p class="notice notice-info" data-sim-base="${base.id}">Le projet remplace
    <strong>${base.name || base.id}</strong> : ses EPCI ne comptent pas comme membres d’un autre Pays ou PETR,
    et sa couverture laisse place à celle du projet.
    <button type="button" class="link" id="sim-unbase">Ne plus le remplacer</button></p>`.html;
}
