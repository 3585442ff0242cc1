// @ts-check
// How each layer is drawn, from the catalogue's styles (/api/layers): one definition per layer, in
// legend order, and the base map under them (the régions' outline, the départements' land). The page
// holds only the defaults for a layer the catalogue gives no style.

import {
  adminLayers, divisionLayer, featureClass, layerSingular, legendClasses, legendRank, otherClass,
} from '../catalog.js';

/** @typedef {import('../api.js').LayerEntry} LayerEntry */
/**
 * @typedef {{label: string, cls?: string, fill?: string, stroke: string, opacity?: number, dash?: boolean,
 *   line?: boolean, thin?: boolean}} LegendEntry one swatch of the legend
 * @typedef {object} LayerDef how one layer is drawn
 * @property {string} id
 * @property {number} z the z-index of its pane
 * @property {number} [minZoom]
 * @property {boolean} defaultOn
 * @property {(f?: GeoJSON.Feature) => L.PathOptions} style
 * @property {() => LegendEntry[]} legend
 * @property {string} [key] the busy-set key, for a base-map layer that shares its id with an overlay
 * @property {string} [pane] a base-map layer's own pane
 */

/** How a layer without a style in the catalogue is drawn. */
const DEFAULT_STYLE = { color: '#4a4a4a', weight: 1.2, fillColor: '#9a9a9a', fillOpacity: 0.14 };
/** Stacking of the layers without a `z`: under the overlays, over the régions. */
const DEFAULT_Z = 434;
/** Under this width, a limit is drawn thin in the legend too. */
const THIN_WIDTH = 0.8;

/**
 * Leaflet's options for a catalogue style. With `tiles` (a raster basemap under the layers), an opaque
 * fill would hide it: the layer keeps its outline only.
 * @param {import('../api.js').LayerStyle} s
 * @param {boolean} tiles
 * @returns {L.PathOptions}
 */
function pathOptions(s, tiles) {
  const filled = !!s.fill && !(tiles && (s.opacity ?? 1) >= 1);
  return {
    color: s.stroke, weight: s.width ?? DEFAULT_STYLE.weight, dashArray: s.dash || null,
    fill: filled, fillColor: s.fill || undefined, fillOpacity: s.opacity ?? 1,
  };
}

/**
 * A layer coloured by its legend classes (the Pays' `status`), dashed where the class says so.
 * @param {LayerEntry} l
 * @returns {Pick<LayerDef, 'style' | 'legend'>}
 */
function classStyle(l) {
  const base = { weight: l.style?.width ?? 1.4, fillOpacity: l.style?.opacity ?? 0.3 };
  return {
    style: (f) => {
      const c = featureClass(l.id, f?.properties) || { ...otherClass(), dashed: false };
      return { ...base, color: c.stroke, fillColor: c.fill, dashArray: c.dashed ? '5 4' : null };
    },
    legend: () => legendClasses(l.id).map((c) => ({
      label: c.label, cls: c.value, fill: c.fill, stroke: c.stroke, dash: c.dashed, opacity: base.fillOpacity,
    })),
  };
}

/**
 * @param {LayerEntry} l
 * @param {boolean} tiles
 * @returns {Pick<LayerDef, 'style' | 'legend'>}
 */
function drawing(l, tiles) {
  if (legendClasses(l.id).length) return classStyle(l);
  const s = l.style;
  if (!s?.stroke) {
    return {
      style: () => ({ ...DEFAULT_STYLE }),
      legend: () => [{ label: layerSingular(l.id), fill: DEFAULT_STYLE.fillColor, stroke: DEFAULT_STYLE.color, opacity: DEFAULT_STYLE.fillOpacity }],
    };
  }
  const label = s.legend || layerSingular(l.id);
  const entry = s.fill
    ? { label, fill: s.fill, stroke: s.stroke, opacity: s.opacity ?? 1, dash: !!s.dash }
    : { label, stroke: s.stroke, line: true, thin: (s.width ?? 1) < THIN_WIDTH };
  return { style: () => pathOptions(s, tiles), legend: () => [entry] };
}

/**
 * The drawable layers: one definition per layer of the catalogue, in legend order.
 * @param {import('../api.js').Catalog | null} catalog
 * @param {{tiles?: boolean}} [options]
 * @returns {LayerDef[]}
 */
export function buildLayerDefs(catalog, { tiles = false } = {}) {
  const ordered = [...(catalog?.layers || [])].sort((a, b) => legendRank(a.id) - legendRank(b.id));
  return ordered.map((l, i) => ({
    id: l.id,
    z: l.style?.z ?? Math.max(421, DEFAULT_Z - i),
    minZoom: l.style?.min_zoom ?? undefined,
    defaultOn: !!l.style?.default_on,
    ...drawing(l, tiles),
  }));
}

/**
 * The base map, under every layer and tied to no toggle: the national outline (a wide stroke of the
 * régions, whose inner half the land then covers) and the land with the département borders.
 * With a raster basemap (`tiles`), only the borders.
 * @param {{tiles?: boolean}} [options]
 * @returns {LayerDef[]}
 */
export function baseDefs({ tiles = false } = {}) {
  const outline = divisionLayer('region');
  const land = divisionLayer('departement');
  /** @type {LayerDef[]} */
  const defs = [];
  if (outline) {
    defs.push({
      id: outline, key: 'base-outline', pane: 'pane-base-outline', z: 250, defaultOn: true, legend: () => [],
      style: () => ({ color: '#5c5c5c', weight: tiles ? 1.8 : 4, fill: false, lineJoin: 'round' }),
    });
  }
  if (land) {
    defs.push({
      id: land, key: 'base-land', pane: 'pane-base-land', z: 260, defaultOn: true, legend: () => [],
      style: () => (tiles
        ? { color: '#8c8c8c', weight: 0.8, fill: false }
        : { color: '#a9a497', weight: 0.8, fillColor: '#f4f1e8', fillOpacity: 1 }),
    });
  }
  return defs;
}

/** The layers whose names the base map gives (régions, départements): never asked as features. */
export const namedByBaseMap = () => adminLayers();
