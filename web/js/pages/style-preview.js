// @ts-check
// The vector tiles as MapLibre GL JS draws them with the server's own style (/api/style.json): what a
// GIS team or a région sees when it loads the style elsewhere. With `?pmtiles=URL` the same map comes
// from a PMTiles archive on any static host, with the style `territoires export-tiles` wrote beside
// it (`?style=URL` names another): the map with no server. MapLibre and pmtiles are vendored from
// npm, so nothing loads from another host; the style has no glyphs, and MapLibre writes the names
// with the browser's fonts.

/** A vendored file, found from this module so that the page works from any folder of a static host. */
const vendored = (/** @type {string} */ file) => new URL(`../../vendor/${file}`, import.meta.url).href;

// Imported by a name tsc does not follow: the vendored module is outside its scope.
const maplibregl = await import(vendored('maplibre/maplibre-gl.mjs'));

const params = new URLSearchParams(location.search);
const archive = params.get('pmtiles');

/** The pmtiles package's browser build, a classic script that defines `window.pmtiles`. */
function loadPmtiles() {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = vendored('pmtiles/pmtiles.js');
    script.onload = () => resolve(/** @type {any} */ (window).pmtiles);
    script.onerror = () => reject(new Error(`${script.src} ne s’est pas chargé.`));
    document.head.append(script);
  });
}

/**
 * The style of the archive at `archiveUrl`, its `pmtiles://` sources made absolute: the style names
 * the archive relative to itself, and MapLibre would read it relative to the page.
 * @param {string} archiveUrl
 */
async function archiveStyle(archiveUrl) {
  const pmtiles = await loadPmtiles();
  maplibregl.addProtocol('pmtiles', new pmtiles.Protocol().tile);
  const archiveAt = new URL(archiveUrl, location.href);
  const named = params.get('style');
  const styleAt = named
    ? new URL(named, location.href)
    : new URL(archiveAt.pathname.replace(/(\.pmtiles)?$/, '.style.json'), archiveAt);
  const response = await fetch(styleAt);
  if (!response.ok) {
    throw new Error(
      `Le style ${styleAt.href} n’a pas pu être lu (HTTP ${response.status}). ` +
        '« territoires export-tiles » l’écrit à côté de l’archive ; un autre se nomme par ?style=URL.',
    );
  }
  const style = await response.json();
  for (const source of Object.values(style.sources ?? {})) {
    if (typeof source.url === 'string' && source.url.startsWith('pmtiles://')) {
      source.url = `pmtiles://${new URL(source.url.slice('pmtiles://'.length), styleAt).href}`;
    }
  }
  const note = document.querySelector('.style-note');
  if (note) {
    note.textContent = `L’archive PMTiles ${archiveAt.href} dessinée avec le style ${styleAt.href}, sans serveur.`;
  }
  return style;
}

/** Says on the page why there is no map. @param {unknown} error */
function fail(error) {
  const alert = /** @type {HTMLElement} */ (document.getElementById('map-error'));
  alert.textContent = error instanceof Error ? error.message : String(error);
  alert.hidden = false;
}

try {
  const map = new maplibregl.Map({
    container: 'map',
    style: archive ? await archiveStyle(archive) : 'api/style.json',
    center: [2.5, 46.6],
    zoom: 5,
    attributionControl: { compact: false },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  // For the browser tests: the map, to wait for it and look at what it drew.
  /** @type {any} */ (window).styleMap = map;
} catch (error) {
  fail(error);
}

export {};
