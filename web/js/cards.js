// The side panel's cards: what lies at a clicked point, and one territory.

import { coord, html, hab, int, km2, LAYER_LABEL, LAYER_PLURAL, PAYS_STATUS, raw, sourceLine } from './fmt.js';

const NO_PAYS_POINT = 'Aucun Pays / PETR ne couvre ce point';
const NO_PAYS_COMMUNE = 'Aucun Pays / PETR ne couvre cette commune';

/** "populations légales 2026" out of a vintage string, for the figures' captions. */
export function populationVintage(catalog) {
  const v = catalog?.layers?.find((l) => l.id === 'communes')?.vintage || '';
  const m = v.match(/populations légales \d{4}/);
  return m ? m[0] : v;
}

const openButton = (layer, id, name) =>
  html`<button type="button" class="link" data-open="${layer}:${id}">${name}</button>`;

const figPop = (n, ctx, sum = true) => html`<span class="fig">${hab(n)}</span> <span class="vint">(${ctx.popVintage}${sum ? ', somme des communes' : ''})</span>`;
const figArea = (n) => html`<span class="fig">${km2(n)}</span> <span class="vint">(surface géodésique IGN ADMIN EXPRESS)</span>`;

function statusBlock(status, perimeterSource, vintage) {
  const s = PAYS_STATUS[status];
  if (!s) return raw('');
  const notice = status === 'inferred-2017'
    ? html`<p class="notice notice-warn" role="note"><strong>Périmètre déduit du contrat de ruralité 2016-2017.</strong> ${s.long.replace(/^Périmètre déduit du contrat de ruralité 2016-2017 : c/, 'C')}</p>`
    : html`<p class="notice notice-info" role="note">${s.long}</p>`;
  return html`<p class="badge badge-${status}">${s.short}</p>${notice}
    ${perimeterSource ? html`<p class="src">Source du périmètre : ${perimeterSource}${vintage ? ` · millésime ${vintage}` : ''}</p>` : ''}`;
}

/** The Pays/PETR block of the point card, with its member EPCIs from /api/territories. */
function paysBlock(f, detail, layerSource, ctx) {
  const members = detail?.overlays?.epci || [];
  const memberList = detail
    ? (members.length
      ? html`<ul class="members">${members.map((m) => html`<li>${openButton('epci', m.id, m.name)} <span class="muted">(${int(m.shared_communes)} communes)</span></li>`)}</ul>`
      : html`<p>Aucun EPCI membre connu.</p>`)
    : html`<p class="muted">Chargement des EPCI membres…</p>`;
  return html`<div class="pays" data-pays="${f.id}">
    <h4>${openButton('pays', f.id, f.name)}${f.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}</h4>
    ${statusBlock(f.status, f.source, f.vintage)}
    <dl class="kv">
      ${f.kind ? html`<dt>Nature</dt><dd>${f.kind}</dd>` : ''}
      <dt>Population</dt><dd>${figPop(f.population, ctx)}</dd>
      <dt>Superficie</dt><dd>${figArea(f.area_km2)}</dd>
      ${detail ? html`<dt>Communes</dt><dd>${int(detail.communes?.length)}</dd>` : ''}
    </dl>
    <h5>EPCI membres</h5>
    ${memberList}
    ${sourceLine(layerSource, 'Couche')}
  </div>`;
}

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
    groups.get(key).layers.push(LAYER_PLURAL[id]);
  }
  return [...groups.values()].map((g) => html`<li>${g.layers.join(', ')} : ${g.name} (millésime ${g.vintage})</li>`);
}

