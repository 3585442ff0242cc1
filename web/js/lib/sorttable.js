// @ts-check
// Tables sorted by their column headers: each header holds a button (Tab to it, Enter or Space to
// sort; again to reverse), and `aria-sort` tells assistive technologies the current order.

import { announce, esc, html, raw } from './fmt.js';

const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true });

/**
 * Columns given as an object keyed by column (in display order): `{name: {label, …}, …}` → `[{key: 'name', label, …}, …]`.
 * @param {Record<string, any>} spec
 */
export const keyed = (spec) => Object.entries(spec).map(([key, c]) => ({ key, ...c }));

/**
 * Renders a sortable table into `container`.
 *
 * - `columns`: `[{key, label, type: 'text' | 'number', value(row), cell(row) → html, header: bool}]`;
 *   `value` gives what the column sorts by, `cell` what it shows (the value when absent), and the
 *   column with `header` heads its rows (`<th scope="row">`).
 * - `sort`: `{key, dir: 'asc' | 'desc'}`, the initial order.
 * - `printLimit`: rows after this many (in the current order) are left out of the printed page, and a
 *   line says how many.
 */
export function sortableTable(container, { id, caption, columns, rows, sort, printLimit = Infinity, printNote = '' }) {
  let order = { ...sort };
  const render = () => {
    const col = columns.find((c) => c.key === order.key) || columns[0];
    const sign = order.dir === 'asc' ? 1 : -1;
    const sorted = [...rows].sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      const c = col.type === 'number' ? (x ?? -Infinity) - (y ?? -Infinity) : collator.compare(String(x ?? ''), String(y ?? ''));
      return sign * c || collator.compare(String(columns[0].value(a)), String(columns[0].value(b)));
    });
    return sorted.map((row, i) => html`<tr${i >= printLimit ? raw(' class="print-extra"') : ''}>${columns.map((c) => {
      const value = c.value(row);
      const cell = c.cell ? c.cell(row) : value;
      const attrs = raw(` data-col="${esc(c.key)}" data-value="${esc(value ?? '')}"${c.type === 'number' ? ' class="num"' : ''}`);
      return c.header ? html`<th scope="row"${attrs}>${cell}</th>` : html`<td${attrs}>${cell}</td>`;
    })}</tr>`);
  };
  const ariaSort = (c) => (c.key === order.key ? (order.dir === 'asc' ? 'ascending' : 'descending') : 'none');
  const hidden = Math.max(0, rows.length - printLimit);
  container.innerHTML = html`<div class="table-wrap"><table class="sortable" id="${id}">
    <caption>${caption}</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col" aria-sort="${ariaSort(c)}" data-col="${c.key}"${c.type === 'number' ? raw(' class="num"') : ''}>
      <button type="button" class="sort" data-sort="${c.key}">${c.label}<span class="sort-icon" aria-hidden="true"></span></button></th>`)}</tr></thead>
    <tbody>${render()}</tbody>
    ${hidden ? html`<tfoot class="print-only"><tr><td colspan="${columns.length}">… et ${hidden} autres lignes${printNote ? ` — ${printNote}` : ''}</td></tr></tfoot>` : ''}
  </table></div>`.html;

  const table = container.querySelector('table');
  table.querySelector('thead').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-sort]');
    if (!button) return;
    const col = columns.find((c) => c.key === button.dataset.sort);
    order = order.key === col.key
      ? { key: col.key, dir: order.dir === 'asc' ? 'desc' : 'asc' }
      : { key: col.key, dir: col.type === 'number' ? 'desc' : 'asc' };
    table.querySelector('tbody').innerHTML = html`${render()}`.html;
    for (const th of table.querySelectorAll('thead th')) {
      th.setAttribute('aria-sort', ariaSort(columns.find((c) => c.key === th.dataset.col)));
    }
    announce(`${caption} : trié par ${col.label}, ordre ${order.dir === 'asc' ? 'croissant' : 'décroissant'}`);
  });
  return table;
}
