// @ts-check
// The « Simuler un périmètre » panel: a draft Pays / PETR built from EPCIs (clicked on the map,
// searched, or taken from an existing Pays), its figures, shape and coverage change, and the legal
// checks of a PETR (CGCT art. L5741-1), all from /api/simulate. The draft lives in the URL hash.

import { api, frenchMessage, isAbort } from './api.js';
import { announce, hab, html, int, km2, pct, raw, saveBlob } from './fmt.js';
import { memberEpcis } from './cards.js';
import { idsAndNames } from './data.js';
import { setupSearch } from './search.js';
import { byId, closestTo } from './lib/dom.js';
import { feature, featureCollection, geoJsonLayer } from './lib/geojson.js';

/* global L */

/** Most EPCIs in a draft (the API refuses more). */
export const MAX_MEMBERS = 200;
/** Wait after a change before asking the API (a burst of clicks makes one request). */
const DEBOUNCE_MS = 150;
/** Zoom of the shape in the downloads: the API's finest. */
const DOWNLOAD_ZOOM = 12;
const SIREN = /^\d{9}$/;

const CHECKS = [
  {
    key: 'members_are_epci',
    label: 'Membres : des EPCI à fiscalité propre',
    short: 'des EPCI à fiscalité propre pour membres',
    what: 'Le PETR ne regroupe que des établissements publics de coopération intercommunale à fiscalité propre.',
  },
  {
    key: 'contiguous',
    label: 'D’un seul tenant',
    short: 'd’un seul tenant',
    what: 'Le périmètre doit former un seul morceau : les EPCI se touchent de proche en proche.',
  },
  {
    key: 'no_enclave',
    label: 'Sans enclave',
    short: 'sans enclave',
    what: 'Aucun EPCI extérieur au projet ne doit être entièrement entouré par lui.',
  },
  {
    key: 'epci_in_other_petr',
    label: 'Un EPCI dans un seul PETR',
    short: 'chaque EPCI dans un seul PETR',
    what: 'Un EPCI ne peut appartenir qu’à un seul PETR : aucun membre ne doit déjà faire partie d’un autre Pays ou PETR.',
  },
];

const ICON_OK = '<svg class="chk-icon" width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="#18753c"/><path d="M5.5 10.3l3 3 6-6.3" stroke="#fff" stroke-width="2.2" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
const ICON_KO = '<svg class="chk-icon" width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><path d="M10 1.5l9 16.5H1z" fill="#ce0500"/><path d="M10 7v5.2" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/><circle cx="10" cy="15.2" r="1.3" fill="#fff"/></svg>';

const SCOPE_KIND = { metropole: '', region: 'Région', departement: 'Département' };

/** The API's error, said in French (its messages are English). */
export function frenchError(e) {
  const m = String(e?.message || '');
  let found = m.match(/^unknown EPCI SIREN: (.+)$/);
  if (found) return `SIREN inconnu parmi les EPCI de la carte : ${found[1]}. Retirez-le du projet.`;
  found = m.match(/^EPCI given twice: (.+)$/);
  if (found) return `EPCI présent deux fois dans le projet : ${found[1]}.`;
  found = m.match(/^no feature `(.+)` in layer `pays`$/);
  if (found) return `Le Pays ou PETR de départ « ${found[1]} » n’existe pas sur la carte.`;
  if (/a draft holds at most/.test(m)) return `Un projet compte au plus ${MAX_MEMBERS} EPCI.`;
  if (/has no EPCI/.test(m)) return 'Le projet ne compte aucun EPCI.';
  if (e instanceof TypeError) return 'Le serveur ne répond pas (connexion interrompue ?).';
  return `Le serveur a refusé la simulation : ${frenchMessage(e)}.`;
}

