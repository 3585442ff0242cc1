// @ts-check
// territoires — the portrait of one territory, /territoire/{layer}/{id}: map, key figures, share of its
// départements and régions, members, what every other layer holds of it, neighbours and sources.
// Plain ES modules; Leaflet is loaded before this module. Everything comes from /api/portrait and the
// generalised layers; the catalogue (/api/layers) gives the layers' names and legend classes.

import { api, frenchMessage } from '../api.js';
import { announce, html } from '../lib/fmt.js';
import { setCatalog } from '../catalog.js';
import { byId } from '../lib/dom.js';
import { drawMap } from '../map/portrait-map.js';
import { mapUrl } from '../permalink.js';
import {
  figuresSection, headSection, membersSection, membersTables, neighboursSection, relationsSection, sharesSection,
  sourcesSection,
} from '../panels/portrait-sections.js';

const $ = byId;
const root = $('portrait');

function parsePath() {
  const m = location.pathname.match(/^\/territoire\/([^/]+)\/([^/]+)\/?$/);
  return m ? { layer: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) } : null;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const where = parsePath();
  if (!where) {
    root.innerHTML = html`<p class="notice notice-warn">Adresse de portrait invalide : elle doit être de la forme /territoire/couche/identifiant.</p>`.html;
    return;
  }
  let d;
  try {
    const [catalog, portrait] = await Promise.all([api.catalog(), api.portrait(where.layer, where.id)]);
    setCatalog(catalog);
    d = portrait;
  } catch (e) {
    root.innerHTML = html`<h1>Portrait indisponible</h1><p class="notice notice-warn">${frenchMessage(e)}</p><p><a href="/">Retour à la carte</a></p>`.html;
    root.setAttribute('aria-busy', 'false');
    return;
  }
  document.title = `${d.name} — ${d.layer.singular} — portrait — Territoires`;
  $('back-to-map', HTMLAnchorElement).href = mapUrl(d.layer.id, d.id);
  root.dataset.layer = d.layer.id;
  root.dataset.id = d.id;
  root.innerHTML = html`
    ${headSection(d)}
    <div class="p-overview">
      <figure class="p-map" id="p-map-figure">
        <div id="pmap" role="region" aria-label="Carte du territoire" tabindex="0"></div>
        <div id="print-map" class="print-map"></div>
        <figcaption><ul class="map-legend" id="map-legend"></ul></figcaption>
      </figure>
      ${figuresSection(d)}
    </div>
    ${sharesSection(d)}
    ${relationsSection(d)}
    ${membersSection(d)}
    ${neighboursSection(d)}
    ${sourcesSection(d)}
    <p class="p-foot no-print"><a href="${mapUrl(d.layer.id, d.id)}">Retour à la carte</a> · <a href="/api/portrait/${encodeURIComponent(d.layer.id)}/${encodeURIComponent(d.id)}">Données du portrait (JSON)</a></p>
  `.html;
  $('print-button').addEventListener('click', () => window.print());
  membersTables(d);
  window.portrait = { data: d };
  announce(`Portrait : ${d.name}, ${d.layer.singular}`);
  try {
    await drawMap(d);
  } catch (e) {
    $('pmap').insertAdjacentHTML('afterend', html`<p class="notice notice-warn">Carte indisponible : ${frenchMessage(e)}</p>`.html);
  }
  root.setAttribute('aria-busy', 'false');
  document.body.dataset.ready = 'true';
}

main();
