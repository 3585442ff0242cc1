// @ts-check
// Thin client for the territoires API: same origin only, JSON errors turned into exceptions. The
// typedefs below are the answers the page reads (fields it does not read are left out).

import { layerTitle } from './catalog.js';

/**
 * @typedef {[number, number, number, number]} Bbox [minlon, minlat, maxlon, maxlat]
 * @typedef {{name: string, vintage: string, licence: string}} Source
 * @typedef {Record<string, any>} Properties a feature's attributes, as the catalogue names them
 */

/**
 * @typedef {{value: string, label: string, features: number, dashed: boolean, fill: string, stroke: string}} LegendClass
 *   a legend class, with the colours the map draws it in
 * @typedef {{property: string, classes: LegendClass[]}} Legend
 * @typedef {{siren: string, name: string, kind: string}} CarrierFields the properties naming a carrier
 * @typedef {'territories' | 'epci' | 'communes' | 'admin' | 'overlay'} LayerRole what a layer is to the page
 * @typedef {object} LayerStyle how the map draws a layer; null: the page's default
 * @property {string | null} stroke
 * @property {number | null} width
 * @property {string | null} fill
 * @property {number | null} opacity of the fill
 * @property {string | null} dash SVG dash array
 * @property {number | null} z stacking order
 * @property {boolean} default_on
 * @property {number | null} min_zoom
 * @property {string | null} legend the legend's words
 * @typedef {{property: string, label: string, in_lists: boolean}} Field a property a card shows
 * @typedef {object} LayerEntry one layer of /api/layers
 * @property {string} id
 * @property {string} title
 * @property {string} singular
 * @property {string} none what a point without a feature of the layer says
 * @property {string} description
 * @property {boolean} searchable
 * @property {string} kind how its features are made: of communes, of sets of communes, or polygons
 * @property {LayerRole} role
 * @property {'departement' | 'region' | null} division the division an administrative layer is made of
 * @property {LayerStyle} style
 * @property {Field[]} fields
 * @property {string | null} note a caveat said with its features
 * @property {boolean} carried_by_territories a territoire de projet may carry its features
 * @property {Legend | null} legend
 * @property {CarrierFields | null} carrier
 * @property {Record<string, string> | null} display French wording of property values
 * @property {number} features
 * @property {Bbox | null} bbox
 * @property {string} source
 * @property {string} vintage
 * @property {string} licence
 * @typedef {{layers: LayerEntry[], territories_layer?: string, vintage?: string, unclassed?: {fill: string, stroke: string}}} Catalog
 * @typedef {{tiles_url: string | null, compares_with_previous: boolean, vintage?: string}} Config
 */

/**
 * @typedef {Properties & {id: string, name: string, approximate?: boolean, population?: number, area_km2?: number}} LocatedFeature
 * @typedef {{layer: string, title: string, source: Source, features: LocatedFeature[]}} LocatedLayer
 * @typedef {{lat: number, lon: number, layers: LocatedLayer[], vintage: string}} Location
 */

/**
 * @typedef {{id: string, name: string, shared_communes?: number, unknown?: boolean}} OverlayItem
 * @typedef {object} Territory /api/territories/{layer}/{id}
 * @property {string} layer
 * @property {string} id
 * @property {string} name
 * @property {Properties} properties
 * @property {number} population
 * @property {number} area_km2
 * @property {Bbox | null} bbox
 * @property {{code: string, name: string, population: number}[]} communes
 * @property {Record<string, OverlayItem[]>} overlays the features of the other layers it overlaps
 * @property {Source} source
 * @property {string} vintage
 * @property {GeoJSON.Geometry} [geometry] with `?geometry=true`
 */

