// @ts-check
// What the point card and the territory card share: links, figures with their vintage, where a
// perimeter comes from, and the structure carrying a contract.

import { hab, html, km2, portraitUrl, raw } from '../lib/fmt.js';
import {
  carrierOf, communesLayer, epciLayer, featureClass, layerInfo, shown, territoriesLayer,
} from '../catalog.js';

/** "populations légales 2026" out of a vintage string, for the figures' captions. */
export function populationVintage() {
  const v = layerInfo(communesLayer())?.vintage || '';
  const m = v.match(/populations légales \d{4}/);
  return m ? m[0] : v;
}

export const openButton = (layer, id, name) =>
  html`<button type="button" class="link" data-open="${layer}:${id}">${name}</button>`;

/** A link to a feature's portrait page (/territoire/{layer}/{id}); `what` names it for screen readers. */
export const portraitLink = (layer, id, what, text = 'Portrait') =>
  html`<a class="portrait-link" href="${portraitUrl(layer, id)}" data-portrait="${layer}:${id}">${text}<span class="visually-hidden"> : ${what}</span></a>`;

export const figPop = (n, ctx, sum = true) => html`<span class="fig">${hab(n)}</span> <span class="vint">(${ctx.popVintage}${sum ? ', somme des communes' : ''})</span>`;
export const figArea = (n) => html`<span class="fig">${km2(n)}</span> <span class="vint">(surface géodésique IGN ADMIN EXPRESS)</span>`;

// ---------------------------------------------------------------------------------------------
// Provenance of a feature of a layer with legend classes (the Pays/PETR): kind, status, vintage, source.

/** A small swatch in the class's map colours, dashed like the map when the class is. */
function classSwatch(c) {
  return raw(`<svg class="sw" width="22" height="12" aria-hidden="true"><rect x="1" y="1" width="20" height="10" fill="${c.fill}" fill-opacity="0.45" stroke="${c.stroke}" stroke-width="1.5"${c.dashed ? ' stroke-dasharray="4 3"' : ''}/></svg>`);
}

/**
 * Where a feature's perimeter comes from. `p` holds the feature's properties (flat on /api/locate
 * features, under `properties` on /api/territories).
 */
export function provenanceBlock(layer, p) {
  const cls = featureClass(layer, p);
  const status = cls
    ? html`<span class="status" data-status="${cls.value}">${classSwatch(cls)} ${cls.label}</span>`
    : (p.status ? html`<span class="status" data-status="${p.status}">${p.status}</span>` : '');
  const notice = cls?.dashed
    ? html`<p class="notice notice-warn" role="note" data-inferred="${cls.value}"><strong>${cls.label}.</strong>
        Ce périmètre n’est pas déclaré par le territoire lui-même : il est déduit d’une autre source, recomposé avec les EPCI de 2026, et peut avoir changé depuis.</p>`
    : '';
  return html`<div class="provenance">
    ${notice}
    <dl class="kv kv-prov">
      ${p.kind ? html`<dt>Nature</dt><dd>${p.kind}</dd>` : ''}
      ${status ? html`<dt>Origine du périmètre</dt><dd>${status}</dd>` : ''}
      ${p.vintage ? html`<dt>Millésime</dt><dd>${shown(layer, p.vintage)}</dd>` : ''}
      ${p.source ? html`<dt>Source</dt><dd class="src-text">${shown(layer, p.source)}</dd>` : ''}
    </dl>
  </div>`;
}

// ---------------------------------------------------------------------------------------------
// The carrying structure of a contract (CRTE).

/** The carriers' kinds, said plainly (codes of the ANCT list). */
export const CARRIER_KIND = {
  PETR: 'PETR (pôle d’équilibre territorial et rural)',
  SMF: 'syndicat mixte fermé (SMF)',
  SMO: 'syndicat mixte ouvert (SMO)',
  POLEM: 'pôle métropolitain (POLEM)',
  ASSO: 'association (ASSO)',
  CC: 'communauté de communes (CC)',
  CA: 'communauté d’agglomération (CA)',
  CU: 'communauté urbaine (CU)',
  METRO: 'métropole (METRO)',
  MET69: 'Métropole de Lyon (MET69)',
  EPT: 'établissement public territorial (EPT)',
  COM: 'commune (COM)',
  'EPCI (plusieurs)': 'plusieurs EPCI signataires ensemble',
};
export const SEVERAL = 'EPCI (plusieurs)';

/**
 * The carrier of a contract. `pays` maps the ids of the Pays/PETR known around it (at the point, or
 * overlapping the contract) to their names: a carrier whose SIREN is one of them is a Pays of the map.
 */
export function carrierBlock(layer, p, pays) {
  const c = carrierOf(layer, p);
  if (!c) return raw('');
  const several = c.kind === SEVERAL || (!c.siren && !c.name);
  const kind = c.kind ? (CARRIER_KIND[c.kind] || c.kind) : '';
  const who = several
    ? html`<span class="carrier-name" data-carrier="several">Plusieurs EPCI signataires ensemble</span>
        <span class="muted">(pas de structure porteuse unique)</span>`
    : html`<span class="carrier-name" data-carrier="${c.siren}">${c.name || 'nom non renseigné'}</span>
        ${c.siren ? html`<br><span class="code">SIREN ${c.siren}</span>` : ''}${kind ? html`<br><span class="carrier-kind">${kind}</span>` : ''}`;
  const asPays = c.siren && pays?.has(c.siren)
    ? html`<p class="notice notice-info" role="note" data-carrier-pays="${c.siren}">Le porteur est un Pays / PETR de la carte :
        ${openButton(territoriesLayer(), c.siren, pays.get(c.siren))}</p>`
    : '';
  return html`<dl class="kv"><dt>Porteur</dt><dd>${who}</dd>
      ${p.type && !several ? html`<dt>Signataires</dt><dd>${shown(layer, p.type)}</dd>` : ''}
    </dl>${asPays}`;
}


/** The member EPCIs of a territory: its declared members (flagged `unknown` when not in the EPCI layer), else the EPCIs it overlaps. */
export function memberEpcis(t) {
  const overlaps = t.overlays?.[epciLayer()] || [];
  const ids = t.properties?.members;
  if (!Array.isArray(ids)) return overlaps;
  const byId = new Map(overlaps.map((m) => [String(m.id), m]));
  return ids.map((id) => byId.get(String(id)) || { id, name: `SIREN ${id}`, unknown: true });
}
