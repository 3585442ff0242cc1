// @ts-check
// The « Simuler un périmètre » panel: a draft Pays / PETR built from EPCIs (clicked on the map,
// searched, or taken from an existing Pays), its figures, shape and coverage change, and the legal
// checks of a PETR (CGCT art. L5741-1), all from /api/simulate. The draft lives in the URL hash.
// This module holds the DOM events; the draft, the request, the markup and the files are its siblings'.

import { api, ApiError, frenchMessage } from '../api.js';
import { announce, html, int, plural } from '../lib/fmt.js';
import { idsAndNames } from '../panels/data.js';
import { setupSearch } from '../panels/search.js';
import { byId, closestTo } from '../lib/dom.js';
import { Draft, MAX_MEMBERS } from './draft.js';
import { DOWNLOAD_ZOOM, saveCsv, saveGeojson, saveRow } from './export.js';
import { baseNoteHtml, EMPTY_SUMMARY, membersHtml, resultsHtml, summaryHtml } from './results.js';
import { SimulationRunner } from './runner.js';
import { DraftShape } from './shape.js';

const MAP_LABEL = 'Carte des territoires. Cliquer sur la carte affiche les territoires du point dans le panneau.';
const SIM_MAP_LABEL = 'Carte. Simulation en cours : cliquer sur un EPCI, ou Entrée pour celui du centre de la carte, l’ajoute au projet ou l’en retire.';

/**
 * @typedef {object} SimulatorOptions
 * @property {L.Map} map
 * @property {any} manager the LayerManager
 * @property {string} epciLayer the layer whose features are the draft's members
 * @property {string} territoriesLayer the Pays / PETR a draft may start from and replace
 * @property {() => void} [onChange] the draft changed (the permalink follows)
 */

class SimulatorPanel {
  /** @param {SimulatorOptions} options */
  constructor({ map, manager, epciLayer, territoriesLayer, onChange }) {
    this.map = map;
    this.manager = manager;
    this.epciLayer = epciLayer;
    this.territoriesLayer = territoriesLayer;
    this.onChange = onChange;
    this.el = {
      pane: byId('pane-simuler'),
      members: byId('sim-members'),
      count: byId('sim-count'),
      summary: byId('sim-summary'),
      result: byId('sim-result'),
      error: byId('sim-error'),
      base: byId('sim-base', HTMLSelectElement),
      baseNote: byId('sim-base-note'),
      search: byId('sim-q', HTMLInputElement),
      clear: byId('sim-clear'),
    };
    this.draft = new Draft();
    this.shape = new DraftShape(map, manager, epciLayer);
    this.runner = new SimulationRunner(this.draft, {
      zoom: () => Math.max(0, Math.min(DOWNLOAD_ZOOM, Math.round(map.getZoom()))),
      busy: (on) => this.busy(on),
      answer: (a, sameDraft) => this.answered(a, sameDraft),
      failure: (e) => this.failed(e),
    });
    this.active = false;
    /** The EPCI layer is on only because the panel is open (kept out of the permalink). */
    this.forcedEpci = false;
    this.pendingFit = false;
    /** Clicks on the map being located. */
    this.locating = 0;
    this.lastSummary = '';
    /** @type {{id: string, name: string}[] | null} */
    this.paysList = null;
  }

  get answer() { return this.runner.answer; }

  // ---- the request and its answer

  /** @param {{fit?: boolean}} [options] */
  changed({ fit = false } = {}) {
    this.pendingFit = this.pendingFit || fit;
    this.renderMembers();
    this.onChange?.();
    this.schedule();
  }

  schedule() {
    this.runner.cancel();
    if (!this.active) return;
    if (this.draft.members.length) {
      this.runner.schedule();
      return;
    }
    this.runner.reset();
    this.el.error.innerHTML = '';
    this.renderEmpty();
    this.drawShape();
  }

  /** @param {boolean} on */
  busy(on) {
    if (on) this.el.result.setAttribute('aria-busy', 'true');
    else this.el.result.removeAttribute('aria-busy');
    this.el.pane.classList.toggle('sim-loading', on);
  }

