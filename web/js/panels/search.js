// @ts-check
// The search box: an ARIA 1.2 combobox with a listbox popup, fed by /api/search.

import { api, frenchMessage, isAbort } from '../api.js';
import { announce, esc, int } from '../lib/fmt.js';
import { isCommunesLayer, layerSingular } from '../catalog.js';

/** @typedef {import('../api.js').SearchResult} SearchResult */

/**
 * @typedef {object} SearchOptions
 * @property {HTMLInputElement} input the combobox
 * @property {HTMLElement} list its listbox
 * @property {(r: SearchResult) => void} onChoose
 * @property {(r: SearchResult) => boolean} [keep] filters the results, e.g. to EPCIs only
 * @property {number} [limit] how many results to ask for (more when `keep` drops many)
 * @property {string} [prefix] names the options' ids (unique per page)
 * @property {(query: string) => string} [noneText] what the list says when nothing is found
 */

/** Wait after a keystroke before asking the API. */
const TYPING_MS = 120;

/**
 * One option of the listbox: the name, a note for a former name or code (« Vire : commune déléguée
 * de Vire Normandie »), then the kind, code, population and Pays.
 * @param {SearchResult} r
 * @param {number} i
 * @param {string} prefix
 */
function optionHtml(r, i, prefix) {
  const code = isCommunesLayer(r.layer) ? ` · ${r.id}` : '';
  const pays = r.pays?.length ? ` · ${r.pays.map((p) => p.name).join(', ')}` : '';
  const population = r.population != null ? ` · ${int(r.population)} hab.` : '';
  const note = r.note ? `<span class="opt-note">${esc(r.note)}</span>` : '';
  return `<li role="option" id="${prefix}-opt-${i}" data-index="${i}" aria-selected="false">`
    + `<span class="opt-name">${esc(r.name)}</span>${note}`
    + `<span class="opt-meta">${esc(layerSingular(r.layer))}${esc(code)}${esc(population)}${esc(pays)}</span></li>`;
}

class Combobox {
  /** @param {SearchOptions} options */
  constructor({
    input, list, onChoose, keep = () => true, limit = 10, prefix = 'q', noneText = (query) => `Aucun résultat pour « ${query} »`,
  }) {
    this.input = input;
    this.list = list;
    this.onChoose = onChoose;
    this.keep = keep;
    this.limit = limit;
    this.prefix = prefix;
    this.noneText = noneText;
    /** @type {SearchResult[]} */
    this.results = [];
    this.active = -1;
    /** @type {AbortController | null} */
    this.controller = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.lastQuery = '';
  }

  open() {
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.active = -1;
  }

  /** @param {number} i the option to mark active, -1 for none */
  setActive(i) {
    const options = this.list.querySelectorAll('[role="option"]');
    options.forEach((o, k) => o.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    this.active = i;
    if (i >= 0 && options[i]) {
      this.input.setAttribute('aria-activedescendant', options[i].id);
      options[i].scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  /** @param {string} text a disabled option saying why there is no result */
  showEmpty(text) {
    this.list.innerHTML = `<li class="empty" role="option" id="${this.prefix}-none" aria-disabled="true" aria-selected="false">${esc(text)}</li>`;
    this.open();
  }

  /** @param {string} query */
  render(query) {
    if (!this.results.length) {
      this.showEmpty(this.noneText(query));
      announce('Aucun résultat');
      return;
    }
    this.list.innerHTML = this.results.map((r, i) => optionHtml(r, i, this.prefix)).join('');
    this.open();
    this.setActive(-1);
    const n = this.results.length;
    announce(`${n} résultat${n > 1 ? 's' : ''}, flèche bas pour les parcourir`);
  }

  /** @param {string} query */
  async run(query) {
    this.controller?.abort();
    if (query.trim().length < 2) {
      this.results = [];
      this.close();
      return;
    }
    const mine = new AbortController();
    this.controller = mine;
    try {
      const data = await api.search(query.trim(), { signal: mine.signal, limit: this.limit });
      if (mine !== this.controller) return;
      this.results = (data.results || []).filter(this.keep);
      this.lastQuery = query;
      this.render(query);
    } catch (e) {
      if (isAbort(e)) return;
      this.results = [];
      this.showEmpty(`Recherche impossible : ${frenchMessage(e)}`);
    }
  }

  /** @param {number} i */
  choose(i) {
    const r = this.results[i];
    if (!r) return;
    this.input.value = r.name;
    this.close();
    this.onChoose(r);
  }

  /**
   * Arrows move through the options (opening the list), Ctrl+Home/End jump to either end.
   * @param {KeyboardEvent} e
   */
  move(e) {
    const n = this.results.length;
    if (!n) return;
    const opening = this.list.hidden;
    if (opening) this.open();
    if (e.key === 'ArrowDown') this.setActive(opening ? 0 : (this.active + 1) % n);
    else if (e.key === 'ArrowUp') this.setActive(opening ? n - 1 : (this.active <= 0 ? n - 1 : this.active - 1));
    else this.setActive(e.key === 'Home' ? 0 : n - 1);
  }

  /** Enter: the active option, else the first; right after typing, the first of a search made now. */
  async enter() {
    clearTimeout(this.timer);
    const value = this.input.value;
    if (value !== this.lastQuery && value.trim().length >= 2) {
      await this.run(value);
      if (this.results.length) this.choose(0);
      return;
    }
    if (this.active >= 0) this.choose(this.active);
    else if (this.results.length) this.choose(0);
  }

  /** Escape: closes the list, or else empties the box. */
  escape() {
    if (!this.list.hidden) {
      this.close();
      return true;
    }
    if (!this.input.value) return false;
    this.input.value = '';
    this.results = [];
    return true;
  }

  /** @param {KeyboardEvent} e */
  keydown(e) {
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        e.preventDefault();
        this.move(e);
        break;
      case 'Home':
      case 'End':
        if (!this.list.hidden && this.results.length && e.ctrlKey) {
          e.preventDefault();
          this.move(e);
        }
        break;
      case 'Enter':
        e.preventDefault();
        this.enter();
        break;
      case 'Escape':
        if (this.escape()) e.preventDefault();
        break;
      case 'Tab':
        this.close();
        break;
      default:
    }
  }

  wire() {
    const { input, list } = this;
    input.addEventListener('input', () => {
      clearTimeout(this.timer);
      const query = input.value;
      this.timer = setTimeout(() => this.run(query), TYPING_MS);
    });
    input.addEventListener('keydown', (e) => this.keydown(e));
    list.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the input
    list.addEventListener('click', (e) => {
      const li = e.target instanceof Element ? e.target.closest('[role="option"][data-index]') : null;
      if (li instanceof HTMLElement) this.choose(Number(li.dataset.index));
    });
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    input.addEventListener('focus', () => {
      if (this.results.length && input.value === this.lastQuery && input.value) this.render(this.lastQuery);
    });
  }
}

/** @param {SearchOptions} options */
export function setupSearch(options) {
  const box = new Combobox(options);
  box.wire();
  return { close: () => box.close() };
}
