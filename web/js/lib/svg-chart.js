// @ts-check
// A horizontal bar chart in SVG, built element by element (no library): the coverage panel's shares
// by région or département, and the indicators' reference beside the measure.

import { pct } from './fmt.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @typedef {{key: string, cls: string, keyCls: string, label: string, of: string}} Series one bar of each
 *   row: its value key, CSS class, key label and tooltip words
 */

/**
 * Horizontal bars, two per row, in an SVG built element by element.
 * @param {({name: string} & Record<string, any>)[]} rows
 * @param {{title: string, id: string, series: Series[]}} options
 */
export function barChart(rows, { title, id, series }) {
  const W = 400;
  const left = 8;
  const barMax = 300;
  const rowH = 48;
  const top = 34;
  const H = top + rows.length * rowH + 8;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', `${id}-title`);
  svg.classList.add('chart');
  const el = (name, attrs, text) => {
    const e = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    svg.append(e);
    return e;
  };
  el('title', { id: `${id}-title` }, title);
  // Key.
  series.forEach((s, i) => {
    el('rect', { x: left + 160 * i, y: 6, width: 12, height: 10, class: s.keyCls });
    el('text', { x: left + 160 * i + 17, y: 15, class: 'chart-key' }, s.label);
  });
  // Grid at 0, 25, 50, 75, 100 %.
  for (const g of [0, 25, 50, 75, 100]) {
    const x = left + (barMax * g) / 100;
    el('line', { x1: x, x2: x, y1: top - 4, y2: H - 6, class: g ? 'grid' : 'axis' });
    el('text', { x, y: top - 7, class: 'grid-label', 'text-anchor': g === 0 ? 'start' : g === 100 ? 'end' : 'middle' }, `${g} %`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    el('text', { x: left, y: y + 12, class: 'row-label' }, r.name);
    series.slice(0, 2).forEach((s, k) => {
      const dy = 25 + 13 * k;
      const v = Math.max(0, Math.min(100, r[s.key] || 0));
      const w = (barMax * v) / 100;
      const rect = el('rect', { x: left, y: y + dy - 9, width: Math.max(w, 0.5), height: 11, class: s.cls });
      const t = document.createElementNS(SVG_NS, 'title');
      t.textContent = `${r.name} : ${pct(r[s.key])} ${s.of}`;
      rect.append(t);
      el('text', { x: left + w + 4, y: y + dy + 1, class: 'bar-value' }, pct(r[s.key]));
    });
  });
  return svg;
}