  /**
   * @param {import('../api.js').Simulation} a
   * @param {boolean} sameDraft only the zoom changed: the shape is redrawn, the panel (and the focus in it) stays
   */
  answered(a, sameDraft) {
    for (const e of a.epci) this.draft.learn(e);
    if (!sameDraft) {
      this.el.error.innerHTML = '';
      this.renderMembers();
      this.renderAnswer();
    }
    this.drawShape();
    if (this.pendingFit) {
      this.pendingFit = false;
      this.shape.fit(a);
    }
  }

  /** @param {unknown} e */
  failed(e) {
    this.drawShape();
    const text = `Simulation impossible : ${frenchMessage(e)}.`;
    this.showError(text);
    this.el.result.innerHTML = '';
    this.setSummary(html`<p class="sim-stale">Résultats indisponibles : ${text}</p>`);
  }

  // ---- rendering

  drawShape() {
    if (!this.active) this.shape.clear();
    else this.shape.draw(this.draft.members.length ? this.answer : null);
  }

  /** @param {string} text */
  showError(text) {
    this.el.error.innerHTML = html`<p class="notice notice-warn" data-sim-error>${text}</p>`.html;
  }

  /**
   * The summary is a polite live region: it is only rewritten when its text changes.
   * @param {import('../lib/fmt.js').Html} content
   */
  setSummary(content) {
    if (content.html === this.lastSummary) return;
    this.el.summary.innerHTML = content.html;
    this.lastSummary = content.html;
  }

  renderMembers() {
    const { members: box, count, clear, baseNote } = this.el;
    // The list is rewritten: keep the keyboard focus on the same member's button.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && box.contains(active) ? active.dataset.remove : null;
    count.textContent = `(${int(this.draft.members.length)})`;
    clear.hidden = !this.draft.members.length && !this.draft.base;
    box.innerHTML = membersHtml(this.draft, this.answer);
    const again = focused ? box.querySelector(`[data-remove="${CSS.escape(focused)}"]`) : null;
    if (again instanceof HTMLElement) again.focus();
    baseNote.innerHTML = baseNoteHtml(this.draft.base);
  }

  renderEmpty() {
    this.setSummary(EMPTY_SUMMARY);
    this.el.result.innerHTML = '';
  }

  renderAnswer() {
    const a = this.answer;
    this.setSummary(summaryHtml(a));
    this.el.result.innerHTML = resultsHtml(a, { replaces: !!this.draft.base }).html;
  }

  // ---- editing the draft

  /**
   * @param {{siren: string, name?: string, population?: number}} e
   * @param {{fit?: boolean}} [options]
   */
  add(e, { fit = false } = {}) {
    if (e.name) this.draft.learn(e);
    const name = this.draft.nameOf(e.siren);
    const outcome = this.draft.add(e.siren);
    if (outcome === 'present') announce(`${name} fait déjà partie du projet`);
    if (outcome === 'full') this.showError(`Un projet compte au plus ${MAX_MEMBERS} EPCI : retirez-en avant d’en ajouter.`);
    if (outcome !== 'added') return;
    announce(`${name} ajouté au projet`);
    this.changed({ fit });
  }

  /** @param {string} siren */
  remove(siren) {
    if (this.draft.remove(siren) < 0) return;
    announce(`${this.draft.nameOf(siren)} retiré du projet`);
    this.changed();
  }

  clear() {
    this.draft.clear();
    this.el.base.value = '';
    announce('Projet vidé');
    this.changed();
  }

  unbase() {
    this.draft.base = null;
    this.el.base.value = '';
    announce('Le projet ne remplace plus de territoire');
    this.changed();
  }