/**
 * @typedef {{id: string, title: string, singular: string}} LayerRef
 * @typedef {{code: string, name: string, communes: number, division_communes: number, population: number,
 *   population_pct: number, area_km2: number, area_pct: number}} DivisionShare
 * @typedef {{id: string, name: string, communes: number, population: number, area_km2: number,
 *   total_communes: number, whole: boolean, declared: boolean}} MemberEpci
 * @typedef {{code: string, name: string, epci: string | null, epci_name: string | null, population: number,
 *   area_km2: number}} MemberCommune
 * @typedef {{id: string, name: string, relation: string, territory_area_pct: number, feature_area_pct: number,
 *   carried_by_territory?: boolean, carrier?: Record<string, string>, provenance?: Record<string, string>}} Related
 * @typedef {{layer: LayerRef, none: string, source: Source, covered_communes: number, covered_area_pct: number,
 *   covered_population_pct: number, carrier?: CarrierFields, features: Related[]}} LayerRelation
 * @typedef {object} Portrait /api/portrait/{layer}/{id}
 * @property {LayerRef} layer
 * @property {string} id
 * @property {string} name
 * @property {Properties} properties
 * @property {Record<string, string>} provenance
 * @property {{population: number, area_km2: number, density_per_km2: number | null, communes: number,
 *   communes_without_geometry: number, epci: number}} figures
 * @property {Bbox | null} bbox
 * @property {DivisionShare[]} departements
 * @property {DivisionShare[]} regions
 * @property {{epci: MemberEpci[], communes: MemberCommune[], unknown: string[]}} members
 * @property {LayerRelation[]} layers
 * @property {{id: string, name: string, population: number}[]} neighbours
 * @property {{portrait: string, territory: string, members_csv: string, members_geojson: string}} links
 * @property {Source} source
 * @property {Source} denominators_source
 * @property {string} vintage
 */

/**
 * @typedef {{kind: string, code?: string | null, name: string}} Scope
 * @typedef {object} CoverageFigures
 * @property {number} features
 * @property {number} communes
 * @property {number} communes_covered
 * @property {number} area_km2
 * @property {number} covered_area_km2
 * @property {number} covered_area_pct
 * @property {number} population
 * @property {number} covered_population
 * @property {number} covered_population_pct
 * @typedef {CoverageFigures & {code: string, name: string}} BreakdownRow
 * @typedef {CoverageFigures & {layer: string, scope: Scope, method: string, source: Source,
 *   denominators_source: Source, breakdown?: BreakdownRow[], vintage: string}} Coverage
 * @typedef {{layer: string, title: string, covered_area_km2: number, covered_population: number,
 *   area_also_in_other_pct: number, population_also_in_other_pct: number, source: Source}} OverlapSide
 * @typedef {{a: OverlapSide, b: OverlapSide, both: {communes: number, area_km2: number, population: number},
 *   scope: Scope, denominators_source: Source, vintage: string}} Overlap
 */

/**
 * GET /api/diff: `regions` are the INSEE codes of the régions a territory's communes lie in.
 * @typedef {{vintage: string, source: Source}} Edition
 * @typedef {{id: string, name: string, regions: string[]}} DiffTerritory
 * @typedef {{code: string, name: string}} DiffMember
 * @typedef {DiffTerritory & {epci_joined: DiffMember[], epci_left: DiffMember[], communes_joined: DiffMember[],
 *   communes_left: DiffMember[]}} MembersChange
 * @typedef {{communes_covered: number, covered_area_km2: number, covered_area_pct: number, covered_population: number,
 *   covered_population_pct: number}} CoveredFigures
 * @typedef {{code: string, name: string, old: CoveredFigures, new: CoveredFigures, area_km2_change: number,
 *   population_change: number, area_pct_change: number, population_pct_change: number}} ScopeChange
 * @typedef {object} Diff
 * @property {string} layer
 * @property {Edition} from
 * @property {Edition} to
 * @property {DiffTerritory[]} added
 * @property {DiffTerritory[]} removed
 * @property {{id: string, old_name: string, new_name: string, regions: string[]}[]} renamed
 * @property {MembersChange[]} members
 * @property {{national: ScopeChange, regions: ScopeChange[]}} coverage
 * @property {string} vintage
 */

/**
 * @typedef {{layer: string, id: string, name: string, population?: number, note?: string,
 *   pays?: {id: string, name: string}[], bbox?: Bbox | null}} SearchResult
 * @typedef {{query: string, results: SearchResult[], vintage: string}} SearchResults
 * @typedef {{text: string, lat: number, lon: number, kind: string, layer: string, id: string, seat?: string,
 *   population?: number}} Label
 * @typedef {{zoom: number, labels: Label[], vintage: string}} Labels
 */

