// @ts-check
// The search box: an ARIA 1.2 combobox with a listbox popup, fed by /api/search.

import { api, frenchMessage, isAbort } from '../api.js';
import { announce, esc, int } from '../lib/fmt.js';
import { isCommunesLayer, layerSingular } from '../catalog.js';

/**
 * `keep` (optional) filters the results, e.g. to EPCIs only; `limit` asks the API for more results
 * when `keep` drops many; `prefix` names the options' ids (unique per page).
 */
export function setupSearch({
  input, list, onChoose, keep = () => true, limit = 10, prefix = 'q', noneText = (query) => `Aucun résultat pour « ${query} »`,
}) {
  let results = [];
  let active = -1;
  let controller = null;
  let timer = null;
  let lastQuery = '';

  const open = () => {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  function setActive(i) {
    const options = list.querySelectorAll('[role="option"]');
    options.forEach((o, k) => o.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    active = i;
    if (i >= 0 && options[i]) {
      input.setAttribute('aria-activedescendant', options[i].id);
      options[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render(query) {
    if (!results.length) {
      list.innerHTML = `<li class="empty" role="option" id="${prefix}-none" aria-disabled="true" aria-selected="false">${esc(noneText(query))}</li>`;
      open();
      announce('Aucun résultat');
      return;
    }
    list.innerHTML = results.map((r, i) => {
      const code = isCommunesLayer(r.layer) ? ` · ${r.id}` : '';
      const pays = r.pays?.length ? ` · ${r.pays.map((p) => p.name).join(', ')}` : '';
      const population = r.population != null ? ` · ${int(r.population)} hab.` : '';
      // A former name or code leads to today's commune: say which (« Vire : commune déléguée de Vire Normandie »).
      const note = r.note ? `<span class="opt-note">${esc(r.note)}</span>` : '';
      return `<li role="option" id="${prefix}-opt-${i}" data-index="${i}" aria-selected="false">`
        + `<span class="opt-name">${esc(r.name)}</span>${note}`
        + `<span class="opt-meta">${esc(layerSingular(r.layer))}${esc(code)}${esc(population)}${esc(pays)}</span></li>`;
    }).join('');
    open();
    setActive(-1);
    announce(`${results.length} résultat${results.length > 1 ? 's' : ''}, flèche bas pour les parcourir`);
  }

  async function run(query) {
    controller?.abort();
    if (query.trim().length < 2) {
      results = [];
      close();
      return;
    }
    controller = new AbortController();
    const mine = controller;
    try {
      const data = await api.search(query.trim(), { signal: mine.signal, limit });
      if (mine !== controller) return;
      results = (data.results || []).filter(keep);
      lastQuery = query;
      render(query);
    } catch (e) {
      if (!isAbort(e)) {
        results = [];
        list.innerHTML = `<li class="empty" role="option" id="${prefix}-none" aria-disabled="true" aria-selected="false">Recherche impossible : ${esc(frenchMessage(e))}</li>`;
        open();
      }
    }
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    input.value = r.name;
    close();
    onChoose(r);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const query = input.value;
    timer = setTimeout(() => run(query), 120);
  });

  input.addEventListener('keydown', async (e) => {
    const n = results.length;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (list.hidden && n) { open(); setActive(0); } else if (n) setActive((active + 1) % n);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (list.hidden && n) { open(); setActive(n - 1); } else if (n) setActive(active <= 0 ? n - 1 : active - 1);
        break;
      case 'Home':
      case 'End':
        if (!list.hidden && n && e.ctrlKey) {
          e.preventDefault();
          setActive(e.key === 'Home' ? 0 : n - 1);
        }
        break;
      case 'Enter': {
        e.preventDefault();
        clearTimeout(timer);
        // Enter right after typing: search now if the results are for an older text.
        if (input.value !== lastQuery && input.value.trim().length >= 2) {
          await run(input.value);
          if (results.length) choose(0);
          return;
        }
        if (active >= 0) choose(active);
        else if (n) choose(0);
        break;
      }
      case 'Escape':
        if (!list.hidden) {
          e.preventDefault();
          close();
        } else if (input.value) {
          e.preventDefault();
          input.value = '';
          results = [];
        }
        break;
      case 'Tab':
        close();
        break;
      default:
    }
  });

  list.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the input
  list.addEventListener('click', (e) => {
    const li = e.target.closest('[role="option"][data-index]');
    if (li) choose(Number(li.dataset.index));
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  input.addEventListener('focus', () => {
    if (results.length && input.value === lastQuery && input.value) render(lastQuery);
  });

  return { close };
}
