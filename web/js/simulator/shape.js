// @ts-check
// The draft on the map: its shape and its enclaves, in their own pane between the territories and the
// EPCI limits, with their legend entries.

import { featureCollection, feature, geoJsonLayer } from '../lib/geojson.js';

/** @typedef {import('../api.js').Simulation} Simulation */

const DRAFT_STYLE = { stroke: '#000091', fill: '#000091', opacity: 0.22 };
const ENCLAVE_STYLE = { stroke: '#b34000', fill: '#e4794a', opacity: 0.35 };

const LEGEND = {
  id: 'sim',
  title: 'Simulation',
  entries: [{ label: 'Projet de périmètre', fill: DRAFT_STYLE.fill, stroke: DRAFT_STYLE.stroke, opacity: DRAFT_STYLE.opacity }],
};
const ENCLAVE_LEGEND = { label: 'Enclave (EPCI entouré, hors projet)', fill: ENCLAVE_STYLE.fill, stroke: ENCLAVE_STYLE.stroke, dash: true, opacity: ENCLAVE_STYLE.opacity };

export class DraftShape {
  /**
   * @param {L.Map} map
   * @param {any} manager the LayerManager: its EPCI features and its legend
   * @param {string} epciLayer the id of the EPCI layer, whose features draw the enclaves
   */
  constructor(map, manager, epciLayer) {
    this.map = map;
    this.manager = manager;
    this.epciLayer = epciLayer;
    map.createPane('pane-sim').style.zIndex = '447';
    this.renderer = L.canvas({ pane: 'pane-sim', padding: 0.3 });
    this.group = L.layerGroup();
  }

  show() { this.group.addTo(this.map); }

  clear() { this.group.clearLayers(); }

  hide() {
    this.map.removeLayer(this.group);
    this.manager.setExtraLegend(null);
  }

  /**
   * Draws the answer's shape and the enclaves among the EPCI features loaded for this view.
   * @param {Simulation | null} answer null, or the draft is empty: nothing
   */
  draw(answer) {
    this.group.clearLayers();
    if (!answer?.geometry) {
      this.manager.setExtraLegend(null);
      return;
    }
    const common = { renderer: this.renderer, interactive: false, pane: 'pane-sim' };
    geoJsonLayer(feature(answer.geometry), {
      ...common,
      style: { color: DRAFT_STYLE.stroke, weight: 3, fill: true, fillColor: DRAFT_STYLE.fill, fillOpacity: DRAFT_STYLE.opacity },
    }).addTo(this.group);
    const enclaveIds = new Set((answer.checks.no_enclave.enclaves || []).flatMap((en) => en.epci.map((e) => e.siren)));
    const loaded = this.manager.get(this.epciLayer)?.features || [];
    const enclaves = enclaveIds.size ? loaded.filter((f) => enclaveIds.has(String(f.properties.id))) : [];
    if (!enclaves.length) {
      this.manager.setExtraLegend(LEGEND);
      return;
    }
    geoJsonLayer(featureCollection(enclaves), {
      ...common,
      style: { color: ENCLAVE_STYLE.stroke, weight: 2.5, dashArray: '6 4', fill: true, fillColor: ENCLAVE_STYLE.fill, fillOpacity: ENCLAVE_STYLE.opacity },
    }).addTo(this.group);
    this.manager.setExtraLegend({ ...LEGEND, entries: [...LEGEND.entries, ENCLAVE_LEGEND] });
  }

  /**
   * Moves the map onto the answer's shape.
   * @param {Simulation | null} answer
   */
  fit(answer) {
    if (!answer?.geometry) return;
    const bounds = L.geoJSON(answer.geometry).getBounds();
    // Without animation: a zoom animation still running would undo a move made meanwhile.
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11, animate: false });
  }
}
