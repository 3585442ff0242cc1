// Thin client for the territoires API: same origin only, JSON errors turned into exceptions.

export class ApiError extends Error {
  /** `message` is the server's (English) text; `code` and `parameter` are stable and say it in French. */
  constructor(status, message, code = '', parameter = '') {
    super(message);
    this.status = status;
    this.code = code;
    this.parameter = parameter;
  }
}

/** What went wrong, in French, for the page: from the error's stable code, never its English text. */
export function frenchMessage(e) {
  if (e instanceof TypeError) return 'le serveur ne répond pas (connexion interrompue ?)';
  const param = e?.parameter ? ` (paramètre « ${e.parameter} »)` : '';
  switch (e?.code) {
    case 'bad_parameter': return `la demande a été refusée : valeur non valable${param}`;
    case 'not_found': return 'introuvable sur ce serveur';
    case 'bad_body': return 'le fichier envoyé n’a pas pu être lu : il faut un CSV avec des colonnes « lat » et « lon » (ou « latitude » et « longitude »), ou une collection GeoJSON de points';
    case 'payload_too_large': return 'le fichier dépasse la taille que ce serveur accepte';
    case 'busy': return 'le serveur traite déjà d’autres fichiers : réessayez dans quelques secondes';
    case 'rate_limited': return 'trop de demandes en peu de temps : réessayez dans quelques secondes';
    case 'unsupported_media_type': return 'format non pris en charge : envoyez un CSV ou un GeoJSON';
    case 'not_acceptable': return 'le serveur ne sait pas répondre dans le format demandé';
    case 'method_not_allowed': return 'opération non permise à cette adresse';
    case 'unknown_members': return `SIREN inconnu parmi les EPCI${param}`;
    case 'duplicate_members': return `EPCI présent deux fois${param}`;
    case 'bad_draft': return 'le projet doit compter de 1 à 200 EPCI';
    default: return e?.status ? `le serveur a répondu par une erreur ${e.status}` : 'erreur inconnue';
  }
}

const memo = new Map();

async function parse(response) {
  if (response.ok) return response.json();
  let message = `${response.status} ${response.statusText}`;
  let code = '';
  let parameter = '';
  try {
    const body = await response.json();
    if (body?.error?.message) message = body.error.message;
    code = body?.error?.code || '';
    parameter = body?.error?.parameter || '';
  } catch { /* not JSON */ }
  throw new ApiError(response.status, message, code, parameter);
}

/**
 * GET a JSON document. With `memoise` (default), the promise is kept so that a second caller shares
 * the first request. A `signal` aborts the request (and forgets it).
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

export const isAbort = (e) => e?.name === 'AbortError';

const q = (params) => new URLSearchParams(params).toString();

export const api = {
  config: () => getJSON('/api/config'),
  catalog: () => getJSON('/api/layers'),
  indicators: () => getJSON('/api/indicators'),
  locate: (lat, lon, opts) => getJSON(`/api/locate?${q({ lat: lat.toFixed(6), lon: lon.toFixed(6) })}`, opts),
  search: (text, { limit = 10, ...opts } = {}) => getJSON(`/api/search?${q({ q: text, limit })}`, { ...opts, memoise: false }),
  portrait: (layer, id, opts) => getJSON(`/api/portrait/${encodeURIComponent(layer)}/${encodeURIComponent(id)}`, opts),
  territory: (layer, id, opts) => getJSON(`/api/territories/${encodeURIComponent(layer)}/${encodeURIComponent(id)}`, opts),
  coverage: (layer, scope, by) => {
    const params = { layer };
    if (scope) params.scope = scope;
    if (by) params.by = by;
    return getJSON(`/api/coverage?${q(params)}`);
  },
  overlap: (a, b, scope) => getJSON(`/api/overlap?${q(scope ? { a, b, scope } : { a, b })}`),
  /** A generalised layer; `bbox` as [minlon, minlat, maxlon, maxlat]. Not memoised: the browser caches. */
  layerUrl: (layer, zoom, bbox) => {
    const params = { zoom: String(zoom) };
    if (bbox) params.bbox = bbox.map((v) => v.toFixed(3)).join(',');
    return `/api/layers/${encodeURIComponent(layer)}.geojson?${q(params)}`;
  },
  /** A draft territory from EPCIs (POST /api/simulate): `{epci: [SIREN…], replaces, zoom}`. */
  simulate: ({ epci, replaces = null, zoom = 8 }, { signal } = {}) => fetch('/api/simulate', {
    method: 'POST',
    signal,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(replaces ? { epci, replaces, zoom } : { epci, zoom }),
  }).then(parse),
  layer: (layer, zoom, bbox, opts) => getJSON(api.layerUrl(layer, zoom, bbox), { ...opts, memoise: false }),
};
