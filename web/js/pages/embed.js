// @ts-check
// territoires — « Trouver mon Pays », the widget other sites put in an <iframe> (/embed[?pays=ID]).
// A commune search, the answer, and a small map without tiles. Leaflet is loaded before this module.

import { api, ApiError, frenchMessage } from '../api.js';
import { esc, int, portraitUrl } from '../lib/fmt.js';
import {
  communesLayer, divisionLayer, isCommunesLayer, layerInfo, setCatalog, territoriesLayer,
} from '../catalog.js';

import { setupSearch } from '../panels/search.js';
import { byId } from '../lib/dom.js';
import { mapUrl } from '../permalink.js';

/* global L */

const $ = byId;

const STYLE = {
  background: { color: '#9a9ab0', weight: 1, fill: true, fillColor: '#fff', fillOpacity: 1, interactive: false },
  focus: { color: '#000091', weight: 3, fillColor: '#000091', fillOpacity: 0.12, interactive: false },
  other: { color: '#8a5300', weight: 2, dashArray: '6 4', fillColor: '#e69f00', fillOpacity: 0.12, interactive: false },
  commune: { color: '#ce0500', weight: 2, fillColor: '#ce0500', fillOpacity: 0.35, interactive: false },
};

let pending = 0;
const busy = async (promise) => {
  pending += 1;
  document.body.dataset.busy = 'true';
  try {
    return await promise;
  } finally {
    pending -= 1;
    if (!pending) delete document.body.dataset.busy;
  }
};

/**
 * @param {string} layer
 * @param {string} id
 */
const territory = (layer, id) => api.territory(layer, id, { geometry: true });

/** "du PETR …", "de l’Association …", else "de « … »": French article before a territory's name. */
function deName(name) {
  if (/^(PETR|Pays|SM|SI|Syndicat|Pôle)(\s|$)/u.test(name)) return `du ${name}`;
  if (/^(Association|Assemblée)(\s|$)/u.test(name)) return `de l’${name}`;
  return `de « ${name} »`;
}

const portrait = (p) => `<a href="${portraitUrl(territoriesLayer(), p.id)}" target="_blank" rel="noopener">`
  + `Portrait ${esc(deName(p.name))}<span class="visually-hidden"> (nouvel onglet)</span></a>`;

// ---------------------------------------------------------------------------------------------
// The map: the régions as a plain background (once the catalogue says which layer they are), then the
// territories.

