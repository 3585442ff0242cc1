// @ts-check
// territoires — the portrait of one territory, /territoire/{layer}/{id}: map, key figures, share of its
// départements and régions, members, what every other layer holds of it, neighbours and sources.
// Plain ES modules; Leaflet is loaded before this module. Everything comes from /api/portrait and the
// generalised layers; the catalogue (/api/layers) gives the layers' names and legend classes.

import { api, frenchMessage } from '../api.js';
import { announce, hab, html, int, km2, METHOD, pct, portraitUrl, raw, sourceLine } from '../lib/fmt.js';
import {
  carrierOf, communesLayer, divisionLayer, epciLayer, featureClass, isAdministrative, setCatalog, shown,
} from '../catalog.js';
import { CARRIER_KIND } from '../panels/card-parts.js';
import { keyed, sortableTable } from '../lib/sorttable.js';
import { svgMap } from '../map/print.js';
import { byId } from '../lib/dom.js';
import { featureCollection } from '../lib/geojson.js';
import { mapUrl } from '../permalink.js';

/* global L */

const $ = byId;
const root = $('portrait');

/** Communes are drawn on the map up to this many; beyond, the EPCI alone. */
const MAX_COMMUNES_DRAWN = 1500;
/** Rows of the EPCI table on paper; the rest is said in a line. */
const PRINT_EPCI_ROWS = 12;
/** Features listed per layer before the rest folds away, on screen and on paper. */
const LIST_LIMIT = 10;
const PRINT_LIST_LIMIT = 4;
/** Width / height of the map, on screen and on paper. */
const MAP_ASPECT = 1.35;

const nf1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
/** A percentage, said "< 0,1 %" rather than "0,0 %" when small but not nothing. */
const pctShare = (v) => (v > 0 && v < 0.05 ? '<\u00a00,1\u00a0%' : pct(v));
const density = (d) => (d == null ? '—' : `${(d < 10 ? nf1 : nf0).format(d)}\u00a0hab./km²`);

/** The map's styles, shared by the Leaflet map and its printed copy. */
const STYLES = {
  context: { stroke: '#9a9a9a', width: 0.8, fill: '#fbfaf5', fillOpacity: 1 },
  neighbours: { stroke: '#8a8a8a', width: 1, fill: '#d9d9d9', fillOpacity: 0.55 },
  communes: { stroke: '#8c8c8c', width: 0.5, fill: '#ffffff', fillOpacity: 0.35 },
  epci: { stroke: '#000091', width: 1.6, dash: '5 3' },
  territory: { stroke: '#ce0500', width: 2.6, fill: '#ce0500', fillOpacity: 0.07 },
};
const leafletStyle = (s) => ({
  color: s.stroke, weight: s.width, dashArray: s.dash || null,
  fill: !!s.fill, fillColor: s.fill, fillOpacity: s.fillOpacity ?? 0,
});

function parsePath() {
  const m = location.pathname.match(/^\/territoire\/([^/]+)\/([^/]+)\/?$/);
  return m ? { layer: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) } : null;
}

const idLabel = (id) => (/^\d{9}$/.test(id) ? 'SIREN' : /^\d[\dAB]\d{0,3}$/.test(id) ? 'Code INSEE' : 'Identifiant');

const link = (layer, id, name) => html`<a href="${portraitUrl(layer, id)}">${name}</a>`;

// ---------------------------------------------------------------------------------------------
// Sections

