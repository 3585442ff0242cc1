// @ts-check
// The card of a clicked point (/api/locate): its commune and administration, its Pays / PETR with
// their member EPCIs, the contracts with their carriers, and the other perimeters at the point.

import { coord, html, hab, int, km2, raw, sourceLine } from '../lib/fmt.js';
import {
  adminLayers, communesLayer, epciLayer, isAdministrative, layerIds, layerInfo, layerNone, layerSingular,
  layerTitle, territoriesLayer,
} from '../catalog.js';
import {
  carrierBlock, figArea, figPop, memberEpcis, openButton, portraitLink, provenanceBlock,
} from './card-parts.js';

/** Layers with a carrying structure (the CRTE): they get a block of their own on the point card. */
const carrierLayers = () => layerIds().filter((id) => layerInfo(id)?.carrier);

/** One contract of a carrier layer on the point card. */
function contractBlock(layer, f, pays) {
  return html`<div class="contract" data-layer="${layer}" data-contract="${f.id}">
    <h4>${openButton(layer, f.id, f.name)}${f.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}</h4>
    ${carrierBlock(layer, f, pays)}
  </div>`;
}


// ---------------------------------------------------------------------------------------------

/** The Pays/PETR block of the point card, with its member EPCIs from /api/territories. */
function paysBlock(f, detail, layerSource, ctx) {
  const layer = territoriesLayer();
  const members = detail ? memberEpcis(detail) : [];
  const memberList = detail
    ? (members.length
      ? html`<ul class="members">${members.map((m) => html`<li>${openButton(epciLayer(), m.id, m.name)} <span class="muted">(${int(m.shared_communes)} communes)</span></li>`)}</ul>`
      : html`<p>Aucun EPCI membre connu.</p>`)
    : html`<p class="muted">Chargement des EPCI membres…</p>`;
  return html`<div class="pays" data-pays="${f.id}">
    <h4>${openButton(layer, f.id, f.name)}${f.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}</h4>
    <p class="card-links">${portraitLink(layer, f.id, f.name, 'Portrait du territoire →')}</p>
    ${provenanceBlock(layer, f)}
    <dl class="kv">
      <dt>Population</dt><dd>${figPop(f.population, ctx)}</dd>
      <dt>Superficie</dt><dd>${figArea(f.area_km2)}</dd>
      ${detail ? html`<dt>Communes</dt><dd>${int(detail.communes?.length)}</dd>` : ''}
    </dl>
    <h5>EPCI membres</h5>
    ${memberList}
    ${sourceLine(layerSource, 'Couche')}
  </div>`;
}

/**
 * @param {import('../api.js').LocatedFeature[]} features
 * @param {string} layer
 * @param {string} empty
 * @param {(f: import('../api.js').LocatedFeature) => import('../lib/fmt.js').Html | string} [extra]
 */
function names(features, layer, empty, extra = () => '') {
  if (!features?.length) return html`<span class="none">${empty}</span>`;
  return html`${features.map((f, i) => html`${i ? raw('<br>') : ''}${openButton(layer, f.id, f.name)}${extra(f)}${f.approximate ? ' (approximatif)' : ''}`)}`;
}

/** One list item per distinct source of the given layers: "Départements, Régions : INSEE … (COG 2026)". */
function sourceItems(by, ids) {
  const groups = new Map();
  for (const id of ids.filter((i) => by[i])) {
    const { name, vintage } = by[id].source;
    const key = `${name}|${vintage}`;
    if (!groups.has(key)) groups.set(key, { name, vintage, layers: [] });
    groups.get(key).layers.push(by[id].title || layerTitle(id));
  }
  return [...groups.values()].map((g) => html`<li>${g.layers.join(', ')} : ${g.name} (millésime ${g.vintage})</li>`);
}

/**
 * Words after a feature's name in the "other perimeters" list: the catalogue's fields `in_lists`.
 * @param {string} layer
 * @returns {(f: import('../api.js').LocatedFeature) => import('../lib/fmt.js').Html | string}
 */
const listedFields = (layer) => (f) => {
  const said = (layerInfo(layer)?.fields || []).filter((d) => d.in_lists && f[d.property] != null && f[d.property] !== '');
  return said.length ? html` <span class="muted">(${said.map((d) => `${d.label.toLowerCase()} : ${f[d.property]}`).join(', ')})</span>` : '';
};

/**
 * A commune's administration: its EPCI with its SIREN, then its département and région with their code.
 * @param {(id: string) => import('../api.js').LocatedFeature[]} feats
 */
