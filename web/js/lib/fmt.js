// @ts-check
// Formatting and small DOM helpers shared by the modules. French conventions throughout.

const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** Whole number with French digit grouping: 146 351. */
export const int = (n) => (n == null || Number.isNaN(n) ? '—' : nf0.format(n));
/** Percentage with one decimal: 37,2 %. */
export const pct = (n) => (n == null || Number.isNaN(n) ? '—' : `${nf1.format(n)}\u00a0%`);
/** Area in km²: one decimal under 100 km², none above. */
export const km2 = (n) => (n == null || Number.isNaN(n) ? '—' : `${(n < 100 ? nf1 : nf0).format(n)}\u00a0km²`);
/** Inhabitants. */
export const hab = (n) => (n == null ? '—' : `${int(n)}\u00a0hab.`);
/** Coordinates, five decimals. */
export const coord = (n) => n.toFixed(5).replace('.', ',');

/**
 * "A, B et C".
 * @param {string[]} items
 */
export const listFr = (items) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]}`);

/**
 * "1 commune", "12 communes".
 * @param {number} n
 * @param {string} one
 * @param {string} many
 */
export const plural = (n, one, many) => `${int(n)} ${n > 1 ? many : one}`;

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML. */
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

/**
 * @param {unknown} v
 * @returns {v is Html}
 */
const isHtml = (v) => typeof v === 'object' && v !== null && '__raw' in v;

/**
 * Markup that `html` inserts as it is (anything else it escapes).
 * @typedef {{__raw: true, html: string, toString(): string}} Html
 */

/**
 * Tagged template that escapes interpolated values unless they are `raw()`-wrapped.
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 * @returns {Html}
 */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    if (isHtml(v)) out += v.html;
    else if (Array.isArray(v)) out += v.map((x) => (isHtml(x) ? x.html : esc(x))).join('');
    else out += esc(v);
    out += strings[i + 1];
  });
  return { __raw: true, html: out, toString() { return out; } };
}
/**
 * @param {unknown} s markup to insert unescaped
 * @returns {Html}
 */
export const raw = (s) => ({ __raw: true, html: String(s), toString() { return String(s); } });

// ---------------------------------------------------------------------------------------------
// The layer catalogue (/api/layers): titles, singular names, "none" texts, legends, carriers. Loaded
// once at start-up by each page; every module reads the layers through these helpers.

const layerCatalog = new Map();

/** Keeps the catalogue's layers (in the catalogue's order). */
export function setCatalog(catalog) {
  layerCatalog.clear();
  for (const l of catalog?.layers || []) layerCatalog.set(l.id, l);
}
/** The catalogue entry of a layer, or undefined. */
export const layerInfo = (id) => layerCatalog.get(id);
/** Ids of the catalogue's layers, in its order. */
export const layerIds = () => [...layerCatalog.keys()];
/** "Pays et PETR", "CRTE"… (the id when the catalogue does not know the layer). */
export const layerTitle = (id) => layerCatalog.get(id)?.title || id;
/** "Pays / PETR", "Commune"… */
export const layerSingular = (id) => layerCatalog.get(id)?.singular || layerTitle(id);
/** What to say where a point has no feature of the layer: "Aucun CRTE". */
export const layerNone = (id) => layerCatalog.get(id)?.none || `Aucun objet de la couche « ${layerTitle(id)} »`;
/** The administrative layers, kept out of the coverage and comparison selectors. */
/** A property value as the page says it: the catalogue's French wording (`display`), else as given. */
export const shown = (id, value) => layerCatalog.get(id)?.display?.[value] || value;

export const ADMIN_LAYERS = ['communes', 'departements', 'regions'];

/**
 * Colours for a layer's legend classes, given in the catalogue's class order (most frequent first):
 * the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
 */
export const CLASS_PALETTE = [
  { fill: '#0072b2', stroke: '#004a75' },
  { fill: '#e69f00', stroke: '#8a5300' },
  { fill: '#009e73', stroke: '#005c43' },
  { fill: '#cc79a7', stroke: '#7d3a66' },
  { fill: '#56b4e9', stroke: '#1f6d99' },
  { fill: '#d55e00', stroke: '#8a3c00' },
  { fill: '#f0e442', stroke: '#7a7400' },
];
/** For a value that no class names (should not happen: the classes come from the data). */
export const OTHER_CLASS = { fill: '#9a9a9a', stroke: '#4a4a4a' };

/** The legend classes of a layer with their colours: [{value, label, features, dashed, fill, stroke}]. */
export function legendClasses(id) {
  const classes = layerCatalog.get(id)?.legend?.classes || [];
  return classes.map((c, i) => ({ ...c, ...CLASS_PALETTE[i % CLASS_PALETTE.length] }));
}

/** The legend class of a feature's properties, or null when the layer has no legend or the value no class. */
export function featureClass(id, props) {
  const legend = layerCatalog.get(id)?.legend;
  if (!legend || !props) return null;
  const value = props[legend.property];
  return legendClasses(id).find((c) => c.value === value) || null;
}

/** The carrying structure of a feature of a layer with a `carrier` (CRTE): {siren, name, kind} or null. */
export function carrierOf(id, props) {
  const names = layerCatalog.get(id)?.carrier;
  if (!names || !props) return null;
  return {
    siren: String(props[names.siren] ?? '').trim(),
    name: String(props[names.name] ?? '').trim(),
    kind: String(props[names.kind] ?? '').trim(),
  };
}

/** "Source : … — millésime … — licence …" for a `{name, vintage, licence}` source. */
export function sourceLine(src, prefix = 'Source') {
  if (!src) return raw('');
  const parts = [html`${prefix} : ${src.name}`];
  if (src.vintage) parts.push(html`millésime ${src.vintage}`);
  if (src.licence) parts.push(html`${src.licence}`);
  return html`<p class="src">${parts.map((p) => raw(p.html)).reduce((a, b) => raw(`${a.html} · ${b.html}`))}</p>`;
}

/** The portrait page of a feature: /territoire/{layer}/{id}. */
export const portraitUrl = (layer, id) => `/territoire/${encodeURIComponent(layer)}/${encodeURIComponent(id)}`;


/** Known coverage methods, in French. */
export const METHOD = {
  'whole communes by membership': 'communes entières, comptées par appartenance au territoire',
  'commune counted when its interior point lies in a polygon': 'une commune est comptée quand son point intérieur est dans un périmètre',
};

export function announce(text) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = '';
  // A fresh text node makes screen readers read it again even when unchanged.
  setTimeout(() => { el.textContent = text; }, 30);
}

/** Saves a Blob as a file through a temporary link. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