  /**
   * Starts from an existing Pays / PETR: its member EPCIs (those of the EPCI layer), and `replaces` it.
   * @param {string} id
   */
  async startFrom(id, { fit = true } = {}) {
    this.el.error.innerHTML = '';
    this.el.baseNote.innerHTML = '<p class="progress">Chargement des EPCI du territoire…</p>';
    try {
      const t = await api.territory(this.territoriesLayer, id);
      const { kept, dropped } = this.draft.takeFrom(t);
      this.el.base.value = t.id;
      announce(`Projet repris de ${t.name} : ${plural(kept.length, 'EPCI', 'EPCI')}`);
      this.changed({ fit });
      if (dropped.length) {
        this.el.error.innerHTML = html`<p class="notice notice-warn" data-sim-dropped>${plural(dropped.length, 'membre déclaré', 'membres déclarés')} de ${t.name}
          absent${dropped.length > 1 ? 's' : ''} de la couche des EPCI (dissous ou fusionnés depuis) : ${dropped.join(', ')}. Non repris.</p>`.html;
      }
    } catch (e) {
      this.renderMembers();
      const why = e instanceof ApiError && e.status === 404 ? 'il n’existe pas sur la carte' : frenchMessage(e);
      this.showError(`Le Pays ou PETR « ${id} » n’a pas pu être chargé : ${why}.`);
    }
  }

  /**
   * Toggles the EPCI at a point of the map (a click, or Entrée on the map's centre).
   * @param {number} lat
   * @param {number} lon
   */
  async toggleAt(lat, lon) {
    this.locating += 1;
    try {
      const loc = await api.locate(lat, lon);
      const f = loc.layers.find((l) => l.layer === this.epciLayer)?.features?.[0];
      if (!f) announce('Aucun EPCI à cet endroit');
      else if (this.draft.has(String(f.id))) this.remove(String(f.id));
      else this.add({ siren: String(f.id), name: f.name, population: f.population });
    } catch (e) {
      this.showError(`Impossible de trouver l’EPCI à cet endroit : ${frenchMessage(e)}.`);
    } finally {
      this.locating -= 1;
    }
  }

  /** @param {HTMLButtonElement} button */
  async download(button) {
    if (!this.runner.current) {
      this.showError('Calcul en cours : réessayez dans un instant.');
      return;
    }
    if (button.id === 'sim-dl-csv') {
      saveCsv(this.answer, this.draft);
      announce('Liste des EPCI téléchargée (CSV)');
      return;
    }
    if (button.id === 'sim-dl-row') {
      saveRow(this.answer, this.draft);
      announce('Ligne de pays-petr.csv téléchargée');
      return;
    }
    button.disabled = true;
    try {
      await saveGeojson(this.answer, this.draft);
      announce('Périmètre téléchargé (GeoJSON)');
    } catch (err) {
      this.showError(`Téléchargement impossible : ${frenchMessage(err)}.`);
    } finally {
      button.disabled = false;
    }
  }

  async fillPays() {
    if (this.paysList) return;
    this.paysList = [];
    try {
      const text = await api.layerCsv(this.territoriesLayer);
      this.paysList = idsAndNames(text).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
      this.el.base.insertAdjacentHTML('beforeend', this.paysList.map((p) => html`<option value="${p.id}">${p.name}</option>`.html).join(''));
      if (this.draft.base) this.el.base.value = this.draft.base.id;
    } catch (e) {
      this.paysList = null;
      this.showError(`La liste des Pays et PETR n’a pas pu être chargée : ${frenchMessage(e)}.`);
    }
  }

  // ---- the tab

  /** The tab opens: the EPCI limits and the draft go on the map, and the results are computed. */
  activate() {
    if (this.active) return;
    this.active = true;
    const epci = this.manager.get(this.epciLayer);
    if (epci && !epci.on) {
      this.forcedEpci = true;
      this.manager.toggle(this.epciLayer, true);
    }
    this.shape.show();
    this.drawShape();
    this.map.removeLayer(this.manager.highlightGroup);
    this.map.getContainer().classList.add('sim-mode');
    this.map.getContainer().setAttribute('aria-label', SIM_MAP_LABEL);
    this.fillPays();
    this.schedule();
  }

