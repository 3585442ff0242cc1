// @ts-check
// territoires — the map page. Plain ES modules, no build step; Leaflet is loaded before this module.

import { api, frenchMessage, isAbort } from '../api.js';
import { announce, esc, html } from '../lib/fmt.js';
import {
  communesLayer, defaultLayers, epciLayer, groupsEpci, isEpciLayer, layerInfo, layerSingular, layerTitle,
  setCatalog, territoriesLayer,
} from '../catalog.js';
import { LayerManager } from '../map/layers.js';
import { setupSearch } from '../panels/search.js';
import { populationVintage } from '../panels/card-parts.js';
import { pointCard } from '../panels/point-card.js';
import { territoryCard } from '../panels/territory-card.js';
import { setupCoverage } from '../panels/coverage.js';
import { setupIndicators } from '../panels/indicators.js';
import { setupData } from '../panels/data.js';
import { setupSimulator } from '../simulator/panel.js';
import { byId, closestTo } from '../lib/dom.js';
import { hashOf, readHash } from '../permalink.js';

/* global L */

/** @type {L.LatLngBoundsLiteral} */
const METRO = [[41.3, -5.2], [51.1, 9.6]];
const TABS = ['territoire', 'couches', 'couverture', 'chiffres', 'donnees', 'simuler'];

const $ = byId;
const card = $('card');

const state = {
  /** @type {import('../permalink.js').Selection | null} */
  selection: null,
  tab: 'territoire',
  pending: 0, // selections being loaded
};

// ---------------------------------------------------------------------------------------------
// The URL hash (permalink.js)

/** Before the catalogue is loaded, any well-formed layer id passes; main() reads the hash again after it. */
const readPageHash = () => readHash(location.hash, {
  tabs: TABS,
  ...(manager ? { knownLayer: (/** @type {string} */ id) => manager.layers.has(id) } : {}),
});

let manager = null;
let map = null;
let lastHash = '';

function writeHash() {
  if (!map || !manager) return;
  const c = map.getCenter();
  const hash = hashOf({
    view: { zoom: map.getZoom(), lat: c.lat, lon: c.lng },
    // The EPCI limits that the simulator shows while open are not the reader's choice.
    layers: manager.enabled().filter((id) => !(simulator?.forcedEpci && isEpciLayer(id))),
    selection: state.selection,
    tab: state.tab !== 'territoire' ? state.tab : undefined,
    sim: simulator?.hashParts(),
  });
  if (hash !== location.hash) history.replaceState(null, '', hash);
  lastHash = location.hash;
}

// ---------------------------------------------------------------------------------------------
// Messages

let toastTimer = null;
function showError(message) {
  let toast = document.getElementById('toast');
  if (!toast) {
    toast = document.createElement('div');
    toast.id = 'toast';
    toast.className = 'toast';
    toast.setAttribute('role', 'alert');
    document.body.append(toast);
  }
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 8000);
}

// ---------------------------------------------------------------------------------------------
// Tabs (ARIA tabs pattern, automatic activation)

const tabs = {};
let coverage = null;
let indicators = null;
let dataPanelReady = false;
let catalog = null;
let simulator = null;

