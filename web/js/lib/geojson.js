// @ts-check
// GeoJSON values built by the page (the features themselves come from the server).

/**
 * @param {GeoJSON.Feature[]} features
 * @returns {GeoJSON.FeatureCollection}
 */
export const featureCollection = (features) => ({ type: 'FeatureCollection', features });

/**
 * @param {GeoJSON.Geometry} geometry
 * @returns {GeoJSON.Feature}
 */
export const feature = (geometry) => ({ type: 'Feature', geometry, properties: {} });

/**
 * Leaflet's L.geoJSON, whose options reach every path it makes: a `renderer` (a canvas in its own
 * pane) among them, which @types/leaflet does not list.
 * @param {GeoJSON.GeoJsonObject | null} data
 * @param {L.GeoJSONOptions & {renderer?: L.Renderer}} options
 */
export const geoJsonLayer = (data, options) => L.geoJSON(data, options);