const map = L.map('map', {
  zoomSnap: 0.25,
  scrollWheelZoom: false,
  attributionControl: false,
  minZoom: 4,
  maxZoom: 13,
  zoomControl: false,
}).fitBounds([[41.3, -5.2], [51.1, 9.6]]);
L.control.zoom({ zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(map);
const drawn = { focus: null, other: null, commune: null };

function drawBackground() {
  const regions = divisionLayer('region');
  if (!regions) return;
  busy(api.layer(regions, 5))
    .then((fc) => L.geoJSON(fc, { style: STYLE.background }).addTo(map).bringToBack())
    .catch(() => { /* the map still shows the territories */ });
}

function draw(slot, geometry) {
  drawn[slot]?.remove();
  drawn[slot] = geometry ? L.geoJSON(geometry, { style: STYLE[slot] }).addTo(map) : null;
}

let fitted = [];
function fit(slots) {
  fitted = slots;
  const bounds = L.latLngBounds([]);
  for (const s of slots) if (drawn[s]) bounds.extend(drawn[s].getBounds());
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
}

// The map takes the height the text leaves it: keep the territories in view when that changes.
new ResizeObserver(() => {
  map.invalidateSize({ animate: false });
  if (fitted.length) fit(fitted);
}).observe($('map'));

// ---------------------------------------------------------------------------------------------
// ?pays=ID: the territory this widget is about.

/** The widget's own parameters: `?pays=ID`. */
const query = Object.fromEntries(new URLSearchParams(location.search));
const wanted = query.pays?.trim() || null;
let highlighted = null; // {id, name}

async function loadHighlighted() {
  if (!wanted) return;
  try {
    const t = await busy(territory(territoriesLayer(), wanted));
    highlighted = { id: t.id, name: t.name };
    $('title').textContent = t.name;
    document.title = `${t.name} — Trouver mon Pays`;
    $('lead').textContent = `${int(t.communes.length)} communes, ${int(t.population)} habitants. `
      + 'Votre commune en fait-elle partie ?';
    draw('focus', t.geometry);
    fit(['focus']);
  } catch (e) {
    const notice = $('notice');
    notice.textContent = e instanceof ApiError && e.status === 404
      ? `Le Pays ou PETR « ${wanted} » demandé par cette page est inconnu ici. Vous pouvez tout de même chercher votre commune.`
      : `Le Pays ou PETR « ${wanted} » n’a pas pu être chargé (${frenchMessage(e)}). Vous pouvez tout de même chercher votre commune.`;
    notice.hidden = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The answer for a commune chosen in the search.

let choice = 0;

async function answer(result) {
  const mine = ++choice;
  const box = $('answer');
  const who = `<strong>${esc(result.name)}</strong> <span class="muted">(${esc(result.id)}, ${int(result.population)} hab.)</span>`;
  const pays = result.pays || [];
  const list = (items) => items.map((p) => esc(deName(p.name))).join(' et ');
  let text;
  if (highlighted) {
    if (pays.some((p) => p.id === highlighted.id)) {
      text = `<p class="yes">${who} fait partie ${esc(deName(highlighted.name))}.</p><p>${portrait(highlighted)}</p>`;
    } else {
      const others = pays.length
        ? `Cette commune fait partie ${list(pays)}.</p><p>${pays.map(portrait).join(' · ')}`
        : 'Cette commune ne fait partie d’aucun Pays / PETR connu ici.';
      text = `<p class="no">${who} n’en fait pas partie.</p><p>${others}</p>`;
    }
  } else if (pays.length) {
    text = `<p class="yes">${who} fait partie ${list(pays)}.</p><p>${pays.map(portrait).join(' · ')}</p>`;
  } else {
    text = `<p class="no">${who} ne fait partie d’aucun Pays / PETR connu ici.</p>`;
  }
  box.innerHTML = text;
  box.dataset.commune = result.id;

  // The commune, and its own Pays unless it is the highlighted one: in the highlighted style when the
  // widget has none, dashed beside it otherwise.
  const member = highlighted && pays.some((p) => p.id === highlighted.id);
  const own = member ? null : pays[0];
  const slot = highlighted ? 'other' : 'focus';
  const [commune, theirs] = await busy(Promise.all([
    territory(communesLayer(), result.id).catch(() => null),
    own ? territory(territoriesLayer(), own.id).catch(() => null) : null,
  ]));
  if (mine !== choice) return;
  draw('commune', commune?.geometry);
  if (member) draw('other', null);
  else draw(slot, theirs?.geometry);
  fit(member ? ['focus', 'commune'] : [slot, 'commune']);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  // The catalogue first: it says which layers are the territories, the communes and the régions.
  await busy(api.catalog()).then(setCatalog).catch(() => setCatalog(null));
  drawBackground();
  const src = layerInfo(territoriesLayer());
  if (src) $('vintage').textContent = `Pays et PETR : ${src.vintage} · ${src.licence}`;
  setupSearch({
    input: $('q', HTMLInputElement),
    list: $('q-list'),
    keep: (r) => isCommunesLayer(r.layer),
    onChoose: (r) => { answer(r); },
  });
  if (wanted) $('home', HTMLAnchorElement).href = mapUrl(territoriesLayer(), wanted);
  await loadHighlighted();
  document.querySelector('main').removeAttribute('aria-busy');
}

main();

window.territoiresEmbed = { map, idle: () => pending === 0 };
