// @ts-check
// The four legal conditions of a PETR (CGCT art. L5741-1), rendered from the simulation's checks by
// their code: what each means, whether the draft meets it, and what fails when it does not.

import { hab, html, int, listFr, raw } from '../lib/fmt.js';

/** @typedef {import('../api.js').Checks} Checks */
/** @typedef {keyof Checks} CheckCode */
/** @typedef {{code: CheckCode, label: string, short: string, what: string}} CheckText */

/** @type {CheckText[]} */
export const CHECKS = [
  {
    code: 'members_are_epci',
    label: 'Membres : des EPCI à fiscalité propre',
    short: 'des EPCI à fiscalité propre pour membres',
    what: 'Le PETR ne regroupe que des établissements publics de coopération intercommunale à fiscalité propre.',
  },
  {
    code: 'contiguous',
    label: 'D’un seul tenant',
    short: 'd’un seul tenant',
    what: 'Le périmètre doit former un seul morceau : les EPCI se touchent de proche en proche.',
  },
  {
    code: 'no_enclave',
    label: 'Sans enclave',
    short: 'sans enclave',
    what: 'Aucun EPCI extérieur au projet ne doit être entièrement entouré par lui.',
  },
  {
    code: 'epci_in_other_petr',
    label: 'Un EPCI dans un seul PETR',
    short: 'chaque EPCI dans un seul PETR',
    what: 'Un EPCI ne peut appartenir qu’à un seul PETR : aucun membre ne doit déjà faire partie d’un autre Pays ou PETR.',
  },
];

export const ICON_OK = '<svg class="chk-icon" width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="#18753c"/><path d="M5.5 10.3l3 3 6-6.3" stroke="#fff" stroke-width="2.2" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
export const ICON_KO = '<svg class="chk-icon" width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><path d="M10 1.5l9 16.5H1z" fill="#ce0500"/><path d="M10 7v5.2" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/><circle cx="10" cy="15.2" r="1.3" fill="#fff"/></svg>';

/**
 * What fails, for a condition the draft does not meet.
 * @type {{[K in CheckCode]: (c: Checks[K]) => import('../lib/fmt.js').Html}}
 */
const FAILURE = {
  members_are_epci: (c) => html`<ul>${c.not_epci.map((m) => html`<li>${m.name} <span class="muted">(SIREN ${m.siren})</span> : ${m.layer_title || m.layer}, pas un EPCI à fiscalité propre</li>`)}</ul>`,
  contiguous: (c) => html`<p>Le projet est en ${int(c.parts.length)} morceaux séparés :</p>
    <ol class="sim-parts">${c.parts.map((part, i) => html`<li data-part="${i}">${part.map((e) => e.name).join(', ')}</li>`)}</ol>`,
  no_enclave: (c) => html`<p>EPCI entourés par le projet sans en faire partie :</p>
    <ul>${c.enclaves.map((en) => html`<li data-enclave="${en.epci.map((e) => e.siren).join(',')}">${listFr(en.epci.map((e) => e.name))} <span class="muted">(${hab(en.population)})</span></li>`)}</ul>`,
  epci_in_other_petr: (c) => html`<p>Membres déjà dans un autre territoire :</p>
    <ul>${c.members.map((m) => html`<li data-member="${m.siren}">${m.name} : déjà dans <strong>${m.territory.name}</strong>${m.territory.kind ? ` (${m.territory.kind})` : ''}</li>`)}</ul>`,
};

/**
 * @param {CheckText} text
 * @param {Checks} checks
 */
function checkItem(text, checks) {
  const c = checks[text.code];
  const ok = !!c?.ok;
  const detail = ok || !c ? raw('') : FAILURE[text.code](/** @type {any} */ (c));
  return html`<li class="sim-check ${ok ? 'ok' : 'ko'}" data-check="${text.code}" data-ok="${String(ok)}">
    <p class="sim-check-head">${raw(ok ? ICON_OK : ICON_KO)}<span class="sim-check-label">${text.label}</span> :
      <strong class="sim-check-status">${ok ? 'respecté' : 'non respecté'}</strong></p>
    <p class="sim-check-what">${text.what}</p>
    ${detail}
  </li>`;
}

/** @param {Checks} checks */
export const failedChecks = (checks) => CHECKS.filter((t) => !checks[t.code]?.ok);

/**
 * The one-line verdict under the figures.
 * @param {Checks} checks
 */
export function checksLine(checks) {
  const failed = failedChecks(checks);
  const s = failed.length > 1 ? 's' : '';
  const text = failed.length
    ? `${failed.length} condition${s} du PETR non respectée${s} : ${listFr(failed.map((t) => `« ${t.short} »`))}.`
    : 'Les 4 conditions du PETR sont respectées.';
  return html`<p class="sim-check-line ${failed.length ? 'ko' : 'ok'}">${raw(failed.length ? ICON_KO : ICON_OK)} ${text}</p>`;
}

/** @param {Checks} checks */
export function checksSection(checks) {
  return html`<section class="sim-checks-box">
    <h3>Conditions légales d’un PETR <span class="muted">(CGCT, art. L5741-1)</span></h3>
    <ul class="sim-checks">${CHECKS.map((t) => checkItem(t, checks))}</ul>
  </section>`;
}
