// @ts-check
// The map's own layers: generalised GeoJSON from /api/layers/{id}.geojson, fetched for the current
// zoom band only when shown, drawn on canvas, each in its own pane so that the stacking is fixed.

import { api, frenchMessage, getJSON, isAbort } from '../api.js';
import { esc } from '../lib/fmt.js';
import { layerTitle } from '../catalog.js';
import { baseDefs, buildLayerDefs } from './styles.js';
import { namedFeatures, PlaceLabels } from './labels.js';
import { featureCollection, geoJsonLayer } from '../lib/geojson.js';

/** Up to this zoom, layers are fetched whole (the server caches and compresses them, with ETags). */
const WHOLE_LAYER_MAX_ZOOM = 8;
const MAX_ZOOM_PARAM = 14;
/** Screens on which the legend starts open; elsewhere it starts folded, « Légende » only. */
export const LEGEND_OPEN_MEDIA = '(min-width: 761px) and (min-height: 900px)';

/**
 * Whole layers (no bbox) are shared between the overlays and the base map: one request per URL while
 * it is in flight or recent, never aborted (another layer may be waiting for it).
 */
const shared = new Map();
function wholeLayer(id, zoom) {
  const url = api.layerUrl(id, zoom, null);
  if (!shared.has(url)) {
    const promise = getJSON(url, { memoise: false });
    shared.set(url, promise);
    promise.catch(() => shared.delete(url));
    while (shared.size > 6) shared.delete(shared.keys().next().value);
  }
  return shared.get(url);
}

class ThematicLayer {
  constructor(def, manager) {
    this.def = def;
    this.id = def.id;
    this.manager = manager;
    const map = manager.map;
    /** The busy-set key: a base-map layer shares its id with an overlay. */
    this.key = def.key || def.id;
    const pane = def.pane || `pane-${def.id}`;
    const el = map.getPane(pane) || map.createPane(pane);
    el.style.zIndex = def.z;
    if (def.pane) el.style.pointerEvents = 'none';
    this.renderer = L.canvas({ pane, padding: 0.3 });
    this.group = geoJsonLayer(null, { style: def.style, renderer: this.renderer, interactive: false, pane });
    this.on = false;
    this.loadedKey = null;
    this.loadedBox = null;
    this.count = 0;
    this.controller = null;
    this.pending = null;
    this.features = [];
  }

  /** What to fetch for the current view: null when the layer is not to be drawn at this zoom. */
  want() {
    const map = this.manager.map;
    const zoom = Math.min(MAX_ZOOM_PARAM, Math.max(0, Math.round(map.getZoom())));
    if (this.def.minZoom && zoom < this.def.minZoom) return null;
    if (!this.def.minZoom && zoom <= WHOLE_LAYER_MAX_ZOOM) return { key: `w${zoom}`, zoom, bbox: null };
    const view = map.getBounds();
    if (this.loadedBox && this.loadedKey === `b${zoom}` && this.loadedBox.contains(view)) {
      return { key: this.loadedKey, zoom, bbox: null, same: true };
    }
    const padded = view.pad(0.5);
    const bbox = [
      Math.max(-180, padded.getWest()), Math.max(-90, padded.getSouth()),
      Math.min(180, padded.getEast()), Math.min(90, padded.getNorth()),
    ];
    return { key: `b${zoom}`, zoom, bbox, box: L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]) };
  }

  get drawn() {
    return this.manager.map.hasLayer(this.group);
  }

  async update() {
    const map = this.manager.map;
    const want = this.on ? this.want() : null;
    if (!want) {
      this.controller?.abort();
      this.controller = null;
      this.pending = null;
      if (map.hasLayer(this.group)) map.removeLayer(this.group);
      this.manager.changed();
      return;
    }
    if (want.same || (want.key === this.loadedKey && !want.bbox)) {
      if (this.controller) {
        this.controller.abort();
        this.controller = null;
        this.manager.loading(this.key, false);
      }
      this.pending = null;
      if (!map.hasLayer(this.group)) map.addLayer(this.group);
      this.manager.changed();
      return;
    }
    const requestKey = `${want.key}|${want.bbox || ''}`;
    if (this.pending === requestKey) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.pending = requestKey;
    this.manager.loading(this.key, true);
    try {
      const data = want.bbox
        ? await api.layer(this.id, want.zoom, want.bbox, { signal: controller.signal })
        : await wholeLayer(this.id, want.zoom);
      if (controller.signal.aborted || !this.on) return;
      this.group.clearLayers();
      this.group.addData(data);
      if (this.def.pane) this.manager.onBaseDrawn?.();
      this.features = data.features;
      this.count = data.features.length;
      this.metadata = data.metadata;
      this.loadedKey = want.key;
      this.loadedBox = want.box || null;
      this.pending = null;
      // The view may have moved on while fetching: only draw what still fits the zoom.
      const now = this.want();
      if (this.on && now) {
        if (!map.hasLayer(this.group)) map.addLayer(this.group);
        if (!now.same && now.key !== this.loadedKey) this.update();
      }
      this.manager.fed(this);
    } catch (e) {
      if (!isAbort(e)) {
        this.pending = null;
        this.manager.error(this, e);
      }
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.manager.loading(this.key, false);
      }
      this.manager.changed();
    }
  }
}

