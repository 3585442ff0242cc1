// @ts-check
// A static SVG copy of a small map, for print: the same GeoJSON features the Leaflet map draws, in Web
// Mercator, framed on a bounding box. Vector lines in the PDF, and independent of the screen's size.

import { esc } from '../lib/fmt.js';

const mercator = ([lon, lat]) => {
  const phi = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return [(lon + 180) / 360, (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2];
};

/**
 * SVG markup of `groups` (drawn in order: `[{cls, features, style: {stroke, width, fill, fillOpacity,
 * dash}}]`) framed on `bbox` ([minlon, minlat, maxlon, maxlat]) widened to the `aspect`
 * (width / height), `width` user units wide. `title` is the image's accessible name.
 */
export function svgMap(groups, bbox, { aspect = 1.4, width = 1000, margin = 0.06, title = '' } = {}) {
  let [x0, y1] = mercator([bbox[0], bbox[1]]);
  let [x1, y0] = mercator([bbox[2], bbox[3]]);
  const mx = (x1 - x0) * margin;
  const my = (y1 - y0) * margin;
  x0 -= mx; x1 += mx; y0 -= my; y1 += my;
  // Widen the frame to the aspect, around the same centre.
  const w = x1 - x0;
  const h = y1 - y0;
  if (w / h < aspect) {
    const extra = (h * aspect - w) / 2;
    x0 -= extra; x1 += extra;
  } else {
    const extra = (w / aspect - h) / 2;
    y0 -= extra; y1 += extra;
  }
  const scale = width / (x1 - x0);
  const height = (y1 - y0) * scale;
  const point = (c) => {
    const [x, y] = mercator(c);
    return `${((x - x0) * scale).toFixed(1)} ${((y - y0) * scale).toFixed(1)}`;
  };
  const ring = (r) => `M${r.map(point).join('L')}Z`;
  const path = (geometry) => {
    if (!geometry) return '';
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map((p) => p.map(ring).join('')).join('');
  };
  const body = groups.filter((g) => g.features?.length).map((g) => {
    const s = g.style;
    const attrs = [
      `fill="${s.fill || 'none'}"`,
      s.fill ? `fill-opacity="${s.fillOpacity ?? 1}"` : '',
      `stroke="${s.stroke || 'none'}"`,
      `stroke-width="${s.width ?? 1}"`,
      s.dash ? `stroke-dasharray="${s.dash}"` : '',
      'vector-effect="non-scaling-stroke" stroke-linejoin="round"',
    ].filter(Boolean).join(' ');
    return `<g class="${esc(g.cls)}" ${attrs}>${g.features.map((f) => `<path fill-rule="evenodd" d="${path(f.geometry)}"/>`).join('')}</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height.toFixed(1)}" role="img" preserveAspectRatio="xMidYMid meet">`
    + `${title ? `<title>${esc(title)}</title>` : ''}<rect class="sea" width="${width}" height="${height.toFixed(1)}" fill="#dde8f1"/>${body.join('')}</svg>`;
}
