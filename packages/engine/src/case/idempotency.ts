import { canonicalize } from '../audit/canonical.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import type { StartCase } from './commands.js';
import { decide } from './decide.js';
import type { CaseStarted } from './events.js';
import { initialCaseState } from './state.js';

/**
 * Whether `request` (a StartCase sent again with the same Idempotency-Key) asks for the
 * case that `started` began: `decide` records it as exactly the same CaseStarted, under
 * the matter version the case started with. The same request differs only in what
 * `decide` normalises (member order, trimmed text, ID type labels, materials left out);
 * a different applicant, form, materials, matter, 即办 or 容缺 choice is another application, which the
 * (the 办件编号 is the server's, not the request's: the retry keeps the number first given)
 * API refuses (409) instead of answering with this case.
 */
export function isSameStart(catalogue: MatterCatalogue, recorded: readonly { type: string; data: unknown }[], request: StartCase['data']): boolean {
  const first = recorded[0];
  if (first?.type !== 'CaseStarted') return false;
  const started = first.data as CaseStarted['data'];
  const pinned: MatterCatalogue = {
    ...catalogue,
    get: (id, version) => catalogue.get(id, version ?? (id === started.matter ? started.matterVersion : undefined)),
    // The case already started: a retirement since then does not make its retry another application.
    retired: () => undefined,
  };
  const again = decide(pinned, { type: 'StartCase', data: { ...request, caseId: started.caseId, ...(started.caseNumber ? { caseNumber: started.caseNumber } : {}) }, now: started.at }, initialCaseState());
  // Every event the start recorded must match, not only CaseStarted: 即办 outputs, a 容缺
  // promise or the visit to the window are part of the application too.
  return again.ok && again.value.every((e, i) => recorded[i]?.type === e.type && canonicalize(recorded[i]!.data) === canonicalize(e.data));
}