function selectTab(name, { focus = false, write = true } = {}) {
  state.tab = name;
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`pane-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (name === 'couverture') coverage?.start();
  if (name === 'chiffres') indicators?.start();
  if (name === 'donnees' && !dataPanelReady && catalog) {
    dataPanelReady = true;
    setupData({ catalog });
  }
  if (name === 'simuler') simulator?.activate();
  else simulator?.deactivate();
  expandSheet();
  if (write) writeHash();
}

function setupTabs() {
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    tabs[t] = tab;
    tab.addEventListener('click', () => selectTab(t));
    tab.addEventListener('keydown', (e) => {
      const i = TABS.indexOf(t);
      let next = null;
      if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
      if (e.key === 'ArrowLeft') next = TABS[(i - 1 + TABS.length) % TABS.length];
      if (e.key === 'Home') next = TABS[0];
      if (e.key === 'End') next = TABS[TABS.length - 1];
      if (next) {
        e.preventDefault();
        selectTab(next, { focus: true });
      }
    });
  }
}

// Mobile bottom sheet: the panel can be reduced to its handle.
function expandSheet() {
  const panel = $('panel');
  if (panel.classList.contains('collapsed')) setSheet(false);
}
function setSheet(collapsed) {
  const panel = $('panel');
  panel.classList.toggle('collapsed', collapsed);
  const button = $('sheet-toggle');
  button.setAttribute('aria-expanded', String(!collapsed));
  button.querySelector('.sheet-toggle-text').textContent = collapsed ? 'Afficher le panneau' : 'Réduire le panneau';
  setTimeout(() => map?.invalidateSize(), 220);
}

// ---------------------------------------------------------------------------------------------
// Selections

let selectionSeq = 0;
const ctx = { popVintage: 'populations légales' };

function busy(on) {
  state.pending += on ? 1 : -1;
  card.setAttribute('aria-busy', state.pending > 0 ? 'true' : 'false');
}

function loadingCard(text) {
  card.innerHTML = `<p class="progress">${esc(text)}</p>`;
}

function bboxBounds(b) {
  return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
}

/**
 * Room for the legend when it is open in the bottom-left corner.
 * @returns {{paddingTopLeft: L.PointTuple, paddingBottomRight: L.PointTuple}}
 */
function fitPadding() {
  const legend = document.getElementById('legend');
  const corner = legend?.closest('.leaflet-bottom.leaflet-left');
  const open = corner && legend.querySelector('details[open]');
  const left = open ? Math.min(legend.offsetWidth + 24, map.getSize().x / 3) : 24;
  return { paddingTopLeft: [left, 24], paddingBottomRight: [24, 24] };
}

/** Features of a territory and of its members (member EPCIs of a Pays or SCoT, communes of an EPCI). */
async function territoryShapes(t, zoom) {
  if (!t.bbox) return { main: [], members: [] };
  const main = await manager.featuresById(t.layer, [t.id], t.bbox, zoom);
  const epci = epciLayer();
  const isEpci = isEpciLayer(t.layer);
  let members = [];
  const memberIds = !isEpci && Array.isArray(t.properties?.members) ? t.properties.members : null;
  if (memberIds?.length) {
    members = await manager.featuresById(epci, memberIds, t.bbox, zoom);
  } else if (groupsEpci(t.layer) && t.overlays?.[epci]?.length) {
    members = await manager.featuresById(epci, t.overlays[epci].map((m) => m.id), t.bbox, zoom);
  } else if (isEpci && t.communes?.length) {
    members = await manager.featuresById(communesLayer(), t.communes.map((c) => c.code), t.bbox, Math.max(zoom, 8));
  }
  return { main, members };
}

async function highlightTerritory(t, zoom, seq) {
  try {
    const shapes = await territoryShapes(t, zoom);
    if (seq === selectionSeq) manager.highlight(shapes);
  } catch (e) {
    if (!isAbort(e)) showError(`Mise en évidence impossible : ${frenchMessage(e)}`);
  }
}

export async function selectTerritory(layer, id, { fit = true, focusCard = false, switchTab = true } = {}) {
  const seq = ++selectionSeq;
  state.selection = { type: 'territory', layer, id: String(id) };
  writeHash();
  if (switchTab && state.tab !== 'territoire') selectTab('territoire', { write: true });
  expandSheet();
  loadingCard(`Chargement de la fiche (${layerSingular(layer)})…`);
  busy(true);
  try {
    const t = await api.territory(layer, id);
    if (seq !== selectionSeq) return;
    card.innerHTML = territoryCard(t, ctx).html;
    announce(`Fiche ouverte : ${t.name}, ${layerSingular(t.layer)}`);
    const title = card.querySelector('.card-title');
    if (focusCard && title instanceof HTMLElement) title.focus();
    let zoom = map.getZoom();
    if (fit && t.bbox) {
      const bounds = bboxBounds(t.bbox);
      const pad = fitPadding();
      zoom = Math.min(map.getBoundsZoom(bounds, false, L.point(pad.paddingTopLeft).add(pad.paddingBottomRight)), 12);
      map.fitBounds(bounds, { ...fitPadding(), maxZoom: 12 });
    }
    await highlightTerritory(t, zoom, seq);
  } catch (e) {
    if (seq !== selectionSeq) return;
    card.innerHTML = html`<p class="notice notice-warn">Fiche indisponible : ${frenchMessage(e)}</p>`.html;
  } finally {
    busy(false);
  }
}

export async function selectPoint(lat, lon, { switchTab = true } = {}) {
  const seq = ++selectionSeq;
  state.selection = { type: 'point', lat, lon };
  writeHash();
  if (switchTab && state.tab !== 'territoire') selectTab('territoire', { write: true });
  expandSheet();
  manager.highlight({ point: [lat, lon] });
  loadingCard('Recherche des territoires au point…');
  busy(true);
  try {
    const loc = await api.locate(lat, lon);
    if (seq !== selectionSeq) return;
    const details = new Map();
    const render = () => { card.innerHTML = pointCard(loc, details, ctx).html; };
    render();
    const by = Object.fromEntries(loc.layers.map((l) => [l.layer, l]));
    const communes = communesLayer();
    const commune = by[communes]?.features?.[0];
    const pays = by[territoriesLayer()]?.features || [];
    announce(commune
      ? `${commune.name} (${commune.id}). ${pays.length ? `Pays / PETR : ${pays.map((p) => p.name).join(', ')}` : 'Aucun Pays / PETR ne couvre ce point'}`
      : 'Aucun territoire à cet endroit (mer ou étranger). Aucun Pays / PETR ne couvre ce point');
    const zoom = map.getZoom();
    const communeShape = commune
      ? manager.featuresById(communes, [commune.id], [lon - 0.0005, lat - 0.0005, lon + 0.0005, lat + 0.0005], Math.max(zoom, 8))
        .catch(() => [])
      : Promise.resolve([]);
    let shapes = { main: [], members: [] };
    if (pays.length) {
      const ts = await Promise.all(pays.map((p) => api.territory(territoriesLayer(), p.id)));
      if (seq !== selectionSeq) return;
      ts.forEach((t) => details.set(t.id, t));
      render();
      try {
        shapes = await territoryShapes(ts[0], zoom);
      } catch (e) {
        showError(`Mise en évidence impossible : ${frenchMessage(e)}`);
      }
    }
    const focus = await communeShape;
    if (seq === selectionSeq) manager.highlight({ ...shapes, focus, point: [lat, lon] });
  } catch (e) {
    if (seq !== selectionSeq) return;
    card.innerHTML = html`<p class="notice notice-warn">Recherche impossible : ${frenchMessage(e)}</p>`.html;
  } finally {
    busy(false);
  }
}

function clearSelection() {
  selectionSeq += 1;
  state.selection = null;
  manager?.clearHighlight();
}

// ---------------------------------------------------------------------------------------------
// Layer toggles

/** First sentence of a catalogue description, for the short line under a toggle. */
function firstSentence(text) {
  const m = String(text || '').match(/^.*?[.!?](?=\s|$)/);
  return m ? m[0] : String(text || '');
}

function zoomNote(def) {
  if (!def.minZoom) return '';
  const zoom = map ? Math.round(map.getZoom()) : def.minZoom;
  return zoom >= def.minZoom
    ? `Dessinées à partir du zoom ${def.minZoom}.`
    : `Dessinées à partir du zoom ${def.minZoom} (zoom actuel : ${zoom}).`;
}

function toggleDescription(def) {
  const info = layerInfo(def.id);
  return [firstSentence(info?.description), zoomNote(def)].filter(Boolean).join(' ');
}

function setupToggles() {
  const box = $('toggles');
  box.innerHTML = manager.defs.map((d) => `<div class="toggle">
      <input type="checkbox" id="toggle-${esc(d.id)}" value="${esc(d.id)}" aria-describedby="toggle-${esc(d.id)}-desc">
      <label for="toggle-${esc(d.id)}">${esc(layerTitle(d.id))}</label>
      <span id="toggle-${esc(d.id)}-desc" class="toggle-desc">${esc(toggleDescription(d))}</span>
    </div>`).join('');
  box.addEventListener('change', (e) => {
    const input = closestTo(e, 'input[type="checkbox"]');
    if (!(input instanceof HTMLInputElement)) return;
    manager.toggle(input.value, input.checked);
    announce(`Couche « ${layerTitle(input.value)} » ${input.checked ? 'affichée' : 'masquée'}`);
    writeHash();
  });
}

function syncToggles() {
  for (const d of manager.defs) {
    const input = document.getElementById(`toggle-${d.id}`);
    if (input instanceof HTMLInputElement) input.checked = manager.get(d.id).on;
    if (d.minZoom) {
      const desc = document.getElementById(`toggle-${d.id}-desc`);
      if (desc) desc.textContent = toggleDescription(d);
    }
  }
}

function renderLayerSources() {
  const layers = catalog?.layers || [];
  $('layer-sources').innerHTML = html`<h3>Les couches et leurs sources</h3><dl class="kv kv-sources">${layers.map((l) => html`
    <dt>${l.title}</dt><dd><p class="layer-desc">${l.description}</p><p class="src">${l.source} · millésime ${l.vintage} · ${l.licence}</p></dd>`)}</dl>`.html;
}

// ---------------------------------------------------------------------------------------------

function applySelection(sel, { fit, switchTab = false }) {
  if (!sel) {
    clearSelection();
    return;
  }
  if (sel.type === 'territory') selectTerritory(sel.layer, sel.id, { fit, switchTab });
  else selectPoint(sel.lat, sel.lon, { switchTab });
}

/**
 * The Leaflet map, at the hash's view or on metropolitan France.
 * @param {import('../permalink.js').HashState} initial
 */
function createMap(initial) {
  const m = L.map('map', {
    preferCanvas: true,
    zoomControl: false,
    minZoom: 3,
    maxZoom: 14,
    worldCopyJump: false,
    attributionControl: true,
  });
  L.control.zoom({ position: 'topleft', zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(m);
  L.control.scale({ imperial: false, position: 'bottomright' }).addTo(m);
  m.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en">Leaflet</a>');
  if (initial.view) m.setView([initial.view.lat, initial.view.lon], initial.view.zoom);
  else m.fitBounds(METRO);
  window.territoiresMap = m;
  return m;
}

/** The deployment's configuration and the catalogue; the page still opens without either. */
async function loadCatalog() {
  const [config, cat] = await Promise.all([
    api.config().catch(() => ({ tiles_url: null })),
    api.catalog().catch((e) => { showError(`Catalogue des couches indisponible : ${frenchMessage(e)}`); return { layers: [] }; }),
  ]);
  catalog = cat;
  setCatalog(catalog);
  ctx.popVintage = populationVintage() || ctx.popVintage;
  if (config.tiles_url) {
    // A raster basemap under our layers: an opaque layer (the régions) then keeps its outline only.
    L.tileLayer(config.tiles_url, { maxZoom: 19, attribution: 'Fond de carte configuré par le serveur', pane: 'tilePane' }).addTo(map);
  }
  map.attributionControl.addAttribution('Données : INSEE, IGN, BANATIC, ANCT — Licence Ouverte 2.0');
  return config;
}

/** A click on the map, or Entrée on it (its centre): the simulator's toggle, or the point's card. */
function wireMap() {
  const at = (/** @type {number} */ lat, /** @type {number} */ lon) => {
    if (simulator.active) simulator.toggleAt(lat, lon);
    else selectPoint(lat, lon);
  };
  map.on('click', (e) => at(e.latlng.lat, e.latlng.lng));
  let moveTimer = null;
  map.on('moveend', () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(writeHash, 150);
  });
  map.getContainer().addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.target !== map.getContainer()) return;
    const c = map.getCenter();
    at(c.lat, c.lng);
  });
}

/** The card's buttons: another territory's card, or the map centred on this one. */
function wireCard() {
  card.addEventListener('click', (e) => {
    const open = closestTo(e, '[data-open]');
    if (open) {
      const [layer, ...rest] = open.dataset.open.split(':');
      selectTerritory(layer, rest.join(':'), { fit: true, focusCard: true });
      return;
    }
    const zoom = closestTo(e, '[data-zoom]');
    if (zoom && state.selection?.type === 'territory') {
      api.territory(state.selection.layer, state.selection.id).then((t) => {
        if (t.bbox) map.fitBounds(bboxBounds(t.bbox), { ...fitPadding(), maxZoom: 12 });
      });
    }
  });
}

/** « Me localiser »: the browser's position, its card. */
function locateMe() {
  if (!navigator.geolocation) {
    showError('La géolocalisation n’est pas disponible dans ce navigateur.');
    return;
  }
  announce('Localisation en cours…');
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      const { latitude, longitude } = pos.coords;
      map.setView([latitude, longitude], Math.max(map.getZoom(), 11));
      selectPoint(latitude, longitude);
    },
    (err) => showError(err.code === 1
      ? 'Localisation refusée : autorisez-la dans le navigateur, ou cherchez votre commune.'
      : 'Position indisponible : cherchez votre commune dans la barre de recherche.'),
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
  );
}

/** A hash changed by hand or by the history: the page follows it. */
function followHash() {
  if (location.hash === lastHash) return;
  // A skip link (#q, #panel) only moves the focus: keep the permalink, the card and the draft.
  if (/^#[\w-]+$/.test(location.hash) && document.getElementById(location.hash.slice(1))) {
    history.replaceState(null, '', lastHash);
    return;
  }
  const h = readPageHash();
  if (h.view) map.setView([h.view.lat, h.view.lon], h.view.zoom);
  if (h.layers) { manager.setEnabled(h.layers); syncToggles(); }
  if (h.tab) selectTab(h.tab, { write: false });
  simulator.restore(h.sim, { fit: !h.view });
  applySelection(h.selection, { fit: !h.view });
  lastHash = location.hash;
}

async function main() {
  let initial = readPageHash();
  setupTabs();
  map = createMap(initial);
  const config = await loadCatalog();
  manager = new LayerManager(map, {
    catalog,
    tiles: !!config.tiles_url,
    onError: showError,
    onChange: () => { syncToggles(); exposeState(); },
  });
  // The layer ids of the hash, checked against the catalogue now that it is known.
  initial = { ...initial, ...readPageHash() };
  setupToggles();
  exposeState();
  manager.setEnabled(initial.layers ?? defaultLayers());
  syncToggles();
  renderLayerSources();

  coverage = setupCoverage({ onError: showError });
  indicators = setupIndicators({ onError: showError });
  simulator = setupSimulator({
    map, manager, epciLayer: epciLayer(), territoriesLayer: territoriesLayer(), onChange: writeHash,
  });
  if (initial.sim.members.length || initial.sim.base) simulator.restore(initial.sim, { fit: !initial.view });
  setupSearch({
    input: $('q', HTMLInputElement),
    list: $('q-list'),
    onChoose: (r) => selectTerritory(r.layer, r.id, { fit: true }),
  });
  wireMap();
  wireCard();
  $('locate-me').addEventListener('click', locateMe);
  $('sheet-toggle').addEventListener('click', () => setSheet(!$('panel').classList.contains('collapsed')));
  window.addEventListener('hashchange', followHash);

  if (initial.tab) selectTab(initial.tab, { write: false });
  applySelection(initial.selection, { fit: !initial.view });
  writeHash();
}

// ---------------------------------------------------------------------------------------------
// What the tests (and curious people) can read from the console.

function exposeState() {
  window.territoires = {
    map,
    manager,
    state,
    /** Layers actually drawn on the map. */
    drawn: () => manager.drawn(),
    /** Number of features drawn for a layer (0 when not on the map). */
    featureCount: (id) => (manager.get(id)?.drawn ? manager.get(id).count : 0),
    /** True when no layer, no selection and no simulation is loading. */
    idle: () => manager.busy.size === 0 && state.pending === 0 && (!simulator || simulator.idle()),
    /** The perimeter simulator (its draft, last answer, idle state). */
    get simulator() { return simulator; },
    selectTerritory,
    selectPoint,
  };
}

main().catch((e) => {
  showError(`La carte n’a pas pu démarrer : ${frenchMessage(e)}`);
  throw e;
});
