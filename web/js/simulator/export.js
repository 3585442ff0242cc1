// @ts-check
// A draft as files: its member EPCIs as CSV, its shape with its figures as GeoJSON. The shape is the
// server's finest; a coarser answer (the map's zoom) is asked again at that zoom.

import { api } from '../api.js';
import { saveBlob } from '../lib/fmt.js';
import { csvText } from '../lib/csv.js';

/** @typedef {import('../api.js').Simulation} Simulation */
/** @typedef {import('./draft.js').Draft} Draft */

/** Zoom of the shape in the downloads: the API's finest. */
export const DOWNLOAD_ZOOM = 12;

/**
 * The member EPCIs as CSV (UTF-8, comma): SIREN, name, population, communes, area.
 * @param {Simulation} answer
 */
export function draftCsv(answer) {
  const rows = answer.epci.map((e) => [e.siren, e.name, e.population, e.communes, e.area_km2.toFixed(2)]);
  return csvText('siren,nom,population,communes,superficie_km2'.split(','), rows);
}

/** The columns of `pays-petr.csv`, the layer's own file, in order. */
const TERRITORY_ROW_HEADER = ['id', 'name', 'kind', 'status', 'vintage', 'source', 'members'];

/**
 * The draft as a row of `pays-petr.csv`, the layer's file: `territoires import-territories FILE
 * --over pays-petr.csv` adds it to the layer, or replaces the territory it started from (same id).
 * A new draft's id is `projet-` and its first member's SIREN; its name and legal form are the
 * territory's it replaces, else placeholders to write over.
 * @param {Simulation} answer
 * @param {Draft} draft
 * @param {Date} now
 */
export function draftRow(answer, draft, now) {
  const month = now.toISOString().slice(0, 7);
  const members = answer.epci.map((e) => e.siren);
  const row = [
    draft.base?.id ?? `projet-${members[0] ?? 'vide'}`,
    draft.base?.name ?? `Projet de périmètre (${members.length} EPCI)`,
    draft.base?.kind ?? 'Pays',
    'projet',
    month,
    `simulateur territoires, ${now.toISOString().slice(0, 10)} ; référentiel ${answer.vintage}`,
    members.join(';'),
  ];
  return csvText(TERRITORY_ROW_HEADER, [row]);
}

/**
 * The draft's shape with its figures as properties: a GeoJSON FeatureCollection of one feature.
 * @param {Simulation} answer
 * @param {string | null | undefined} replaces
 */
export function draftGeojson(answer, replaces) {
  const c = answer.checks;
  return {
    type: 'FeatureCollection',
    features: [{
      type: 'Feature',
      properties: {
        name: 'Projet de périmètre',
        replaces: replaces || null,
        epci: answer.epci.map((e) => e.siren).join(','),
        epci_names: answer.epci.map((e) => e.name).join(' ; '),
        epci_count: answer.figures.epci,
        population: answer.figures.population,
        area_km2: Math.round(answer.figures.area_km2 * 100) / 100,
        communes: answer.figures.communes,
        members_are_epci: c.members_are_epci.ok,
        contiguous: c.contiguous.ok,
        no_enclave: c.no_enclave.ok,
        no_epci_in_other_petr: c.epci_in_other_petr.ok,
        vintage: answer.vintage,
        zoom: answer.zoom,
      },
      geometry: answer.geometry,
    }],
  };
}

/**
 * @param {Simulation} answer
 * @param {Draft} draft
 */
export function saveCsv(answer, draft) {
  saveBlob(new Blob([draftCsv(answer)], { type: 'text/csv;charset=utf-8' }), `${draft.fileStem()}.csv`);
}

/**
 * @param {Simulation} answer
 * @param {Draft} draft
 */
export function saveRow(answer, draft) {
  const text = draftRow(answer, draft, new Date());
  saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), `${draft.fileStem()}-pays-petr.csv`);
}

/**
 * Saves the shape at DOWNLOAD_ZOOM, asking the server for it unless `answer` is at that zoom already.
 * @param {Simulation} answer
 * @param {Draft} draft
 */
export async function saveGeojson(answer, draft) {
  const fine = answer.zoom >= DOWNLOAD_ZOOM ? answer : await api.simulate(draft.request(DOWNLOAD_ZOOM));
  const text = JSON.stringify(draftGeojson(fine, draft.base?.id));
  saveBlob(new Blob([text], { type: 'application/geo+json' }), `${draft.fileStem()}.geojson`);
}
