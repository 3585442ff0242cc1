// @ts-check
// The panorama's maps: a static SVG (print.js) on screen and on paper alike, from the generalised
// layers. The territoires de projet are filled in their legend class's colours (the catalogue's), over
// the régions (national map) or the départements of one région.

import { api } from '../api.js';
import { html, int, raw } from '../lib/fmt.js';
import { divisionLayer, featureClass, legendClasses, otherClass, territoriesLayer } from '../catalog.js';
import { svgMap } from './print.js';

/** Width / height of the maps. */
const MAP_ASPECT = 1.15;
/** Generalisation of the national map and of a région's. */
const NATIONAL_ZOOM = 6;
const REGION_ZOOM = 8;

const CONTEXT = { stroke: '#9a9a9a', width: 0.8, fill: '#fbfaf5', fillOpacity: 1 };
const REGIONS = { stroke: '#3a3a3a', width: 1.2, fill: '#fbfaf5', fillOpacity: 1 };
const OUTLINE = { stroke: '#161616', width: 2.2 };
const OTHERS = { stroke: '#8a8a8a', width: 0.8, fill: '#d9d9d9', fillOpacity: 0.6 };

/**
 * One group per legend class of the territories layer, in its colours (dashed as the main map draws
 * it), in the legend's order; features of no class last.
 * @param {import('../api.js').LayerFeature[]} features
 */
function classGroups(features) {
  const layer = territoriesLayer();
  const classes = legendClasses(layer);
  const byClass = new Map(classes.map((c) => [c.value, /** @type {any[]} */ ([])]));
  const other = [];
  for (const f of features) {
    const c = featureClass(layer, f.properties);
    (c ? byClass.get(c.value) : other)?.push(f);
  }
  const groups = classes.map((c) => ({
    cls: `class-${c.value}`, label: c.label, features: byClass.get(c.value) || [],
    style: { stroke: c.stroke, width: 1.2, fill: c.fill, fillOpacity: 0.6, dash: c.dashed ? '5 3' : null },
  }));
  const o = otherClass();
  groups.push({ cls: 'class-other', label: 'Autre', features: other, style: { stroke: o.stroke, width: 1.2, fill: o.fill, fillOpacity: 0.6, dash: null } });
  return groups.filter((g) => g.features.length);
}

function swatch(s) {
  return raw(`<svg class="sw" width="26" height="14" aria-hidden="true" focusable="false"><rect x="1.5" y="1.5" width="23" height="11" fill="${s.fill || 'none'}" fill-opacity="${s.fill ? s.fillOpacity ?? 1 : 0}" stroke="${s.stroke}" stroke-width="${Math.min(s.width, 2.2)}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg>`);
}

/**
 * The legend: each class drawn, with how many territories it holds here.
 * @param {{label: string, features: any[], style: any}[]} groups
 * @param {{label: string, style: any}[]} [extra]
 */
function legend(groups, extra = []) {
  return html`<ul class="map-legend">${groups.map((g) => html`<li>${swatch(g.style)} ${g.label} (${int(g.features.length)})</li>`)}${extra.map((e) => html`<li>${swatch(e.style)} ${e.label}</li>`)}</ul>`;
}

/**
 * The national map: every territoire de projet over the régions, framed on the layer's extent.
 * @param {HTMLElement} box where the SVG goes
 * @param {HTMLElement} legendBox
 * @param {import('../api.js').LayerEntry} layer the catalogue's entry of the territories layer
 */
export async function drawNationalMap(box, legendBox, layer) {
  const bbox = layer.bbox;
  if (!bbox) return;
  const [own, regions] = await Promise.all([
    api.layer(layer.id, NATIONAL_ZOOM),
    api.layer(divisionLayer('region'), NATIONAL_ZOOM, bbox),
  ]);
  const groups = classGroups(own.features);
  const title = `Carte : les ${int(own.features.length)} territoires de la couche « ${layer.title} », colorés selon leur origine, sur les régions.`;
  box.innerHTML = svgMap([{ cls: 'regions', features: regions.features, style: REGIONS }, ...groups], bbox, { aspect: MAP_ASPECT, title });
  box.dataset.features = String(own.features.length);
  legendBox.innerHTML = legend(groups).html;
}

/**
 * A région's map: its territoires de projet (those holding most of their population in it) over its
 * départements, the région outlined, the territories of the régions around in grey.
 * @param {HTMLElement} box
 * @param {HTMLElement} legendBox
 * @param {{code: string, name: string, bbox: import('../api.js').Bbox}} region
 * @param {import('../api.js').LayerFeature[]} own the région's territories (generalised, from the layer)
 * @param {import('../api.js').LayerFeature[]} around the other territories in its frame
 */
export async function drawRegionMap(box, legendBox, region, own, around) {
  const b = region.bbox;
  const regionsLayer = divisionLayer('region');
  const [departements, regions] = await Promise.all([
    api.layer(divisionLayer('departement'), REGION_ZOOM, b),
    api.layer(regionsLayer, REGION_ZOOM, b),
  ]);
  const outline = regions.features.filter((f) => String(f.properties.id) === region.code);
  const groups = classGroups(own);
  const title = `Carte : les ${int(own.length)} territoires de projet de la région ${region.name}, colorés selon leur origine, sur ses départements ; en gris, ceux des régions voisines.`;
  box.innerHTML = svgMap([
    { cls: 'context', features: departements.features, style: CONTEXT },
    { cls: 'others', features: around, style: OTHERS },
    ...groups,
    { cls: 'outline', features: outline, style: OUTLINE },
  ], b, { aspect: MAP_ASPECT, title });
  box.dataset.features = String(own.length);
  legendBox.innerHTML = legend(groups, [
    ...(around.length ? [{ label: 'Territoires des régions voisines', style: OTHERS }] : []),
    { label: `Limite de la région ${region.name}`, style: { ...OUTLINE, fill: null } },
  ]).html;
}

export { REGION_ZOOM };