function headSection(d) {
  const cls = featureClass(d.layer.id, d.properties);
  const printed = new Date().toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' });
  return html`<header class="p-head">
    <p class="card-kind">${d.layer.singular}</p>
    <h1 id="p-title">${d.name}</h1>
    <p class="p-ids"><span class="code">${idLabel(d.id)} ${d.id}</span>
      ${cls ? html` · <span class="status" data-status="${cls.value}">${cls.label}</span>` : ''}
      ${d.provenance.kind ? html` · <span>${d.provenance.kind}</span>` : ''}</p>
    ${carrierLine(d)}
    ${cls?.dashed ? html`<p class="notice notice-warn" role="note"><strong>${cls.label}.</strong>
      Ce périmètre n’est pas déclaré par le territoire lui-même : il est déduit d’une autre source, recomposé avec les EPCI de 2026, et peut avoir changé depuis.</p>` : ''}
    <p class="p-actions no-print">
      <a class="btn btn-secondary" id="map-link" href="${mapUrl(d.layer.id, d.id)}">Voir sur la carte</a>
      <button type="button" class="btn btn-secondary" id="print-button">Imprimer / PDF</button>
      <a class="btn btn-secondary" href="${d.links.members_csv}" download>Communes (CSV)</a>
      <a class="btn btn-secondary" href="${d.links.members_geojson}" download>Communes (GeoJSON)</a>
    </p>
    <p class="print-only p-printed">Portrait en ligne : ${location.origin}${d.links.portrait} — imprimé le ${printed}</p>
  </header>`;
}

/** For a layer whose features are carried by a structure (the CRTE): who carries this one. */
function carrierLine(d) {
  const c = carrierOf(d.layer.id, d.properties);
  if (!c) return '';
  if (!c.siren && !c.name) {
    return html`<p class="p-carrier" data-carrier="several">Structure porteuse : ${c.kind === SEVERAL_CARRIERS
      ? 'plusieurs EPCI signataires ensemble, sans structure porteuse unique' : 'non renseignée'}</p>`;
  }
  const known = c.siren && layerOfSiren(d, c.siren);
  return html`<p class="p-carrier" data-carrier="${c.siren}">Structure porteuse :
    ${known ? link(known, c.siren, c.name || c.siren) : c.name}${c.siren ? html` <span class="code">SIREN ${c.siren}</span>` : ''}${c.kind ? html` <span class="muted">(${CARRIER_KIND[c.kind] || c.kind})</span>` : ''}</p>`;
}

function legendItem(style, label, key) {
  const s = style;
  const swatch = raw(`<svg class="sw" width="26" height="14" aria-hidden="true"><rect x="1.5" y="1.5" width="23" height="11" fill="${s.fill || 'none'}" fill-opacity="${s.fill ? Math.max(s.fillOpacity ?? 1, 0.25) : 0}" stroke="${s.stroke}" stroke-width="${Math.min(s.width, 2.2)}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg>`);
  return html`<li data-key="${key}">${swatch} ${label}</li>`;
}

/**
 * The map's legend: the territory, then what is drawn of its members and neighbours.
 * @param {import('../api.js').Portrait} d
 * @param {{epci: boolean, communes: boolean}} drawn
 */
function mapSection(d, drawn) {
  const labels = {
    territory: d.name,
    epci: drawn.epci ? 'EPCI membres' : '',
    communes: drawn.communes ? 'Communes' : '',
    neighbours: d.neighbours.length ? `Voisins (${d.layer.title})` : '',
  };
  return html`${Object.entries(labels).filter(([, label]) => label).map(([key, label]) => legendItem(STYLES[key], label, key))}`;
}

function figuresSection(d) {
  const f = d.figures;
  const row = (key, label, value, note) => html`<div class="fig-box" data-fig="${key}"><dt>${label}</dt>
    <dd><span class="fig-value">${value}</span>${note ? html`<span class="vint">${note}</span>` : ''}</dd></div>`;
  // Keyed by the figure (data-fig), in the order shown; the EPCI count only when there are some.
  const rows = {
    population: ['Population', hab(f.population), `${d.denominators_source.vintage}${f.communes > 1 ? ' ; somme des communes' : ''}`],
    area: ['Superficie', km2(f.area_km2), 'surface géodésique (IGN ADMIN EXPRESS)'],
    density: ['Densité', density(f.density_per_km2), ''],
    communes: ['Communes', int(f.communes), f.communes_without_geometry ? `dont ${int(f.communes_without_geometry)} sans géométrie` : ''],
    epci: f.epci ? ['EPCI', int(f.epci), 'ayant au moins une commune dans le territoire'] : null,
  };
  return html`<section class="p-figures" aria-labelledby="h-figures">
    <h2 id="h-figures">Chiffres clés</h2>
    <dl class="figures">
      ${Object.entries(rows).filter(([, r]) => r).map(([key, [label, value, note]]) => row(key, label, value, note))}
    </dl>
  </section>`;
}