/** Card for a clicked point (`/api/locate` answer); `paysDetails` maps Pays id → territory. */
export function pointCard(loc, paysDetails, ctx) {
  const by = Object.fromEntries(loc.layers.map((l) => [l.layer, l]));
  const feats = (id) => by[id]?.features || [];
  const commune = feats('communes')[0];
  const nothing = !loc.layers.some((l) => l.features.length);
  const pays = feats('pays');
  const sources = sourceItems(by, ['communes', 'epci', 'departements', 'regions']);

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
        <dt>Commune</dt><dd>${openButton('communes', commune.id, commune.name)} <span class="code">code INSEE ${commune.id}</span>
          ${commune.approximate ? html` <span class="muted">(à la limite, approximatif)</span>` : ''}
          <br><span class="fig">${hab(commune.population)}</span> · <span class="fig">${km2(commune.area_km2)}</span> <span class="vint">(${ctx.popVintage})</span></dd>
        <dt>EPCI</dt><dd>${names(feats('epci'), 'epci', 'Aucun EPCI', (f) => html` <span class="code">SIREN ${f.id}</span>`)}</dd>
        <dt>Département</dt><dd>${names(feats('departements'), 'departements', 'Aucun département', (f) => html` <span class="code">(${f.id})</span>`)}</dd>
        <dt>Région</dt><dd>${names(feats('regions'), 'regions', 'Aucune région', (f) => html` <span class="code">(${f.id})</span>`)}</dd>
      </dl>
      <ul class="src src-list">${sources}</ul>
    </section>` : ''}
    <section class="pays-section">
      <h3>Pays / PETR</h3>
      ${pays.length ? html`<p class="hint map-key">Sur la carte : le Pays / PETR cerné de rouge, ses EPCI membres en tirets bleus, la commune en rouge clair.</p>` : ''}
      ${pays.length
        ? pays.map((f) => paysBlock(f, paysDetails.get(f.id), by.pays?.source, ctx))
        : html`<p class="notice" data-none="pays">${NO_PAYS_POINT}</p>${by.pays ? sourceLine(by.pays.source, 'Couche') : ''}`}
    </section>
    <section>
      <h3>Autres périmètres au point</h3>
      <dl class="kv">
        <dt>SCoT</dt><dd>${names(feats('scot'), 'scot', 'Aucun syndicat porteur de SCoT')}</dd>
        <dt>Contrat de ruralité 2016-2017</dt><dd>${names(feats('contrats-ruralite-2016-2017'), 'contrats-ruralite-2016-2017', 'Aucun contrat de ruralité', (f) => (f.perimetre ? html` <span class="muted">(périmètre : ${f.perimetre})</span>` : ''))}</dd>
      </dl>
      <ul class="src src-list">${sourceItems(by, ['scot', 'contrats-ruralite-2016-2017'])}</ul>
      ${by.scot ? html`<p class="hint">Les syndicats porteurs de SCoT ne sont pas la liste officielle des SCoT : un SCoT porté par un seul EPCI n’y figure pas.</p>` : ''}
    </section>
  </article>`;
}

const OVERLAY_ORDER = ['epci', 'departements', 'regions', 'pays', 'scot', 'contrats-ruralite-2016-2017'];

function overlayList(layer, items, total) {
  const list = html`<ul class="members">${items.map((m) => html`<li>${openButton(layer, m.id, m.name)} <span class="muted">(${int(m.shared_communes)} commune${m.shared_communes > 1 ? 's' : ''} en commun${total ? ` sur ${int(total)}` : ''})</span></li>`)}</ul>`;
  if (items.length > 12) {
    return html`<details><summary>${int(items.length)} ${LAYER_PLURAL[layer].toLowerCase()}</summary>${list}</details>`;
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
      add('Nature', p.kind);
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
      add('Code', t.id);
  }
  return rows;
}

