// @ts-check
// The "Données" panel: per-layer downloads, the OGC API and OpenAPI links, the embeddable widget's
// <iframe> snippet, and the batch lookup.

import { api, frenchMessage } from '../api.js';
import { byId } from '../lib/dom.js';
import { esc, html, int, saveBlob } from '../lib/fmt.js';
import { territoriesLayer } from '../catalog.js';

export function setupData({ catalog }) {
  const box = byId('downloads');
  const origin = location.origin;
  byId('ogc-url').textContent = `${origin}/ogc`;
  byId('ogc-link', HTMLAnchorElement).href = '/ogc';
  byId('openapi-link', HTMLAnchorElement).href = '/api/openapi.json';

  const layers = catalog?.layers || [];
  box.innerHTML = html`<p>Chaque couche en GeoJSON (géométrie généralisée pour le zoom 12, WGS 84), ses attributs en CSV (UTF-8, virgule),
      ou en fichier SIG à géométrie complète (WGS 84, EPSG:4326) : FlatGeobuf, rapide et indexé, ou GeoPackage, à ouvrir directement dans QGIS.</p>
    <ul class="downloads">${layers.map((l) => html`<li data-layer="${l.id}">
      <p class="dl-title"><strong>${l.title}</strong> <span class="muted">${int(l.features)} objets</span></p>
      <p class="src">${l.source} · millésime ${l.vintage} · ${l.licence}</p>
      <p class="dl-links">
        <a class="btn btn-small" href="/api/layers/${l.id}.geojson?zoom=12" download="${l.id}.geojson">GeoJSON<span class="visually-hidden"> des ${l.title}</span></a>
        <a class="btn btn-small" href="/api/layers/${l.id}.csv" download="${l.id}.csv">CSV<span class="visually-hidden"> des attributs des ${l.title}</span></a>
        <a class="btn btn-small" href="/api/layers/${l.id}.fgb" download="${l.id}.fgb">FlatGeobuf<span class="visually-hidden"> des ${l.title}</span></a>
        <a class="btn btn-small" href="/api/layers/${l.id}.gpkg" download="${l.id}.gpkg">GeoPackage<span class="visually-hidden"> des ${l.title}</span></a>
        <a class="btn btn-small btn-secondary" href="/ogc/collections/${l.id}/items?f=html">OGC API<span class="visually-hidden"> : ${l.title}</span></a>
      </p>
    </li>`)}</ul>`.html;

  setupEmbedSnippet(origin);

  // ---- batch lookup
  const form = byId('batch-form', HTMLFormElement);
  const input = byId('batch-file', HTMLInputElement);
  const status = byId('batch-status');
  const submit = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = input.files?.[0];
    if (!file) {
      status.textContent = 'Choisissez d’abord un fichier CSV.';
      input.focus();
      return;
    }
    const text = await file.text();
    const header = text.split(/\r?\n/, 1)[0].replace(/^\uFEFF/, '').toLowerCase().split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
    if (!header.includes('lat') || !header.includes('lon')) {
      status.textContent = `L’en-tête du fichier doit contenir des colonnes « lat » et « lon » séparées par des virgules (lu : ${header.join(' | ').slice(0, 120)}).`;
      return;
    }
    if (submit instanceof HTMLButtonElement) submit.disabled = true;
    status.textContent = 'Envoi et rattachement en cours…';
    try {
      const blob = await api.batch(text);
      const rows = (await blob.text()).split('\n').filter((l) => l.trim()).length - 1;
      const name = file.name.replace(/\.csv$/i, '') || 'points';
      saveBlob(blob, `${name}-territoires.csv`);
      status.textContent = `${int(rows)} ligne${rows > 1 ? 's' : ''} enrichie${rows > 1 ? 's' : ''} : fichier « ${name}-territoires.csv » téléchargé.`;
    } catch (err) {
      status.textContent = `Échec du rattachement : ${frenchMessage(err)}.`;
    } finally {
      if (submit instanceof HTMLButtonElement) submit.disabled = false;
    }
  });
}


// ---- the « Trouver mon Pays » widget (/embed): the snippet to copy, optionally for one Pays.

/** The `<iframe>` snippet for the widget at `origin`, for the Pays `pays` ({id, name}) or none. */
export function embedSnippet(origin, pays) {
  const src = `${origin}/embed${pays ? `?pays=${encodeURIComponent(pays.id)}` : ''}`;
  const title = pays ? `Trouver mon Pays : ${pays.name}` : 'Trouver mon Pays';
  return `<iframe src="${esc(src)}" title="${esc(title)}" width="100%" height="560" `
    + 'style="border:0;max-width:640px" loading="lazy"></iframe>';
}

/** The first two fields (id, name) of each row of a layer's attribute CSV. */
export function idsAndNames(csv) {
  const field = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r?\n|$)/y;
  const rows = [];
  let row = [];
  field.lastIndex = 0;
  while (field.lastIndex < csv.length) {
    const m = field.exec(csv);
    if (!m) break;
    const v = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1];
    row.push(v);
    if (m[2] !== ',') {
      rows.push(row);
      row = [];
    }
    if (!m[0]) break;
  }
  return rows.slice(1).filter((r) => r[0]).map(([id, name]) => ({ id, name }));
}

async function copyText(text, textarea) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch { /* no Clipboard API (insecure context) or refused: select and copy */ }
  textarea.focus();
  textarea.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

function setupEmbedSnippet(origin) {
  const select = byId('embed-pays', HTMLSelectElement);
  const code = byId('embed-code', HTMLTextAreaElement);
  const preview = byId('embed-preview', HTMLAnchorElement);
  const status = byId('embed-status');
  let pays = [];
  const update = () => {
    const chosen = pays.find((p) => p.id === select.value) || null;
    code.value = embedSnippet(origin, chosen);
    preview.href = `/embed${chosen ? `?pays=${encodeURIComponent(chosen.id)}` : ''}`;
    status.textContent = '';
  };
  update();
  select.addEventListener('change', update);
  api.layerCsv(territoriesLayer())
    .then((text) => {
      pays = idsAndNames(text).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
      select.insertAdjacentHTML('beforeend', pays.map((p) => html`<option value="${p.id}">${p.name}</option>`.html).join(''));
    })
    .catch(() => { status.textContent = 'La liste des Pays n’a pas pu être chargée : le widget reste utilisable sans Pays mis en avant.'; });
  byId('embed-copy').addEventListener('click', async () => {
    status.textContent = '';
    const ok = await copyText(code.value, code);
    status.textContent = ok
      ? 'Code copié dans le presse-papiers.'
      : 'Copie impossible ici : sélectionnez le code et copiez-le (Ctrl+C).';
  });
}
