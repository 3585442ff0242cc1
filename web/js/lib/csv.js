// @ts-check
// CSV made in the page (UTF-8, comma, CRLF) from the rows a table was drawn from: raw numbers, not
// their French formatting, so that a spreadsheet reads them as numbers.

import { saveBlob } from './fmt.js';

/**
 * A field, quoted when it holds a comma, a quote or a line break.
 * @param {unknown} v
 */
const csvField = (v) => {
  const s = v == null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The CSV text of a header and its rows.
 * @param {unknown[]} header
 * @param {unknown[][]} rows
 */
export const csvText = (header, rows) => `${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;

/**
 * Saves a header and its rows as a CSV file (no byte-order mark, as the server's own CSV files).
 * @param {string} filename
 * @param {unknown[]} header
 * @param {unknown[][]} rows
 */
export function downloadCsv(filename, header, rows) {
  saveBlob(new Blob([csvText(header, rows)], { type: 'text/csv;charset=utf-8' }), filename);
}