/**
 * @typedef {{siren: string, name: string}} EpciRef
 * @typedef {EpciRef & {population: number, communes: number, area_km2: number}} DraftEpci
 * @typedef {object} Checks the four conditions of a PETR (CGCT art. L5741-1), by code
 * @property {{ok: boolean, not_epci: (EpciRef & {layer: string, layer_title: string})[]}} members_are_epci
 * @property {{ok: boolean, parts: EpciRef[][]}} contiguous
 * @property {{ok: boolean, enclaves: {epci: EpciRef[], population: number}[]}} no_enclave
 * @property {{ok: boolean, members: (EpciRef & {territory: {layer: string, id: string, name: string,
 *   kind: string | null}})[]}} epci_in_other_petr
 * @typedef {{id: string, name: string, shared_communes: number, share_of_draft_area_pct: number,
 *   coincides: boolean, carrier?: {siren: string, name: string, kind: string}}} MetFeature
 * @typedef {{layer: string, title: string, features: MetFeature[]}} Meets
 * @typedef {{covered_area_pct: number, covered_population: number, covered_population_pct: number}} Share
 * @typedef {{layer: string, title: string, scopes: {scope: Scope, before: Share, after: Share}[]}} CoverageChange
 * @typedef {object} Simulation POST /api/simulate
 * @property {DraftEpci[]} epci
 * @property {{epci: number, communes: number, population: number, area_km2: number}} figures
 * @property {Checks} checks
 * @property {Meets[]} meets
 * @property {CoverageChange} coverage
 * @property {GeoJSON.MultiPolygon | null} geometry
 * @property {number} zoom
 * @property {string} vintage
 * @typedef {{epci: string[], replaces?: string | null, zoom?: number}} DraftRequest
 */

/**
 * @typedef {GeoJSON.Feature<GeoJSON.Polygon | GeoJSON.MultiPolygon, Properties> & {label?: [number, number]}} LayerFeature
 *   `label`: where a map writes its name, `[lon, lat]`, inside it
 * @typedef {{type: 'FeatureCollection', features: LayerFeature[], metadata?: {layer: string, zoom: number}}} LayerCollection
 *   /api/layers/{id}.geojson
 */

/**
 * @typedef {{signal?: AbortSignal, memoise?: boolean}} FetchOptions
 * @typedef {object} ErrorDetails the values behind an error (`error.details`), by code
 * @property {string[]} [sirens] unknown_members, duplicate_members: the SIRENs at fault
 * @property {string} [layer] an unknown layer, or the layer of an unknown feature
 * @property {string} [id] an unknown feature
 * @property {number} [members] bad_draft: how many members the draft has
 * @property {number} [max] bad_draft: the most it may have
 */

export class ApiError extends Error {
  /**
   * `message` is the server's (English) text; `code`, `parameter` and `details` are stable and say it
   * in French.
   * @param {number} status
   * @param {string} message
   * @param {string} [code]
   * @param {string} [parameter]
   * @param {ErrorDetails} [details]
   */
  constructor(status, message, code = '', parameter = '', details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.parameter = parameter;
    this.details = details;
  }
}

/**
 * An unknown feature, when the error names it: "« 999 » n’existe pas dans la couche « Pays et PETR »".
 * @param {ErrorDetails} d
 */
const unknownFeature = (d) => (d.id && d.layer ? ` : « ${d.id} » n’existe pas dans la couche « ${layerTitle(d.layer)} »` : '');

/**
 * What went wrong, in French, for the page: from the error's stable code and details, never its
 * English text.
 * @param {unknown} e
 */
