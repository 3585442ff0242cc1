// @ts-check
// Typed access to the page's elements: a missing or mistyped element fails loudly, where it is looked up.

/**
 * The element with this id, checked to be a `type` (HTMLElement by default).
 * @template {Element} [T=HTMLElement]
 * @param {string} id
 * @param {new (...args: any[]) => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  const want = /** @type {new (...args: any[]) => T} */ (type || HTMLElement);
  if (!(el instanceof want)) throw new Error(`#${id} is missing or not a ${want.name}`);
  return el;
}

/**
 * The element nearest an event's target that matches `selector`, or null.
 * @param {Event} event
 * @param {string} selector
 * @returns {HTMLElement | null}
 */
export function closestTo(event, selector) {
  const found = event.target instanceof Element ? event.target.closest(selector) : null;
  return found instanceof HTMLElement ? found : null;
}
