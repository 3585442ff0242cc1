// The "Données" panel: per-layer downloads, the OGC API and OpenAPI links, and the batch lookup.

import { html, int, saveBlob } from './fmt.js';

export function setupData({ catalog }) {
  const box = document.getElementById('downloads');
  const origin = location.origin;
  document.getElementById('ogc-url').textContent = `${origin}/ogc`;
  document.getElementById('ogc-link').href = '/ogc';
  document.getElementById('openapi-link').href = '/api/openapi.json';

  const layers = catalog?.layers || [];
  box.innerHTML = html`<p>Chaque couche en GeoJSON (géométrie généralisée pour le zoom 12, WGS 84) ou ses attributs en CSV (UTF-8, virgule).
      La géométrie complète est servie par l’API OGC ci-dessous.</p>
    <ul class="downloads">${layers.map((l) => html`<li data-layer="${l.id}">
      <p class="dl-title"><strong>${l.title}</strong> <span class="muted">${int(l.features)} objets</span></p>
      <p class="src">${l.source} · millésime ${l.vintage} · ${l.licence}</p>
      <p class="dl-links">
        <a class="btn btn-small" href="/api/layers/${l.id}.geojson?zoom=12" download="${l.id}.geojson">GeoJSON<span class="visually-hidden"> des ${l.title}</span></a>
        <a class="btn btn-small" href="/api/layers/${l.id}.csv" download="${l.id}.csv">CSV<span class="visually-hidden"> des attributs des ${l.title}</span></a>
        <a class="btn btn-small btn-secondary" href="/ogc/collections/${l.id}/items?f=html">OGC API<span class="visually-hidden"> : ${l.title}</span></a>
      </p>
    </li>`)}</ul>`.html;


  // ---- batch lookup
  const form = document.getElementById('batch-form');
  const input = document.getElementById('batch-file');
  const status = document.getElementById('batch-status');
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
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    status.textContent = 'Envoi et rattachement en cours…';
    try {
      const response = await fetch('/api/locate', {
        method: 'POST',
        headers: { 'Content-Type': 'text/csv', Accept: 'text/csv' },
        body: text,
      });
      if (!response.ok) {
        let message = `${response.status}`;
        try { message = (await response.json()).error.message; } catch { /* not JSON */ }
        throw new Error(message);
      }
      const blob = await response.blob();
      const rows = (await blob.text()).split('\n').filter((l) => l.trim()).length - 1;
      const name = file.name.replace(/\.csv$/i, '') || 'points';
      saveBlob(blob, `${name}-territoires.csv`);
      status.textContent = `${int(rows)} ligne${rows > 1 ? 's' : ''} enrichie${rows > 1 ? 's' : ''} : fichier « ${name}-territoires.csv » téléchargé.`;
    } catch (err) {
      status.textContent = `Échec du rattachement : ${err.message}`;
    } finally {
      submit.disabled = false;
    }
  });
}

