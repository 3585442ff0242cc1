// @ts-check
// The card of one territory (/api/territories/{layer}/{id}): what it belongs to or holds, its figures,
// its carrier and its communes. The layers, their roles and the fields shown come from the catalogue.

import { html, int, portraitUrl, raw, sourceLine } from '../lib/fmt.js';
import {
  communesLayer, epciLayer, groupsEpci, isAdministrative, isCommunesLayer, isEpciLayer, layerIds, layerInfo,
  layerNone, layerSingular, layerTitle, shown, territoriesLayer,
} from '../catalog.js';
import {
  carrierBlock, figArea, figPop, memberEpcis, openButton, provenanceBlock,
} from './card-parts.js';

function overlayList(layer, items, total) {
  const list = html`<ul class="members">${items.map((m) => html`<li>${m.unknown
    ? html`${m.name} <span class="muted">(EPCI absent de la couche 2026)</span>`
    : html`${openButton(layer, m.id, m.name)} <span class="muted">(${int(m.shared_communes)} commune${m.shared_communes > 1 ? 's' : ''} en commun${total ? ` sur ${int(total)}` : ''})</span>`}</li>`)}</ul>`;
  if (items.length > 12) {
    return html`<details><summary>${int(items.length)} — ${layerTitle(layer)}</summary>${list}</details>`;
  }
  return list;
}

/**
 * The identifier, then the catalogue's fields for the layer (`fields`), each with its French label.
 * @param {import('../api.js').Territory} t
 */
function propertyRows(t) {
  const p = t.properties || {};
  const idLabel = isCommunesLayer(t.layer) ? 'Code INSEE' : /^\d{9}$/.test(t.id) ? 'SIREN' : 'Identifiant';
  const rows = [html`<dt>${idLabel}</dt><dd>${t.id}</dd>`];
  for (const { property, label } of layerInfo(t.layer)?.fields || []) {
    const v = p[property];
    const text = Array.isArray(v) ? v.join(', ') : shown(t.layer, v);
    if (text != null && text !== '') rows.push(html`<dt>${label}</dt><dd>${text}</dd>`);
  }
  return rows;
}

/**
 * A commune's card: the feature of every other layer it belongs to, or the layer's "none".
 * @param {import('../api.js').Territory} t
 */
function belongsSection(t) {
  const ov = t.overlays || {};
  const row = (/** @type {string} */ layer) => html`<dt>${layerSingular(layer)}</dt><dd>${ov[layer]?.length
    ? html`${ov[layer].map((m, i) => html`${i ? raw('<br>') : ''}${openButton(layer, m.id, m.name)}`)}`
    : html`<span class="none">${layerNone(layer).replace(/ ce point$/, ' cette commune')}</span>`}</dd>`;
  return html`<section class="belongs"><h3>Appartenance</h3><dl class="kv">
    ${layerIds().filter((l) => l !== t.layer).map(row)}
  </dl></section>`;
}

/**
 * Another territory's card: what it holds or overlaps, layer by layer; its member EPCIs first when
 * it declares them.
 * @param {import('../api.js').Territory} t
 */
function overlapSections(t) {
  const ov = t.overlays || {};
  const epci = epciLayer();
  const territories = territoriesLayer();
  const hasMembers = Array.isArray(t.properties?.members) && t.layer !== epci;
  const order = layerIds().filter((l) => !isCommunesLayer(l) && l !== t.layer);
  const sections = order.filter((l) => ov[l]?.length).map((l) => {
    if (l === epci && hasMembers) {
      const members = memberEpcis(t);
      const memberIds = new Set(members.map((m) => String(m.id)));
      const alsoOverlap = ov[epci].filter((m) => !memberIds.has(String(m.id)));
      return html`<section data-members="${epci}"><h3>EPCI membres <span class="count">${int(members.length)}</span></h3>${overlayList(epci, members)}
        ${alsoOverlap.length ? html`<h4>Autres EPCI recoupés <span class="count">${int(alsoOverlap.length)}</span></h4>${overlayList(epci, alsoOverlap)}` : ''}</section>`;
    }
    const title = l === epci && groupsEpci(t.layer) ? 'EPCI membres' : layerTitle(l);
    return html`<section data-overlay="${l}"><h3>${title} <span class="count">${int(ov[l].length)}</span></h3>${overlayList(l, ov[l])}</section>`;
  });
  if (territories && t.layer !== territories && !isAdministrative(t.layer) && !ov[territories]?.length) {
    sections.push(html`<section><h3>${layerTitle(territories)}</h3><p class="none">Aucun Pays / PETR ne recoupe ce territoire</p></section>`);
  }
  return html`${sections}`;
}