/** Quotes a CSV field when it needs it. */
const csvField = (v) => {
  const s = v == null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The member EPCIs as CSV (UTF-8, comma): SIREN, name, population, communes, area. */
export function draftCsv(answer) {
  const rows = [['siren', 'nom', 'population', 'communes', 'superficie_km2']];
  for (const e of answer.epci) rows.push([e.siren, e.name, e.population, e.communes, e.area_km2.toFixed(2)]);
  return `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** The draft's shape with its figures as properties: a GeoJSON FeatureCollection of one feature. */
export function draftGeojson(answer, replaces) {
  const c = answer.checks;
  return {
    type: 'FeatureCollection',
    features: [{
      type: 'Feature',
      properties: {
        name: 'Projet de périmètre',
        replaces: replaces || null,
        epci: answer.epci.map((e) => e.siren).join(','),
        epci_names: answer.epci.map((e) => e.name).join(' ; '),
        epci_count: answer.figures.epci,
        population: answer.figures.population,
        area_km2: Math.round(answer.figures.area_km2 * 100) / 100,
        communes: answer.figures.communes,
        members_are_epci: c.members_are_epci.ok,
        contiguous: c.contiguous.ok,
        no_enclave: c.no_enclave.ok,
        no_epci_in_other_petr: c.epci_in_other_petr.ok,
        vintage: answer.vintage,
        zoom: answer.zoom,
      },
      geometry: answer.geometry,
    }],
  };
}

/** "A, B et C". */
const listFr = (items) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]}`);

const plural = (n, one, many) => `${int(n)} ${n > 1 ? many : one}`;

/** A change of share: "37,2 % → 38,0 %" and the difference in points. */
function shareChange(before, after) {
  const d = after - before;
  const nf = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  const delta = Math.abs(d) < 0.05 ? 'inchangé' : `${nf.format(d)}\u00a0pt`;
  return html`<span class="before">${pct(before)}</span> <span aria-hidden="true">→</span><span class="visually-hidden"> puis </span> <strong class="after">${pct(after)}</strong> <span class="delta">(${delta})</span>`;
}

export function setupSimulator({ map, manager, onError, onChange }) {
  const $ = byId;
  const pane = $('pane-simuler');
  const membersBox = $('sim-members');
  const countBox = $('sim-count');
  const summary = $('sim-summary');
  const result = $('sim-result');
  const errorBox = $('sim-error');
  const baseSelect = $('sim-base', HTMLSelectElement);
  const baseNote = $('sim-base-note');
  const searchInput = $('sim-q', HTMLInputElement);

  /** The draft: member SIRENs in the order added, and the Pays it replaces. */
  const draft = { members: [], base: null /* {id, name} */ };
  /** Names and figures known for SIRENs (search results, clicks, answers). */
  const known = new Map();
  let answer = null;
  let answerKey = '';
  let active = false;
  let forcedEpci = false;
  let timer = null;
  let controller = null;
  /** The draft the request in flight is for. */
  let controllerDraft = '';
  let inflight = 0;
  let pendingFit = false;
  let lastSummary = '';
  let paysList = null;

  // ---- map layers: the draft's shape and the enclaves, in their own pane between the Pays and the EPCI limits.
  map.createPane('pane-sim').style.zIndex = 447;
  const renderer = L.canvas({ pane: 'pane-sim', padding: 0.3 });
  const group = L.layerGroup();

  const LEGEND = {
    id: 'sim',
    title: 'Simulation',
    entries: [{ label: 'Projet de périmètre', fill: '#000091', stroke: '#000091', opacity: 0.22 }],
  };
  const ENCLAVE_LEGEND = { label: 'Enclave (EPCI entouré, hors projet)', fill: '#e4794a', stroke: '#b34000', dash: true, opacity: 0.35 };

  function drawShape() {
    group.clearLayers();
    if (!active) return;
    if (!answer?.geometry || !draft.members.length) {
      manager.setExtraLegend(null);
      return;
    }
    geoJsonLayer(feature(answer.geometry), {
      renderer, interactive: false, pane: 'pane-sim',
      style: { color: '#000091', weight: 3, fill: true, fillColor: '#000091', fillOpacity: 0.22 },
    }).addTo(group);
    // The enclaves, from the EPCI features drawn on the map (when loaded for this view).
    const enclaveIds = new Set((answer.checks.no_enclave.enclaves || []).flatMap((en) => en.epci.map((e) => e.siren)));
    const epciLayer = manager.get('epci');
    if (enclaveIds.size && epciLayer?.features?.length) {
      const features = epciLayer.features.filter((f) => enclaveIds.has(String(f.properties.id)));
      if (features.length) {
        geoJsonLayer(featureCollection(features), {
          renderer, interactive: false, pane: 'pane-sim',
          style: { color: '#b34000', weight: 2.5, dashArray: '6 4', fill: true, fillColor: '#e4794a', fillOpacity: 0.35 },
        }).addTo(group);
        manager.setExtraLegend({ ...LEGEND, entries: [...LEGEND.entries, ENCLAVE_LEGEND] });
        return;
      }
    }
    manager.setExtraLegend(LEGEND);
  }

  function fitDraft() {
    if (!answer?.geometry) return;
    const bounds = L.geoJSON(answer.geometry).getBounds();
    // Without animation: a zoom animation still running would undo a move made meanwhile.
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11, animate: false });
  }

  // ---- the request

  const zoomParam = () => Math.max(0, Math.min(DOWNLOAD_ZOOM, Math.round(map.getZoom())));
  const draftKey = () => `${draft.members.join(',')}|${draft.base?.id || ''}`;
  const keyOf = (zoom) => `${draftKey()}|${zoom}`;

  function changed({ fit = false } = {}) {
    pendingFit = pendingFit || fit;
    renderMembers();
    onChange?.();
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!active) return;
    if (!draft.members.length) {
      controller?.abort();
      controller = null;
      answer = null;
      answerKey = '';
      errorBox.innerHTML = '';
      renderEmpty();
      drawShape();
      return;
    }
    if (keyOf(zoomParam()) === answerKey) return;
    // A request for another draft is stale now.
    if (controller && controllerDraft !== draftKey()) {
      controller.abort();
      controller = null;
    }
    timer = setTimeout(run, DEBOUNCE_MS);
  }

  async function run() {
    timer = null;
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const requested = draftKey();
    controllerDraft = requested;
    const zoom = zoomParam();
    const key = keyOf(zoom);
    inflight += 1;
    result.setAttribute('aria-busy', 'true');
    pane.classList.add('sim-loading');
    try {
      const a = await api.simulate({ epci: [...draft.members], replaces: draft.base?.id, zoom }, { signal: mine.signal });
      if (mine !== controller) return;
      // Only the zoom changed: the shape is redrawn, the panel (and the focus in it) stays.
      const sameDraft = answer && answerKey.startsWith(`${requested}|`);
      answer = a;
      answerKey = key;
      for (const e of a.epci) known.set(e.siren, e);
      if (!sameDraft) {
        errorBox.innerHTML = '';
        renderMembers();
        renderAnswer();
      }
      drawShape();
      if (pendingFit) {
        pendingFit = false;
        fitDraft();
      }
    } catch (e) {
      if (isAbort(e) || mine !== controller) return;
      answer = null;
      answerKey = '';
      drawShape();
      showError(frenchError(e));
    } finally {
      inflight -= 1;
      if (mine === controller) {
        controller = null;
        result.removeAttribute('aria-busy');
        pane.classList.remove('sim-loading');
      }
    }
  }

  function showError(text) {
    errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>${text}</p>`.html;
    result.innerHTML = '';
    setSummary(html`<p class="sim-stale">Résultats indisponibles : ${text}</p>`);
  }

  // ---- rendering

  /** The summary is a polite live region: it is only rewritten when its text changes. */
  function setSummary(content) {
    if (content.html !== lastSummary) {
      summary.innerHTML = content.html;
      lastSummary = content.html;
    }
  }

  function renderMembers() {
    // The list is rewritten: keep the keyboard focus on the same member's button.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && membersBox.contains(active) ? active.dataset.remove : null;
    countBox.textContent = `(${int(draft.members.length)})`;
    $('sim-clear').hidden = !draft.members.length && !draft.base;
    if (!draft.members.length) {
      membersBox.innerHTML = '<li class="none" data-empty>Aucun EPCI pour l’instant.</li>';
    } else {
      membersBox.innerHTML = draft.members.map((siren) => {
        const e = known.get(siren);
        const name = e?.name || `SIREN ${siren}`;
        const meta = [`SIREN ${siren}`];
        if (e?.population != null) meta.push(hab(e.population));
        if (e?.communes != null) meta.push(plural(e.communes, 'commune', 'communes'));
        const elsewhere = answer?.checks.epci_in_other_petr.members?.find((m) => m.siren === siren);
        return html`<li data-siren="${siren}"><span class="sim-m-text"><span class="sim-m-name">${name}</span>
          <span class="sim-m-meta">${meta.join(' · ')}</span>${elsewhere
            ? html`<span class="sim-m-warn">${raw(ICON_KO)} déjà dans ${elsewhere.territory.name}</span>` : ''}</span>
          <button type="button" class="btn btn-small btn-secondary" data-remove="${siren}" aria-label="Retirer ${name} du projet">Retirer</button></li>`.html;
      }).join('');
    }
    const again = focused ? membersBox.querySelector(`[data-remove="${CSS.escape(focused)}"]`) : null;
    if (again instanceof HTMLElement) again.focus();
    if (draft.base) {
      baseNote.innerHTML = html`<p class="notice notice-info" data-sim-base="${draft.base.id}">Le projet remplace
        <strong>${draft.base.name || draft.base.id}</strong> : ses EPCI ne comptent pas comme membres d’un autre Pays ou PETR,
        et sa couverture laisse place à celle du projet.
        <button type="button" class="link" id="sim-unbase">Ne plus le remplacer</button></p>`.html;
    } else {
      baseNote.innerHTML = '';
    }
  }

  function renderEmpty() {
    setSummary(html`<p class="sim-empty">Ajoutez des EPCI pour voir la population, la superficie, les communes et les contrôles du projet.</p>`);
    result.innerHTML = '';
  }

  function checkItem(def, c) {
    const ok = !!c.ok;
    let detail = raw('');
    if (!ok && def.key === 'members_are_epci') {
      detail = html`<ul>${c.not_epci.map((m) => html`<li>${m.name} <span class="muted">(SIREN ${m.siren})</span> : ${m.layer_title || m.layer}, pas un EPCI à fiscalité propre</li>`)}</ul>`;
    } else if (!ok && def.key === 'contiguous') {
      detail = html`<p>Le projet est en ${int(c.parts.length)} morceaux séparés :</p>
        <ol class="sim-parts">${c.parts.map((part, i) => html`<li data-part="${i}">${part.map((e) => e.name).join(', ')}</li>`)}</ol>`;
    } else if (!ok && def.key === 'no_enclave') {
      detail = html`<p>EPCI entourés par le projet sans en faire partie :</p>
        <ul>${c.enclaves.map((en) => html`<li data-enclave="${en.epci.map((e) => e.siren).join(',')}">${listFr(en.epci.map((e) => e.name))} <span class="muted">(${hab(en.population)})</span></li>`)}</ul>`;
    } else if (!ok && def.key === 'epci_in_other_petr') {
      detail = html`<p>Membres déjà dans un autre territoire :</p>
        <ul>${c.members.map((m) => html`<li data-member="${m.siren}">${m.name} : déjà dans <strong>${m.territory.name}</strong>${m.territory.kind ? ` (${m.territory.kind})` : ''}</li>`)}</ul>`;
    }
    return html`<li class="sim-check ${ok ? 'ok' : 'ko'}" data-check="${def.key}" data-ok="${String(ok)}">
      <p class="sim-check-head">${raw(ok ? ICON_OK : ICON_KO)}<span class="sim-check-label">${def.label}</span> :
        <strong class="sim-check-status">${ok ? 'respecté' : 'non respecté'}</strong></p>
      <p class="sim-check-what">${def.what}</p>
      ${detail}
    </li>`;
  }

  function coverageTable(cov) {
    const rows = cov.scopes.map((s) => {
      const kind = SCOPE_KIND[s.scope.kind] ?? '';
      const name = s.scope.kind === 'departement' ? `${s.scope.name} (${s.scope.code})` : s.scope.name;
      return html`<tr data-scope="${s.scope.kind}${s.scope.code ? `:${s.scope.code}` : ''}">
        <th scope="row">${kind ? html`<span class="muted">${kind}</span> ` : ''}${name}</th>
        <td data-share="area">${shareChange(s.before.covered_area_pct, s.after.covered_area_pct)}</td>
        <td data-share="population">${shareChange(s.before.covered_population_pct, s.after.covered_population_pct)}</td>
      </tr>`;
    });
    return html`<div class="table-wrap"><table class="sim-cov">
      <caption>Part couverte par les ${cov.title}, avant puis après le projet</caption>
      <thead><tr><th scope="col">Périmètre</th><th scope="col">Superficie</th><th scope="col">Population</th></tr></thead>
      <tbody>${rows}</tbody></table></div>`;
  }

  function meetsBlock(m) {
    const isScot = m.layer === 'scot';
    const items = m.features.map((f) => {
      const coincide = f.coincides
        ? html`<br><span class="sim-coincide" data-coincides="true">${raw(ICON_OK)} Même périmètre que le projet${isScot ? ' : le PETR pourrait porter ce SCoT' : ''}</span>`
        : (isScot ? html`<br><span class="sim-coincide" data-coincides="false">Périmètre différent du projet : le PETR ne pourrait pas porter ce SCoT tel quel</span>` : '');
      const carrier = f.carrier?.name ? html`<br><span class="muted">Porteur : ${f.carrier.name}${f.carrier.kind ? ` (${f.carrier.kind})` : ''}</span>` : '';
      return html`<li data-meets="${f.id}"><strong>${f.name}</strong>${coincide}<br>
        <span class="muted">${plural(f.shared_communes, 'commune', 'communes')} en commun, ${pct(f.share_of_draft_area_pct)} de la superficie du projet</span>${carrier}</li>`;
    });
    return html`<section class="sim-meets" data-meets-layer="${m.layer}">
      <h4>${m.title} <span class="count">(${int(m.features.length)})</span></h4>
      ${isScot ? html`<p class="hint">Un PETR ne peut porter un SCoT que si leurs périmètres coïncident.</p>` : ''}
      ${m.features.length ? html`<ul class="sim-meets-list">${items}</ul>` : html`<p class="none">Aucun</p>`}
    </section>`;
  }

  function renderAnswer() {
    const a = answer;
    const f = a.figures;
    const failed = CHECKS.filter((d) => !a.checks[d.key]?.ok);
    const checkLine = failed.length
      ? `${failed.length} condition${failed.length > 1 ? 's' : ''} du PETR non respectée${failed.length > 1 ? 's' : ''} : ${listFr(failed.map((d) => `« ${d.short} »`))}.`
      : 'Les 4 conditions du PETR sont respectées.';
    setSummary(html`<dl class="figs sim-figs">
        <div class="fig-row"><dt>Population</dt><dd><strong data-sim-fig="population">${hab(f.population)}</strong></dd></div>
        <div class="fig-row"><dt>Superficie</dt><dd><strong data-sim-fig="area_km2">${km2(f.area_km2)}</strong></dd></div>
        <div class="fig-row"><dt>Communes</dt><dd><strong data-sim-fig="communes">${int(f.communes)}</strong></dd></div>
        <div class="fig-row"><dt>EPCI</dt><dd><strong data-sim-fig="epci">${int(f.epci)}</strong></dd></div>
      </dl>
      <p class="sim-check-line ${failed.length ? 'ko' : 'ok'}">${raw(failed.length ? ICON_KO : ICON_OK)} ${checkLine}</p>`);

    result.innerHTML = html`
      <section class="sim-checks-box">
        <h3>Conditions légales d’un PETR <span class="muted">(CGCT, art. L5741-1)</span></h3>
        <ul class="sim-checks">${CHECKS.map((d) => checkItem(d, a.checks[d.key] || { ok: false }))}</ul>
      </section>
      <section class="sim-coverage">
        <h3>Couverture des ${a.coverage.title}</h3>
        ${coverageTable(a.coverage)}
        <p class="hint">France métropolitaine, puis les régions et départements que le projet touche.
          ${draft.base ? 'Le territoire remplacé est retiré de la couverture « après ».' : ''}</p>
      </section>
      <section class="sim-meets-box">
        <h3>Ce que le projet rencontre <span class="muted">(pour information)</span></h3>
        ${a.meets.map(meetsBlock)}
      </section>
      <section class="sim-downloads">
        <h3>Télécharger le projet</h3>
        <p class="dl-links">
          <button type="button" class="btn btn-small" id="sim-dl-geojson">Périmètre (GeoJSON)</button>
          <button type="button" class="btn btn-small" id="sim-dl-csv">EPCI membres (CSV)</button>
        </p>
        <p class="src">Référentiel : ${a.vintage}. Population : somme des populations légales des communes ; superficie géodésique.</p>
      </section>`.html;
  }

  // ---- editing the draft

  function has(siren) { return draft.members.includes(siren); }

  function add(e, { fit = false, say = true } = {}) {
    const siren = String(e.siren ?? e.id);
    if (e.name) known.set(siren, { ...known.get(siren), siren, name: e.name, population: e.population ?? known.get(siren)?.population });
    const name = known.get(siren)?.name || `SIREN ${siren}`;
    if (has(siren)) {
      if (say) announce(`${name} fait déjà partie du projet`);
      return false;
    }
    if (draft.members.length >= MAX_MEMBERS) {
      errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>Un projet compte au plus ${MAX_MEMBERS} EPCI : retirez-en avant d’en ajouter.</p>`.html;
      return false;
    }
    draft.members.push(siren);
    if (say) announce(`${name} ajouté au projet`);
    changed({ fit });
    return true;
  }

  function remove(siren, { say = true } = {}) {
    const i = draft.members.indexOf(siren);
    if (i < 0) return;
    draft.members.splice(i, 1);
    if (say) announce(`${known.get(siren)?.name || `SIREN ${siren}`} retiré du projet`);
    changed();
  }

  function clear() {
    draft.members = [];
    draft.base = null;
    baseSelect.value = '';
    announce('Projet vidé');
    changed();
  }

  /** Starts from an existing Pays / PETR: its member EPCIs (those of the EPCI layer), and `replaces` it. */
  async function startFrom(id, { fit = true } = {}) {
    errorBox.innerHTML = '';
    baseNote.innerHTML = '<p class="progress">Chargement des EPCI du territoire…</p>';
    try {
      const t = await api.territory('pays', id);
      const members = memberEpcis(t);
      const kept = members.filter((m) => !m.unknown && SIREN.test(String(m.id)));
      const dropped = members.filter((m) => m.unknown || !SIREN.test(String(m.id)));
      for (const m of kept) known.set(String(m.id), { ...known.get(String(m.id)), siren: String(m.id), name: m.name });
      draft.members = kept.map((m) => String(m.id));
      draft.base = { id: t.id, name: t.name };
      baseSelect.value = t.id;
      announce(`Projet repris de ${t.name} : ${plural(kept.length, 'EPCI', 'EPCI')}`);
      changed({ fit });
      if (dropped.length) {
        errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-dropped>${plural(dropped.length, 'membre déclaré', 'membres déclarés')} de ${t.name}
          absent${dropped.length > 1 ? 's' : ''} de la couche des EPCI (dissous ou fusionnés depuis) : ${dropped.map((m) => m.id).join(', ')}. Non repris.</p>`.html;
      }
    } catch (e) {
      renderMembers();
      errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>Le Pays ou PETR « ${id} » n’a pas pu être chargé : ${e.status === 404 ? 'il n’existe pas sur la carte' : frenchMessage(e)}.</p>`.html;
    }
  }

  /** Toggles the EPCI at a point of the map (a click, or Entrée on the map's centre). */
  async function toggleAt(lat, lon) {
    inflight += 1;
    try {
      const loc = await api.locate(lat, lon);
      const f = loc.layers.find((l) => l.layer === 'epci')?.features?.[0];
      if (!f) {
        announce('Aucun EPCI à cet endroit');
        return;
      }
      if (has(String(f.id))) remove(String(f.id));
      else add({ siren: f.id, name: f.name, population: f.population });
    } catch (e) {
      errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>Impossible de trouver l’EPCI à cet endroit : ${frenchMessage(e)}.</p>`.html;
    } finally {
      inflight -= 1;
    }
  }

  // ---- downloads

  async function finest() {
    if (answer?.zoom >= DOWNLOAD_ZOOM) return answer;
    return api.simulate({ epci: [...draft.members], replaces: draft.base?.id, zoom: DOWNLOAD_ZOOM });
  }

  const fileStem = () => (draft.base ? `projet-${draft.base.id}` : `projet-${draft.members.length}-epci`);

  result.addEventListener('click', async (e) => {
    const button = closestTo(e, '#sim-dl-geojson, #sim-dl-csv');
    if (!(button instanceof HTMLButtonElement) || !answer) return;
    if (!answerKey.startsWith(`${draftKey()}|`)) {
      errorBox.innerHTML = '<p class="notice notice-warn" data-sim-error>Calcul en cours : réessayez dans un instant.</p>';
      return;
    }
    if (button.id === 'sim-dl-csv') {
      saveBlob(new Blob([draftCsv(answer)], { type: 'text/csv;charset=utf-8' }), `${fileStem()}.csv`);
      announce('Liste des EPCI téléchargée (CSV)');
      return;
    }
    button.disabled = true;
    try {
      const fine = await finest();
      const text = JSON.stringify(draftGeojson(fine, draft.base?.id));
      saveBlob(new Blob([text], { type: 'application/geo+json' }), `${fileStem()}.geojson`);
      announce('Périmètre téléchargé (GeoJSON)');
    } catch (err) {
      errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>Téléchargement impossible : ${frenchError(err)}</p>`.html;
    } finally {
      button.disabled = false;
    }
  });

  // ---- controls

  setupSearch({
    input: searchInput,
    list: $('sim-q-list'),
    prefix: 'sim-q',
    limit: 20,
    keep: (r) => r.layer === 'epci',
    noneText: (q) => `Aucun EPCI pour « ${q} »`,
    onChoose: (r) => {
      add({ siren: r.id, name: r.name, population: r.population }, { fit: true });
      searchInput.value = '';
    },
  });

  membersBox.addEventListener('click', (e) => {
    const button = closestTo(e, '[data-remove]');
    if (!button) return;
    const siren = button.dataset.remove;
    const i = draft.members.indexOf(siren);
    remove(siren);
    // Keep the keyboard where it was: the next member's button, else the previous one, else the search.
    const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (membersBox.querySelectorAll('button[data-remove]'));
    (buttons[Math.min(i, buttons.length - 1)] || searchInput).focus();
  });

  $('sim-clear').addEventListener('click', () => { clear(); searchInput.focus(); });
  baseNote.addEventListener('click', (e) => {
    if (!closestTo(e, '#sim-unbase')) return;
    draft.base = null;
    baseSelect.value = '';
    announce('Le projet ne remplace plus de territoire');
    changed();
    searchInput.focus();
  });
  $('sim-base-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!baseSelect.value) {
      errorBox.innerHTML = '<p class="notice notice-warn" data-sim-error>Choisissez d’abord un Pays ou PETR dans la liste.</p>';
      baseSelect.focus();
      return;
    }
    startFrom(baseSelect.value);
  });

  async function fillPays() {
    if (paysList) return;
    paysList = [];
    try {
      const text = await fetch('/api/layers/pays.csv').then((r) => (r.ok ? r.text() : Promise.reject(new Error(`erreur ${r.status}`))));
      paysList = idsAndNames(text).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
      baseSelect.insertAdjacentHTML('beforeend', paysList.map((p) => html`<option value="${p.id}">${p.name}</option>`.html).join(''));
      if (draft.base) baseSelect.value = draft.base.id;
    } catch (e) {
      paysList = null;
      errorBox.innerHTML = html`<p class="notice notice-warn" data-sim-error>La liste des Pays et PETR n’a pas pu être chargée : ${frenchMessage(e)}.</p>`.html;
    }
  }

  map.on('zoomend', () => { if (active && draft.members.length) schedule(); });

  renderMembers();
  renderEmpty();

  return {
    /** The tab opens: the EPCI limits and the draft go on the map, and the results are computed. */
    activate() {
      if (active) return;
      active = true;
      const epci = manager.get('epci');
      if (epci && !epci.on) {
        forcedEpci = true;
        manager.toggle('epci', true);
      }
      group.addTo(map);
      drawShape();
      map.removeLayer(manager.highlightGroup);
      map.getContainer().classList.add('sim-mode');
      map.getContainer().setAttribute('aria-label', 'Carte. Simulation en cours : cliquer sur un EPCI, ou Entrée pour celui du centre de la carte, l’ajoute au projet ou l’en retire.');
      fillPays();
      schedule();
    },
    deactivate() {
      if (!active) return;
      active = false;
      clearTimeout(timer);
      timer = null;
      if (forcedEpci) {
        forcedEpci = false;
        manager.toggle('epci', false);
      }
      map.removeLayer(group);
      manager.setExtraLegend(null);
      manager.highlightGroup.addTo(map);
      map.getContainer().classList.remove('sim-mode');
      map.getContainer().setAttribute('aria-label', 'Carte des territoires. Cliquer sur la carte affiche les territoires du point dans le panneau.');
    },
    get active() { return active; },
    /** True when the EPCI layer is on only because the panel is open (kept out of the permalink). */
    get forcedEpci() { return forcedEpci; },
    toggleAt,
    /** `sim=…&simbase=…` for the permalink. */
    hashParts() {
      const parts = [];
      if (draft.members.length) parts.push(`sim=${draft.members.join(',')}`);
      if (draft.base) parts.push(`simbase=${encodeURIComponent(draft.base.id)}`);
      return parts;
    },
    /** Restores a draft from the permalink; `fit` moves the map onto it once computed. */
    restore({ members = [], base = null }, { fit = false } = {}) {
      const same = members.join(',') === draft.members.join(',') && (base || '') === (draft.base?.id || '');
      if (same) return;
      draft.members = [...new Set(members.filter((s) => /^[0-9A-Za-z]{1,20}$/.test(s)))];
      draft.base = base ? { id: base, name: paysList?.find((p) => p.id === base)?.name || null } : null;
      if (draft.base && !draft.base.name) {
        api.territory('pays', base).then((t) => {
          if (draft.base?.id === t.id) { draft.base.name = t.name; renderMembers(); }
        }).catch(() => { /* the simulation says it */ });
      }
      if (baseSelect.options.length > 1) baseSelect.value = base || '';
      changed({ fit });
    },
    /** For the tests: nothing scheduled or loading. */
    idle: () => !timer && inflight === 0,
    get answer() { return answer; },
    get members() { return [...draft.members]; },
  };
}
