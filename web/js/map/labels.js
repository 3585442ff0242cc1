// @ts-check
// Place names on the map, as HTML text (not painted into a canvas): the names /api/labels gives for
// the view (régions or départements, towns by rank, the shown layers' territories at their label
// point), placed best first, each skipped when its box would touch one already placed. The selected
// territory's name and its members' names come first. Decorative: the data is in the panels.

import { api, frenchMessage, isAbort } from '../api.js';
import { namedByBaseMap } from './styles.js';

/* global L */

/** Labels on screen at most: a desktop map, and a narrow (phone) one. */
export const LABEL_BUDGET = { wide: 150, narrow: 50 };
/** Empty room kept around every label, in pixels. */
const GAP = 3;

/** Font of each kind of label: size (px), weight, style, and the CSS class(es) that colour it. */
function labelStyle(c, zoom) {
  switch (c.kind) {
    case 'selected': return { size: 14, weight: 700, cls: 'selected' };
    case 'member': return { size: 12, weight: 600, cls: 'member' };
    case 'region': return { size: zoom <= 5 ? 11 : 12.5, weight: 700, cls: 'region' };
    case 'departement': return { size: 11.5, weight: 600, cls: 'departement' };
    case 'feature': return { size: 11, weight: 600, style: 'italic', cls: 'feature' };
    default: break;
  }
  if (c.seat === 'regional-prefecture') return { size: 14, weight: 700, cls: 'town town-seat' };
  if (c.seat === 'prefecture') return { size: 13, weight: 700, cls: 'town town-seat' };
  if (c.seat === 'sous-prefecture') return { size: 12, weight: 600, cls: 'town' };
  if (c.population >= 50000) return { size: 12, weight: 600, cls: 'town' };
  return { size: 11.5, weight: 400, cls: 'town town-small' };
}

const boxesTouch = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/**
 * Names placed before the others, in red (`selected`) or blue (`member`): each feature at the server's
 * label point (its `label` member, `[lon, lat]`, inside it). `layer` when the features do not say theirs.
 * @param {'selected' | 'member'} kind
 * @param {GeoJSON.Feature[]} features
 * @param {string} [layer]
 */
export function namedFeatures(kind, features, layer) {
  return features.flatMap((f) => {
    /** @type {[number, number] | undefined} */
    const at = /** @type {any} */ (f).label;
    const name = f.properties?.name;
    return at && name ? [{ kind, text: name, lat: at[1], lon: at[0], layer: layer || f.properties.layer, id: f.properties.id }] : [];
  });
}

/**
 * What the labels need of the map they name: the main map's LayerManager, or the portrait's few layers.
 * @typedef {object} LabelSource
 * @property {() => string[]} drawn the layers on the map now (their features are named)
 * @property {(key: string, on: boolean) => void} loading the labels are (or no longer are) loading
 * @property {(message: string) => void} [onError]
 */

/**
 * A name as placed: its point, its offset from it in pixels, its font, and its element on the map.
 * @typedef {{text: string, lat: number, lon: number, dx: number, dy: number, size: number, weight: number,
 *   style: string, element: HTMLElement}} PlacedLabel
 */

export class PlaceLabels {
  /**
   * @param {L.Map} map
   * @param {LabelSource} manager
   * @param {object} [options]
   * @param {{wide: number, narrow: number}} [options.budget] most labels on screen (a smaller map, fewer)
   * @param {(candidates: any[]) => any[]} [options.order] the order of placement, best first, of the
   *   candidates as given: the priority names, then the view's in the server's order
   * @param {(placed: PlacedLabel[]) => void} [options.onPlaced] told the names placed after each layout
   *   (the portrait copies them onto its printed map)
   */
  constructor(map, manager, { budget = LABEL_BUDGET, order = (candidates) => candidates, onPlaced } = {}) {
    this.map = map;
    this.manager = manager;
    this.budget = budget;
    this.order = order;
    this.onPlaced = onPlaced;
    const pane = map.createPane('pane-labels');
    pane.style.zIndex = '560';
    pane.style.pointerEvents = 'none';
    pane.setAttribute('aria-hidden', 'true');
    this.group = L.layerGroup().addTo(map);
    this.data = [];
    this.priority = [];
    this.controller = null;
    this.timer = null;
    this.layersKey = '';
    this.canvas = document.createElement('canvas').getContext('2d');
    this.family = null;
    map.on('moveend', () => {
      this.layout();
      this.schedule();
    });
    map.on('resize', () => this.layout());
  }

  /** The layers drawn now whose features get labels (communes: every name in view). */
  featureLayers() {
    // Régions and départements are named by the base map; the communes are asked, so that once their
    // outlines are drawn the server offers every commune's name.
    const named = namedByBaseMap();
    return this.manager.drawn().filter((id) => !named.includes(id));
  }

  /** Called when the drawn layers may have changed: fetch again if the set did. */
  layersChanged() {
    const key = this.featureLayers().join(',');
    if (key === this.layersKey) return;
    this.layersKey = key;
    this.schedule();
  }