function administrationRows(feats) {
  const epci = epciLayer();
  const rows = [html`<dt>${layerSingular(epci)}</dt><dd>${names(feats(epci), epci, layerNone(epci), (f) => html` <span class="code">SIREN ${f.id}</span>`)}</dd>`];
  for (const id of adminLayers()) {
    rows.push(html`<dt>${layerSingular(id)}</dt><dd>${names(feats(id), id, layerNone(id), (f) => html` <span class="code">(${f.id})</span>`)}</dd>`);
  }
  return rows;
}

/** Card for a clicked point (`/api/locate` answer); `paysDetails` maps Pays id → territory. */
export function pointCard(loc, paysDetails, ctx) {
  const by = Object.fromEntries(loc.layers.map((l) => [l.layer, l]));
  const feats = (id) => by[id]?.features || [];
  const communes = communesLayer();
  const territories = territoriesLayer();
  const commune = feats(communes)[0];
  const nothing = !loc.layers.some((l) => l.features.length);
  const pays = feats(territories);
  const paysHere = new Map(pays.map((f) => [String(f.id), f.name]));
  const sources = sourceItems(by, [communes, epciLayer(), ...adminLayers()]);
  const present = loc.layers.map((l) => l.layer);
  const carriers = carrierLayers().filter((id) => present.includes(id));
  const others = present.filter((id) => !isAdministrative(id) && id !== epciLayer() && id !== territories && !carriers.includes(id));

  const carrierSections = carriers.map((layer) => {
    const list = feats(layer);
    return html`<section class="contracts" data-layer="${layer}">
      <h3>${layerTitle(layer)}${list.length ? html` <span class="count">${int(list.length)}</span>` : ''}</h3>
      ${list.length > 1 ? html`<p class="hint">${int(list.length)} contrats à ce point : leurs périmètres se chevauchent.</p>` : ''}
      ${list.length
        ? list.map((f) => contractBlock(layer, f, paysHere))
        : html`<p class="none" data-none="${layer}">${layerNone(layer)}</p>`}
      ${sourceLine(by[layer].source, 'Couche')}
    </section>`;
  });

  return html`<article class="card" data-kind="point">
    <header class="card-head">
      <p class="card-kind">Point choisi</p>
      <h2 class="card-title" tabindex="-1">${coord(loc.lat)}° N, ${coord(loc.lon)}° E</h2>
    </header>
    ${!commune ? html`<p class="notice notice-warn" role="note" data-none="territory"><strong>Aucun territoire à cet endroit (mer ou étranger).</strong>
      ${nothing ? 'Aucune commune, aucun EPCI, aucun département ni aucune région ne contient ce point.' : 'Aucune commune ne contient ce point.'}</p>` : ''}
    ${commune ? html`<section>
      <h3>Administration</h3>
      <dl class="kv">
        <dt>${layerSingular(communes)}</dt><dd>${openButton(communes, commune.id, commune.name)} <span class="code">code INSEE ${commune.id}</span> · ${portraitLink(communes, commune.id, commune.name)}
          ${commune.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}
          <br><span class="fig">${hab(commune.population)}</span> · <span class="fig">${km2(commune.area_km2)}</span> <span class="vint">(${ctx.popVintage})</span></dd>
        ${administrationRows(feats)}
      </dl>
      <ul class="src src-list">${sources}</ul>
    </section>` : ''}
    <section class="pays-section">
      <h3>${layerSingular(territories)}</h3>
      ${pays.length ? html`<p class="hint map-key">Sur la carte : le Pays / PETR cerné de rouge, ses EPCI membres en tirets bleus, la commune en rouge clair.</p>` : ''}
      ${pays.length
        ? pays.map((f) => paysBlock(f, paysDetails.get(f.id), by[territories]?.source, ctx))
        : html`<p class="notice" data-none="${territories}">${layerNone(territories)}</p>${by[territories] ? sourceLine(by[territories].source, 'Couche') : ''}`}
    </section>
    ${carrierSections}
    ${others.length ? html`<section>
      <h3>Autres périmètres au point</h3>
      <dl class="kv">
        ${others.map((id) => html`<dt>${layerSingular(id)}</dt><dd>${names(feats(id), id, layerNone(id), listedFields(id))}</dd>`)}
      </dl>
      <ul class="src src-list">${sourceItems(by, others)}</ul>
      ${others.map((id) => layerInfo(id)?.note).filter(Boolean).map((note) => html`<p class="hint">${note}</p>`)}
    </section>` : ''}
  </article>`;
}
