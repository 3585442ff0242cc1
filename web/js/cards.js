// @ts-check
// The side panel's cards: what lies at a clicked point, and one territory. The layers, their names
// and "none" texts, the Pays' status classes and the CRTE's carrier come from the catalogue (fmt.js).

import {
  ADMIN_LAYERS, carrierOf, coord, featureClass, html, hab, int, km2, layerIds, layerInfo, layerNone,
  layerSingular, layerTitle, portraitUrl, raw, shown, sourceLine,
} from './fmt.js';

/** "populations légales 2026" out of a vintage string, for the figures' captions. */
export function populationVintage(catalog) {
  const v = catalog?.layers?.find((l) => l.id === 'communes')?.vintage || '';
  const m = v.match(/populations légales \d{4}/);
  return m ? m[0] : v;
}

const openButton = (layer, id, name) =>
  html`<button type="button" class="link" data-open="${layer}:${id}">${name}</button>`;

/** A link to a feature's portrait page (/territoire/{layer}/{id}); `what` names it for screen readers. */
const portraitLink = (layer, id, what, text = 'Portrait') =>
  html`<a class="portrait-link" href="${portraitUrl(layer, id)}" data-portrait="${layer}:${id}">${text}<span class="visually-hidden"> : ${what}</span></a>`;

const figPop = (n, ctx, sum = true) => html`<span class="fig">${hab(n)}</span> <span class="vint">(${ctx.popVintage}${sum ? ', somme des communes' : ''})</span>`;
const figArea = (n) => html`<span class="fig">${km2(n)}</span> <span class="vint">(surface géodésique IGN ADMIN EXPRESS)</span>`;

