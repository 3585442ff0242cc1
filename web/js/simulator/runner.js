// @ts-check
// Asks /api/simulate for the draft: once a burst of changes has settled, at the map's zoom, with the
// request for an older draft aborted. An answer for another zoom of the same draft only redraws.

import { api, isAbort } from '../api.js';

/** @typedef {import('../api.js').Simulation} Simulation */
/** @typedef {import('./draft.js').Draft} Draft */

/** Wait after a change before asking the API (a burst of clicks makes one request). */
const DEBOUNCE_MS = 150;

/**
 * @typedef {object} RunnerHooks
 * @property {() => number} zoom the zoom to ask the shape at
 * @property {(busy: boolean) => void} busy a request starts, or the last one ended
 * @property {(answer: Simulation, sameDraft: boolean) => void} answer `sameDraft`: only the zoom changed
 * @property {(error: unknown) => void} failure
 */

export class SimulationRunner {
  /**
   * @param {Draft} draft
   * @param {RunnerHooks} hooks
   */
  constructor(draft, hooks) {
    this.draft = draft;
    this.hooks = hooks;
    /** @type {Simulation | null} */
    this.answer = null;
    /** `draft key|zoom` of the answer. */
    this.answerKey = '';
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    /** @type {AbortController | null} */
    this.controller = null;
    /** The draft the request in flight is for. */
    this.controllerDraft = '';
    this.inflight = 0;
  }

  /** Nothing scheduled and nothing in flight. */
  get idle() { return !this.timer && this.inflight === 0; }

  /** The answer is for the current draft (at whatever zoom). */
  get current() { return !!this.answer && this.answerKey.startsWith(`${this.draft.key}|`); }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets the answer and drops any request: the draft is empty. */
  reset() {
    this.cancel();
    if (this.controller) this.hooks.busy(false);
    this.controller?.abort();
    this.controller = null;
    this.answer = null;
    this.answerKey = '';
  }

  /** Asks again after the debounce, unless the answer is for this draft at this zoom. */
  schedule() {
    this.cancel();
    if (`${this.draft.key}|${this.hooks.zoom()}` === this.answerKey) return;
    // A request for another draft is stale now.
    if (this.controller && this.controllerDraft !== this.draft.key) {
      this.controller.abort();
      this.controller = null;
    }
    this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
  }

  async run() {
    this.timer = null;
    this.controller?.abort();
    const mine = new AbortController();
    this.controller = mine;
    const requested = this.draft.key;
    this.controllerDraft = requested;
    const zoom = this.hooks.zoom();
    this.inflight += 1;
    this.hooks.busy(true);
    try {
      const a = await api.simulate(this.draft.request(zoom), { signal: mine.signal });
      if (mine !== this.controller) return;
      const sameDraft = !!this.answer && this.answerKey.startsWith(`${requested}|`);
      this.answer = a;
      this.answerKey = `${requested}|${zoom}`;
      this.hooks.answer(a, sameDraft);
    } catch (e) {
      if (isAbort(e) || mine !== this.controller) return;
      this.answer = null;
      this.answerKey = '';
      this.hooks.failure(e);
    } finally {
      this.inflight -= 1;
      if (mine === this.controller) {
        this.controller = null;
        this.hooks.busy(false);
      }
    }
  }
}
