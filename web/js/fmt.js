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

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML. */
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

/** Tagged template that escapes interpolated values unless they are `raw()`-wrapped. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    if (v && v.__raw) out += v.html;
    else if (Array.isArray(v)) out += v.map((x) => (x && x.__raw ? x.html : esc(x))).join('');
    else out += esc(v);
    out += strings[i + 1];
  });
  return { __raw: true, html: out, toString() { return out; } };
}
export const raw = (s) => ({ __raw: true, html: String(s), toString() { return String(s); } });

/** French names of the layers, for headings and lists. */
export const LAYER_LABEL = {
  communes: 'Commune',
  epci: 'EPCI',
  departements: 'Département',
  regions: 'Région',
  pays: 'Pays / PETR',
  scot: 'Syndicat porteur de SCoT',
  'contrats-ruralite-2016-2017': 'Contrat de ruralité 2016-2017',
};
export const LAYER_PLURAL = {
  communes: 'Communes',
  epci: 'EPCI à fiscalité propre',
  departements: 'Départements',
  regions: 'Régions',
  pays: 'Pays et PETR',
  scot: 'Syndicats porteurs de SCoT',
  'contrats-ruralite-2016-2017': 'Contrats de ruralité 2016-2017',
};

/** What a Pays/PETR `status` means, said plainly. */
export const PAYS_STATUS = {
  banatic: {
    short: 'Périmètre BANATIC',
    long: 'Périmètre du syndicat tel que déclaré dans BANATIC (EPCI adhérents), recomposé avec les communes de 2026.',
  },
  page: {
    short: 'Périmètre relevé sur une page publique',
    long: 'Périmètre relevé sur une page web publique (le Pays n’est pas un syndicat déclaré dans BANATIC) ; ses EPCI membres ont été rapprochés des EPCI de 2026 par leur nom.',
  },
  'inferred-2017': {
    short: 'Périmètre déduit du contrat de ruralité 2016-2017',
    long: 'Périmètre déduit du contrat de ruralité 2016-2017 : ce Pays ne figure pas dans BANATIC, son périmètre est celui de son contrat de ruralité, recomposé avec les EPCI de 2026. Il peut avoir changé depuis.',
  },
};

/** "Source : … — millésime … — licence …" for a `{name, vintage, licence}` source. */
export function sourceLine(src, prefix = 'Source') {
  if (!src) return raw('');
  const parts = [html`${prefix} : ${src.name}`];
  if (src.vintage) parts.push(html`millésime ${src.vintage}`);
  if (src.licence) parts.push(html`${src.licence}`);
  return html`<p class="src">${parts.map((p) => raw(p.html)).reduce((a, b) => raw(`${a.html} · ${b.html}`))}</p>`;
}

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
