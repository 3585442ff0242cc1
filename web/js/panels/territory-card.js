// @ts-check
// The card of one territory (/api/territories/{layer}/{id}): what it belongs to or holds, its figures,
// its carrier and its communes. The layers' names and classes come from the catalogue (fmt.js).

import {
  ADMIN_LAYERS, html, int, layerIds, layerInfo, layerNone, layerSingular, layerTitle, portraitUrl, raw, sourceLine,
} from '../lib/fmt.js';
import {
  CONTRACT_TYPE, carrierBlock, figArea, figPop, memberEpcis, openButton, provenanceBlock,
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

function propertyRows(t) {
  const p = t.properties || {};
  const rows = [];
  const add = (k, v) => { if (v != null && v !== '') rows.push(html`<dt>${k}</dt><dd>${v}</dd>`); };
  switch (t.layer) {
    case 'communes':
      add('Code INSEE', t.id);
      add('Codes postaux', (p.postcodes || []).join(', '));
      break;
    case 'epci':
      add('SIREN', t.id);
      add('Nature juridique', p.type);
      break;
    case 'pays':
      add(/^\d{9}$/.test(t.id) ? 'SIREN' : 'Identifiant', t.id);
      break;
    case 'scot':
      add('SIREN', t.id);
      add('Nature juridique', p.type);
      add('Instantané BANATIC', p.snapshot);
      break;
    case 'contrats-ruralite-2016-2017':
      add('Identifiant', t.id);
      add('Périmètre', p.perimetre);
      add('Communes au contrat (source)', p.nbcom);
      add('Signature', (p.info1 || '').replace(/^Date de signature : /, ''));
      break;
    default:
      add(/^\d{9}$/.test(t.id) ? 'SIREN' : 'Identifiant', t.id);
      add('Département', p.departement);
      if (!layerInfo(t.layer)?.carrier) add('Type', CONTRACT_TYPE[p.type] || p.type);
      add('Instantané de la liste', p.snapshot);
  }
  return rows;
}

/** Card for one territory (`/api/territories/{layer}/{id}` answer). */
export function territoryCard(t, ctx) {
  const p = t.properties || {};
  const ov = t.overlays || {};
  const nCommunes = t.communes?.length || 0;
  const isCommune = t.layer === 'communes';
  const info = layerInfo(t.layer);
  const hasMembers = Array.isArray(p.members) && t.layer !== 'epci';
  let belongs = raw('');
  if (isCommune) {
    const row = (layer) => html`<dt>${layerSingular(layer)}</dt><dd>${ov[layer]?.length
      ? html`${ov[layer].map((m, i) => html`${i ? raw('<br>') : ''}${openButton(layer, m.id, m.name)}`)}`
      : html`<span class="none">${layerNone(layer).replace(/ ce point$/, ' cette commune')}</span>`}</dd>`;
    belongs = html`<section class="belongs"><h3>Appartenance</h3><dl class="kv">
      ${layerIds().filter((l) => l !== 'communes').map(row)}
    </dl></section>`;
  } else {
    const order = layerIds().filter((l) => l !== 'communes' && l !== t.layer);
    const sections = order.filter((l) => ov[l]?.length).map((l) => {
      if (l === 'epci' && hasMembers) {
        const members = memberEpcis(t);
        const memberIds = new Set(members.map((m) => String(m.id)));
        const alsoOverlap = ov.epci.filter((m) => !memberIds.has(String(m.id)));
        return html`<section data-members="epci"><h3>EPCI membres <span class="count">${int(members.length)}</span></h3>${overlayList('epci', members)}
          ${alsoOverlap.length ? html`<h4>Autres EPCI recoupés <span class="count">${int(alsoOverlap.length)}</span></h4>${overlayList('epci', alsoOverlap)}` : ''}</section>`;
      }
      const title = (l === 'epci' && (t.layer === 'pays' || t.layer === 'scot')) ? 'EPCI membres' : layerTitle(l);
      return html`<section data-overlay="${l}"><h3>${title} <span class="count">${int(ov[l].length)}</span></h3>${overlayList(l, ov[l])}</section>`;
    });
    if (t.layer !== 'pays' && !ADMIN_LAYERS.includes(t.layer) && !ov.pays?.length) {
      sections.push(html`<section><h3>${layerTitle('pays')}</h3><p class="none">Aucun Pays / PETR ne recoupe ce territoire</p></section>`);
    }
    belongs = html`${sections}`;
  }
  const communes = !isCommune && nCommunes
    ? html`<details class="communes-list"><summary>Les ${int(nCommunes)} communes</summary>
        <ol>${t.communes.slice(0, 2000).map((c) => html`<li>${openButton('communes', c.code, c.name)} <span class="code">${c.code}</span> <span class="muted">${int(c.population)} hab.</span></li>`)}</ol>
        ${nCommunes > 2000 ? html`<p class="muted">… et ${int(nCommunes - 2000)} autres (voir l’onglet Données).</p>` : ''}
      </details>`
    : raw('');
  const paysAround = new Map((ov.pays || []).map((m) => [String(m.id), m.name]));
  const carrier = info?.carrier
    ? html`<section class="carrier"><h3>Structure porteuse</h3>${carrierBlock(t.layer, p, paysAround)}</section>`
    : '';
  const membersKey = hasMembers || t.layer === 'pays' || t.layer === 'scot';

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
      ${!isCommune ? html`<dt>Communes</dt><dd>${int(nCommunes)}</dd>` : ''}
    </dl>
    ${sourceLine(t.source)}
    ${carrier}
    <p class="hint map-key">Sur la carte : ${membersKey ? 'le territoire cerné de rouge, ses EPCI membres en tirets bleus.' : t.layer === 'epci' ? 'l’EPCI cerné de rouge, ses communes en tirets bleus.' : 'le territoire cerné de rouge.'}</p>
    ${t.layer === 'scot' ? html`<p class="hint">Syndicat détenant la compétence SCoT (liste non officielle des SCoT).</p>` : ''}
    ${isCommune ? '' : belongs}
    ${communes}
    <p class="card-actions">
      <a class="btn" href="${portraitUrl(t.layer, t.id)}" data-portrait="${t.layer}:${t.id}">Portrait du territoire<span class="visually-hidden"> : ${t.name}</span></a>
      <button type="button" class="btn btn-secondary" data-zoom="${t.layer}:${t.id}">Centrer la carte sur ce territoire</button></p>
  </article>`;
}