export class LayerManager {
  constructor(map, { catalog, tiles = false, onChange, onError }) {
    this.map = map;
    this.catalog = new Map((catalog?.layers || []).map((l) => [l.id, l]));
    this.onChange = onChange;
    this.onError = onError;
    /** The layer definitions, in legend order. */
    this.defs = buildLayerDefs(catalog, { tiles });
    this.layers = new Map(this.defs.map((d) => [d.id, new ThematicLayer(d, this)]));
    this.busy = new Set();
    /** The base map: no toggle removes it, and drawn() does not list it. */
    this.base = baseDefs({ tiles }).map((d) => new ThematicLayer(d, this));
    for (const b of this.base) b.on = true;
    /** Place names (labels.js). */
    this.labels = new PlaceLabels(map, this);

    map.createPane('pane-highlight').style.zIndex = 520;
    this.hlRenderer = L.canvas({ pane: 'pane-highlight', padding: 0.3 });
    this.highlightGroup = L.layerGroup().addTo(map);

    this.legend = new L.Control({ position: window.matchMedia('(max-width: 760px)').matches ? 'topright' : 'bottomleft' });
    this.legend.onAdd = () => {
      const div = L.DomUtil.create('div', 'legend');
      div.id = 'legend';
      div.setAttribute('role', 'region');
      div.setAttribute('aria-label', 'Légende de la carte');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    this.legend.addTo(map);

    let timer = null;
    map.on('moveend zoomend', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 60);
    });
  }

  get(id) { return this.layers.get(id); }

  /** Ids of the layers switched on (whether or not drawn at this zoom). */
  enabled() { return this.defs.filter((d) => this.layers.get(d.id).on).map((d) => d.id); }

  /** Ids of the layers actually on the map now. */
  drawn() { return this.defs.filter((d) => this.layers.get(d.id).drawn).map((d) => d.id); }

  setEnabled(ids) {
    for (const [id, layer] of this.layers) layer.on = ids.includes(id);
    this.refresh();
  }

  toggle(id, on) {
    const layer = this.layers.get(id);
    if (!layer) return;
    layer.on = on;
    layer.update();
  }

  refresh() {
    for (const layer of this.base) layer.update();
    for (const layer of this.layers.values()) layer.update();
  }

  /** Number of base-map features drawn, by pane (for the tests). */
  baseCount() {
    return Object.fromEntries(this.base.map((b) => [b.def.pane, b.drawn ? b.count : 0]));
  }

  loading(id, on) {
    if (on) this.busy.add(id); else this.busy.delete(id);
    this.map.getContainer().setAttribute('aria-busy', this.busy.size ? 'true' : 'false');
  }

  error(layer, e) {
    this.onError?.(`La couche « ${layerTitle(layer.id)} » n’a pas pu être chargée : ${frenchMessage(e)}`);
  }

  /** A layer received features. */
  fed() {}

  changed() {
    this.labels.layersChanged();
    this.renderLegend();
    this.onChange?.();
  }

  /** Entries drawn by another module (the simulator's draft), listed first: `{title, entries}` or null. */
  setExtraLegend(extra) {
    this.extraLegend = extra;
    this.renderLegend();
  }

  renderLegend() {
    const div = this.legend.getContainer();
    if (!div) return;
    const drawn = this.drawn();
    const extra = this.extraLegend;
    const key = `${drawn.join(',')}|${extra ? JSON.stringify(extra) : ''}`;
    if (this.legendKey === key) return;
    this.legendKey = key;
    const swatch = (s) => {
      if (s.line) {
        return `<svg class="sw" width="28" height="14" aria-hidden="true"><line x1="1" y1="7" x2="27" y2="7" stroke="${s.stroke}" stroke-width="${s.thin ? 1 : 2}"/></svg>`;
      }
      return `<svg class="sw" width="28" height="14" aria-hidden="true"><rect x="1" y="1" width="26" height="12" fill="${s.fill}" fill-opacity="${s.opacity ?? 1}" stroke="${s.stroke}" stroke-width="1.5"${s.dash ? ' stroke-dasharray="4 3"' : ''}/></svg>`;
    };
    const items = drawn.map((id) => {
      const def = this.layers.get(id).def;
      const cat = this.catalog.get(id);
      const entries = def.legend();
      const vintage = cat ? ` <span class="legend-vintage">millésime ${esc(cat.vintage)}</span>` : '';
      return `<li data-layer="${id}"><span class="legend-title">${esc(layerTitle(id))}${vintage}</span>`
        + `<ul>${entries.map((e) => `<li${e.cls != null ? ` data-class="${esc(e.cls)}"` : ''}>${swatch(e)}<span class="legend-label">${esc(e.label)}</span></li>`).join('')}</ul></li>`;
    });
    if (extra) {
      items.unshift(`<li data-extra="${esc(extra.id)}"><span class="legend-title">${esc(extra.title)}</span>`
        + `<ul>${extra.entries.map((e) => `<li>${swatch(e)}<span class="legend-label">${esc(e.label)}</span></li>`).join('')}</ul></li>`);
    }
    // Open at first only where it leaves the land in view: on a phone, or under 900 px tall (a
    // 1280×800 laptop), the open legend would cover the Atlantic coast at the overview's zoom.
    if (this.legendOpen == null) this.legendOpen = window.matchMedia(LEGEND_OPEN_MEDIA).matches;
    div.innerHTML = items.length
      ? `<details${this.legendOpen ? ' open' : ''}><summary>Légende</summary><ul class="legend-list">${items.join('')}</ul></details>`
      : '<p class="legend-empty">Aucune couche affichée</p>';
    const details = div.querySelector('details');
    details?.addEventListener('toggle', () => {
      this.legendOpen = details.open;
      // The names keep clear of the legend's new box.
      this.labels.layout();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Highlight of a selected territory and its members.

  clearHighlight() {
    this.highlightGroup.clearLayers();
    this.labels.setPriority([]);
  }

  /**
   * Draws `main` (features) outlined in red, `members` outlined in dashed blue, `focus` (the
   * commune at a clicked point) filled in light red, and an optional point.
   */
  highlight({ main = [], members = [], focus = [], point = null }) {
    this.highlightGroup.clearLayers();
    this.labels.setPriority([
      // The features come from featuresById, which sets their layer.
      ...namedFeatures('selected', main),
      ...namedFeatures('selected', focus),
      ...namedFeatures('member', members),
    ]);
    if (members.length) {
      geoJsonLayer(featureCollection(members), {
        renderer: this.hlRenderer, interactive: false,
        style: { color: '#000091', weight: 2.2, fill: true, fillColor: '#000091', fillOpacity: 0.06, dashArray: '6 4' },
      }).addTo(this.highlightGroup);
    }
    if (main.length) {
      geoJsonLayer(featureCollection(main), {
        renderer: this.hlRenderer, interactive: false,
        style: { color: '#ce0500', weight: 3.2, fill: true, fillColor: '#ce0500', fillOpacity: 0.08 },
      }).addTo(this.highlightGroup);
    }
    if (focus.length) {
      geoJsonLayer(featureCollection(focus), {
        renderer: this.hlRenderer, interactive: false,
        style: { color: '#ce0500', weight: 2, fill: true, fillColor: '#ce0500', fillOpacity: 0.14 },
      }).addTo(this.highlightGroup);
    }
    if (point) {
      L.circleMarker(point, {
        renderer: this.hlRenderer, interactive: false, radius: 7, weight: 3, color: '#fff', fillColor: '#ce0500', fillOpacity: 1,
      }).addTo(this.highlightGroup);
    }
  }

  /** The generalised features of `layer` with the given ids, inside `bbox`, at `zoom`. */
  async featuresById(layer, ids, bbox, zoom) {
    const z = Math.min(MAX_ZOOM_PARAM, Math.max(2, Math.round(zoom)));
    const pad = 0.01;
    const box = [bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad];
    const data = await api.layer(layer, z, box);
    const wanted = new Set(ids.map(String));
    return data.features.filter((f) => wanted.has(String(f.properties.id)))
      .map((f) => ({ ...f, properties: { layer, ...f.properties } }));
  }
}
