// @ts-check
// The sections of a territory's portrait (/api/portrait): its head, key figures, share of its
// départements and régions, what every other layer holds of it, members, neighbours and sources.

import { hab, html, int, km2, METHOD, pct, portraitUrl, raw, sourceLine } from '../lib/fmt.js';
import {
  carrierOf, communesLayer, divisionLayer, epciLayer, featureClass, isAdministrative, shown,
} from '../catalog.js';
import { CARRIER_KIND, SEVERAL } from './card-parts.js';
import { keyed, sortableTable } from '../lib/sorttable.js';
import { mapUrl } from '../permalink.js';

/** @typedef {import('../api.js').Portrait} Portrait */

/** Rows of the EPCI table on paper; the rest is said in a line. */
const PRINT_EPCI_ROWS = 12;
/** Features listed per layer before the rest folds away, on screen and on paper. */
const LIST_LIMIT = 10;
const PRINT_LIST_LIMIT = 4;

const nf1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
/** A percentage, said "< 0,1 %" rather than "0,0 %" when small but not nothing. */
const pctShare = (v) => (v > 0 && v < 0.05 ? '<\u00a00,1\u00a0%' : pct(v));
const density = (d) => (d == null ? '—' : `${(d < 10 ? nf1 : nf0).format(d)}\u00a0hab./km²`);

const idLabel = (id) => (/^\d{9}$/.test(id) ? 'SIREN' : /^\d[\dAB]\d{0,3}$/.test(id) ? 'Code INSEE' : 'Identifiant');

const link = (layer, id, name) => html`<a href="${portraitUrl(layer, id)}">${name}</a>`;

// ---------------------------------------------------------------------------------------------
// Sections

export function headSection(d) {
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
    return html`<p class="p-carrier" data-carrier="several">Structure porteuse : ${c.kind === SEVERAL
      ? 'plusieurs EPCI signataires ensemble, sans structure porteuse unique' : 'non renseignée'}</p>`;
  }
  const known = c.siren && layerOfSiren(d, c.siren);
  return html`<p class="p-carrier" data-carrier="${c.siren}">Structure porteuse :
    ${known ? link(known, c.siren, c.name || c.siren) : c.name}${c.siren ? html` <span class="code">SIREN ${c.siren}</span>` : ''}${c.kind ? html` <span class="muted">(${CARRIER_KIND[c.kind] || c.kind})</span>` : ''}</p>`;
}

export function figuresSection(d) {
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

export function sharesSection(d) {
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

function carrierText(f, d) {
  if (f.carried_by_territory) {
    return html`<span class="carried" data-carried="true">Porté par ce territoire</span>`;
  }
  const c = f.carrier || {};
  const who = !c.siren && !c.name
    ? (c.kind === SEVERAL ? 'plusieurs EPCI signataires ensemble, sans structure porteuse unique' : 'porteur non renseigné')
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

export function relationsSection(d) {
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

export function membersSection(d) {
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

export function neighboursSection(d) {
  const n = d.neighbours;
  return html`<section class="p-neighbours" id="neighbours" aria-labelledby="h-neighbours">
    <h2 id="h-neighbours">Voisins <span class="count">${int(n.length)}</span></h2>
    ${n.length
      ? html`<p class="hint">Les territoires de la couche « ${d.layer.title} » qui partagent une frontière avec lui.</p>
        <ul class="neighbour-list">${n.map((x) => html`<li data-id="${x.id}">${link(d.layer.id, x.id, x.name)} <span class="muted">${hab(x.population)}</span></li>`)}</ul>`
      : html`<p class="none">Aucun territoire de la couche « ${d.layer.title} » ne partage de frontière avec lui.</p>`}
  </section>`;
}

export function sourcesSection(d) {
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

export function membersTables(d) {
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
