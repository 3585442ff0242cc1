// @ts-check
// The simulator's draft: member SIRENs in the order added, the Pays / PETR it replaces, and what is
// known of each SIREN (from the search, a click or an answer). No DOM, no request.

import { memberEpcis } from '../panels/card-parts.js';

/** @typedef {import('../api.js').Territory} Territory */
/** @typedef {{siren: string, name?: string, population?: number, communes?: number}} KnownEpci */

/** Most EPCIs in a draft (the API refuses more). */
export const MAX_MEMBERS = 200;
const SIREN = /^\d{9}$/;
/** What the permalink may name as a member: the API says which are unknown. */
const MEMBER_ID = /^[0-9A-Za-z]{1,20}$/;

export class Draft {
  constructor() {
    /** @type {string[]} */
    this.members = [];
    /** The territory the draft replaces; its legal form when known, for the draft's row. @type {{id: string, name: string | null, kind: string | null} | null} */
    this.base = null;
    /** @type {Map<string, KnownEpci>} */
    this.known = new Map();
  }

  /** `members|base`: two drafts with the same key get the same answer. */
  get key() { return `${this.members.join(',')}|${this.base?.id || ''}`; }

  /** @param {string} siren */
  has(siren) { return this.members.includes(siren); }

  /**
   * Keeps what an answer, a search result or a click says of an EPCI.
   * @param {KnownEpci} e
   */
  learn(e) {
    const before = this.known.get(e.siren);
    this.known.set(e.siren, { ...before, ...e, population: e.population ?? before?.population });
  }

  /** @param {string} siren */
  nameOf(siren) { return this.known.get(siren)?.name || `SIREN ${siren}`; }

  /**
   * @param {string} siren
   * @returns {'added' | 'present' | 'full'}
   */
  add(siren) {
    if (this.has(siren)) return 'present';
    if (this.members.length >= MAX_MEMBERS) return 'full';
    this.members.push(siren);
    return 'added';
  }

  /**
   * @param {string} siren
   * @returns {number} where it was in the list, -1 when absent
   */
  remove(siren) {
    const i = this.members.indexOf(siren);
    if (i >= 0) this.members.splice(i, 1);
    return i;
  }

  clear() {
    this.members = [];
    this.base = null;
  }

  /**
   * Starts from a territory: its member EPCIs that are in the EPCI layer (the others are returned),
   * and the draft replaces it.
   * @param {Territory} t
   * @returns {{kept: string[], dropped: string[]}}
   */
  takeFrom(t) {
    const members = memberEpcis(t);
    const usable = (/** @type {{id: string, unknown?: boolean}} */ m) => !m.unknown && SIREN.test(String(m.id));
    for (const m of members.filter(usable)) this.learn({ siren: String(m.id), name: m.name });
    this.members = members.filter(usable).map((m) => String(m.id));
    const kind = t.properties?.kind;
    this.base = { id: t.id, name: t.name, kind: typeof kind === 'string' ? kind : null };
    return { kept: this.members, dropped: members.filter((m) => !usable(m)).map((m) => String(m.id)) };
  }

  /**
   * Takes the permalink's draft; false when it is the current one.
   * @param {{members?: string[], base?: string | null}} from
   * @param {string | null} baseName the name of `base` when known
   */
  restore({ members = [], base = null }, baseName) {
    const same = members.join(',') === this.members.join(',') && (base || '') === (this.base?.id || '');
    if (same) return false;
    this.members = [...new Set(members.filter((s) => MEMBER_ID.test(s)))];
    this.base = base ? { id: base, name: baseName, kind: null } : null;
    return true;
  }

  /** The draft in the permalink. */
  hashParts() { return { members: [...this.members], base: this.base?.id || null }; }

  /**
   * The body of POST /api/simulate.
   * @param {number} zoom
   * @returns {import('../api.js').DraftRequest}
   */
  request(zoom) { return { epci: [...this.members], replaces: this.base?.id, zoom }; }

  /** The downloads' file name, without extension. */
  fileStem() { return this.base ? `projet-${this.base.id}` : `projet-${this.members.length}-epci`; }
}
