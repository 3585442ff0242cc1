// @ts-check
// The map page's state in its URL hash, and back:
//   #carte=Z/LAT/LON&couches=a,b&sel=layer/id | &point=lat,lon &onglet=tab
//   &sim=SIREN,SIREN…&simbase=ID (the simulator's draft)
// Read and written with URLSearchParams; commas and slashes are left as they are, to keep it legible.

import { defaultLayers } from './catalog.js';

/** @typedef {{type: 'territory', layer: string, id: string} | {type: 'point', lat: number, lon: number}} Selection */
/** @typedef {{zoom: number, lat: number, lon: number}} View */

/**
 * @typedef {object} HashState
 * @property {View} [view]
 * @property {string[]} [layers] the layers switched on
 * @property {Selection | null} [selection]
 * @property {string} [tab] absent for the first tab
 * @property {{members: string[], base: string | null}} [sim]
 */

const NUMBER = '-?\\d+(?:\\.\\d+)?';
const VIEW = new RegExp(`^(${NUMBER})/(${NUMBER})/(${NUMBER})$`);
const POINT = new RegExp(`^(${NUMBER}),(${NUMBER})$`);
const LAYER_ID = /^[a-z0-9-]+$/;

/**
 * The state a hash gives. `knownLayer` keeps only the layers the page has (any well-formed id when
 * it does not know them yet); `tabs` the tab names.
 * @param {string} hash
 * @param {{knownLayer?: (id: string) => boolean, tabs: string[]}} options
 * @returns {HashState}
 */
export function readHash(hash, { knownLayer = (id) => LAYER_ID.test(id), tabs }) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  /** @type {HashState} */
  const out = {};
  const view = (params.get('carte') || '').match(VIEW);
  if (view && Number(view[1]) >= 0) out.view = { zoom: Number(view[1]), lat: Number(view[2]), lon: Number(view[3]) };
  if (params.has('couches')) out.layers = params.get('couches').split(',').filter(knownLayer);
  const sel = (params.get('sel') || '').match(/^([a-z0-9-]+)\/(.+)$/);
  if (sel && knownLayer(sel[1])) out.selection = { type: 'territory', layer: sel[1], id: sel[2] };
  const point = (params.get('point') || '').match(POINT);
  if (point) out.selection = { type: 'point', lat: Number(point[1]), lon: Number(point[2]) };
  if (tabs.includes(params.get('onglet'))) out.tab = params.get('onglet');
  out.sim = {
    members: (params.get('sim') || '').split(',').map((s) => s.trim()).filter(Boolean),
    base: params.get('simbase') || null,
  };
  return out;
}

/**
 * The map with a feature selected, its layer drawn over the default ones.
 * @param {string} layer
 * @param {string} id
 */
export function mapUrl(layer, id) {
  const layers = [...new Set([...defaultLayers(), layer])];
  return `/${hashOf({ layers, selection: { type: 'territory', layer, id } })}`;
}

/**
 * The hash of a state, `#` included.
 * @param {HashState} state
 */
export function hashOf({ view, layers, selection, tab, sim }) {
  const params = new URLSearchParams();
  if (view) params.set('carte', `${view.zoom}/${view.lat.toFixed(5)}/${view.lon.toFixed(5)}`);
  if (layers) params.set('couches', layers.join(','));
  if (selection?.type === 'territory') params.set('sel', `${selection.layer}/${selection.id}`);
  if (selection?.type === 'point') params.set('point', `${selection.lat.toFixed(5)},${selection.lon.toFixed(5)}`);
  if (tab) params.set('onglet', tab);
  if (sim?.members.length) params.set('sim', sim.members.join(','));
  if (sim?.base) params.set('simbase', sim.base);
  return `#${params.toString().replaceAll('%2C', ',').replaceAll('%2F', '/')}`;
}