export function frenchMessage(e) {
  if (e instanceof TypeError) return 'le serveur ne répond pas (connexion interrompue ?)';
  if (!(e instanceof ApiError)) return 'erreur inconnue';
  const param = e.parameter ? ` (paramètre « ${e.parameter} »)` : '';
  const d = e.details;
  const sirens = (d.sirens || []).join(', ');
  switch (e.code) {
    case 'bad_parameter': return `la demande a été refusée${unknownFeature(d) || ' : valeur non valable'}${param}`;
    case 'not_found': return 'introuvable sur ce serveur';
    case 'bad_body': return 'le fichier envoyé n’a pas pu être lu : il faut un CSV avec des colonnes « lat » et « lon » (ou « latitude » et « longitude »), ou une collection GeoJSON de points';
    case 'payload_too_large': return 'le fichier dépasse la taille que ce serveur accepte';
    case 'busy': return 'le serveur traite déjà d’autres fichiers : réessayez dans quelques secondes';
    case 'rate_limited': return 'trop de demandes en peu de temps : réessayez dans quelques secondes';
    case 'unsupported_media_type': return 'format non pris en charge : envoyez un CSV ou un GeoJSON';
    case 'not_acceptable': return 'le serveur ne sait pas répondre dans le format demandé';
    case 'method_not_allowed': return 'opération non permise à cette adresse';
    case 'unknown_members': return `SIREN inconnu parmi les EPCI de la carte : ${sirens}`;
    case 'duplicate_members': return `EPCI présent deux fois : ${sirens}`;
    case 'bad_draft': return d.members
      ? `un projet compte au plus ${d.max} EPCI (celui-ci en a ${d.members})`
      : 'le projet ne compte aucun EPCI';
    default: return e.status ? `le serveur a répondu par une erreur ${e.status}` : 'erreur inconnue';
  }
}

/** @type {Map<string, Promise<any>>} */
const memo = new Map();

/**
 * The JSON body of a response, or an ApiError from the server's `{error: {code, message, parameter, details}}`.
 * @param {Response} response
 * @returns {Promise<any>}
 */
export async function parse(response) {
  if (response.ok) return response.json();
  let message = `${response.status} ${response.statusText}`;
  let code = '';
  let parameter = '';
  let details = {};
  try {
    const body = await response.json();
    if (body?.error?.message) message = body.error.message;
    code = body?.error?.code || '';
    parameter = body?.error?.parameter || '';
    details = body?.error?.details || {};
  } catch { /* not JSON */ }
  throw new ApiError(response.status, message, code, parameter, details);
}

/**
 * GET a JSON document. With `memoise` (default), the promise is kept so that a second caller shares
 * the first request. A `signal` aborts the request (and forgets it).
 * @param {string} url
 * @param {FetchOptions} [options]
 * @returns {Promise<any>}
 */
export function getJSON(url, { signal, memoise = true } = {}) {
  if (memoise && memo.has(url)) return memo.get(url);
  const promise = fetch(url, { signal, headers: { Accept: 'application/json' } }).then(parse);
  if (memoise) {
    memo.set(url, promise);
    promise.catch(() => memo.delete(url));
  }
  return promise;
}

/** @param {unknown} e */
export const isAbort = (e) => e instanceof Error && e.name === 'AbortError';

/** @param {Record<string, string>} params */
const q = (params) => new URLSearchParams(params).toString();