/** Layers with a carrying structure (the CRTE): they get a block of their own on the point card. */
const carrierLayers = () => layerIds().filter((id) => layerInfo(id)?.carrier);

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
function provenanceBlock(layer, p) {
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
const SEVERAL = 'EPCI (plusieurs)';

const CONTRACT_TYPE = {
  mono: 'un seul EPCI signataire',
  pluri: 'plusieurs EPCI signataires',
};

/**
 * The carrier of a contract. `pays` maps the ids of the Pays/PETR known around it (at the point, or
 * overlapping the contract) to their names: a carrier whose SIREN is one of them is a Pays of the map.
 */
function carrierBlock(layer, p, pays) {
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
        ${openButton('pays', c.siren, pays.get(c.siren))}</p>`
    : '';
  return html`<dl class="kv"><dt>Porteur</dt><dd>${who}</dd>
      ${p.type && !several ? html`<dt>Signataires</dt><dd>${CONTRACT_TYPE[p.type] || p.type}</dd>` : ''}
    </dl>${asPays}`;
}

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
  const members = detail ? memberEpcis(detail) : [];
  const memberList = detail
    ? (members.length
      ? html`<ul class="members">${members.map((m) => html`<li>${openButton('epci', m.id, m.name)} <span class="muted">(${int(m.shared_communes)} communes)</span></li>`)}</ul>`
      : html`<p>Aucun EPCI membre connu.</p>`)
    : html`<p class="muted">Chargement des EPCI membres…</p>`;
  return html`<div class="pays" data-pays="${f.id}">
    <h4>${openButton('pays', f.id, f.name)}${f.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}</h4>
    <p class="card-links">${portraitLink('pays', f.id, f.name, 'Portrait du territoire →')}</p>
    ${provenanceBlock('pays', f)}
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
 * @param {import('./api.js').LocatedFeature[]} features
 * @param {string} layer
 * @param {string} empty
 * @param {(f: import('./api.js').LocatedFeature) => import('./fmt.js').Html | string} [extra]
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

/** Extra words after a feature's name in the "other perimeters" list, for layers that have some. */
const OTHER_EXTRA = {
  'contrats-ruralite-2016-2017': (f) => (f.perimetre ? html` <span class="muted">(périmètre : ${f.perimetre})</span>` : ''),
};

/** Card for a clicked point (`/api/locate` answer); `paysDetails` maps Pays id → territory. */
export function pointCard(loc, paysDetails, ctx) {
  const by = Object.fromEntries(loc.layers.map((l) => [l.layer, l]));
  const feats = (id) => by[id]?.features || [];
  const commune = feats('communes')[0];
  const nothing = !loc.layers.some((l) => l.features.length);
  const pays = feats('pays');
  const paysHere = new Map(pays.map((f) => [String(f.id), f.name]));
  const sources = sourceItems(by, ['communes', 'epci', 'departements', 'regions']);
  const present = loc.layers.map((l) => l.layer);
  const carriers = carrierLayers().filter((id) => present.includes(id));
  const others = present.filter((id) => !ADMIN_LAYERS.includes(id) && id !== 'epci' && id !== 'pays' && !carriers.includes(id));

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
        <dt>${layerSingular('communes')}</dt><dd>${openButton('communes', commune.id, commune.name)} <span class="code">code INSEE ${commune.id}</span> · ${portraitLink('communes', commune.id, commune.name)}
          ${commune.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}
          <br><span class="fig">${hab(commune.population)}</span> · <span class="fig">${km2(commune.area_km2)}</span> <span class="vint">(${ctx.popVintage})</span></dd>
        <dt>${layerSingular('epci')}</dt><dd>${names(feats('epci'), 'epci', layerNone('epci'), (f) => html` <span class="code">SIREN ${f.id}</span>`)}</dd>
        <dt>${layerSingular('departements')}</dt><dd>${names(feats('departements'), 'departements', layerNone('departements'), (f) => html` <span class="code">(${f.id})</span>`)}</dd>
        <dt>${layerSingular('regions')}</dt><dd>${names(feats('regions'), 'regions', layerNone('regions'), (f) => html` <span class="code">(${f.id})</span>`)}</dd>
      </dl>
      <ul class="src src-list">${sources}</ul>
    </section>` : ''}
    <section class="pays-section">
      <h3>${layerSingular('pays')}</h3>
      ${pays.length ? html`<p class="hint map-key">Sur la carte : le Pays / PETR cerné de rouge, ses EPCI membres en tirets bleus, la commune en rouge clair.</p>` : ''}
      ${pays.length
        ? pays.map((f) => paysBlock(f, paysDetails.get(f.id), by.pays?.source, ctx))
        : html`<p class="notice" data-none="pays">${layerNone('pays')}</p>${by.pays ? sourceLine(by.pays.source, 'Couche') : ''}`}
    </section>
    ${carrierSections}
    ${others.length ? html`<section>
      <h3>Autres périmètres au point</h3>
      <dl class="kv">
        ${others.map((id) => html`<dt>${layerSingular(id)}</dt><dd>${names(feats(id), id, layerNone(id), OTHER_EXTRA[id])}</dd>`)}
      </dl>
      <ul class="src src-list">${sourceItems(by, others)}</ul>
      ${by.scot ? html`<p class="hint">Les syndicats porteurs de SCoT ne sont pas la liste officielle des SCoT : un SCoT porté par un seul EPCI n’y figure pas.</p>` : ''}
    </section>` : ''}
  </article>`;
}

/**
 * The member EPCIs of a territory: its `members` property (SIRENs) matched with the overlapping
 * EPCIs when it has one, else every EPCI it overlaps. A member unknown in 2026 keeps its SIREN.
 */
/** The member EPCIs of a territory: its declared members (flagged `unknown` when not in the EPCI layer), else the EPCIs it overlaps. */
export function memberEpcis(t) {
  const overlaps = t.overlays?.epci || [];
  const ids = t.properties?.members;
  if (!Array.isArray(ids)) return overlaps;
  const byId = new Map(overlaps.map((m) => [String(m.id), m]));
  return ids.map((id) => byId.get(String(id)) || { id, name: `SIREN ${id}`, unknown: true });
}

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