  deactivate() {
    if (!this.active) return;
    this.active = false;
    this.runner.cancel();
    if (this.forcedEpci) {
      this.forcedEpci = false;
      this.manager.toggle(this.epciLayer, false);
    }
    this.shape.hide();
    this.manager.highlightGroup.addTo(this.map);
    this.map.getContainer().classList.remove('sim-mode');
    this.map.getContainer().setAttribute('aria-label', MAP_LABEL);
  }

  /**
   * Restores a draft from the permalink; `fit` moves the map onto it once computed.
   * @param {{members?: string[], base?: string | null}} from
   */
  restore(from, { fit = false } = {}) {
    const baseName = this.paysList?.find((p) => p.id === from.base)?.name || null;
    if (!this.draft.restore(from, baseName)) return;
    const base = this.draft.base;
    if (base && !base.name) {
      api.territory(this.territoriesLayer, base.id).then((t) => {
        if (this.draft.base?.id === t.id) {
          this.draft.base.name = t.name;
          this.renderMembers();
        }
      }).catch(() => { /* the simulation says it */ });
    }
    if (this.el.base.options.length > 1) this.el.base.value = base?.id || '';
    this.changed({ fit });
  }
}

/**
 * The panel's controls: the search, the member list, the base form, the downloads, the map's zoom.
 * @param {SimulatorPanel} panel
 */
function wire(panel) {
  const { el, draft } = panel;
  setupSearch({
    input: el.search,
    list: byId('sim-q-list'),
    prefix: 'sim-q',
    limit: 20,
    keep: (r) => r.layer === panel.epciLayer,
    noneText: (q) => `Aucun EPCI pour « ${q} »`,
    onChoose: (r) => {
      panel.add({ siren: r.id, name: r.name, population: r.population }, { fit: true });
      el.search.value = '';
    },
  });
  el.members.addEventListener('click', (e) => {
    const button = closestTo(e, '[data-remove]');
    if (!button) return;
    const siren = button.dataset.remove;
    const i = draft.members.indexOf(siren);
    panel.remove(siren);
    // Keep the keyboard where it was: the next member's button, else the previous one, else the search.
    const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (el.members.querySelectorAll('button[data-remove]'));
    (buttons[Math.min(i, buttons.length - 1)] || el.search).focus();
  });
  el.clear.addEventListener('click', () => { panel.clear(); el.search.focus(); });
  el.baseNote.addEventListener('click', (e) => {
    if (!closestTo(e, '#sim-unbase')) return;
    panel.unbase();
    el.search.focus();
  });
  byId('sim-base-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (el.base.value) {
      panel.startFrom(el.base.value);
      return;
    }
    panel.showError('Choisissez d’abord un Pays ou PETR dans la liste.');
    el.base.focus();
  });
  el.result.addEventListener('click', (e) => {
    const button = closestTo(e, '#sim-dl-geojson, #sim-dl-csv, #sim-dl-row');
    if (button instanceof HTMLButtonElement && panel.answer) panel.download(button);
  });
  panel.map.on('zoomend', () => { if (panel.active && draft.members.length) panel.schedule(); });
}

/** @param {SimulatorOptions} options */
export function setupSimulator(options) {
  const panel = new SimulatorPanel(options);
  wire(panel);
  panel.renderMembers();
  panel.renderEmpty();
  return {
    activate: () => panel.activate(),
    deactivate: () => panel.deactivate(),
    get active() { return panel.active; },
    /** True when the EPCI layer is on only because the panel is open (kept out of the permalink). */
    get forcedEpci() { return panel.forcedEpci; },
    /** @param {number} lat @param {number} lon */
    toggleAt: (lat, lon) => panel.toggleAt(lat, lon),
    /** The draft for the permalink. */
    hashParts: () => panel.draft.hashParts(),
    /** @param {{members?: string[], base?: string | null}} from @param {{fit?: boolean}} [options] */
    restore: (from, options) => panel.restore(from, options),
    /** For the tests: nothing scheduled or loading. */
    idle: () => panel.runner.idle && panel.locating === 0,
    get answer() { return panel.answer; },
    get members() { return [...panel.draft.members]; },
  };
}
