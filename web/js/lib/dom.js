// @ts-check
// Typed access to the page's elements: a missing or mistyped element fails loudly, where it is looked up.

/**
 * The element with this id, checked to be an HTMLElement.
 * @overload
 * @param {string} id
 * @returns {HTMLElement}
 */
/**
 * The element with this id, checked to be a `type`.
 * @template {Element} T
 * @overload
 * @param {string} id
 * @param {new (...args: any[]) => T} type
 * @returns {T}
 */
/**
 * @param {string} id
 * @param {new (...args: any[]) => Element} [type]
 */
export function byId(id, type = HTMLElement) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
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