/**
 * Its communes, folded away (the first 2000).
 * @param {import('../api.js').Territory} t
 */
function communesList(t) {
  const n = t.communes?.length || 0;
  if (!n || isCommunesLayer(t.layer)) return raw('');
  const communes = communesLayer();
  return html`<details class="communes-list"><summary>Les ${int(n)} communes</summary>
    <ol>${t.communes.slice(0, 2000).map((c) => html`<li>${openButton(communes, c.code, c.name)} <span class="code">${c.code}</span> <span class="muted">${int(c.population)} hab.</span></li>`)}</ol>
    ${n > 2000 ? html`<p class="muted">… et ${int(n - 2000)} autres (voir l’onglet Données).</p>` : ''}
  </details>`;
}

/**
 * What the map shows of the selection, in words.
 * @param {import('../api.js').Territory} t
 */
function mapKey(t) {
  const hasMembers = Array.isArray(t.properties?.members) && !isEpciLayer(t.layer);
  if (hasMembers || groupsEpci(t.layer)) return 'le territoire cerné de rouge, ses EPCI membres en tirets bleus.';
  return isEpciLayer(t.layer) ? 'l’EPCI cerné de rouge, ses communes en tirets bleus.' : 'le territoire cerné de rouge.';
}

/**
 * Card for one territory (`/api/territories/{layer}/{id}` answer).
 * @param {import('../api.js').Territory} t
 * @param {{popVintage: string}} ctx
 */
export function territoryCard(t, ctx) {
  const p = t.properties || {};
  const isCommune = isCommunesLayer(t.layer);
  const info = layerInfo(t.layer);
  const belongs = isCommune ? belongsSection(t) : overlapSections(t);
  const paysAround = new Map((t.overlays?.[territoriesLayer()] || []).map((m) => [String(m.id), m.name]));
  const carrier = info?.carrier
    ? html`<section class="carrier"><h3>Structure porteuse</h3>${carrierBlock(t.layer, p, paysAround)}</section>`
    : '';

  return html`<article class="card" data-kind="territory" data-layer="${t.layer}" data-id="${t.id}">
    <header class="card-head">
      <p class="card-kind">${layerSingular(t.layer)}</p>
      <h2 class="card-title" tabindex="-1">${t.name}</h2>
    </header>
    ${info?.legend ? provenanceBlock(t.layer, p) : ''}
    ${isCommune ? belongs : ''}
    <dl class="kv">
      ${propertyRows(t)}
      <dt>Population</dt><dd>${figPop(t.population, ctx, !isCommune)}</dd>
      <dt>Superficie</dt><dd>${figArea(t.area_km2)}</dd>
      ${!isCommune ? html`<dt>Communes</dt><dd>${int(t.communes?.length || 0)}</dd>` : ''}
    </dl>
    ${sourceLine(t.source)}
    ${carrier}
    <p class="hint map-key">Sur la carte : ${mapKey(t)}</p>
    ${info?.note ? html`<p class="hint">${info.note}</p>` : ''}
    ${isCommune ? '' : belongs}
    ${communesList(t)}
    <p class="card-actions">
      <a class="btn" href="${portraitUrl(t.layer, t.id)}" data-portrait="${t.layer}:${t.id}">Portrait du territoire<span class="visually-hidden"> : ${t.name}</span></a>
      <button type="button" class="btn btn-secondary" data-zoom="${t.layer}:${t.id}">Centrer la carte sur ce territoire</button></p>
  </article>`;
}
