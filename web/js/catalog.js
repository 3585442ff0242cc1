// @ts-check
// The layers as the catalogue (/api/layers) describes them: titles, singular names, "none" texts,
// legends, carriers, and what each is to the page (its role, its division, its style). Loaded once
// at start-up by each page; every module asks here for "the EPCI layer" rather than naming it.

/** @typedef {import('./api.js').Catalog} Catalog */
/** @typedef {import('./api.js').LayerEntry} LayerEntry */
/** @typedef {import('./api.js').LayerRole} LayerRole */

/** @type {Map<string, LayerEntry>} */
const layerCatalog = new Map();
let territories = '';
/** @type {{fill: string, stroke: string}} */
let unclassed = { fill: '#9a9a9a', stroke: '#4a4a4a' };

/**
 * Keeps the catalogue's layers (in the catalogue's order).
 * @param {Catalog | null | undefined} catalog
 */
export function setCatalog(catalog) {
  layerCatalog.clear();
  for (const l of catalog?.layers || []) layerCatalog.set(l.id, l);
  territories = catalog?.territories_layer || '';
  if (catalog?.unclassed) unclassed = catalog.unclassed;
}

/** @param {string} id the catalogue entry of a layer, or undefined */
export const layerInfo = (id) => layerCatalog.get(id);
/** Ids of the catalogue's layers, in its order. */
export const layerIds = () => [...layerCatalog.keys()];
/** @param {string} id "Pays et PETR", "CRTE"… (the id when the catalogue does not know the layer) */
export const layerTitle = (id) => layerCatalog.get(id)?.title || id;
/** @param {string} id "Pays / PETR", "Commune"… */
export const layerSingular = (id) => layerCatalog.get(id)?.singular || layerTitle(id);
/** @param {string} id what to say where a point has no feature of the layer: "Aucun CRTE" */
export const layerNone = (id) => layerCatalog.get(id)?.none || `Aucun objet de la couche « ${layerTitle(id)} »`;
/**
 * A property value as the page says it: the catalogue's French wording (`display`), else as given.
 * @param {string} id
 * @param {any} value
 */
export const shown = (id, value) => layerCatalog.get(id)?.display?.[value] || value;

// ---------------------------------------------------------------------------------------------
// Roles: what a layer is to the page.

/** @param {string} id */
export const roleOf = (id) => layerCatalog.get(id)?.role;

/**
 * The ids of the layers of a role, in the catalogue's order.
 * @param {LayerRole} role
 */
export const layersOfRole = (role) => [...layerCatalog.values()].filter((l) => l.role === role).map((l) => l.id);

/** The EPCI layer, or '' when the catalogue has none. */
export const epciLayer = () => layersOfRole('epci')[0] || '';
/** The communes layer, or ''. */
export const communesLayer = () => layersOfRole('communes')[0] || '';
/** @param {string} id */
export const isEpciLayer = (id) => roleOf(id) === 'epci';
/** @param {string} id */
export const isCommunesLayer = (id) => roleOf(id) === 'communes';
/** The départements and régions, in the catalogue's order. */
export const adminLayers = () => layersOfRole('admin');

/** The layer of territoires de projet (the Pays and PETR). */
export const territoriesLayer = () => territories;

/**
 * The administrative layer made of a division (`departement`, `region`), or ''.
 * @param {'departement' | 'region'} division
 */
export const divisionLayer = (division) => [...layerCatalog.values()].find((l) => l.division === division)?.id || '';

/**
 * Communes, départements and régions: kept out of the coverage selectors and the "other perimeters".
 * @param {string} id
 */
export const isAdministrative = (id) => isCommunesLayer(id) || roleOf(id) === 'admin';

/**
 * A layer whose features group whole EPCIs (a Pays, a SCoT): the EPCIs it overlaps are its members.
 * @param {string} id
 */
export const groupsEpci = (id) => (roleOf(id) === 'territories' || roleOf(id) === 'overlay')
  && layerCatalog.get(id)?.kind === 'commune-sets';

/** Legend order: the territoires de projet, the other perimeters, then the limits. */
const LEGEND_ORDER = ['territories', 'overlay', 'epci', 'communes', 'admin'];

/**
 * Where a layer comes in the legend (and the toggles): by its role, then in the catalogue's order.
 * @param {string} id
 */
export const legendRank = (id) => {
  const i = LEGEND_ORDER.indexOf(roleOf(id));
  return (i < 0 ? LEGEND_ORDER.length : i) * 1000 + layerIds().indexOf(id);
};

/** The layers drawn when the map opens. */
export const defaultLayers = () => [...layerCatalog.values()].filter((l) => l.style?.default_on).map((l) => l.id);

// ---------------------------------------------------------------------------------------------
// Legend classes and carriers.

/**
 * The colours of a feature whose value no class names (should not happen: the classes come from the
 * data). The catalogue's, like the classes' own colours, so that the page and the MapLibre style
 * (/api/style.json) agree.
 */
export const otherClass = () => unclassed;

/**
 * The legend classes of a layer with their colours (the catalogue gives them, in its class order).
 * @param {string} id
 * @returns {import('./api.js').LegendClass[]}
 */
export function legendClasses(id) {
  return layerCatalog.get(id)?.legend?.classes || [];
}

/**
 * The legend class of a feature's properties, or null when the layer has no legend or the value no class.
 * @param {string} id
 * @param {Record<string, any> | null | undefined} props
 */
export function featureClass(id, props) {
  const legend = layerCatalog.get(id)?.legend;
  if (!legend || !props) return null;
  const value = props[legend.property];
  return legendClasses(id).find((c) => c.value === value) || null;
}

/**
 * The carrying structure of a feature of a layer with a `carrier` (CRTE): {siren, name, kind} or null.
 * @param {string} id
 * @param {Record<string, any> | null | undefined} props
 */
export function carrierOf(id, props) {
  const names = layerCatalog.get(id)?.carrier;
  if (!names || !props) return null;
  return {
    siren: String(props[names.siren] ?? '').trim(),
    name: String(props[names.name] ?? '').trim(),
    kind: String(props[names.kind] ?? '').trim(),
  };
}
