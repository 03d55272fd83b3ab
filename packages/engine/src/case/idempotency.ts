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
 * a different applicant, form, materials or matter is another application, which the
 * (the 办件编号 is the server's, not the request's: the retry keeps the number first given)
 * API refuses (409) instead of answering with this case.
 */
export function isSameStart(catalogue: MatterCatalogue, started: CaseStarted['data'], request: StartCase['data']): boolean {
  const pinned: MatterCatalogue = {
    ...catalogue,
    get: (id, version) => catalogue.get(id, version ?? (id === started.matter ? started.matterVersion : undefined)),
    // The case already started: a retirement since then does not make its retry another application.
    retired: () => undefined,
  };
  const again = decide(pinned, { type: 'StartCase', data: { ...request, caseId: started.caseId, ...(started.caseNumber ? { caseNumber: started.caseNumber } : {}) }, now: started.at }, initialCaseState());
  const event = again.ok ? again.value.find((e): e is CaseStarted => e.type === 'CaseStarted') : undefined;
  return event !== undefined && canonicalize(event.data) === canonicalize(started);
}
