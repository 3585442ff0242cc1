// @ts-check
// Formatting and small DOM helpers shared by the modules. French conventions throughout.

const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** Whole number with French digit grouping: 146 351. */
export const int = (n) => (n == null || Number.isNaN(n) ? '—' : nf0.format(n));
/** Percentage with one decimal: 37,2 %. */
export const pct = (n) => (n == null || Number.isNaN(n) ? '—' : `${nf1.format(n)}\u00a0%`);
/** One decimal: 0,3. */
export const dec1 = (n) => nf1.format(n);
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
 * "1 commune", "12 communes"; `many` when the plural is not `one` and an s.
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export const plural = (n, one, many = `${one}s`) => `${int(n)} ${n > 1 ? many : one}`;

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