export const api = {
  /** @returns {Promise<Config>} */
  config: () => getJSON('/api/config'),
  /** @returns {Promise<Catalog>} */
  catalog: () => getJSON('/api/layers'),
  /** @returns {Promise<any>} the indicators' rows (indicators.js reads them) */
  indicators: () => getJSON('/api/indicators'),
  /**
   * @param {number} lat
   * @param {number} lon
   * @param {FetchOptions} [opts]
   * @returns {Promise<Location>}
   */
  locate: (lat, lon, opts) => getJSON(`/api/locate?${q({ lat: lat.toFixed(6), lon: lon.toFixed(6) })}`, opts),
  /**
   * @param {string} text
   * @param {{limit?: number, signal?: AbortSignal}} [opts]
   * @returns {Promise<SearchResults>}
   */
  search: (text, { limit = 10, ...opts } = {}) => getJSON(`/api/search?${q({ q: text, limit: String(limit) })}`, { ...opts, memoise: false }),
  /**
   * @param {string} layer
   * @param {string} id
   * @param {FetchOptions} [opts]
   * @returns {Promise<Portrait>}
   */
  portrait: (layer, id, opts) => getJSON(`/api/portrait/${encodeURIComponent(layer)}/${encodeURIComponent(id)}`, opts),
  /**
   * @param {string} layer
   * @param {string} id
   * @param {FetchOptions & {geometry?: boolean}} [opts]
   * @returns {Promise<Territory>}
   */
  territory: (layer, id, { geometry = false, ...opts } = {}) => getJSON(
    `/api/territories/${encodeURIComponent(layer)}/${encodeURIComponent(id)}${geometry ? '?geometry=true' : ''}`,
    opts,
  ),
  /**
   * @param {string} layer
   * @param {string | null} [scope]
   * @param {string | null} [by]
   * @returns {Promise<Coverage>}
   */
  coverage: (layer, scope, by) => {
    /** @type {Record<string, string>} */
    const params = { layer };
    if (scope) params.scope = scope;
    if (by) params.by = by;
    return getJSON(`/api/coverage?${q(params)}`);
  },
  /**
   * What changed in `layer` since the server's previous dataset (`serve --previous`); null when it
   * was given none (the config says so: asked, /api/diff would be a 404).
   * @param {string} layer
   * @returns {Promise<Diff | null>}
   */
  diff: async (layer) => ((await api.config()).compares_with_previous ? getJSON(`/api/diff?${q({ layer })}`) : null),
  /**
   * @param {string} a
   * @param {string} b
   * @param {string} [scope]
   * @returns {Promise<Overlap>}
   */
  overlap: (a, b, scope) => getJSON(`/api/overlap?${q(scope ? { a, b, scope } : { a, b })}`),
  /**
   * A generalised layer; `bbox` as [minlon, minlat, maxlon, maxlat]. Not memoised: the browser caches.
   * @param {string} layer
   * @param {number} zoom
   * @param {number[] | null} [bbox]
   */
  layerUrl: (layer, zoom, bbox) => {
    /** @type {Record<string, string>} */
    const params = { zoom: String(zoom) };
    if (bbox) params.bbox = bbox.map((v) => v.toFixed(3)).join(',');
    return `/api/layers/${encodeURIComponent(layer)}.geojson?${q(params)}`;
  },
  /**
   * A draft territory from EPCIs (POST /api/simulate).
   * @param {DraftRequest} draft
   * @param {{signal?: AbortSignal}} [opts]
   * @returns {Promise<Simulation>}
   */
  simulate: ({ epci, replaces = null, zoom = 8 }, { signal } = {}) => fetch('/api/simulate', {
    method: 'POST',
    signal,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(replaces ? { epci, replaces, zoom } : { epci, zoom }),
  }).then(parse),
  /**
   * @param {string} layer
   * @param {number} zoom
   * @param {number[] | null} [bbox]
   * @param {FetchOptions} [opts]
   * @returns {Promise<LayerCollection>}
   */
  layer: (layer, zoom, bbox, opts) => getJSON(api.layerUrl(layer, zoom, bbox), { ...opts, memoise: false }),
  /**
   * A layer's attribute table (CSV text).
   * @param {string} layer
   * @returns {Promise<string>}
   */
  layerCsv: (layer) => fetch(`/api/layers/${encodeURIComponent(layer)}.csv`, { headers: { Accept: 'text/csv' } })
    .then((r) => (r.ok ? r.text() : parse(r))),
  /**
   * Batch lookup (POST /api/locate): a CSV of points in, the same rows with their territories out.
   * @param {string} csv
   * @returns {Promise<Blob>}
   */
  batch: (csv) => fetch('/api/locate', {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', Accept: 'text/csv' },
    body: csv,
  }).then((r) => (r.ok ? r.blob() : parse(r))),
  /**
   * @param {string} params the query string (zoom, bbox, layers)
   * @param {FetchOptions} [opts]
   * @returns {Promise<Labels>}
   */
  labels: (params, opts) => getJSON(`/api/labels?${params}`, { ...opts, memoise: false }),
};
