// @ts-check
// The vector tiles as MapLibre GL JS draws them with the server's own style (/api/style.json): what a
// GIS team or a région sees when it loads the style elsewhere. MapLibre is vendored from npm, so
// nothing loads from another host; the style has no glyphs, and MapLibre writes the names with the
// browser's fonts.

// Imported by a name tsc does not follow: the vendored module is outside its scope.
const MAPLIBRE = '/vendor/maplibre/maplibre-gl.mjs';
const maplibregl = await import(MAPLIBRE);

export {};

const map = new maplibregl.Map({
  container: 'map',
  style: '/api/style.json',
  center: [2.5, 46.6],
  zoom: 5,
  attributionControl: { compact: false },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
// For the browser tests: the map, to wait for it and look at what it drew.
/** @type {any} */ (window).styleMap = map;