/**
 * @param {string} kind the layer of the division (its rows link to their portraits)
 * @param {string} label
 * @param {string} singular
 * @param {import('../api.js').DivisionShare[]} rows
 */
function sharesTable(kind, label, singular, rows) {
  if (!rows.length) return '';
  return html`<div class="table-wrap"><table class="shares" data-division="${kind}">
    <caption>${label}</caption>
    <thead><tr>
      <th scope="col">${singular}</th>
      <th scope="col" class="num">Communes</th>
      <th scope="col" class="num">Population dans le territoire</th>
      <th scope="col" class="num">Part de sa population</th>
      <th scope="col" class="num">Superficie dans le territoire</th>
      <th scope="col" class="num">Part de sa superficie</th>
    </tr></thead>
    <tbody>${rows.map((r) => html`<tr data-code="${r.code}">
      <th scope="row">${link(kind, r.code, r.name)} <span class="code">(${r.code})</span></th>
      <td class="num">${int(r.communes)} <span class="muted">/ ${int(r.division_communes)}</span></td>
      <td class="num" data-value="${r.population}">${hab(r.population)}</td>
      <td class="num" data-share="population">${pctShare(r.population_pct)}</td>
      <td class="num">${km2(r.area_km2)}</td>
      <td class="num" data-share="area">${pctShare(r.area_pct)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function sharesSection(d) {
  const several = d.departements.length > 1;
  return html`<section class="p-shares" id="shares" aria-labelledby="h-shares">
    <h2 id="h-shares">Dans ses départements et régions</h2>
    <p class="hint">Part de la population et de la superficie de chaque département et région que le territoire recoupe${several ? ' ; le territoire s’étend sur plusieurs départements' : ''}.</p>
    ${sharesTable(divisionLayer('departement'), 'Départements', 'Département', d.departements)}
    ${sharesTable(divisionLayer('region'), 'Régions', 'Région', d.regions)}
  </section>`;
}

const RELATION = {
  same: 'même périmètre que le territoire',
  contains: 'entièrement dans le territoire',
  within: 'le territoire y est entièrement',
  overlaps: 'en partie dans le territoire',
  carried: 'porté par ce territoire, sans commune en commun',
};

/** The same, in a word, for paper. */
const RELATION_SHORT = {
  same: 'même périmètre',
  contains: 'entier',
  within: 'le contient',
  overlaps: 'en partie',
  carried: 'porté, sans commune en commun',
};

const SEVERAL_CARRIERS = 'EPCI (plusieurs)';

function carrierText(f, d) {
  if (f.carried_by_territory) {
    return html`<span class="carried" data-carried="true">Porté par ce territoire</span>`;
  }
  const c = f.carrier || {};
  const who = !c.siren && !c.name
    ? (c.kind === SEVERAL_CARRIERS ? 'plusieurs EPCI signataires ensemble, sans structure porteuse unique' : 'porteur non renseigné')
    : html`${c.siren && layerOfSiren(d, c.siren) ? link(layerOfSiren(d, c.siren), c.siren, c.name || c.siren) : (c.name || c.siren)}${c.siren ? html` <span class="code">SIREN ${c.siren}</span>` : ''}`;
  return html`<span class="carried" data-carried="false">Non porté par ce territoire — porteur : ${who}</span>`;
}

/** The layer of a carrier's SIREN among the features the portrait lists (a Pays/PETR, an EPCI), if any. */
function layerOfSiren(d, siren) {
  for (const l of d.layers) if (l.features.some((f) => f.id === siren)) return l.layer.id;
  return null;
}

function relationItem(l, f, d, i) {
  const share = f.relation === 'carried'
    ? ''
    : html` · <span class="fig" data-share="territory">${pctShare(f.territory_area_pct)}</span> de la superficie du territoire${f.relation === 'overlaps' ? html` <span class="muted">(${pctShare(f.feature_area_pct)} de la sienne)</span>` : ''}`;
  return html`<li data-id="${f.id}" data-relation="${f.relation}"${i >= PRINT_LIST_LIMIT ? raw(' class="print-extra"') : ''}>${link(l.layer.id, f.id, f.name)}
    <span class="rel">— ${RELATION[f.relation] || f.relation}</span><span class="rel-short">(${RELATION_SHORT[f.relation] || f.relation})</span>${share}
    ${l.carrier ? html`<br>${carrierText(f, d)}` : ''}
    ${f.provenance?.status || f.provenance?.vintage ? html`<span class="muted rel-prov"> (${[featureClass(l.layer.id, f.provenance)?.label || f.provenance.status, shown(l.layer.id, f.provenance.vintage)].filter(Boolean).join(', ')})</span>` : ''}</li>`;
}

function relationsSection(d) {
  const layers = d.layers.filter((l) => !isAdministrative(l.layer.id));
  // The layer listing exactly the member EPCI repeats the members' table: left off paper.
  const epciIds = new Set(d.members.epci.map((e) => e.id));
  const repeatsMembers = (l) => l.features.length > 1 && l.features.length === epciIds.size
    && l.features.every((f) => epciIds.has(f.id));
  const blocks = layers.map((l) => {
    const n = l.features.length;
    const cover = l.covered_communes
      ? html`<p class="p-cover">En tout : <span class="fig" data-cover="area">${pct(l.covered_area_pct)}</span> de sa superficie et
          <span class="fig">${pct(l.covered_population_pct)}</span> de sa population.</p>`
      : '';
    const first = l.features.slice(0, LIST_LIMIT);
    const rest = l.features.slice(LIST_LIMIT);
    return html`<section class="p-rel${repeatsMembers(l) ? ' print-hide' : ''}" data-layer="${l.layer.id}">
      <h3>${l.layer.title}${n ? html` <span class="count">${int(n)}</span>` : ''}</h3>
      ${n ? html`${cover}<ul class="rel-list">${first.map((f, i) => relationItem(l, f, d, i))}</ul>
        ${rest.length ? html`<details class="more"><summary>${int(rest.length)} autres</summary><ul class="rel-list">${rest.map((f) => relationItem(l, f, d, 0))}</ul></details>` : ''}
        ${n > PRINT_LIST_LIMIT ? html`<p class="print-only muted">… et ${int(n - PRINT_LIST_LIMIT)} autres (voir le portrait en ligne).</p>` : ''}`
        : html`<p class="none" data-none="${l.layer.id}">${l.none.replace(/ ne couvre ce point$/, '')} sur ce territoire.</p>`}
      ${sourceLine(l.source, 'Source')}
    </section>`;
  });
  return html`<section class="p-relations" id="relations" aria-labelledby="h-relations">
    <h2 id="h-relations">Ce qu’il porte ou recoupe</h2>
    <p class="hint">Pour chaque autre couche, les périmètres qui ont au moins une commune en commun avec le territoire, et la part de sa superficie dans chacun.</p>
    <div class="rel-grid">${blocks}</div>
  </section>`;
}

function membersSection(d) {
  const m = d.members;
  const self = (d.figures.communes === 1 && m.communes[0]?.code === d.id);
  if (self) return '';
  const declared = Array.isArray(d.properties.members);
  return html`<section class="p-members" id="members" aria-labelledby="h-members">
    <h2 id="h-members">Membres</h2>
    <p class="p-downloads">Les ${int(m.communes.length)} communes, avec leur EPCI, population et superficie :
      <a href="${d.links.members_csv}" download data-download="csv">CSV</a> ·
      <a href="${d.links.members_geojson}" download data-download="geojson">GeoJSON</a> <span class="muted">(géométrie complète, WGS 84)</span></p>
    ${m.unknown.length ? html`<p class="notice notice-warn" role="note">Membres déclarés absents des EPCI et communes de 2026 : ${m.unknown.join(', ')}.</p>` : ''}
    ${declared && m.epci.some((e) => !e.declared) ? html`<p class="hint">Les EPCI marqués « non déclaré » ont des communes dans le territoire sans en être membres déclarés.</p>` : ''}
    <div id="members-epci"></div>
    <div id="members-communes" class="print-hide"></div>
    <p class="print-only muted">La liste des ${int(m.communes.length)} communes est dans le portrait en ligne et dans ses téléchargements CSV et GeoJSON.</p>
  </section>`;
}

function neighboursSection(d) {
  const n = d.neighbours;
  return html`<section class="p-neighbours" id="neighbours" aria-labelledby="h-neighbours">
    <h2 id="h-neighbours">Voisins <span class="count">${int(n.length)}</span></h2>
    ${n.length
      ? html`<p class="hint">Les territoires de la couche « ${d.layer.title} » qui partagent une frontière avec lui.</p>
        <ul class="neighbour-list">${n.map((x) => html`<li data-id="${x.id}">${link(d.layer.id, x.id, x.name)} <span class="muted">${hab(x.population)}</span></li>`)}</ul>`
      : html`<p class="none">Aucun territoire de la couche « ${d.layer.title} » ne partage de frontière avec lui.</p>`}
  </section>`;
}

function sourcesSection(d) {
  const p = d.provenance;
  const cls = featureClass(d.layer.id, d.properties);
  const others = d.layers.map((l) => html`<li>${l.layer.title} : ${l.source.name} (millésime ${l.source.vintage})</li>`);
  return html`<section class="p-sources" id="sources" aria-labelledby="h-sources">
    <h2 id="h-sources">Sources et millésimes</h2>
    <dl class="kv kv-sources">
      <dt>Périmètre (${d.layer.title})</dt>
      <dd>${sourceLine(d.source, 'Couche')}
        ${p.kind || p.status || p.vintage || p.source ? html`<p class="src" data-provenance>Ce territoire :
          ${[p.kind && `nature ${p.kind}`, (cls?.label || p.status) && `origine « ${cls?.label || p.status} »`, p.vintage && `millésime ${shown(d.layer.id, p.vintage)}`, p.snapshot && `instantané ${p.snapshot}`].filter(Boolean).join(' ; ')}${p.source ? html` — source : ${shown(d.layer.id, p.source)}` : ''}</p>` : ''}</dd>
      <dt>Populations et superficies</dt>
      <dd>${sourceLine(d.denominators_source, 'Dénominateurs')}</dd>
      <dt>Découpage administratif</dt>
      <dd><p class="src">${d.vintage}</p></dd>
      <dt class="print-hide">Autres couches</dt>
      <dd class="print-hide"><ul class="src src-list">${others}</ul></dd>
      <dt>Méthode</dt>
      <dd><p class="src">Chiffres et parts calculés sur les communes membres : ${METHOD[d.method] || d.method}.
        Une commune compte une fois, avec sa population légale et sa surface géodésique. Pour les contrats de ruralité, une commune compte quand son point intérieur est dans le contrat.</p></dd>
    </dl>
  </section>`;
}

function membersTables(d) {
  const m = d.members;
  // A commune's portrait has no members section.
  const epciBox = document.getElementById('members-epci');
  const communesBox = document.getElementById('members-communes');
  if (!epciBox || !communesBox) return;
  const declared = Array.isArray(d.properties.members);
  const isSelf = m.epci.length === 1 && m.epci[0].id === d.id;
  if (m.epci.length && !isSelf) {
    sortableTable(epciBox, {
      id: 'table-epci',
      caption: `EPCI membres (${int(m.epci.length)})`,
      rows: m.epci,
      sort: { key: 'population', dir: 'desc' },
      printLimit: PRINT_EPCI_ROWS,
      printNote: 'voir le portrait en ligne',
      columns: keyed({
        name: {
          label: 'EPCI', type: 'text', header: true, value: (e) => e.name,
          cell: (e) => html`${link(epciLayer(), e.id, e.name)}${declared && !e.declared ? html` <span class="muted">(non déclaré)</span>` : ''}`,
        },
        id: { label: 'SIREN', type: 'text', value: (e) => e.id, cell: (e) => html`<span class="code">${e.id}</span>` },
        communes: {
          label: 'Communes', type: 'number', value: (e) => e.communes,
          cell: (e) => html`${int(e.communes)}${e.whole ? '' : html` <span class="muted">/ ${int(e.total_communes)}</span>`}`,
        },
        population: { label: 'Population', type: 'number', value: (e) => e.population, cell: (e) => hab(e.population) },
        area: { label: 'Superficie', type: 'number', value: (e) => Math.round(e.area_km2 * 1000) / 1000, cell: (e) => km2(e.area_km2) },
        whole: { label: 'Dans le territoire', type: 'text', value: (e) => (e.whole ? 'entier' : 'en partie') },
      }),
    });
  }
  sortableTable(communesBox, {
    id: 'table-communes',
    caption: `Communes (${int(m.communes.length)})`,
    rows: m.communes,
    sort: { key: 'name', dir: 'asc' },
    columns: keyed({
      name: { label: 'Commune', type: 'text', header: true, value: (c) => c.name, cell: (c) => link(communesLayer(), c.code, c.name) },
      code: { label: 'Code INSEE', type: 'text', value: (c) => c.code, cell: (c) => html`<span class="code">${c.code}</span>` },
      epci: { label: 'EPCI', type: 'text', value: (c) => c.epci_name || c.epci || '' },
      population: { label: 'Population', type: 'number', value: (c) => c.population, cell: (c) => hab(c.population) },
      area: { label: 'Superficie', type: 'number', value: (c) => Math.round(c.area_km2 * 1000) / 1000, cell: (c) => km2(c.area_km2) },
    }),
  });
}

// ---------------------------------------------------------------------------------------------
// The map: Leaflet on screen, a static SVG on paper, from the same generalised features.

/**
 * Features of the layers the map needs, generalised for `zoom`: the territory, its neighbours and the
 * départements around it inside `around`, its members inside its own `bbox`.
 */
async function mapFeatures(d, zoom, around, bbox) {
  const fetched = new Map();
  const layer = (id, z = zoom, box = around) => {
    const key = `${id}@${z}@${box}`;
    if (!fetched.has(key)) fetched.set(key, api.layer(id, z, box));
    return fetched.get(key);
  };
  const only = (collection, ids) => {
    const wanted = new Set(ids.map(String));
    return collection.features.filter((f) => wanted.has(String(f.properties.id)));
  };
  const m = d.members;
  const drawEpci = m.communes.length > 1 && (m.epci.length > 1 || (m.epci.length === 1 && m.epci[0].id !== d.id));
  const communesId = communesLayer();
  const drawCommunes = d.layer.id !== communesId && m.communes.length > 1 && m.communes.length <= MAX_COMMUNES_DRAWN;
  const [own, context, epci, communes] = await Promise.all([
    layer(d.layer.id),
    layer(divisionLayer('departement')),
    drawEpci ? layer(epciLayer(), zoom, bbox) : null,
    drawCommunes ? layer(communesId, Math.max(zoom, 8), bbox) : null,
  ]);
  return {
    territory: only(own, [d.id]),
    neighbours: only(own, d.neighbours.map((n) => n.id)),
    context: context.features,
    epci: epci ? only(epci, m.epci.map((e) => e.id)) : [],
    communes: communes ? only(communes, m.communes.map((c) => c.code)) : [],
  };
}

async function drawMap(d) {
  const box = $('pmap');
  const b = d.bbox;
  if (!b) {
    $('p-map-figure').hidden = true;
    return;
  }
  const map = L.map(box, { preferCanvas: true, zoomSnap: 0.25, minZoom: 3, maxZoom: 14, scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en">Leaflet</a>');
  map.attributionControl.addAttribution('Données : INSEE, IGN, BANATIC, ANCT — Licence Ouverte 2.0');
  L.control.scale({ imperial: false, position: 'bottomright' }).addTo(map);
  const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  map.fitBounds(bounds, { padding: [14, 14] });
  window.portraitMap = map;
  const zoom = Math.max(3, Math.min(12, Math.round(map.getZoom())));
  const padX = (b[2] - b[0]) * 0.6 + 0.02;
  const padY = (b[3] - b[1]) * 0.6 + 0.02;
  const area = [Math.max(-180, b[0] - padX), Math.max(-85, b[1] - padY), Math.min(180, b[2] + padX), Math.min(85, b[3] + padY)];
  const f = await mapFeatures(d, zoom, area, b);
  // Drawn in this order, each in its style; the class names the SVG group on paper.
  const groups = Object.entries({
    context: f.context, neighbours: f.neighbours, communes: f.communes, epci: f.epci, territory: f.territory,
  }).map(([cls, features]) => ({ cls, features, style: STYLES[cls] }));
  for (const g of groups) {
    if (!g.features.length) continue;
    L.geoJSON(featureCollection(g.features), {
      style: leafletStyle(g.style), interactive: g.cls === 'neighbours',
      onEachFeature: g.cls === 'neighbours'
        ? (feature, layer) => {
          layer.bindTooltip(feature.properties.name, { sticky: true });
          layer.on('click', () => { location.href = portraitUrl(d.layer.id, feature.properties.id); });
        }
        : undefined,
    }).addTo(map);
  }
  const title = `Carte : ${d.name} (cerné de rouge)${f.epci.length ? ', ses EPCI membres en tirets bleus' : ''}${f.neighbours.length ? ', ses voisins en gris' : ''}.`;
  box.setAttribute('aria-label', title);
  $('print-map').innerHTML = svgMap(groups, b, { aspect: MAP_ASPECT, title });
  $('map-legend').innerHTML = mapSection(d, { epci: f.epci.length > 0, communes: f.communes.length > 0 }).html;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const where = parsePath();
  if (!where) {
    root.innerHTML = html`<p class="notice notice-warn">Adresse de portrait invalide : elle doit être de la forme /territoire/couche/identifiant.</p>`.html;
    return;
  }
  let d;
  try {
    const [catalog, portrait] = await Promise.all([api.catalog(), api.portrait(where.layer, where.id)]);
    setCatalog(catalog);
    d = portrait;
  } catch (e) {
    root.innerHTML = html`<h1>Portrait indisponible</h1><p class="notice notice-warn">${frenchMessage(e)}</p><p><a href="/">Retour à la carte</a></p>`.html;
    root.setAttribute('aria-busy', 'false');
    return;
  }
  document.title = `${d.name} — ${d.layer.singular} — portrait — Territoires`;
  $('back-to-map', HTMLAnchorElement).href = mapUrl(d.layer.id, d.id);
  root.dataset.layer = d.layer.id;
  root.dataset.id = d.id;
  root.innerHTML = html`
    ${headSection(d)}
    <div class="p-overview">
      <figure class="p-map" id="p-map-figure">
        <div id="pmap" role="region" aria-label="Carte du territoire" tabindex="0"></div>
        <div id="print-map" class="print-map"></div>
        <figcaption><ul class="map-legend" id="map-legend"></ul></figcaption>
      </figure>
      ${figuresSection(d)}
    </div>
    ${sharesSection(d)}
    ${relationsSection(d)}
    ${membersSection(d)}
    ${neighboursSection(d)}
    ${sourcesSection(d)}
    <p class="p-foot no-print"><a href="${mapUrl(d.layer.id, d.id)}">Retour à la carte</a> · <a href="/api/portrait/${encodeURIComponent(d.layer.id)}/${encodeURIComponent(d.id)}">Données du portrait (JSON)</a></p>
  `.html;
  $('print-button').addEventListener('click', () => window.print());
  membersTables(d);
  window.portrait = { data: d };
  announce(`Portrait : ${d.name}, ${d.layer.singular}`);
  try {
    await drawMap(d);
  } catch (e) {
    $('pmap').insertAdjacentHTML('afterend', html`<p class="notice notice-warn">Carte indisponible : ${frenchMessage(e)}</p>`.html);
  }
  root.setAttribute('aria-busy', 'false');
  document.body.dataset.ready = 'true';
}

main();