  /** A fetch for the view, debounced; the labels count as loading until it is laid out. */
  schedule(delay = 200) {
    clearTimeout(this.timer);
    this.manager.loading('labels', true);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fetch();
    }, delay);
  }

  async fetch() {
    const map = this.map;
    const zoom = Math.max(0, Math.min(18, Math.round(map.getZoom())));
    const b = map.getBounds();
    const bbox = [
      Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth()),
    ].map((v) => v.toFixed(3)).join(',');
    const layers = this.featureLayers();
    this.layersKey = layers.join(',');
    const params = new URLSearchParams({ zoom: String(zoom), bbox });
    if (layers.length) params.set('layers', layers.join(','));
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      const answer = await api.labels(params.toString(), { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.data = answer.labels || [];
      this.layout();
    } catch (e) {
      if (!isAbort(e)) this.manager.onError?.(`Les noms de lieux n’ont pas pu être chargés : ${frenchMessage(e)}`);
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        // Still loading when another fetch is already scheduled.
        if (!this.timer) this.manager.loading('labels', false);
      }
    }
  }

  /** Names placed before any other: `[{text, lat, lon, kind: 'selected'|'member', layer, id}]`. */
  setPriority(list) {
    this.priority = list;
    this.layout();
  }

  /** Text width in pixels, with the page's font. */
  measure(text, s) {
    if (!this.family) this.family = getComputedStyle(this.map.getContainer()).fontFamily || 'sans-serif';
    this.canvas.font = `${s.style || 'normal'} ${s.weight} ${s.size}px ${this.family}`;
    return this.canvas.measureText(text).width;
  }

  /** Screen boxes no label may cover: the map's controls (zoom buttons, legend, scale, credits). */
  obstacles() {
    const container = this.map.getContainer();
    const origin = container.getBoundingClientRect();
    return [...container.querySelectorAll('.leaflet-control')].map((el) => {
      const r = el.getBoundingClientRect();
      return { x1: r.left - origin.left, y1: r.top - origin.top, x2: r.right - origin.left, y2: r.bottom - origin.top };
    }).filter((r) => r.x2 > r.x1 && r.y2 > r.y1);
  }

  /** Places the candidates best first, skipping any that would overlap, up to the budget. */
  layout() {
    const map = this.map;
    const size = map.getSize();
    if (!size.x || !size.y) return;
    const zoom = Math.round(map.getZoom());
    const budget = size.x < 600 ? this.budget.narrow : this.budget.wide;
    const taken = this.obstacles();
    // A name already given by the selection is not repeated (same id, or the same text).
    const seen = new Set(this.priority.flatMap((c) => [`${c.layer}:${c.id}`, `t:${c.text}`]));
    const placed = [];
    for (const c of this.order([...this.priority, ...this.data])) {
      if (placed.length >= budget) break;
      const key = `${c.layer}:${c.id}`;
      const mine = c.kind === 'selected' || c.kind === 'member';
      if (!mine && (seen.has(key) || seen.has(`t:${c.text}`))) continue;
      const s = labelStyle(c, zoom);
      const text = c.kind === 'departement' ? `${c.text} (${c.id})` : c.text;
      const p = map.latLngToContainerPoint([c.lat, c.lon]);
      const w = this.measure(text, s) + 2;
      const h = s.size * 1.2;
      // A town's name may sit beside its point when centred on it would touch another name; an area's
      // name (région, département, territory) only a line above or below its label point.
      const shifts = c.kind === 'town' || c.kind === 'selected' || c.kind === 'member'
        ? [[0, 0], [0, -h], [0, h], [w / 2 + 6, 0], [-w / 2 - 6, 0]]
        : [[0, 0], [0, -h], [0, h]];
      for (const [dx, dy] of shifts) {
        const x = p.x + dx;
        const y = p.y + dy;
        const box = { x1: x - w / 2 - GAP, x2: x + w / 2 + GAP, y1: y - h / 2 - GAP, y2: y + h / 2 + GAP };
        if (box.x1 < 0 || box.y1 < 0 || box.x2 > size.x || box.y2 > size.y) continue;
        if (taken.some((t) => boxesTouch(t, box))) continue;
        taken.push(box);
        placed.push({ c, s, text, dx, dy });
        break;
      }
    }
    this.group.clearLayers();
    /** @type {PlacedLabel[]} */
    const shown = [];
    for (const { c, s, text, dx, dy } of placed) {
      // Styled through the CSSOM, not a style attribute, which the page's Content-Security-Policy refuses.
      const span = document.createElement('span');
      span.style.fontSize = `${s.size}px`;
      span.style.fontWeight = String(s.weight);
      span.style.fontStyle = s.style || 'normal';
      if (dx || dy) span.style.transform = `translate(calc(-50% + ${dx.toFixed(1)}px), calc(-50% + ${dy.toFixed(1)}px))`;
      Object.assign(span.dataset, { kind: c.kind, layer: c.layer, id: c.id });
      span.textContent = text;
      L.marker([c.lat, c.lon], {
        pane: 'pane-labels',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: `map-label map-label-${s.cls.split(' ').join(' map-label-')}`,
          html: span,
          iconSize: null,
        }),
      }).addTo(this.group);
      shown.push({ text, lat: c.lat, lon: c.lon, dx, dy, size: s.size, weight: s.weight, style: s.style || 'normal', element: span });
    }
    this.count = placed.length;
    this.onPlaced?.(shown);
  }
}
