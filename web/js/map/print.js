// @ts-check
// A static SVG copy of a small map, for print: the same GeoJSON features the Leaflet map draws, in Web
// Mercator, framed on a bounding box. Vector lines in the PDF, and independent of the screen's size.

import { esc } from '../lib/fmt.js';

const mercator = ([lon, lat]) => {
  const phi = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return [(lon + 180) / 360, (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2];
};

/**
 * Where a map of `bbox` ([minlon, minlat, maxlon, maxlat]) lies in Web Mercator's unit square: the
 * box with a `margin`, widened to the `aspect` (width / height), and `scale` user units a unit so that
 * it is `width` user units wide.
 */
function frameOf(bbox, aspect, width, margin) {
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
  return { x0, y0, scale: width / (x1 - x0) };
}

/** A `[lon, lat]` in a frame's user units. */
const project = ({ x0, y0, scale }, c) => {
  const [x, y] = mercator(c);
  return [(x - x0) * scale, (y - y0) * scale];
};

/**
 * SVG markup of `groups` (drawn in order: `[{cls, features, style: {stroke, width, fill, fillOpacity,
 * dash}}]`) framed on `bbox` ([minlon, minlat, maxlon, maxlat]) widened to the `aspect`
 * (width / height), `width` user units wide. `title` is the image's accessible name. The frame is kept
 * on the element (`data-frame`), for `writeNames`.
 */
export function svgMap(groups, bbox, { aspect = 1.4, width = 1000, margin = 0.06, title = '' } = {}) {
  const frame = frameOf(bbox, aspect, width, margin);
  const height = width / aspect;
  const point = (c) => project(frame, c).map((v) => v.toFixed(1)).join(' ');
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
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height.toFixed(1)}" role="img" preserveAspectRatio="xMidYMid meet" `
    + `data-frame="${frame.x0} ${frame.y0} ${frame.scale}">`
    + `${title ? `<title>${esc(title)}</title>` : ''}<rect class="sea" width="${width}" height="${height.toFixed(1)}" fill="#dde8f1"/>${body.join('')}</svg>`;
}

/**
 * Writes `names`, a screen map's place names as placed there, over `svg` (drawn by `svgMap`), in place
 * of those written before: the map's features are drawn once, its names after each layout. They keep
 * their size and offsets relative to the land: `pixelsPerWorld` is the screen map's width of the world
 * in pixels (256 × 2^zoom). A name the frame would cut is left out, as the screen map leaves out one
 * its edge would cut.
 * @param {SVGSVGElement} svg
 * @param {import('./labels.js').PlacedLabel[]} names
 * @param {number} pixelsPerWorld
 */
export function writeNames(svg, names, pixelsPerWorld) {
  const [x0, y0, scale] = (svg.dataset.frame || '').split(' ').map(Number);
  const { width, height } = svg.viewBox.baseVal;
  // A screen pixel in user units.
  const k = scale / pixelsPerWorld;
  const text = names.flatMap((n) => {
    const [px, py] = project({ x0, y0, scale }, [n.lon, n.lat]);
    const [x, y] = [px + n.dx * k, py + n.dy * k];
    const box = n.element.getBoundingClientRect();
    const [halfWidth, halfHeight] = [(box.width * k) / 2, (box.height * k) / 2];
    if (x - halfWidth < 0 || x + halfWidth > width || y - halfHeight < 0 || y + halfHeight > height) return [];
    const colour = getComputedStyle(n.element).color;
    return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${(n.size * k).toFixed(1)}" `
      + `font-weight="${n.weight}" font-style="${n.style}" fill="${esc(colour)}" stroke="#fff" stroke-width="${(2.5 * k).toFixed(1)}" `
      + `stroke-linejoin="round" paint-order="stroke" text-anchor="middle" dominant-baseline="central">${esc(n.text)}</text>`;
  });
  svg.querySelector('g.names')?.remove();
  if (text.length) svg.insertAdjacentHTML('beforeend', `<g class="names">${text.join('')}</g>`);
}