/** Card for one territory (`/api/territories/{layer}/{id}` answer). */
export function territoryCard(t, ctx) {
  const p = t.properties || {};
  const ov = t.overlays || {};
  const nCommunes = t.communes?.length || 0;
  const isCommune = t.layer === 'communes';
  let belongs = raw('');
  if (isCommune) {
    const row = (layer, label, empty) => html`<dt>${label}</dt><dd>${ov[layer]?.length
      ? html`${ov[layer].map((m, i) => html`${i ? raw('<br>') : ''}${openButton(layer, m.id, m.name)}`)}`
      : html`<span class="none">${empty}</span>`}</dd>`;
    belongs = html`<section class="belongs"><h3>Appartenance</h3><dl class="kv">
      ${row('epci', 'EPCI', 'Aucun EPCI')}
      ${row('departements', 'Département', 'Aucun département')}
      ${row('regions', 'Région', 'Aucune région')}
      ${row('pays', 'Pays / PETR', NO_PAYS_COMMUNE)}
      ${row('scot', 'SCoT', 'Aucun syndicat porteur de SCoT')}
      ${row('contrats-ruralite-2016-2017', 'Contrat de ruralité 2016-2017', 'Aucun contrat de ruralité')}
    </dl></section>`;
  } else {
    const sections = OVERLAY_ORDER.filter((l) => l !== t.layer && ov[l]?.length).map((l) => {
      const title = (l === 'epci' && (t.layer === 'pays' || t.layer === 'scot')) ? 'EPCI membres' : LAYER_PLURAL[l];
      return html`<section><h3>${title} <span class="count">${int(ov[l].length)}</span></h3>${overlayList(l, ov[l])}</section>`;
    });
    if (t.layer === 'pays' || t.layer === 'epci' || t.layer === 'scot') {
      if (!ov.pays?.length && t.layer !== 'pays') sections.push(html`<section><h3>Pays / PETR</h3><p class="none">Aucun Pays / PETR ne recoupe ce territoire</p></section>`);
    }
    belongs = html`${sections}`;
  }
  const communes = !isCommune && nCommunes
    ? html`<details class="communes-list"><summary>Les ${int(nCommunes)} communes</summary>
        <ol>${t.communes.slice(0, 2000).map((c) => html`<li>${openButton('communes', c.code, c.name)} <span class="code">${c.code}</span> <span class="muted">${int(c.population)} hab.</span></li>`)}</ol>
        ${nCommunes > 2000 ? html`<p class="muted">… et ${int(nCommunes - 2000)} autres (voir l’onglet Données).</p>` : ''}
      </details>`
    : raw('');

  return html`<article class="card" data-kind="territory" data-layer="${t.layer}" data-id="${t.id}">
    <header class="card-head">
      <p class="card-kind">${LAYER_LABEL[t.layer] || t.layer}</p>
      <h2 class="card-title" tabindex="-1">${t.name}</h2>
    </header>
    ${t.layer === 'pays' ? statusBlock(p.status, p.source, p.vintage) : ''}
    ${isCommune ? belongs : ''}
    <dl class="kv">
      ${propertyRows(t)}
      <dt>Population</dt><dd>${figPop(t.population, ctx, !isCommune)}</dd>
      <dt>Superficie</dt><dd>${figArea(t.area_km2)}</dd>
      ${!isCommune ? html`<dt>Communes</dt><dd>${int(nCommunes)}</dd>` : ''}
    </dl>
    ${sourceLine(t.source)}
    <p class="hint map-key">Sur la carte : ${t.layer === 'pays' || t.layer === 'scot' ? 'le territoire cerné de rouge, ses EPCI membres en tirets bleus.' : t.layer === 'epci' ? 'l’EPCI cerné de rouge, ses communes en tirets bleus.' : 'le territoire cerné de rouge.'}</p>
    ${t.layer === 'scot' ? html`<p class="hint">Syndicat détenant la compétence SCoT (liste non officielle des SCoT).</p>` : ''}
    ${isCommune ? '' : belongs}
    ${communes}
    <p class="card-actions"><button type="button" class="btn btn-secondary" data-zoom="${t.layer}:${t.id}">Centrer la carte sur ce territoire</button></p>
  </article>`;
}
